// The trainer's classification metrics in their flat shape: the evaluation engine's
// (src/engine/evaluate/classification.ts, scikit-learn's definitions), so there is one implementation.
// For two classes the positive class is the second: precision, recall and f1 are its own, roc_auc is from
// its column; for more, they are macro averages and roc_auc is one-vs-rest macro.
import { classificationMetrics as evaluationMetrics, type ClassificationScores } from '../evaluate/classification';

type ClassificationMetrics = ClassificationScores & {
  rows: number;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
};

export function classificationMetrics(y: Int32Array, proba: ArrayLike<number>, classes: number): ClassificationMetrics {
  const m = evaluationMetrics(y, Float64Array.from(proba), classes);
  return { rows: m.rows, ...m.metrics, confusion: m.confusion };
}
