// Reads the SQLite database MLflow's SQLAlchemy store writes (`mlflow.db`), whatever alembic revision it is
// at, from MLflow 1.0's initial tables on: experiments, experiment_tags (1.3+), runs, params, tags and
// metrics (step from 1.1, NaN as is_nan = 1 from 1.2; before that a NaN was stored as NULL), the model
// registry (registered_models and model_versions from 1.4, their tags from 1.10, aliases from 2.3) and
// dataset inputs (datasets, inputs, input_tags from 2.4). Columns and tables are looked up, never assumed:
// experiments.creation_time arrived only in 2.0. MLflow 3's logged models are named in the report, not
// imported (as from a file store, loggedModels.ts). Opened read-only; every problem names the file.
import type { Database } from '../store/open';
import { checkHeader } from '../store/open';
import { loadBetterSqlite3 } from '../native/load';
import { fail, ok, type Result } from '../result';
import type { ImportProblem, MlflowDatasetInput, MlflowExperiment, MlflowMetricPoint, MlflowRegisteredModel, MlflowSource } from './model';

/** The tables and columns every revision has (MLflow's initial_models); without them it is not MLflow's. */
const REQUIRED: Record<string, string[]> = {
  experiments: ['experiment_id', 'name'],
  runs: ['run_uuid', 'experiment_id'],
  params: ['key', 'value', 'run_uuid'],
  tags: ['key', 'value', 'run_uuid'],
  metrics: ['key', 'value', 'timestamp', 'run_uuid'],
};

/** A column's name when the table has it, else `NULL AS name` (or the default given). */
function col(columns: Set<string>, name: string, fallback = 'NULL'): string {
  return columns.has(name) ? name : `${fallback} AS ${name}`;
}

export function openMlflowDb(file: string): Result<MlflowSource> {
  const header = checkHeader(file);
  if (!header.ok) return fail({ ...header.error, message: 'This is not an MLflow SQLite database (not a SQLite file).', fix: 'Point at the mlflow.db file (or the folder holding it) or at an mlruns/ folder.' });
  const driver = loadBetterSqlite3();
  if (!driver.ok) return driver;
  let db: Database;
  try {
    db = new driver.value(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    return fail({ code: 'mlflow-unreadable', file, message: `Cannot open the MLflow database: ${(err as Error).message}` });
  }
  let tables: Set<string>;
  let revision: string | null = null;
  const columns = new Map<string, Set<string>>();
  try {
    tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    for (const t of tables) columns.set(t, new Set((db.prepare(`PRAGMA table_info("${t.replace(/"/g, '""')}")`).all() as { name: string }[]).map((c) => c.name)));
    if (tables.has('alembic_version')) revision = (db.prepare('SELECT version_num FROM alembic_version').pluck().get() as string | undefined) ?? null;
  } catch (err) {
    db.close();
    return fail({ code: 'mlflow-unreadable', file, message: `Cannot read the MLflow database: ${(err as Error).message}`, fix: 'Check that the file is a whole SQLite database (copy it again if it was copied while MLflow wrote it).' });
  }
  const missing = Object.keys(REQUIRED).filter((t) => !tables.has(t));
  if (missing.length > 0) {
    db.close();
    return fail({ code: 'mlflow-not-recognized', file, message: `This SQLite file is not an MLflow tracking database (no ${missing.join(', ')} table).`, fix: 'Point at the database `mlflow server --backend-store-uri sqlite:///mlflow.db` uses.' });
  }
  const lacking = Object.entries(REQUIRED).flatMap(([t, cols]) => cols.filter((c) => !columns.get(t)!.has(c)).map((c) => `${t}.${c}`));
  if (lacking.length > 0) {
    db.close();
    return fail({ code: 'mlflow-not-recognized', file, message: `This SQLite file has MLflow's table names but not its columns (no ${lacking.join(', ')})${revision ? `; its alembic revision is ${revision}` : ''}.`, fix: 'Point at a database MLflow wrote (any version from 1.0 on), or run `mlflow db upgrade` on it first.' });
  }
  const at = revision ? `${file} (MLflow schema revision ${revision})` : file;
  const exp = columns.get('experiments')!;
  const runCols = columns.get('runs')!;
  const metricCols = columns.get('metrics')!;
  const problems: ImportProblem[] = [];

  /** Runs a read; a failure (a damaged page, an odd column type) is a problem naming the file, not a crash. */
  function guarded<T>(what: string, fallback: T, read: () => T): T {
    try {
      return read();
    } catch (err) {
      problems.push({ file: at, message: `${what}: ${(err as Error).message}` });
      return fallback;
    }
  }

  const has = (table: string, ...cols: string[]): boolean => tables.has(table) && cols.every((c) => columns.get(table)!.has(c));
  const datasets = has('datasets', 'dataset_uuid', 'name', 'digest') && has('inputs', 'source_type', 'source_id', 'destination_type', 'destination_id');
  const dsCols = columns.get('datasets');

  const source: MlflowSource = {
    kind: 'sqlite',
    path: file,
    problems,
    skippedDeleted: 0,
    experiments() {
      return guarded('experiments not read', [] as MlflowExperiment[], () => {
        const rows = db.prepare(`SELECT experiment_id, name, ${col(exp, 'artifact_location')}, ${col(exp, 'lifecycle_stage')}, ${col(exp, 'creation_time')} FROM experiments ORDER BY experiment_id`).all() as {
          experiment_id: number;
          name: string;
          artifact_location: string | null;
          lifecycle_stage: string | null;
          creation_time: number | null;
        }[];
        const tagsOf = tables.has('experiment_tags') ? db.prepare('SELECT key, value FROM experiment_tags WHERE experiment_id = ?') : undefined;
        const out: MlflowExperiment[] = [];
        for (const r of rows) {
          if (r.lifecycle_stage === 'deleted') {
            source.skippedDeleted++;
            continue;
          }
          const tags: Record<string, string> = {};
          for (const t of (tagsOf?.all(r.experiment_id) ?? []) as { key: string; value: string | null }[]) tags[t.key] = t.value ?? '';
          out.push({ experimentId: String(r.experiment_id), name: r.name, creationTime: typeof r.creation_time === 'number' ? r.creation_time : null, artifactLocation: r.artifact_location, tags });
        }
        if (tables.has('logged_models')) reportLoggedModels(db, columns.get('logged_models')!, at, problems);
        return out;
      });
    },
    runIds(experiment) {
      return guarded(`runs of experiment ${experiment.experimentId} not read`, [] as string[], () => db.prepare(`SELECT run_uuid FROM runs WHERE experiment_id = ? ORDER BY ${runCols.has('start_time') ? 'start_time, ' : ''}run_uuid`).pluck().all(Number(experiment.experimentId)) as string[]);
    },
    readRun(experiment, runId) {
      return guarded(`run ${runId} not read`, undefined, () => {
        const r = db.prepare(`SELECT run_uuid, ${col(runCols, 'name')}, ${col(runCols, 'status')}, ${col(runCols, 'start_time')}, ${col(runCols, 'end_time')}, ${col(runCols, 'user_id')}, ${col(runCols, 'artifact_uri')}, ${col(runCols, 'lifecycle_stage')} FROM runs WHERE run_uuid = ?`).get(runId) as
          | { run_uuid: string; name: string | null; status: string | null; start_time: number | null; end_time: number | null; user_id: string | null; artifact_uri: string | null; lifecycle_stage: string | null }
          | undefined;
        if (!r) return undefined;
        if (r.lifecycle_stage === 'deleted') {
          source.skippedDeleted++;
          return undefined;
        }
        const params: Record<string, string> = {};
        for (const p of db.prepare('SELECT key, value FROM params WHERE run_uuid = ?').all(runId) as { key: string; value: string | null }[]) params[p.key] = p.value ?? '';
        const tags: Record<string, string> = {};
        for (const t of db.prepare('SELECT key, value FROM tags WHERE run_uuid = ?').all(runId) as { key: string; value: string | null }[]) tags[t.key] = t.value ?? '';
        const metricRows = db.prepare(`SELECT key, value, timestamp, ${col(metricCols, 'step', '0')}, ${col(metricCols, 'is_nan', '0')} FROM metrics WHERE run_uuid = ? ORDER BY key, step, timestamp`).all(runId) as { key: string; value: number | null; timestamp: number | null; step: number | null; is_nan: number }[];
        // Before is_nan (MLflow < 1.2) SQLite kept a logged NaN as NULL.
        const metrics: MlflowMetricPoint[] = metricRows.map((m) => ({ key: m.key, value: m.is_nan || m.value === null ? NaN : m.value, timestamp: m.timestamp ?? r.start_time ?? 0, step: m.step ?? 0 }));
        return {
          runId: r.run_uuid,
          experimentId: experiment.experimentId,
          name: r.name || tags['mlflow.runName'] || null,
          status: r.status ?? '',
          startTime: r.start_time,
          endTime: r.end_time,
          userId: r.user_id || tags['mlflow.user'] || null,
          artifactUri: r.artifact_uri,
          params,
          tags,
          metrics,
          ...(datasets ? { inputs: runInputs(db, runId, dsCols!, tables.has('input_tags'), at) } : {}),
        };
      });
    },
    registeredModels() {
      if (!has('registered_models', 'name') || !has('model_versions', 'name', 'version')) return [];
      return guarded('the model registry (registered_models, model_versions) not read', [] as MlflowRegisteredModel[], () => readRegistry(db, columns, tables, at, problems));
    },
    close() {
      db.close();
    },
  };
  return ok(source);
}

function runInputs(db: Database, runId: string, dsCols: Set<string>, hasInputTags: boolean, at: string): MlflowDatasetInput[] {
  const rows = db
    .prepare(
      `SELECT i.input_uuid, d.name, d.digest, ${dsCols.has('dataset_source_type') ? 'd.dataset_source_type' : 'NULL'} AS source_type, ${dsCols.has('dataset_source') ? 'd.dataset_source' : 'NULL'} AS source, ${dsCols.has('dataset_schema') ? 'd.dataset_schema' : 'NULL'} AS schema, ${dsCols.has('dataset_profile') ? 'd.dataset_profile' : 'NULL'} AS profile
       FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id
       WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id = ? ORDER BY d.name, d.digest`,
    )
    .all(runId) as { input_uuid: string; name: string; digest: string; source_type: string | null; source: string | null; schema: string | null; profile: string | null }[];
  const context = hasInputTags ? db.prepare("SELECT value FROM input_tags WHERE input_uuid = ? AND name = 'mlflow.data.context'").pluck() : undefined;
  return rows.map((r) => ({ name: r.name, digest: r.digest, sourceType: r.source_type, source: r.source, schema: r.schema, profile: r.profile, context: ((context?.get(r.input_uuid) as string | undefined) ?? null) || null, file: `${at}: inputs ${r.input_uuid}` }));
}

function readRegistry(db: Database, columns: Map<string, Set<string>>, tables: Set<string>, at: string, problems: ImportProblem[]): MlflowRegisteredModel[] {
  const rm = columns.get('registered_models')!;
  const mv = columns.get('model_versions')!;
  const models = db.prepare(`SELECT name, ${col(rm, 'description')}, ${col(rm, 'creation_time')} FROM registered_models ORDER BY name`).all() as { name: string; description: string | null; creation_time: number | null }[];
  const versionsOf = db.prepare(`SELECT version, ${col(mv, 'run_id')}, ${col(mv, 'source')}, ${col(mv, 'current_stage')}, ${col(mv, 'description')}, ${col(mv, 'creation_time')} FROM model_versions WHERE name = ? ORDER BY version`);
  const versionTags = tables.has('model_version_tags') ? db.prepare('SELECT key, value FROM model_version_tags WHERE name = ? AND version = ?') : undefined;
  const aliasesOf = tables.has('registered_model_aliases') ? db.prepare('SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias') : undefined;
  const out: MlflowRegisteredModel[] = [];
  for (const m of models) {
    const versions: MlflowRegisteredModel['versions'] = [];
    for (const v of versionsOf.all(m.name) as { version: number; run_id: string | null; source: string | null; current_stage: string | null; description: string | null; creation_time: number | null }[]) {
      const where = `${at}: model_versions "${m.name}" version ${v.version}`;
      if (!Number.isSafeInteger(v.version) || v.version < 1) {
        problems.push({ file: where, message: `not a version number: ${v.version}` });
        continue;
      }
      if (v.current_stage === 'Deleted_Internal') continue;
      const tags: Record<string, string> = {};
      for (const t of (versionTags?.all(m.name, v.version) ?? []) as { key: string; value: string | null }[]) tags[t.key] = t.value ?? '';
      versions.push({
        version: v.version,
        runId: v.run_id || null,
        source: v.source || null,
        stage: v.current_stage && v.current_stage !== 'None' ? v.current_stage : null,
        description: v.description || null,
        creationTime: typeof v.creation_time === 'number' ? v.creation_time : null,
        tags,
        file: where,
      });
    }
    const aliases: Record<string, number> = {};
    for (const a of (aliasesOf?.all(m.name) ?? []) as { alias: string; version: number }[]) aliases[a.alias] = a.version;
    out.push({ name: m.name, description: m.description || null, creationTime: typeof m.creation_time === 'number' ? m.creation_time : null, versions, aliases, dir: `${at}: registered_models "${m.name}"` });
  }
  return out;
}

/** MLflow 3 logged models (table logged_models): each named with why it is not imported. */
function reportLoggedModels(db: Database, cols: Set<string>, at: string, problems: ImportProblem[]): void {
  const rows = db.prepare(`SELECT model_id, ${col(cols, 'name')}, ${col(cols, 'source_run_id')}, ${col(cols, 'artifact_location')}, ${col(cols, 'lifecycle_stage')} FROM logged_models ORDER BY model_id`).all() as { model_id: string; name: string | null; source_run_id: string | null; artifact_location: string | null; lifecycle_stage: string | null }[];
  for (const r of rows) {
    if (r.lifecycle_stage === 'deleted') continue;
    problems.push({
      file: `${at}: logged_models ${r.model_id}`,
      message: `MLflow 3 logged model${r.name ? ` "${r.name}"` : ''} (${r.model_id}${r.source_run_id ? `, logged by run ${r.source_run_id}` : ''}) not imported: Sextant has no logged-model record (register a version to bring a model into the registry)${r.artifact_location ? `; its artifacts stay at ${r.artifact_location}` : ''}`,
    });
  }
}
