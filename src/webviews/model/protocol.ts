// The model card's message contract, imported by both sides: the extension host (src/webviews/model/panel.ts)
// checks what the page posts, the page (src/webviews/app/model.ts) checks what it is sent. A metric that is
// NaN or ±Infinity travels by name (JSON has none).
import { z } from 'zod';
import { MetricNumberSchema } from '../compare/protocol';
import { CurveSchema } from '../run/protocol';

export { MODEL_VIEW_TYPE } from '../viewTypes';

export const TensorSchema = z.object({
  name: z.string(),
  type: z.string(),
  /** A fixed size, a symbolic name ("N"), or null (unknown) per axis; null: no shape declared. */
  shape: z.array(z.union([z.number().int(), z.string(), z.null()])).nullable(),
});
export type Tensor = z.infer<typeof TensorSchema>;

export const AliasHistoryRowSchema = z.object({
  alias: z.string(),
  from: z.number().int().nullable(),
  to: z.number().int().nullable(),
  actor: z.string(),
  source: z.string(),
  at: z.number(),
});

/** Permutation feature importance of the version on a data file: the metric's drop when each feature is shuffled. */
export const ImportanceSchema = z.object({
  metric: z.string(),
  baseline: z.number(),
  repeats: z.number().int(),
  seed: z.number().int(),
  rows: z.number().int(),
  data: z.object({ path: z.string(), sha256: z.string() }),
  createdAt: z.number(),
  /** Most important first. */
  features: z.array(z.object({ feature: z.string(), importance: z.number(), std: z.number() })),
});
export type Importance = z.infer<typeof ImportanceSchema>;

/** One evaluation kept with the version: when, on which data (the dataset version with its content, when registered), the headline metrics. */
export const EvaluationRowSchema = z.object({
  id: z.number().int(),
  createdAt: z.number(),
  rows: z.number().int(),
  provider: z.string(),
  /** "penguins v1", or null when the data's content is no registered dataset version. */
  dataset: z.string().nullable(),
  data: z.string(),
  metrics: z.record(z.string(), MetricNumberSchema),
});
export type EvaluationRow = z.infer<typeof EvaluationRowSchema>;

/** The newest evaluation of a classifier: its confusion matrix and ROC/PR curves (thinned for drawing). */
export const LatestEvaluationSchema = z.object({
  id: z.number().int(),
  createdAt: z.number(),
  dataset: z.string().nullable(),
  data: z.string(),
  classes: z.array(z.string()),
  /** matrix[true][predicted]. */
  matrix: z.array(z.array(z.number().nullable())),
  roc: z.array(CurveSchema),
  pr: z.array(CurveSchema),
});
export type LatestEvaluation = z.infer<typeof LatestEvaluationSchema>;

/** Kernel SHAP attributions of single rows: what moved each prediction away from the background's mean. */
export const ShapSchema = z.object({
  data: z.string(),
  createdAt: z.number(),
  background: z.object({ rows: z.number().int(), seed: z.number().int() }),
  rows: z.array(
    z.object({
      row: z.number().int(),
      line: z.number().int(),
      class: z.string().nullable(),
      prediction: z.number(),
      base: z.number(),
      method: z.enum(['exact', 'sampled']),
      features: z.array(z.object({ feature: z.string(), value: z.number().nullable(), attribution: z.number() })),
    }),
  ),
});
export type Shap = z.infer<typeof ShapSchema>;

export const ModelCardDataSchema = z.object({
  name: z.string(),
  description: z.string().nullable(),
  version: z.number().int(),
  versions: z.array(z.number().int()),
  createdAt: z.number(),
  format: z.string().nullable(),
  sha256: z.string().nullable(),
  /** The registered file (artifact store); `exists` false when it was deleted (Reveal is then disabled). */
  file: z.object({ path: z.string().nullable(), exists: z.boolean() }),
  signature: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), inputs: z.array(TensorSchema), outputs: z.array(TensorSchema) }), z.object({ ok: z.literal(false), message: z.string() })]),
  features: z.array(z.string()).nullable(),
  label: z.string().nullable(),
  classes: z.array(z.string()).nullable(),
  metrics: z.record(z.string(), MetricNumberSchema),
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('none') }),
    z.object({ kind: z.literal('deleted'), id: z.string(), name: z.string() }),
    z.object({
      kind: z.literal('run'),
      id: z.string(),
      name: z.string(),
      experiment: z.string(),
      status: z.string(),
      startedAt: z.number().nullable(),
      stage: z.string().nullable(),
      gitCommit: z.string().nullable(),
      gitDirty: z.boolean().nullable(),
      params: z.record(z.string(), z.string()),
    }),
  ]),
  datasets: z.array(z.object({ name: z.string(), path: z.string().nullable(), version: z.number().int(), hash: z.string(), rows: z.number().int().nullable(), role: z.string() })),
  datasetNames: z.array(z.string()),
  aliases: z.array(z.object({ alias: z.string(), version: z.number().int() })),
  history: z.array(AliasHistoryRowSchema),
  /** Absent in a state saved before the card showed importance. */
  importance: ImportanceSchema.nullable().optional(),
  /** Absent in a state saved before the card showed them. Oldest first. */
  evaluations: z.array(EvaluationRowSchema).optional(),
  latestEvaluation: LatestEvaluationSchema.nullable().optional(),
  shap: ShapSchema.nullable().optional(),
});
export type ModelCardData = z.infer<typeof ModelCardDataSchema>;

/** Extension host → page. */
export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('data'), data: ModelCardDataSchema }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

/** Page → extension host. The host confirms an alias move (a modal naming model, version, alias and where it points now) before it is made. */
export const PageMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('invalid'), message: z.string() }),
  /** Point `alias` at the card's version; `expectedFrom`: where the page showed it pointing (null: not set). */
  z.strictObject({ type: z.literal('moveAlias'), alias: z.string().min(1).max(64), expectedFrom: z.number().int().nullable() }),
  z.object({ type: z.literal('revealFile') }),
  z.object({ type: z.literal('openSourceRun') }),
]);
export type PageMessage = z.infer<typeof PageMessageSchema>;

/** What the page keeps with setState, and what the serializer gets back after a window reload. */
export const PageStateSchema = z.object({
  model: z.string(),
  version: z.number().int(),
  data: ModelCardDataSchema.optional(),
});
export type PageState = z.infer<typeof PageStateSchema>;
