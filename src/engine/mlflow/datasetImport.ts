// Writes the datasets MLflow runs used as Sextant dataset versions, linked to the runs (role `input`), in
// the tables the dataset-version store reads (../data/versions/): the MLflow dataset's name is the dataset,
// each digest a version. MLflow's store does not hold the data, so the version's hash is `mlflow:<digest>`
// (MLflow's digest, never mistaken for a sha256 of a file), its size is unknown, its rows are the profile's
// num_rows and its schema MLflow's column spec in Sextant's column types. The dataset's path is MLflow's
// source (its uri, path or table when it names one). A name Sextant already uses for a dataset it
// registered itself gets the suffix " (MLflow)", so MLflow's digests never become versions of that file.
// Idempotent: a digest already imported under the name is that version. Call inside a write transaction.
import type { Database } from '../store/open';
import type { ColumnType } from '../data/profile/schema';
import type { ImportProblem, MlflowDatasetInput } from './model';

export const MLFLOW_HASH_PREFIX = 'mlflow:';

/** MLflow's column types (mlflow.types.DataType) in Sextant's; binary and nested types have none. */
const COLUMN_TYPES: Record<string, ColumnType> = { boolean: 'boolean', integer: 'integer', long: 'integer', float: 'float', double: 'float', string: 'string', datetime: 'datetime' };

function parseJson(text: string | null): unknown {
  if (text === null || text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** MLflow's `{"mlflow_colspec": [{name, type}, …]}` as Sextant columns, or why it cannot be. */
export function mlflowSchemaColumns(schema: string | null): { columns: { name: string; type: ColumnType }[] | null; why?: string } {
  const parsed = parseJson(schema);
  if (parsed === undefined) return { columns: null, ...(schema ? { why: 'its schema is not JSON' } : {}) };
  const spec = (parsed as { mlflow_colspec?: unknown }).mlflow_colspec;
  if (!Array.isArray(spec)) return { columns: null, why: (parsed as object) && 'mlflow_tensorspec' in (parsed as object) ? 'a tensor schema has no columns' : 'its schema has no mlflow_colspec' };
  const columns: { name: string; type: ColumnType }[] = [];
  for (const [i, c] of spec.entries()) {
    const col = c as { name?: unknown; type?: unknown };
    const type = typeof col.type === 'string' ? COLUMN_TYPES[col.type] : undefined;
    if (!type) return { columns: null, why: `column ${typeof col.name === 'string' ? `"${col.name}"` : i + 1} has MLflow type ${JSON.stringify(col.type)}, which Sextant's column types cannot hold` };
    columns.push({ name: typeof col.name === 'string' ? col.name : String(i), type });
  }
  return { columns };
}

/** The rows of MLflow's profile (`{"num_rows": 150, …}`), when it says. */
export function mlflowProfileRows(profile: string | null): number | null {
  const rows = (parseJson(profile) as { num_rows?: unknown } | undefined)?.num_rows;
  return typeof rows === 'number' && Number.isSafeInteger(rows) && rows >= 0 ? rows : null;
}

/**
 * Where MLflow's source says the data is: its uri, path, url or table; for a `code` source (data made by
 * the script: `{"tags": {"mlflow.source.name": …}}`) the script; else the source text itself.
 */
export function mlflowSourcePath(source: string | null): string | null {
  const parsed = parseJson(source) as Record<string, unknown> | undefined;
  for (const key of ['uri', 'path', 'url', 'table_name', 'dataset_name', 'hf_dataset_name']) {
    const v = parsed?.[key];
    if (typeof v === 'string' && v) return v;
  }
  const script = (parsed?.tags as Record<string, unknown> | undefined)?.['mlflow.source.name'];
  if (typeof script === 'string' && script) return script;
  return source && source.trim() ? source : null;
}

/** A dataset name for MLflow's: the name itself, unless Sextant registered files under it (then "NAME (MLflow)"). */
function datasetName(db: Database, name: string): string {
  const own = db.prepare('SELECT 1 FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id WHERE d.name = ? AND dv.content_hash NOT LIKE ? LIMIT 1').get(name, `${MLFLOW_HASH_PREFIX}%`);
  return own ? `${name} (MLflow)` : name;
}

export function writeDatasetInputs(db: Database, runUid: string, inputs: readonly MlflowDatasetInput[], at: number, problems: ImportProblem[]): { versionsCreated: number; links: number } {
  const counts = { versionsCreated: 0, links: 0 };
  const runId = db.prepare('SELECT id FROM runs WHERE uid = ?').pluck().get(runUid) as number | undefined;
  if (runId === undefined) return counts;
  for (const input of inputs) {
    const name = datasetName(db, input.name);
    const hash = `${MLFLOW_HASH_PREFIX}${input.digest}`;
    let versionId = db.prepare('SELECT dv.id FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id WHERE d.name = ? AND dv.content_hash = ?').pluck().get(name, hash) as number | undefined;
    if (versionId === undefined) {
      if (name !== input.name) problems.push({ file: input.file, message: `MLflow dataset "${input.name}" imported as dataset "${name}": Sextant already registers files under "${input.name}"` });
      const schema = mlflowSchemaColumns(input.schema);
      if (schema.why) problems.push({ file: input.file, message: `MLflow dataset "${input.name}" (digest ${input.digest}): schema not kept: ${schema.why}` });
      db.prepare('INSERT INTO datasets (name, path, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING').run(name, mlflowSourcePath(input.source), at);
      const datasetId = db.prepare('SELECT id FROM datasets WHERE name = ?').pluck().get(name) as number;
      const latest = db.prepare('SELECT id, version FROM dataset_versions WHERE dataset_id = ? ORDER BY version DESC LIMIT 1').get(datasetId) as { id: number; version: number } | undefined;
      versionId = Number(
        db
          .prepare('INSERT INTO dataset_versions (dataset_id, version, content_hash, size, row_count, schema_json, profile_json, parent_version_id, created_at) VALUES (?, ?, ?, NULL, ?, ?, NULL, ?, ?)')
          .run(datasetId, (latest?.version ?? 0) + 1, hash, mlflowProfileRows(input.profile), schema.columns ? JSON.stringify(schema.columns) : null, latest?.id ?? null, at).lastInsertRowid,
      );
      counts.versionsCreated++;
    }
    db.prepare("INSERT OR IGNORE INTO run_dataset_versions (run_id, dataset_version_id, role) VALUES (?, ?, 'input')").run(runId, versionId);
    counts.links++;
  }
  return counts;
}
