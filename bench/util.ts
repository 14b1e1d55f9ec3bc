// Helpers for the benches: medians and percentiles of repeated timings.
export interface Bench {
  name: string;
  run(print: (line: string) => void): Promise<void>;
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

export const median = (samples: number[]): number => percentile(samples, 50);

export function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function timeMsAsync(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export const fmt = (ms: number): string => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
