// Permutation feature importance (Breiman 2001; scikit-learn's sklearn.inspection.permutation_importance): the
// model's score on the data, then for each feature and each repeat the score with that feature's column
// shuffled (the link between it and the label broken, its distribution kept); a feature's importance is the
// baseline minus the shuffled score, averaged over the repeats (and its standard deviation, ddof 0 like
// numpy's). Scores are greater-is-better as scikit-learn's scorers are: a loss enters negated, so its
// importance is how much the loss grows. Shuffles come from a seeded PRNG (the same seed, the same numbers on
// every machine; not scikit-learn's RandomState, so the numbers are not scikit-learn's, the method is).
import { z } from 'zod';
import { Rng, permutation } from '../train/rng';
import { classificationMetrics } from '../train/metrics';

export const IMPORTANCE_METRICS = ['accuracy', 'f1', 'roc_auc', 'log_loss'] as const;
export type ImportanceMetric = (typeof IMPORTANCE_METRICS)[number];

export const PermutationImportanceSchema = z.object({
  metric: z.enum(IMPORTANCE_METRICS),
  repeats: z.number().int().positive(),
  seed: z.number().int(),
  rows: z.number().int(),
  /** The metric on the data as it is (a loss as the loss, not negated). */
  baseline: z.number(),
  /** One per feature, most important first. */
  features: z.array(
    z.object({
      feature: z.string(),
      /** Mean drop of the score when the feature is shuffled (for log_loss: mean rise of the loss). */
      importance: z.number(),
      std: z.number(),
      /** The drop in each repeat. */
      drops: z.array(z.number()),
    }),
  ),
});
export type PermutationImportance = z.infer<typeof PermutationImportanceSchema>;

/** Class probabilities (rows × classes, row-major) for a row-major float32 matrix of `rows` rows. */
export type Predict = (x: Float32Array, rows: number) => Promise<Float32Array>;

/** The score, greater is better (log_loss negated). */
function score(metric: ImportanceMetric, y: Int32Array, proba: Float32Array, classes: number): number {
  const m = classificationMetrics(y, proba, classes);
  return metric === 'log_loss' ? -m.log_loss : m[metric];
}

export async function permutationImportance(input: {
  predict: Predict;
  x: Float32Array;
  y: Int32Array;
  features: readonly string[];
  classes: number;
  metric?: ImportanceMetric;
  repeats?: number;
  seed?: number;
}): Promise<PermutationImportance> {
  const metric = input.metric ?? 'accuracy';
  const repeats = input.repeats ?? 5;
  const seed = input.seed ?? 0;
  const F = input.features.length;
  const n = input.y.length;
  const baseline = score(metric, input.y, await input.predict(input.x, n), input.classes);
  const rng = new Rng(seed);
  const shuffled = new Float32Array(input.x);
  const features = [];
  for (let f = 0; f < F; f++) {
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const order = permutation(n, rng);
      for (let i = 0; i < n; i++) shuffled[i * F + f] = input.x[order[i]! * F + f]!;
      drops.push(baseline - score(metric, input.y, await input.predict(shuffled, n), input.classes));
    }
    // Put the column back before the next feature is shuffled.
    for (let i = 0; i < n; i++) shuffled[i * F + f] = input.x[i * F + f]!;
    const mean = drops.reduce((s, d) => s + d, 0) / repeats;
    const std = Math.sqrt(drops.reduce((s, d) => s + (d - mean) ** 2, 0) / repeats);
    features.push({ feature: input.features[f]!, importance: mean, std, drops });
  }
  features.sort((a, b) => b.importance - a.importance || a.feature.localeCompare(b.feature));
  return { metric, repeats, seed, rows: n, baseline: metric === 'log_loss' ? -baseline : baseline, features };
}
