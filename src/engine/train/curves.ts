// ROC and precision-recall curves, one-vs-rest per class, from true class indices and predicted
// probabilities: the points a chart needs (at most `maxPoints`), not every threshold. `sextant/evaluate`
// logs each as a metric series whose step is the x value in thousandths (false-positive rate for ROC,
// recall for PR) and whose value is the y value (true-positive rate; the best precision at that recall
// or beyond, the usual interpolated PR curve).

export interface CurvePoint {
  /** x × 1000, rounded: 0…1000. */
  step: number;
  value: number;
}

export interface ClassCurves {
  roc: CurvePoint[];
  pr: CurvePoint[];
}

/** Curves of class k against the rest; undefined when the rows hold no positive or no negative of it. */
export function classCurves(y: Int32Array, proba: ArrayLike<number>, classes: number, k: number): ClassCurves | undefined {
  const n = y.length;
  const score = (i: number): number => proba[i * classes + k]!;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score(b) - score(a));
  const pos = order.reduce((s, i) => s + (y[i] === k ? 1 : 0), 0);
  const neg = n - pos;
  if (pos === 0 || neg === 0) return undefined;
  const roc = new Map<number, number>([[0, 0]]);
  const precisionAt: { recall: number; precision: number }[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; ) {
    // Rows with the same score cross the threshold together.
    let j = i;
    while (j < n && score(order[j]!) === score(order[i]!)) {
      if (y[order[j]!] === k) tp++;
      else fp++;
      j++;
    }
    const x = Math.round((fp / neg) * 1000);
    roc.set(x, Math.max(roc.get(x) ?? 0, tp / pos));
    precisionAt.push({ recall: tp / pos, precision: tp / (tp + fp) });
    i = j;
  }
  // Interpolated precision: the best precision at this recall or any higher one.
  const pr = new Map<number, number>();
  let best = 0;
  for (let i = precisionAt.length - 1; i >= 0; i--) {
    best = Math.max(best, precisionAt[i]!.precision);
    const x = Math.round(precisionAt[i]!.recall * 1000);
    pr.set(x, Math.max(pr.get(x) ?? 0, best));
  }
  pr.set(0, Math.max(pr.get(0) ?? 0, best));
  const points = (m: Map<number, number>): CurvePoint[] => [...m].sort(([a], [b]) => a - b).map(([step, value]) => ({ step, value }));
  return { roc: points(roc), pr: points(pr) };
}
