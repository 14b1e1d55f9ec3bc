// Shared assertions for the tracking tests (not a test file itself).
import { strict as assert } from 'node:assert';
import type { Tracker } from '../../src/engine/tracking/tracking';

/** The writers' incremental summaries equal a recomputation from the points. */
export function assertRollupsMatchPoints(tracker: Tracker, options: { latest?: boolean } = {}): void {
  const kept = tracker.db.prepare('SELECT run_id, key_id, bucket, count, step_sum, n, round(coalesce(sum, 0), 6) AS sum, min, max FROM metric_buckets ORDER BY 1, 2, 3').all();
  const recomputed = tracker.db
    .prepare('SELECT run_id, key_id, step >> 3 AS bucket, count(*) AS count, sum(step) AS step_sum, count(value) AS n, round(coalesce(sum(value), 0), 6) AS sum, min(value) AS min, max(value) AS max FROM metrics GROUP BY 1, 2, 3 ORDER BY 1, 2, 3')
    .all();
  assert.deepEqual(kept, recomputed);
  if (options.latest === false) return;
  const latest = tracker.db.prepare('SELECT run_id, key_id, count, min, max FROM latest_metrics ORDER BY 1, 2').all();
  const fromPoints = tracker.db.prepare('SELECT run_id, key_id, count(*) AS count, min(value) AS min, max(value) AS max FROM metrics GROUP BY 1, 2 ORDER BY 1, 2').all();
  assert.deepEqual(latest, fromPoints);
}

