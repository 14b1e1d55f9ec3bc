// Regression metrics with scikit-learn's definitions: mean absolute error, mean squared error, its root,
// and the coefficient of determination R² (1 − SSres/SStot; with a constant target, 1 when the
// predictions are exact and 0 otherwise, as sklearn's r2_score).
import type { z } from 'zod';
import type { RegressionMetricsSchema } from './schema';

type RegressionScores = { [K in keyof z.infer<typeof RegressionMetricsSchema>]: number };

export function regressionMetrics(y: Float64Array, predicted: ArrayLike<number>): RegressionScores {
  const n = y.length;
  if (n === 0) return { mae: NaN, mse: NaN, rmse: NaN, r2: NaN };
  let abs = 0;
  let sq = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    const e = y[i]! - predicted[i]!;
    abs += Math.abs(e);
    sq += e * e;
    tot += (y[i]! - mean) ** 2;
  }
  const mse = sq / n;
  return { mae: abs / n, mse, rmse: Math.sqrt(mse), r2: tot === 0 ? (sq === 0 ? 1 : 0) : 1 - sq / tot };
}
