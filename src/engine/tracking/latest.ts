// Rebuilds a run's summaries (latest_metrics, metric_buckets) from its points (after a bulk import, where the batching
// writer's incremental counts would double on re-import). Call inside a write transaction.
import type { Database } from '../store/open';
import { METRIC_BUCKET_SHIFT } from '../store/schema';

export function recomputeLatest(db: Database, runId: number): void {
  db.prepare('DELETE FROM latest_metrics WHERE run_id = ?').run(runId);
  db.prepare(
    `INSERT INTO latest_metrics (run_id, key_id, step, ts, value, min, max, count)
     SELECT a.run_id, a.key_id, last.step, last.ts, last.value, a.lo, a.hi, a.n
     FROM (SELECT run_id, key_id, min(value) AS lo, max(value) AS hi, count(*) AS n FROM metrics WHERE run_id = ? GROUP BY key_id) a
     JOIN metrics last ON last.run_id = a.run_id AND last.key_id = a.key_id
      AND (last.step, last.ts) = (SELECT step, ts FROM metrics WHERE run_id = a.run_id AND key_id = a.key_id ORDER BY step DESC, ts DESC LIMIT 1)`,
  ).run(runId);
}

/** Rebuilds a run's 8-step rollups (metric_buckets) from its points. Call inside a write transaction. */
export function recomputeBuckets(db: Database, runId: number): void {
  db.prepare('DELETE FROM metric_buckets WHERE run_id = ?').run(runId);
  db.prepare(
    `INSERT INTO metric_buckets (run_id, key_id, bucket, count, step_sum, n, sum, min, max)
     SELECT run_id, key_id, step >> ${METRIC_BUCKET_SHIFT}, count(*), sum(step), count(value), sum(value), min(value), max(value)
     FROM metrics WHERE run_id = ? GROUP BY key_id, step >> ${METRIC_BUCKET_SHIFT}`,
  ).run(runId);
}
