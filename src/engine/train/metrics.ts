// Classification metrics from true class indices and predicted probabilities: accuracy, macro
// precision/recall/F1, log loss, one-vs-rest macro ROC AUC and the confusion matrix.

interface ClassificationMetrics {
  rows: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  log_loss: number;
  roc_auc: number;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
}

export function classificationMetrics(y: Int32Array, proba: ArrayLike<number>, classes: number): ClassificationMetrics {
  const n = y.length;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let right = 0;
  let logLoss = 0;
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (proba[r * classes + j]! > proba[r * classes + best]!) best = j;
    const t = y[r]!;
    confusion[t]![best]!++;
    if (best === t) right++;
    logLoss -= Math.log(Math.min(1 - 1e-15, Math.max(1e-15, proba[r * classes + t]!)));
  }
  let precision = 0;
  let recall = 0;
  let f1 = 0;
  let present = 0;
  for (let k = 0; k < classes; k++) {
    const tp = confusion[k]![k]!;
    const predicted = confusion.reduce((s, row) => s + row[k]!, 0);
    const actual = confusion[k]!.reduce((s, v) => s + v, 0);
    if (actual === 0 && predicted === 0) continue;
    present++;
    const p = predicted ? tp / predicted : 0;
    const rc = actual ? tp / actual : 0;
    precision += p;
    recall += rc;
    f1 += p + rc > 0 ? (2 * p * rc) / (p + rc) : 0;
  }
  return {
    rows: n,
    accuracy: n ? right / n : NaN,
    precision: present ? precision / present : NaN,
    recall: present ? recall / present : NaN,
    f1: present ? f1 / present : NaN,
    log_loss: n ? logLoss / n : NaN,
    roc_auc: macroAuc(y, proba, classes),
    confusion,
  };
}

/** Mean over classes with both positives and negatives of the one-vs-rest AUC (rank statistic, ties averaged). */
function macroAuc(y: Int32Array, proba: ArrayLike<number>, classes: number): number {
  let sum = 0;
  let counted = 0;
  const n = y.length;
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < classes; k++) {
    const score = (i: number): number => proba[i * classes + k]!;
    const sorted = [...idx].sort((a, b) => score(a) - score(b));
    let pos = 0;
    let rankSum = 0;
    for (let i = 0; i < n; ) {
      let j = i;
      while (j + 1 < n && score(sorted[j + 1]!) === score(sorted[i]!)) j++;
      const avgRank = (i + j) / 2 + 1;
      for (let m = i; m <= j; m++) if (y[sorted[m]!] === k) {
        pos++;
        rankSum += avgRank;
      }
      i = j + 1;
    }
    const neg = n - pos;
    if (pos === 0 || neg === 0) continue;
    sum += (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
    counted++;
  }
  return counted ? sum / counted : NaN;
}
