// Metric curves for charts, downsampled on the store side (never shipping every point to JavaScript):
// a series with more points than `maxPoints` is cut into equal step buckets, and each bucket gives its
// mean (the line), min and max (the band), so spikes stay visible. Fewer points come back as they are.
// Buckets of 8 steps or more are merged from the 8-step rollups the writers keep (metric_buckets: one
// row per 8 points read); narrower ones are computed from the points in SQLite, one index range scan
// per bucket. Every point carries a timestamp (ms since the epoch) for charts by wall-clock time: a raw
// point's own, a bucket's mean from the points, or (rollups keep no times) the time of the first point at
// or after the bucket's mean step, one index seek per bucket inside SQLite.
import type { Database } from '../store/open';
import { METRIC_BUCKET_SHIFT } from '../store/schema';
import { fromSqlValue } from './runJson';
import type { Series } from './schemas';

export interface SeriesRequest {
  runIds: string[];
  keys: string[];
  /** Points per series at most (default 500: about one per pixel of a chart). */
  maxPoints?: number;
}

export function readSeries(db: Database, request: SeriesRequest): Series[] {
  const maxPoints = Math.max(2, request.maxPoints ?? 500);
  const runs = new Map<string, number>();
  const byUid = db.prepare('SELECT id FROM runs WHERE uid = ?').pluck();
  for (const uid of request.runIds) {
    const id = byUid.get(uid) as number | undefined;
    if (id !== undefined) runs.set(uid, id);
  }
  const keyIds = new Map<string, number>();
  const byName = db.prepare('SELECT id FROM metric_keys WHERE name = ?').pluck();
  for (const key of request.keys) {
    const id = byName.get(key) as number | undefined;
    if (id !== undefined) keyIds.set(key, id);
  }
  const extent = db.prepare('SELECT min(step) AS lo FROM metrics WHERE run_id = ? AND key_id = ?').pluck();
  const summary = db.prepare('SELECT step, count FROM latest_metrics WHERE run_id = ? AND key_id = ?');
  const raw = db.prepare('SELECT step, value, ts FROM metrics WHERE run_id = ? AND key_id = ? ORDER BY step, ts').raw();
  // One index range scan per bucket, driven by a bucket counter inside SQLite: no sort of the points
  // (a GROUP BY on step / width would sort them all), no row per point crossing into JavaScript.
  const buckets = db
    .prepare(
      `WITH RECURSIVE b(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM b WHERE i + 1 < @buckets)
       SELECT (SELECT json_array(avg(step), avg(value), min(value), max(value), count(*), avg(ts))
               FROM metrics WHERE run_id = @run AND key_id = @key AND step >= @lo + b.i * @width AND step < @lo + (b.i + 1) * @width)
       FROM b`,
    )
    .pluck();
  const rollups = db.prepare('SELECT bucket, count, step_sum, n, sum, min, max FROM metric_buckets WHERE run_id = ? AND key_id = ? ORDER BY bucket').raw();
  const stampsAt = db
    .prepare('SELECT (SELECT ts FROM metrics WHERE run_id = @run AND key_id = @key AND step >= j.value ORDER BY step, ts LIMIT 1) FROM json_each(@steps) j ORDER BY j.key')
    .pluck();
  const rollupWidth = 2 ** METRIC_BUCKET_SHIFT;
  const out: Series[] = [];
  for (const [uid, runId] of runs) {
    for (const [key, keyId] of keyIds) {
      const s = summary.get(runId, keyId) as { step: number; count: number } | undefined;
      if (!s) continue;
      if (s.count <= maxPoints) {
        const rows = raw.all(runId, keyId) as [number, number | null, number][];
        out.push({ runId: uid, key, total: rows.length, downsampled: false, points: rows.map(([step, v, ts]) => ({ step, timestamp: ts, value: fromSqlValue(v), min: fromSqlValue(v), max: fromSqlValue(v) })) });
        continue;
      }
      const lo = extent.get(runId, keyId) as number;
      const width = Math.max(1, Math.ceil((s.step - lo + 1) / maxPoints));
      if (width >= rollupWidth) {
        const points = mergeRollups(rollups.all(runId, keyId) as RollupRow[], lo, s.step, rollupWidth, maxPoints);
        const stamps = stampsAt.all({ run: runId, key: keyId, steps: JSON.stringify(points.map((p) => Math.floor(p.step))) }) as (number | null)[];
        points.forEach((p, i) => (p.timestamp = stamps[i] ?? p.timestamp));
        out.push({ runId: uid, key, total: s.count, downsampled: true, points });
        continue;
      }
      const rows = buckets.all({ run: runId, key: keyId, lo, width, buckets: Math.ceil((s.step - lo + 1) / width) }) as string[];
      const points: Series['points'] = [];
      for (const row of rows) {
        // SQLite's JSON has no NaN: a bucket whose values are all NaN has a null mean.
        const [step, mean, min, max, n, ts] = JSON.parse(row) as [number | null, number | null, number | null, number | null, number, number | null];
        if (n === 0 || step === null) continue;
        points.push({ step, timestamp: Math.round(ts ?? 0), value: fromSqlValue(mean), min: fromSqlValue(min), max: fromSqlValue(max) });
      }
      out.push({
        runId: uid,
        key,
        total: s.count,
        downsampled: true,
        points,
      });
    }
  }
  return out;
}

type RollupRow = [bucket: number, count: number, stepSum: number, n: number, sum: number | null, min: number | null, max: number | null];

/** Merges consecutive 8-step rollups into at most maxPoints buckets (aligned on rollup boundaries). */
function mergeRollups(rows: RollupRow[], lo: number, hi: number, rollupWidth: number, maxPoints: number): Series['points'] {
  const first = Math.floor(lo / rollupWidth);
  const per = Math.max(1, Math.ceil((Math.floor(hi / rollupWidth) - first + 1) / maxPoints));
  const points: Series['points'] = [];
  let group = -1;
  let count = 0;
  let stepSum = 0;
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  const emit = (): void => {
    if (count === 0) return;
    // The timestamp is filled in by the caller (rollups keep none).
    points.push({ step: stepSum / count, timestamp: 0, value: n > 0 ? sum / n : NaN, min: n > 0 ? min : NaN, max: n > 0 ? max : NaN });
  };
  for (const [bucket, c, ss, bn, bsum, bmin, bmax] of rows) {
    const g = Math.floor((bucket - first) / per);
    if (g !== group) {
      emit();
      group = g;
      count = stepSum = n = sum = 0;
      min = Infinity;
      max = -Infinity;
    }
    count += c;
    stepSum += ss;
    if (bn > 0) {
      n += bn;
      sum += bsum ?? NaN;
      if (bmin !== null && bmin < min) min = bmin;
      if (bmax !== null && bmax > max) max = bmax;
    }
  }
  emit();
  return points;
}
