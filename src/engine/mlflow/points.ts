// MLflow keeps every metric line, even two with the same step and timestamp (a script that logged twice
// in one millisecond); the Sextant store keeps one point per (run, key, step, timestamp) (its primary
// key, which the charts, rollups and the live writer rely on). So of such points the importer keeps the
// one MLflow's latest-value rule would choose (highest step, then timestamp, then value) and names each
// other one in the report, by file and line. With that choice the latest value of every key equals MLflow's.
import type { MlflowMetricPoint } from './model';

export interface CollapsedPoint extends MlflowMetricPoint {
  keptValue: number;
}

/** MLflow compares values with Python's `>`: NaN never wins over a number. */
function larger(a: number, b: number): boolean {
  if (Number.isNaN(a)) return false;
  return Number.isNaN(b) || a > b;
}

export function keepMlflowPoints(points: readonly MlflowMetricPoint[]): { points: MlflowMetricPoint[]; collapsed: CollapsedPoint[] } {
  const byKey = new Map<string, MlflowMetricPoint>();
  const dropped: MlflowMetricPoint[] = [];
  for (const p of points) {
    const k = `${p.step}\u0000${p.timestamp}\u0000${p.key}`;
    const seen = byKey.get(k);
    if (!seen) byKey.set(k, p);
    else if (larger(p.value, seen.value)) {
      dropped.push(seen);
      byKey.set(k, p);
    } else dropped.push(p);
  }
  const collapsed = dropped.map((p) => ({ ...p, keptValue: byKey.get(`${p.step}\u0000${p.timestamp}\u0000${p.key}`)!.value }));
  return { points: [...byKey.values()], collapsed };
}
