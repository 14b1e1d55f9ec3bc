// Reading dataset versions: one version by row id, every dataset with its versions (newest first), and
// one version in full (`NAME` or `NAME@VERSION`) with its profile, checks and lineage.
import { z } from 'zod';
import type { Database } from '../../store/open';
import { fail, ok, type Result } from '../../result';
import { DatasetProfileSchema } from '../profile/schema';
import { checksOf } from './checks';
import { lineageOf } from './lineage';
import { SchemaColumnSchema, type DatasetSummary, type DatasetVersion, type DatasetVersionDetail } from './schema';

interface VersionRow {
  id: number;
  dataset: string;
  version: number;
  content_hash: string;
  size: number | null;
  row_count: number | null;
  schema_json: string | null;
  parent: number | null;
  created_at: number;
}

const VERSION_SQL = `SELECT dv.id, d.name AS dataset, dv.version, dv.content_hash, dv.size, dv.row_count, dv.schema_json, pv.version AS parent, dv.created_at
  FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id LEFT JOIN dataset_versions pv ON pv.id = dv.parent_version_id`;

function parseJson<T>(text: string | null, schema: z.ZodType<T>): T | null {
  if (text === null) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function fromRow(db: Database, r: VersionRow): DatasetVersion {
  const checks = checksOf(db, r.id);
  return {
    dataset: r.dataset,
    version: r.version,
    hash: r.content_hash,
    size: r.size,
    rows: r.row_count,
    schema: parseJson(r.schema_json, z.array(SchemaColumnSchema)),
    createdAt: r.created_at,
    parentVersion: r.parent,
    validation: checks.find((c) => c.kind === 'validation') ?? null,
    drift: checks.find((c) => c.kind === 'drift') ?? null,
  };
}

export function readVersion(db: Database, id: number): DatasetVersion | undefined {
  const row = db.prepare(`${VERSION_SQL} WHERE dv.id = ?`).get(id) as VersionRow | undefined;
  return row ? fromRow(db, row) : undefined;
}

/** Every dataset of the store by name, each with its versions newest first. */
export function listDatasets(db: Database): DatasetSummary[] {
  const datasets = db.prepare('SELECT id, name, path FROM datasets ORDER BY name').all() as { id: number; name: string; path: string | null }[];
  const versions = db.prepare(`${VERSION_SQL} WHERE dv.dataset_id = ? ORDER BY dv.version DESC`);
  return datasets.map((d) => ({ name: d.name, path: d.path, versions: (versions.all(d.id) as VersionRow[]).map((r) => fromRow(db, r)) }));
}

/** `name` or `name@3`: the dataset and the version asked for (undefined: the latest). */
export function parseVersionRef(ref: string): Result<{ name: string; version?: number }> {
  const at = ref.lastIndexOf('@');
  if (at < 0) return ok({ name: ref });
  const name = ref.slice(0, at);
  const v = ref.slice(at + 1).replace(/^v/, '');
  if (!name || !/^[1-9]\d*$/.test(v)) return fail({ code: 'dataset-ref', message: `"${ref}" is not NAME or NAME@VERSION (a version is a whole number from 1, e.g. iris@2).` });
  return ok({ name, version: Number(v) });
}

/** The row id of a version (`version` undefined: the latest), or an error naming the versions there are. */
export function findVersionId(db: Database, name: string, version?: number): Result<number> {
  const dataset = db.prepare('SELECT id FROM datasets WHERE name = ?').pluck().get(name) as number | undefined;
  if (dataset === undefined) return fail({ code: 'dataset-unknown', message: `No dataset named "${name}" is registered in this store.`, fix: `Register it: sextant data add PATH --name ${name}` });
  const versions = db.prepare('SELECT version FROM dataset_versions WHERE dataset_id = ? ORDER BY version').pluck().all(dataset) as number[];
  const wanted = version ?? versions.at(-1);
  const id = wanted === undefined ? undefined : (db.prepare('SELECT id FROM dataset_versions WHERE dataset_id = ? AND version = ?').pluck().get(dataset, wanted) as number | undefined);
  if (id === undefined) return fail({ code: 'dataset-version-unknown', message: `Dataset "${name}" has no version ${wanted ?? ''}`.trimEnd() + (versions.length ? ` (versions ${versions[0]} to ${versions.at(-1)}).` : ' (no versions yet).') });
  return ok(id);
}

/** One version in full: profile, every check, the runs that read or wrote it and the models trained or evaluated on it. */
export function showDatasetVersion(db: Database, name: string, version?: number): Result<DatasetVersionDetail> {
  const id = findVersionId(db, name, version);
  if (!id.ok) return id;
  const base = readVersion(db, id.value)!;
  const extra = db.prepare('SELECT d.path, dv.profile_json FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id WHERE dv.id = ?').get(id.value) as { path: string | null; profile_json: string | null };
  return ok({ ...base, path: extra.path, profile: parseJson(extra.profile_json, DatasetProfileSchema), checks: checksOf(db, id.value), ...lineageOf(db, id.value) });
}
