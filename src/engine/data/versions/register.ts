// Registering a dataset version: the content is hashed the way the runner hashes stage inputs
// (../../runner/hash.ts), and a content already registered under the name is returned as it is (no
// write at all). New content (surely new when no version of the name has its size: then profiled while
// it is hashed) is profiled (one streamed pass; personal data masked by the profile engine)
// outside the write transaction, then written as the next version number with the previous latest as its
// parent. Versions are never updated afterwards. Runs are linked to versions with linkRun().
import { statSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import type { Database } from '../../store/open';
import { storeError, writeTx } from '../../store/tx';
import { describeError, fail, ok, type Result } from '../../result';
import { Hasher } from '../../runner/hash';
import type { PiiRule } from '../pii/protect';
import type { DataFormat } from '../read/batch';
import { profileDataFile } from '../profile/profile';
import type { DatasetProfile } from '../profile/schema';
import { readVersion } from './read';
import type { DatasetVersion } from './schema';

export interface RegisterInput {
  /** The dataset's name (the pipeline's `datasets:` key, or `--name`). */
  name: string;
  /** Absolute path of the file or folder. */
  file: string;
  /** The workspace folder: the dataset's path is kept relative to it when inside. */
  root: string;
  /** A hasher with the runner's stat cache, so a file the run already hashed is not read again. */
  hasher?: Hasher;
  /** `pii:` rules of the dataset's expectations, by column. */
  pii?: Map<string, PiiRule>;
  /** The file's format when its extension does not say (the dataset's `format:`). */
  format?: DataFormat;
  /** Key of the `hash` rule (SEXTANT_PII_SALT). */
  salt?: string;
  clock?: () => number;
}

interface Registered {
  version: DatasetVersion;
  /** false: this content was registered before, and nothing was written. */
  created: boolean;
  /** The dataset_versions row id (for run links). */
  id: number;
  /** Why the version has no profile (a folder, a format or file the readers cannot read). */
  note?: string;
}

export async function registerDatasetVersion(db: Database, input: RegisterInput): Promise<Result<Registered>> {
  const profileFile = (): Promise<Result<DatasetProfile>> => profileDataFile(input.file, { ...(input.pii ? { pii: input.pii } : {}), ...(input.salt ? { salt: input.salt } : {}), ...(input.format ? { format: input.format } : {}) });
  // A file whose size no version of this name has is new content for sure: its profile (worker threads for a large file)
  // starts while the main thread hashes it, instead of after. Otherwise the hash comes first, so an
  // unchanged file is not profiled again.
  const size = fileSize(input.file);
  const surelyNew = size !== undefined && !hasVersionOfSize(db, input.name, size);
  const early = surelyNew ? profileFile() : undefined;
  const hashed = await (input.hasher ?? new Hasher()).path(input.file);
  if (hashed.kind === 'missing' || hashed.sha256 === null) {
    await early;
    return fail({ code: 'data-missing', file: input.file, message: `Cannot register dataset "${input.name}": the file does not exist.` });
  }
  const sha256 = hashed.sha256;
  const known = findVersion(db, input.name, sha256);
  if (known) {
    await early;
    return ok({ ...known, created: false });
  }

  let profile: DatasetProfile | null = null;
  let note: string | undefined;
  if (hashed.kind === 'dir') note = 'a folder: hashed, not profiled';
  else {
    const profiled = await (early ?? profileFile());
    if (profiled.ok) profile = profiled.value;
    else note = `not profiled: ${describeError(profiled.error)}`;
  }
  const now = (input.clock ?? Date.now)();
  const path = isAbsolute(input.file) && !relative(input.root, input.file).startsWith('..') ? relative(input.root, input.file) || '.' : input.file;
  const schema = profile ? JSON.stringify(profile.columns.map((c) => ({ name: c.name, type: c.type }))) : null;
  try {
    const written = writeTx(db, () => {
      // Another process may have registered the same content meanwhile: then that version stands.
      const again = findVersion(db, input.name, sha256);
      if (again) return { id: again.id, created: false };
      db.prepare('INSERT INTO datasets (name, path, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET path = excluded.path').run(input.name, path, now);
      const datasetId = db.prepare('SELECT id FROM datasets WHERE name = ?').pluck().get(input.name) as number;
      const latest = db.prepare('SELECT id, version FROM dataset_versions WHERE dataset_id = ? ORDER BY version DESC LIMIT 1').get(datasetId) as { id: number; version: number } | undefined;
      const info = db
        .prepare('INSERT INTO dataset_versions (dataset_id, version, content_hash, size, row_count, schema_json, profile_json, parent_version_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(datasetId, (latest?.version ?? 0) + 1, sha256, hashed.size, profile?.rows ?? null, schema, profile ? JSON.stringify(profile) : null, latest?.id ?? null, now);
      return { id: Number(info.lastInsertRowid), created: true };
    });
    const version = readVersion(db, written.id);
    if (!version) return fail({ code: 'dataset-version-unknown', message: `Dataset "${input.name}": the version just written cannot be read back.` });
    return ok({ version, id: written.id, created: written.created, ...(note ? { note } : {}) });
  } catch (err) {
    return fail(storeError(err, db.name, `register a version of dataset "${input.name}"`));
  }
}

/** The size of a file (undefined: not a file, or not there). */
function fileSize(path: string): number | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

function hasVersionOfSize(db: Database, name: string, size: number): boolean {
  return db.prepare('SELECT 1 FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id WHERE d.name = ? AND dv.size = ? LIMIT 1').pluck().get(name, size) !== undefined;
}

function findVersion(db: Database, name: string, sha256: string): { id: number; version: DatasetVersion } | undefined {
  const id = db.prepare('SELECT dv.id FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id WHERE d.name = ? AND dv.content_hash = ?').pluck().get(name, sha256) as number | undefined;
  const version = id === undefined ? undefined : readVersion(db, id);
  return id !== undefined && version ? { id, version } : undefined;
}

/** Records that a run read (`input`) or wrote (`output`) a dataset version; recording it twice is a no-op. */
export function linkRun(db: Database, runUid: string, versionId: number, role: 'input' | 'output'): Result<boolean> {
  try {
    const runId = db.prepare('SELECT id FROM runs WHERE uid = ?').pluck().get(runUid) as number | undefined;
    if (runId === undefined) return fail({ code: 'run-unknown', message: `No run ${runUid} in this store.` });
    const info = writeTx(db, () => db.prepare('INSERT OR IGNORE INTO run_dataset_versions (run_id, dataset_version_id, role) VALUES (?, ?, ?)').run(runId, versionId, role));
    return ok(info.changes > 0);
  } catch (err) {
    return fail(storeError(err, db.name, `link run ${runUid} to a dataset version`));
  }
}
