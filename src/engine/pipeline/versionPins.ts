// The live check of `datasets.<name>.version` pins against the workspace store (read only, like the
// registry check in liveChecks.ts): a pinned version the store does not have is an error at the pin; a
// file whose content is no longer the pinned version's (its sha256, hashed as the runner does, with a
// stat cache so an unchanged file is never read twice) is a warning naming the version the file is now,
// if it was registered.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { loadBetterSqlite3 } from '../native/load';
import { Hasher } from '../runner/hash';
import type { Analysis } from './analyze';
import type { Finding } from './diagnostics';
import { pairOf, span } from './nodes';

interface Pin {
  dataset: string;
  path?: string;
  version: number;
  start: number;
  end: number;
}

/** The pins of the pipeline: a whole number under `version:` of a dataset, with its place in the file. */
export function versionPins(analysis: Analysis): Pin[] {
  const pins: Pin[] = [];
  for (const d of analysis.model.datasets.values()) {
    const node = pairOf(pairOf(d.entry.value, d.name)?.value, 'version')?.value as { value?: unknown } | undefined;
    const s = span(node);
    if (!s || typeof node?.value !== 'number' || !Number.isInteger(node.value) || node.value < 1) continue;
    pins.push({ dataset: d.name, ...(d.path ? { path: d.path } : {}), version: node.value, start: d.entry.seg.base + s[0], end: d.entry.seg.base + s[1] });
  }
  return pins;
}

/** Stamps of the files hashed so far (this process): a file is read again only when its size, mtime or inode change. */
const stamps = {};

export async function versionPinFindings(analysis: Analysis, dir: string, storePath: string): Promise<Finding[]> {
  const pins = versionPins(analysis);
  if (pins.length === 0) return [];
  const out: Finding[] = [];
  if (!existsSync(storePath)) {
    for (const p of pins) out.push({ start: p.start, end: p.end, code: 'unknown-dataset-version', message: `Dataset "${p.dataset}" is pinned to version ${p.version}, but this workspace has no store yet, so no version is registered. Register the file (\`sextant data add ${p.path ?? 'PATH'} --name ${p.dataset}\`), or remove the pin.` });
    return out;
  }
  const sqlite = loadBetterSqlite3();
  if (!sqlite.ok) return out;
  let db: import('better-sqlite3').Database | undefined;
  try {
    db = new sqlite.value(storePath, { readonly: true, fileMustExist: true });
    const versionsOf = db.prepare('SELECT dv.version, dv.content_hash AS hash FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id WHERE d.name = ? ORDER BY dv.version');
    const hasher = new Hasher(stamps);
    for (const p of pins) {
      const versions = versionsOf.all(p.dataset) as { version: number; hash: string }[];
      const pinned = versions.find((v) => v.version === p.version);
      if (!pinned) {
        out.push({
          start: p.start,
          end: p.end,
          code: 'unknown-dataset-version',
          message: versions.length
            ? `Dataset "${p.dataset}" has no version ${p.version} in this workspace's store (versions ${versions[0]!.version} to ${versions.at(-1)!.version}). Pin an existing version (\`sextant data list\`).`
            : `Dataset "${p.dataset}" has no registered version in this workspace's store. Register the file (\`sextant data add ${p.path ?? 'PATH'} --name ${p.dataset}\`), or remove the pin.`,
          ...(versions.length ? { data: { versions: versions.map((v) => v.version) } } : {}),
        });
        continue;
      }
      if (!p.path) continue;
      const file = isAbsolute(p.path) ? p.path : join(dir, p.path);
      const now = await hasher.path(file);
      if (now.sha256 === null || now.sha256 === pinned.hash) continue; // a missing file is the missing-file check's
      const current = versions.find((v) => v.hash === now.sha256);
      out.push({
        start: p.start,
        end: p.end,
        code: 'dataset-version-changed',
        message: `"${p.path}" is no longer version ${p.version} of dataset "${p.dataset}" (sha256 ${pinned.hash.slice(0, 12)}…): ${current ? `its content is version ${current.version}. Pin version ${current.version}, or restore the file.` : `its content (sha256 ${now.sha256.slice(0, 12)}…) is not registered. Restore the file, or register it (\`sextant data add ${p.path} --name ${p.dataset}\`) and pin the new version.`}`,
        ...(current ? { data: { replace: String(current.version) } } : {}),
      });
    }
  } catch {
    // an old or damaged store: `sextant doctor` reports it
  } finally {
    db?.close();
  }
  return out;
}
