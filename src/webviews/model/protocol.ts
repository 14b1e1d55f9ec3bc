// The model card's message contract, imported by both sides: the extension host (src/webviews/model/panel.ts)
// checks what the page posts, the page (src/webviews/app/model.ts) checks what it is sent. A metric that is
// NaN or ±Infinity travels by name (JSON has none).
import { z } from 'zod';
import { MetricNumberSchema } from '../compare/protocol';

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
