// Latency percentiles (nearest rank: the smallest sample with at least p% of the samples at or below it)
// and throughput of a series of timed batches.
import type { BatchLatency } from './schema';

export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Percentiles of the batch times (ms) and rows per second over all of them. */
export function batchLatency(batchSize: number, timesMs: number[], rows: number): BatchLatency {
  const sorted = Float64Array.from(timesMs).sort();
  const total = timesMs.reduce((s, t) => s + t, 0);
  return {
    batch_size: batchSize,
    runs: timesMs.length,
    p50: nearestRank(sorted, 50),
    p95: nearestRank(sorted, 95),
    p99: nearestRank(sorted, 99),
    rows_per_second: total > 0 ? rows / (total / 1000) : 0,
  };
}
