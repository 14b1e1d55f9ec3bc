// The run details panel's message contract, imported by both sides: the extension host
// (src/webviews/run/panel.ts) checks what the page posts, the page (src/webviews/app/run.ts) checks what it
// is sent. Non-finite metric values travel by name, chart gaps as null (as in the compare panel).
import { z } from 'zod';
import { MetricNumberSchema } from '../compare/protocol';

export { RUN_VIEW_TYPE } from '../viewTypes';

export const RunMetricSchema = z.object({
  key: z.string(),
  last: MetricNumberSchema,
  min: MetricNumberSchema.nullable(),
  max: MetricNumberSchema.nullable(),
  step: z.number().int(),
  /** Points in the store. */
  count: z.number().int(),
  /** The stage that logged it, for a pipeline run. */
  stage: z.string().optional(),
});
export type RunMetric = z.infer<typeof RunMetricSchema>;

/** A metric's curve, downsampled by the engine (Tracker.readSeries). */
export const RunSeriesSchema = z.object({
  key: z.string(),
  steps: z.array(z.number()),
  values: z.array(z.number().nullable()),
  total: z.number().int(),
  downsampled: z.boolean(),
});
export type RunSeries = z.infer<typeof RunSeriesSchema>;

export const RunArtifactSchema = z.object({
  /** The run that logged it (the run itself, or one of a pipeline run's stages). */
  runId: z.string(),
  stage: z.string().optional(),
  path: z.string(),
  size: z.number().int(),
  mediaType: z.string(),
  sha256: z.string(),
  /** Its file is gone from the artifact store: shown, but it cannot be opened. */
  missing: z.boolean(),
});
export type RunArtifact = z.infer<typeof RunArtifactSchema>;

export const RunStageSchema = z.object({
  name: z.string(),
  status: z.string(),
  /** Its run: its own in this pipeline run, or for a cached stage the earlier run it reused (null when none is left). */
  runId: z.string().nullable(),
  runName: z.string().optional(),
  durationMs: z.number().nullable(),
  reason: z.string().optional(),
});
export type RunStage = z.infer<typeof RunStageSchema>;

export const CurveSchema = z.object({ label: z.string(), x: z.array(z.number()), y: z.array(z.number().nullable()) });

/** What an evaluate stage logged: the confusion matrix (`confusion/<true>/<pred>`) and ROC/PR curves (`roc/<class>`, `pr/<class>`). */
export const EvaluationSchema = z.object({
  stage: z.string(),
  /** Class names, rows (true) and columns (predicted) of the matrix. */
  classes: z.array(z.string()),
  /** matrix[true][predicted]; null where the stage logged no count. */
  matrix: z.array(z.array(z.number().nullable())),
  roc: z.array(CurveSchema),
  pr: z.array(CurveSchema),
});
export type Evaluation = z.infer<typeof EvaluationSchema>;

export const RunLogSchema = z.object({
  /** The log's tail. */
  text: z.string(),
  bytes: z.number().int(),
  truncated: z.boolean(),
  /** Whether there is a whole log to open in an editor. */
  canOpen: z.boolean(),
});

export const RunDataSchema = z.object({
  run: z.object({
    id: z.string(),
    name: z.string(),
    experiment: z.string(),
    status: z.string(),
    kind: z.enum(['pipeline', 'stage', 'run']),
    parent: z.object({ id: z.string(), name: z.string() }).nullable(),
    startedAt: z.number().nullable(),
    endedAt: z.number().nullable(),
    exitCode: z.number().int().nullable(),
    command: z.string().nullable(),
  }),
  params: z.record(z.string(), z.string()),
  metrics: z.array(RunMetricSchema),
  series: z.array(RunSeriesSchema),
  tags: z.record(z.string(), z.string()),
  /** What the store recorded of where it ran: git commit, Python, host, GPU, resources. */
  environment: z.array(z.object({ label: z.string(), value: z.string() })),
  artifacts: z.array(RunArtifactSchema),
  /** A pipeline run's stages in the order they ran, cached ones included; empty for other runs. */
  stages: z.array(RunStageSchema),
  evaluations: z.array(EvaluationSchema),
  /** null: the run has no log. */
  log: RunLogSchema.nullable(),
});
export type RunData = z.infer<typeof RunDataSchema>;

/** Extension host → page. */
export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('data'), data: RunDataSchema }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

const ArtifactRequest = { runId: z.string(), path: z.string() };

/** Page → extension host. The host checks an artifact or run named here against the store before it acts. */
export const PageMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('invalid'), message: z.string() }),
  z.object({ type: z.literal('openArtifact'), ...ArtifactRequest }),
  z.object({ type: z.literal('revealArtifact'), ...ArtifactRequest }),
  /** Open the whole log in an editor. */
  z.object({ type: z.literal('openLog') }),
  /** Open the details of one of this run's stages (or of the run a cached stage reused, or of its pipeline run). */
  z.object({ type: z.literal('openRun'), runId: z.string() }),
]);
export type PageMessage = z.infer<typeof PageMessageSchema>;
export type PageRequest = Exclude<PageMessage, { type: 'ready' } | { type: 'invalid' }>;

/** What the page keeps with setState, and what the serializer gets back after a window reload. */
export const PageStateSchema = z.object({
  runId: z.string(),
  /** Metric keys whose curve is open. */
  expanded: z.array(z.string()).default([]),
  data: RunDataSchema.optional(),
});
export type PageState = z.infer<typeof PageStateSchema>;
