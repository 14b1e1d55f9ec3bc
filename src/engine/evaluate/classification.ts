// Classification metrics from true class indices and predicted probabilities, with scikit-learn's
// definitions and names: the predicted class is the first most probable one (numpy's argmax);
// precision, recall and F1 of the positive class for two classes (average='binary'), and their macro
// and weighted averages over the classes present in the true or predicted labels (zero when a class
// was never predicted, sklearn's zero_division default); ROC AUC of the positive column for two classes,
// one-vs-rest macro for more; log loss with probabilities clipped to [eps, 1 - eps] and each row
// renormalised (sklearn's log_loss, eps of float64); the confusion matrix [true][predicted].
import type { z } from 'zod';
import { argmaxRows } from '../train/model';
import type { ClassificationMetricsSchema } from './schema';
import { binaryCurveCounts, rocCurve, trapezoid } from './curves';

/** The metrics of ClassificationMetricsSchema as computed (NaN where undefined; null only in JSON). */
export type ClassificationScores = { [K in keyof z.infer<typeof ClassificationMetricsSchema>]: number };

export interface ClassificationMetrics {
  rows: number;
  metrics: ClassificationScores;
  /** confusion[true][predicted] counts, in class order. */
  confusion: number[][];
}

const EPS = 2.220446049250313e-16;

const f1Of = (p: number, r: number): number => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

/**
 * `positive`: the index of the positive class when there are two classes (its column's scores give the
 * ROC AUC and its precision/recall/F1 are `precision`, `recall`, `f1`); ignored for more classes.
 */
export function classificationMetrics(y: Int32Array, proba: Float64Array, classes: number, positive = classes - 1): ClassificationMetrics {
  const n = y.length;
  const predicted = argmaxRows(proba, n, classes); // the first most probable class, as numpy's argmax
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let right = 0;
  let loss = 0;
  for (let r = 0; r < n; r++) {
    const t = y[r]!;
    const p = predicted[r]!;
    confusion[t]![p]!++;
    if (t === p) right++;
    const o = r * classes;
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.min(1 - EPS, Math.max(EPS, proba[o + j]!));
    loss -= Math.log(Math.min(1 - EPS, Math.max(EPS, proba[o + t]!)) / sum);
  }
  const perClass = Array.from({ length: classes }, (_, k) => {
    const tp = confusion[k]![k]!;
    let predictedK = 0;
    for (let t = 0; t < classes; t++) predictedK += confusion[t]![k]!;
    const support = confusion[k]!.reduce((s, v) => s + v, 0);
    const precision = predictedK ? tp / predictedK : 0;
    const recall = support ? tp / support : 0;
    return { precision, recall, f1: f1Of(precision, recall), support, present: support > 0 || predictedK > 0 };
  });
  const present = perClass.filter((c) => c.present);
  const total = present.reduce((s, c) => s + c.support, 0);
  const macro = (key: 'precision' | 'recall' | 'f1'): number => (present.length ? present.reduce((s, c) => s + c[key], 0) / present.length : NaN);
  const weighted = (key: 'precision' | 'recall' | 'f1'): number => (total ? present.reduce((s, c) => s + c[key] * c.support, 0) / total : NaN);
  const binary = classes === 2 ? perClass[positive]! : undefined;
  const metrics: ClassificationScores = {
    accuracy: n ? right / n : NaN,
    precision: binary ? binary.precision : macro('precision'),
    recall: binary ? binary.recall : macro('recall'),
    f1: binary ? binary.f1 : macro('f1'),
    precision_macro: macro('precision'),
    recall_macro: macro('recall'),
    f1_macro: macro('f1'),
    precision_weighted: weighted('precision'),
    recall_weighted: weighted('recall'),
    f1_weighted: weighted('f1'),
    roc_auc: classes === 2 ? classAuc(y, proba, classes, positive) : macroAuc(y, proba, classes),
    log_loss: n ? loss / n : NaN,
  };
  return { rows: n, metrics, confusion };
}

/** The column of class k, and whether each row is of class k. */
export function oneVsRest(y: Int32Array, proba: ArrayLike<number>, classes: number, k: number): { truth: Uint8Array; score: Float64Array } {
  const n = y.length;
  const truth = new Uint8Array(n);
  const score = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    truth[r] = y[r] === k ? 1 : 0;
    score[r] = proba[r * classes + k]!;
  }
  return { truth, score };
}

/** Area under the ROC curve of class k against the rest (NaN when the rows hold only one of the two). */
function classAuc(y: Int32Array, proba: ArrayLike<number>, classes: number, k: number): number {
  const { truth, score } = oneVsRest(y, proba, classes, k);
  const counts = binaryCurveCounts(truth, score);
  const positives = counts.tps.at(-1) ?? 0;
  if (positives === 0 || positives === y.length) return NaN;
  const roc = rocCurve(counts);
  return trapezoid(roc.fpr, roc.tpr);
}

/** Mean over the classes of the one-vs-rest AUC (sklearn's multi_class='ovr', average='macro'); NaN when a class has no row. */
function macroAuc(y: Int32Array, proba: ArrayLike<number>, classes: number): number {
  let sum = 0;
  for (let k = 0; k < classes; k++) sum += classAuc(y, proba, classes, k);
  return sum / classes;
}
