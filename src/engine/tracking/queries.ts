// Reading runs back: lists with params and last metric values (from latest_metrics, never scanning
// points), one run with its full histories, and experiments with run counts.
import type { Database } from '../store/open';
import type { Artifact, Experiment, ListRunsFilter, MetricPoint, Run, RunDetail } from './schemas';
import { resolveRun } from './runs';
import { fromSqlValue, RUN_JOINS, RUN_JSON, toRun } from './runJson';

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
  // Newest first. The runs are chosen (and cut to the limit) in SQL, but sorted here, after each row's JSON
  // is parsed as it is read: so the strings (about 2.5 KB a run, 10 MB for 4,000 runs) die young instead of
  // being held through the garbage collector's copying, and SQLite's sorter never copies them either.
  const chosen = `SELECT r.id, coalesce(r.started_at, r.created_at) AS t FROM ${RUN_JOINS} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                  ${filter.limit ? `ORDER BY t DESC, r.id DESC LIMIT ${filter.limit}` : ''}`;
  const rows = db.prepare(`WITH chosen AS (${chosen}) SELECT c.t, c.id, ${RUN_JSON} FROM chosen c JOIN ${RUN_JOINS} WHERE r.id = c.id`).raw().iterate(...args) as IterableIterator<[number, number, string]>;
  const keyed: [number, number, Run][] = [];
  for (const row of rows) keyed.push([row[0], row[1], toRun(row[2])]);
  keyed.sort((a, b) => b[0] - a[0] || b[1] - a[1]);
  return keyed.map((k) => k[2]);
}

/** One run with every metric point, its artifacts and its child runs (pipeline stages). */
export function getRun(db: Database, idOrPrefix: string, artifactFile: (sha256: string) => string): RunDetail | 'ambiguous' | undefined {
  const ref = resolveRun(db, idOrPrefix);
  if (ref === undefined || ref === 'ambiguous') return ref;
  const run = toRun(db.prepare(`SELECT ${RUN_JSON} FROM ${RUN_JOINS} WHERE r.id = ?`).pluck().get(ref.id) as string);
  const history: Record<string, MetricPoint[]> = {};
  const points = db
    .prepare('SELECT k.name AS key, m.step, m.ts, m.value FROM metrics m JOIN metric_keys k ON k.id = m.key_id WHERE m.run_id = ? ORDER BY m.key_id, m.step, m.ts')
    .raw()
    .all(ref.id) as [string, number, number, number | null][];
  for (const [key, step, ts, value] of points) {
    let list = Object.hasOwn(history, key) ? history[key] : undefined;
    // defined, not assigned: a metric may be called "__proto__"
    if (!list) Object.defineProperty(history, key, { value: (list = []), enumerable: true, writable: true, configurable: true });
    list.push({ step, timestamp: ts, value: fromSqlValue(value) });
  }
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
