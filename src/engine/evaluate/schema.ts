// What an evaluation returns, prints (`sextant eval --json`) and stores (model_evaluations.result_json):
// one zod schema, the types come from it. Field names follow scikit-learn's metric names.
import { z } from 'zod';

export const BatchLatencySchema = z.object({
  batch_size: z.number().int(),
  runs: z.number().int().describe('Timed session.run calls.'),
  p50: z.number().describe('Milliseconds per call (nearest rank).'),
  p95: z.number(),
  p99: z.number(),
  rows_per_second: z.number(),
});
export type BatchLatency = z.infer<typeof BatchLatencySchema>;

/** A metric; NaN in the engine (e.g. ROC AUC when the rows hold one class only), null in JSON. */
const metric = z.number().nullable();

export const ClassificationMetricsSchema = z.object({
  accuracy: metric,
  precision: metric.describe('Two classes: of the positive class; more: the macro average.'),
  recall: metric,
  f1: metric.describe("Two classes: the positive class's F1 (sklearn's average='binary'); more: macro."),
  precision_macro: metric,
  recall_macro: metric,
  f1_macro: metric,
  precision_weighted: metric,
  recall_weighted: metric,
  f1_weighted: metric,
  roc_auc: metric.describe('Two classes: from the positive column; more: one-vs-rest macro (NaN/null when a class has no row).'),
  log_loss: metric,
});

export const RegressionMetricsSchema = z.object({ mae: metric, mse: metric, rmse: metric, r2: metric });

export const RocPointSchema = z.object({ fpr: z.number(), tpr: z.number(), threshold: z.number().nullable() });
export const PrPointSchema = z.object({ recall: z.number(), precision: z.number(), threshold: z.number().nullable() });

export const ClassCurvesSchema = z.object({
  class: z.string(),
  roc: z.array(RocPointSchema).describe("sklearn's roc_curve points (drop_intermediate); the first point's threshold is null."),
  pr: z.array(PrPointSchema).describe("sklearn's precision_recall_curve points, recall decreasing; the last point's threshold is null."),
  /** Points before thinning, when a curve had more than the limit (evenly thinned, ends kept). */
  roc_points: z.number().int(),
  pr_points: z.number().int(),
});
export type ClassCurves = z.infer<typeof ClassCurvesSchema>;

export const FeatureMappingSchema = z.object({
  by: z.enum(['name', 'order']).describe('How data columns were matched to the model: by name, or (no name matched) by position.'),
  inputs: z.array(z.object({ input: z.string(), type: z.string(), columns: z.array(z.string()) })),
});

const common = {
  model: z.object({ file: z.string(), ref: z.string().nullable().describe('name@alias or name@N when given so'), version: z.number().int().nullable().describe('The registered version, when known.') }),
  data: z.object({ file: z.string(), sha256: z.string(), dataset: z.string().nullable(), version: z.number().int().nullable().describe('The dataset version with this content, when registered.') }),
  label: z.string(),
  rows: z.number().int().describe('Rows evaluated.'),
  skipped_rows: z.number().int().describe('Rows without a label value, not evaluated.'),
  provider: z.enum(['cpu', 'cuda']),
  provider_note: z.string().nullable().describe('Why CPU, when it is.'),
  features: FeatureMappingSchema,
  latency_ms: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }).describe('Single-row requests (batch size 1), as a served model answers them.'),
  rows_per_second: z.number().describe('Rows per second of the batched evaluation pass (tensors in, outputs out).'),
  latency: z.array(BatchLatencySchema).describe('Per batch size; the last is the evaluation pass.'),
};

export const ClassificationResultSchema = z.object({
  task: z.literal('classification'),
  ...common,
  classes: z.array(z.string()),
  positive: z.string().nullable().describe('The positive class (two classes), else null.'),
  metrics: ClassificationMetricsSchema,
  confusion_matrix: z.array(z.array(z.number().int())).describe('[true][predicted], in the order of `classes`.'),
  curves: z.array(ClassCurvesSchema).describe('The positive class for two classes, each class one-vs-rest for more.'),
});

export const RegressionResultSchema = z.object({
  task: z.literal('regression'),
  ...common,
  metrics: RegressionMetricsSchema,
  confusion_matrix: z.null(),
});

export const EvaluationResultSchema = z.discriminatedUnion('task', [ClassificationResultSchema, RegressionResultSchema]);
export type EvaluationResult = z.infer<typeof EvaluationResultSchema>;
export type ClassificationResult = z.infer<typeof ClassificationResultSchema>;
