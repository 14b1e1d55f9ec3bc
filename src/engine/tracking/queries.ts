// Reading runs back: lists with params and last metric values (from latest_metrics, never scanning
// points), one run with its full histories, and experiments with run counts.
import type { Database } from '../store/open';
import type { Artifact, Experiment, ListRunsFilter, MetricPoint, MetricSummary, Run, RunDetail, RunStatus } from './schemas';
import { resolveRun } from './runs';

interface RunRow {
  id: number;
  uid: string;
  experiment: string;
  experiment_id: number;
  parent_uid: string | null;
  name: string;
  status: RunStatus;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  git_commit: string | null;
  git_dirty: number | null;
  command: string | null;
  cwd: string | null;
  host: string | null;
  pid: number | null;
  python_version: string | null;
  node_version: string | null;
  gpu: string | null;
  exit_code: number | null;
  log_path: string | null;
  deleted_at: number | null;
}

const RUN_SELECT = `
  SELECT r.id, r.uid, e.name AS experiment, r.experiment_id, p.uid AS parent_uid, r.name, r.status, r.created_at, r.started_at, r.ended_at,
         r.git_commit, r.git_dirty, r.command, r.cwd, r.host, r.pid, r.python_version, r.node_version, r.gpu, r.exit_code, r.log_path, r.deleted_at
  FROM runs r JOIN experiments e ON e.id = r.experiment_id LEFT JOIN runs p ON p.id = r.parent_id`;

/** SQLite stores NaN as NULL: a NULL metric value reads back as NaN. */
export const fromSqlValue = (v: number | null): number => (v === null ? NaN : v);

export function listExperiments(db: Database): Experiment[] {
  const rows = db
    .prepare(
      `SELECT e.id, e.name, e.description, e.primary_metric, e.created_at, count(r.id) AS run_count
       FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id AND r.deleted_at IS NULL AND r.parent_id IS NULL
       GROUP BY e.id ORDER BY e.name`,
    )
    .all() as { id: number; name: string; description: string | null; primary_metric: string | null; created_at: number; run_count: number }[];
  return rows.map((r) => ({ id: r.id, name: r.name, description: r.description, primaryMetric: r.primary_metric, createdAt: r.created_at, runCount: r.run_count }));
}

export function listRuns(db: Database, filter: ListRunsFilter = {}): Run[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (!filter.includeDeleted) where.push('r.deleted_at IS NULL');
  if (filter.experiment !== undefined) {
    where.push('e.name = ?');
    args.push(filter.experiment);
  }
  if (filter.status && filter.status.length > 0) {
    where.push(`r.status IN (${filter.status.map(() => '?').join(',')})`);
    args.push(...filter.status);
  }
  if (filter.parentId === null) where.push('r.parent_id IS NULL');
  else if (filter.parentId !== undefined) {
    where.push('p.uid = ?');
    args.push(filter.parentId);
  }
  if (filter.ids) {
    if (filter.ids.length === 0) return [];
    where.push(`r.uid IN (${filter.ids.map(() => '?').join(',')})`);
    args.push(...filter.ids);
  }
  const sql = `${RUN_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY coalesce(r.started_at, r.created_at) DESC, r.id DESC ${filter.limit ? `LIMIT ${filter.limit}` : ''}`;
  const rows = db.prepare(sql).all(...args) as RunRow[];
  return attachKeyValues(db, rows);
}

function attachKeyValues(db: Database, rows: RunRow[]): Run[] {
  if (rows.length === 0) return [];
  const runs = new Map<number, Run>();
  for (const row of rows) runs.set(row.id, toRun(row));
  // Metric names by id (a handful), so the latest values are read without a join.
  const keyNames = new Map(db.prepare('SELECT id, name FROM metric_keys').raw().all() as [number, string][]);
  // One query per table over the chosen runs (chunked to stay under SQLite's variable limit), read as plain
  // arrays in primary-key order (run, then key), which is the order params, tags and metrics are shown in,
  // so SQLite sorts nothing. Rows are read by index, not destructured: this runs once per process, before
  // V8 optimizes it, where destructuring an array costs an iterator per row.
  const ids = [...runs.keys()].sort((a, b) => a - b);
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const marks = chunk.map(() => '?').join(',');
    for (const table of ['params', 'tags'] as const) {
      const keyValues = db.prepare(`SELECT run_id, key, value FROM ${table} WHERE run_id IN (${marks}) ORDER BY run_id, key`).raw().iterate(...chunk) as IterableIterator<[number, string, string]>;
      for (const r of keyValues) runs.get(r[0])![table][r[1]] = r[2];
    }
    const latest = db.prepare(`SELECT run_id, key_id, step, ts, value, min, max, count FROM latest_metrics WHERE run_id IN (${marks}) ORDER BY run_id, key_id`).raw();
    for (const r of latest.iterate(...chunk) as IterableIterator<[number, number, number, number, number | null, number | null, number | null, number]>) {
      const key = keyNames.get(r[1])!;
      const summary: MetricSummary = { key, last: fromSqlValue(r[4]), step: r[2], timestamp: r[3], min: r[5], max: r[6], count: r[7] };
      runs.get(r[0])!.metrics[key] = summary;
    }
  }
  return [...runs.values()];
}

function toRun(row: RunRow): Run {
  return {
    id: row.uid,
    experiment: row.experiment,
    experimentId: row.experiment_id,
    name: row.name,
    status: row.status,
    parentId: row.parent_uid,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    gitCommit: row.git_commit,
    gitDirty: row.git_dirty === null ? null : row.git_dirty === 1,
    command: row.command,
    cwd: row.cwd,
    host: row.host,
    pid: row.pid,
    pythonVersion: row.python_version,
    nodeVersion: row.node_version,
    gpu: row.gpu,
    exitCode: row.exit_code,
    logPath: row.log_path,
    deleted: row.deleted_at !== null,
    params: {},
    tags: {},
    metrics: {},
  };
}

/** One run with every metric point, its artifacts and its child runs (pipeline stages). */
export function getRun(db: Database, idOrPrefix: string, artifactFile: (sha256: string) => string): RunDetail | 'ambiguous' | undefined {
  const ref = resolveRun(db, idOrPrefix);
  if (ref === undefined || ref === 'ambiguous') return ref;
  const row = db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(ref.id) as RunRow;
  const run = attachKeyValues(db, [row])[0]!;
  const history: Record<string, MetricPoint[]> = {};
  const points = db
    .prepare('SELECT k.name AS key, m.step, m.ts, m.value FROM metrics m JOIN metric_keys k ON k.id = m.key_id WHERE m.run_id = ? ORDER BY m.key_id, m.step, m.ts')
    .raw()
    .all(ref.id) as [string, number, number, number | null][];
  for (const [key, step, ts, value] of points) (history[key] ??= []).push({ step, timestamp: ts, value: fromSqlValue(value) });
  const artifacts = listArtifacts(db, ref.id, artifactFile);
  const children = db.prepare('SELECT uid FROM runs WHERE parent_id = ? AND deleted_at IS NULL ORDER BY created_at').pluck().all(ref.id) as string[];
  return { ...run, history, artifacts, children };
}

/** A run's artifacts by path (its row id), without reading its metric points. */
export function listArtifacts(db: Database, runRowId: number, artifactFile: (sha256: string) => string): Artifact[] {
  return (db.prepare('SELECT path, sha256, size, media_type, created_at FROM artifacts WHERE run_id = ? ORDER BY path').all(runRowId) as { path: string; sha256: string; size: number; media_type: string; created_at: number }[]).map((a) => ({
    path: a.path,
    sha256: a.sha256,
    size: a.size,
    mediaType: a.media_type,
    createdAt: a.created_at,
    file: artifactFile(a.sha256),
  }));
}

/** Metric keys logged in these runs (or in any run), sorted. */
export function metricKeys(db: Database, runUids?: string[]): string[] {
  if (!runUids) return db.prepare('SELECT DISTINCT k.name FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id ORDER BY k.name').pluck().all() as string[];
  if (runUids.length === 0) return [];
  return db
    .prepare(`SELECT DISTINCT k.name FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id JOIN runs r ON r.id = l.run_id WHERE r.uid IN (${runUids.map(() => '?').join(',')}) ORDER BY k.name`)
    .pluck()
    .all(...runUids) as string[];
}
