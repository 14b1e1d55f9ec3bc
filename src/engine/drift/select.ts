// Which test a column gets: Evidently's default choice by type, size and number of distinct values,
// unless a test is named for it. Thresholds: 0.05 on p-values (drift when p < 0.05), 0.1 on distances
// (drift when distance >= 0.1).
import { z } from 'zod';

export const DriftTestSchema = z.enum(['ks', 'chi2', 'ztest', 'psi', 'wasserstein', 'jensenshannon']);
export type DriftTest = z.infer<typeof DriftTestSchema>;
export const DRIFT_TESTS = DriftTestSchema.options;

export type ColumnType = 'numeric' | 'categorical';

/** Reference size up to which p-value tests are used (Evidently: 1000 rows). */
const SMALL_REFERENCE = 1000;
const P_VALUE_THRESHOLD = 0.05;
const DISTANCE_THRESHOLD = 0.1;

export const isPValueTest = (test: DriftTest): boolean => test === 'ks' || test === 'chi2' || test === 'ztest';
export const numericOnly = (test: DriftTest): boolean => test === 'ks' || test === 'wasserstein';
export const defaultThreshold = (test: DriftTest): number => (isPValueTest(test) ? P_VALUE_THRESHOLD : DISTANCE_THRESHOLD);

/** Evidently's default test, and a sentence saying why. `referenceSize` counts non-missing values; `distinct` needs to be exact only up to 6. */
export function defaultTest(type: ColumnType, referenceSize: number, distinct: number): { test: DriftTest; why: string } {
  const size = `reference of ${referenceSize} value${referenceSize === 1 ? '' : 's'}`;
  if (referenceSize <= SMALL_REFERENCE) {
    if (type === 'numeric' && distinct > 5) return { test: 'ks', why: `numeric with more than 5 distinct values, ${size} (<= ${SMALL_REFERENCE}): two-sample Kolmogorov–Smirnov` };
    const kind = type === 'numeric' ? `numeric with ${distinct} distinct value${distinct === 1 ? '' : 's'} (<= 5)` : `categorical with ${distinct} categor${distinct === 1 ? 'y' : 'ies'}`;
    if (distinct > 2) return { test: 'chi2', why: `${kind}, ${size} (<= ${SMALL_REFERENCE}): chi-square` };
    return { test: 'ztest', why: `${kind} (binary), ${size} (<= ${SMALL_REFERENCE}): z-test for two proportions` };
  }
  if (type === 'numeric' && distinct > 5) return { test: 'wasserstein', why: `numeric, ${size} (> ${SMALL_REFERENCE}): Wasserstein distance over the reference's std` };
  const kind = type === 'numeric' ? `numeric with ${distinct} distinct value${distinct === 1 ? '' : 's'} (<= 5)` : 'categorical';
  return { test: 'jensenshannon', why: `${kind}, ${size} (> ${SMALL_REFERENCE}): Jensen–Shannon distance` };
}
