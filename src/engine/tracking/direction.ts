// Which way a metric improves, known from its name: the one place that knows it (the compare panel's scalar
// table, the param CodeLens's "best" value). Losses and errors (loss, error, mae, mse, rmse, log_loss,
// latency) are better lower, matched anywhere in the name as the CodeLens always did (`train_loss`,
// `valLoss`); scores (accuracy/acc, f1, precision, recall, auc, r2) are better higher, matched as a whole
// word of the name (`val_acc`, `f1_macro`, `roc_auc`, `test/r2`), so `accumulated` is no score. A name
// that is neither has no known direction.
export type MetricDirection = 'lower' | 'higher';

const LOWER = /loss|error|mae|mse|rmse|latency/i;
const HIGHER = new Set(['accuracy', 'acc', 'f1', 'precision', 'recall', 'auc', 'r2']);

export function metricDirection(metric: string): MetricDirection | undefined {
  if (LOWER.test(metric)) return 'lower';
  const words = metric.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/);
  return words.some((w) => HIGHER.has(w)) ? 'higher' : undefined;
}

/** Whether `a` is better than `b` for a metric going this way (finite values only; NaN is never better). */
export function isBetter(direction: MetricDirection, a: number, b: number): boolean {
  return direction === 'lower' ? a < b : a > b;
}
