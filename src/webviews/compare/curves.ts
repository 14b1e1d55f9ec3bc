// How a curve is drawn, shared by the page (uPlot) and the host's SVG export (./svg.ts), so both draw the
// same line: x by step, by seconds since the run's first point, or by wall-clock time (seconds since the
// epoch, as uPlot's time axis takes it); an exponential moving average (debiased, as TensorBoard's
// smoothing: the first points are not pulled towards zero); on a log scale, values ≤ 0 are left out.
// Pure: no DOM, no Node.
import type { ChartView, CompareSeries } from './protocol';

export interface Line {
  xs: number[];
  /** The points as logged (null: a gap, i.e. not finite, or ≤ 0 on a log scale). */
  raw: (number | null)[];
  /** The smoothed line, when smoothing is on. */
  smooth?: (number | null)[];
  /** Points left out because they are ≤ 0 on a log scale. */
  nonPositive: number;
}

export function xsOf(series: CompareSeries, x: ChartView['x']): number[] {
  if (x === 'step') return series.steps;
  if (x === 'wall') return series.timestamps.map((t) => t / 1000);
  const t0 = series.timestamps[0] ?? 0;
  return series.timestamps.map((t) => (t - t0) / 1000);
}

/** Exponential moving average with weight `w` (0: none, 0.99: heavy), skipping gaps, debiased. */
export function ema(values: readonly (number | null)[], w: number): (number | null)[] {
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null) return null;
    last = last * w + (1 - w) * v;
    n++;
    return w === 0 ? v : last / (1 - w ** n);
  });
}

export function lineOf(series: CompareSeries, view: ChartView): Line {
  const xs = xsOf(series, view.x);
  let nonPositive = 0;
  const positive = (vs: (number | null)[]): (number | null)[] =>
    view.log
      ? vs.map((v) => {
          if (v !== null && v <= 0) {
            nonPositive++;
            return null;
          }
          return v;
        })
      : vs;
  const raw = positive(series.values);
  const counted = nonPositive;
  const smooth = view.smoothing > 0 ? positive(ema(series.values, view.smoothing)) : undefined;
  return { xs, raw, smooth, nonPositive: counted };
}

/** The index of the point whose x is nearest `x` (xs ascending), or -1 for an empty line. */
export function nearestIndex(xs: readonly number[], x: number): number {
  if (xs.length === 0) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= x) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[hi]! - x) < Math.abs(xs[lo]! - x) ? hi : lo;
}
