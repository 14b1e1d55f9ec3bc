// Reads the SQLite database MLflow's SQLAlchemy store writes (`mlflow.db`): tables experiments,
// experiment_tags, runs, params, tags and metrics (NaN stored as is_nan = 1). Opened read-only;
// tables MLflow added later (datasets, inputs, traces, logged models) are not read.
import type { Database } from '../store/open';
import { checkHeader } from '../store/open';
import { loadBetterSqlite3 } from '../native/load';
import { fail, ok, type Result } from '../result';
import type { ImportProblem, MlflowExperiment, MlflowMetricPoint, MlflowSource } from './model';

const REQUIRED = ['experiments', 'runs', 'params', 'tags', 'metrics'];

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
  const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
  const missing = REQUIRED.filter((t) => !tables.has(t));
  if (missing.length > 0) {
    db.close();
    return fail({ code: 'mlflow-not-recognized', file, message: `This SQLite file is not an MLflow tracking database (no ${missing.join(', ')} table).`, fix: 'Point at the database `mlflow server --backend-store-uri sqlite:///mlflow.db` uses.' });
  }
  const runColumns = new Set((db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name));
  const hasName = runColumns.has('name');
  const hasTagTable = tables.has('experiment_tags');
  const problems: ImportProblem[] = [];
  const source: MlflowSource = {
    kind: 'sqlite',
    path: file,
    problems,
    skippedDeleted: 0,
    experiments() {
      const rows = db.prepare('SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time FROM experiments ORDER BY experiment_id').all() as {
        experiment_id: number;
        name: string;
        artifact_location: string | null;
        lifecycle_stage: string | null;
        creation_time: number | null;
      }[];
      const out: MlflowExperiment[] = [];
      for (const r of rows) {
        if (r.lifecycle_stage === 'deleted') {
          source.skippedDeleted++;
          continue;
        }
        const tags: Record<string, string> = {};
        if (hasTagTable) for (const t of db.prepare('SELECT key, value FROM experiment_tags WHERE experiment_id = ?').all(r.experiment_id) as { key: string; value: string | null }[]) tags[t.key] = t.value ?? '';
        out.push({ experimentId: String(r.experiment_id), name: r.name, creationTime: r.creation_time ?? null, artifactLocation: r.artifact_location, tags });
      }
      return out;
    },
    runIds(experiment) {
      return db.prepare('SELECT run_uuid FROM runs WHERE experiment_id = ? ORDER BY start_time, run_uuid').pluck().all(Number(experiment.experimentId)) as string[];
    },
    readRun(experiment, runId) {
      const r = db.prepare(`SELECT run_uuid, ${hasName ? 'name' : 'NULL AS name'}, status, start_time, end_time, user_id, artifact_uri, lifecycle_stage FROM runs WHERE run_uuid = ?`).get(runId) as
        | { run_uuid: string; name: string | null; status: string | null; start_time: number | null; end_time: number | null; user_id: string | null; artifact_uri: string | null; lifecycle_stage: string | null }
        | undefined;
      if (!r) return undefined;
      if (r.lifecycle_stage === 'deleted') {
        source.skippedDeleted++;
        return undefined;
      }
      const params: Record<string, string> = {};
      for (const p of db.prepare('SELECT key, value FROM params WHERE run_uuid = ?').all(runId) as { key: string; value: string }[]) params[p.key] = p.value;
      const tags: Record<string, string> = {};
      for (const t of db.prepare('SELECT key, value FROM tags WHERE run_uuid = ?').all(runId) as { key: string; value: string | null }[]) tags[t.key] = t.value ?? '';
      const metrics: MlflowMetricPoint[] = (db.prepare('SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? ORDER BY key, step, timestamp').all(runId) as { key: string; value: number; timestamp: number | null; step: number | null; is_nan: number }[]).map(
        (m) => ({ key: m.key, value: m.is_nan ? NaN : m.value, timestamp: m.timestamp ?? r.start_time ?? 0, step: m.step ?? 0 }),
      );
      return {
        runId: r.run_uuid,
        experimentId: experiment.experimentId,
        name: r.name ?? tags['mlflow.runName'] ?? null,
        status: r.status ?? '',
        startTime: r.start_time,
        endTime: r.end_time,
        userId: r.user_id,
        artifactUri: r.artifact_uri,
        params,
        tags,
        metrics,
      };
    },
    close() {
      db.close();
    },
  };
  return ok(source);
}
