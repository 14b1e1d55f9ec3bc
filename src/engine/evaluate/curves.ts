// ROC and precision-recall curves of one class against the rest, point for point as scikit-learn's
// roc_curve (drop_intermediate=True) and precision_recall_curve compute them: rows sorted by score,
// descending (a stable sort, as numpy's mergesort), one threshold per distinct score.

export interface CurveCounts {
  /** Cumulative true and false positives at each distinct score, highest score first. */
  tps: Float64Array;
  fps: Float64Array;
  /** The distinct scores, descending. */
  thresholds: Float64Array;
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** null for the first point: above every score, nothing predicted positive. */
  thresholds: (number | null)[];
}

export interface PrCurve {
  /** In sklearn's order: recall decreasing, the last point (recall 0, precision 1) with no threshold. */
  precision: number[];
  recall: number[];
  thresholds: (number | null)[];
}

/** sklearn's _binary_clf_curve without weights. */
export function binaryCurveCounts(truth: Uint8Array, score: Float64Array): CurveCounts {
  const n = truth.length;
  const order = Array.from({ length: n }, (_, i) => i);
  // numpy: argsort(score, kind='mergesort')[::-1]: ascending stable, then reversed, so ties keep reverse order.
  order.sort((a, b) => score[a]! - score[b]! || a - b).reverse();
  const tps: number[] = [];
  const fps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  for (let i = 0; i < n; i++) {
    tp += truth[order[i]!]!;
    if (i === n - 1 || score[order[i + 1]!] !== score[order[i]!]) {
      tps.push(tp);
      fps.push(i + 1 - tp);
      thresholds.push(score[order[i]!]!);
    }
  }
  return { tps: Float64Array.from(tps), fps: Float64Array.from(fps), thresholds: Float64Array.from(thresholds) };
}

/** sklearn's roc_curve: collinear intermediate points dropped, (0, 0) first. */
export function rocCurve(c: CurveCounts): RocCurve {
  const m = c.tps.length;
  let keep = Array.from({ length: m }, (_, i) => i);
  if (m > 2) {
    keep = keep.filter((i) => i === 0 || i === m - 1 || c.fps[i + 1]! - 2 * c.fps[i]! + c.fps[i - 1]! !== 0 || c.tps[i + 1]! - 2 * c.tps[i]! + c.tps[i - 1]! !== 0);
  }
  const lastFp = c.fps[m - 1] ?? 0;
  const lastTp = c.tps[m - 1] ?? 0;
  return {
    fpr: [0, ...keep.map((i) => c.fps[i]! / lastFp)],
    tpr: [0, ...keep.map((i) => c.tps[i]! / lastTp)],
    thresholds: [null, ...keep.map((i) => c.thresholds[i]!)],
  };
}

/** sklearn's precision_recall_curve (1.2): every distinct score, recall decreasing, then (recall 0, precision 1). */
export function prCurve(c: CurveCounts): PrCurve {
  const m = c.tps.length;
  const lastTp = c.tps[m - 1] ?? 0;
  const precision: number[] = [];
  const recall: number[] = [];
  const thresholds: (number | null)[] = [];
  for (let i = m - 1; i >= 0; i--) {
    const predicted = c.tps[i]! + c.fps[i]!;
    precision.push(predicted === 0 ? 0 : c.tps[i]! / predicted);
    recall.push(lastTp === 0 ? 1 : c.tps[i]! / lastTp);
    thresholds.push(c.thresholds[i]!);
  }
  precision.push(1);
  recall.push(0);
  thresholds.push(null);
  return { precision, recall, thresholds };
}

/** The trapezoidal area under y(x) (numpy's trapz). */
export function trapezoid(x: number[], y: number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return area;
}
