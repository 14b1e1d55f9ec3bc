// The shapes that cross the tracking API's edges (the runner, the CLI, the views, importers, the
// line protocol and metrics files). TypeScript types come from these schemas.
import { z } from 'zod';
import { RUN_STATUSES } from './runStatuses';

export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

/** A metric value: any JavaScript number, NaN and ±Infinity included (zod's z.number() refuses those). */
export const MetricValueSchema = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number (NaN and ±Infinity are allowed)' });

/** Milliseconds since the Unix epoch. */
const EpochMsSchema = z.number().int().nonnegative();

export const ExperimentSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string().nullable(),
  primaryMetric: z.string().nullable(),
  createdAt: EpochMsSchema,
  runCount: z.number().int(),
});
export type Experiment = z.infer<typeof ExperimentSchema>;

export const StartRunInputSchema = z.object({
  /** Experiment name; created when it does not exist. */
  experiment: z.string().min(1).default('Default'),
  /** Display name; a generated one when omitted. */
  name: z.string().min(1).optional(),
  /** Public id of the parent run (a pipeline run, for its stages). */
  parentId: z.string().optional(),
  /** `queued` for a stage waiting its turn; `running` (default) starts the clock now. */
  status: z.enum(['queued', 'running']).default('running'),
  command: z.string().optional(),
  cwd: z.string().optional(),
  host: z.string().optional(),
  pid: z.number().int().positive().optional(),
  gitCommit: z.string().optional(),
  gitDirty: z.boolean().optional(),
  pythonVersion: z.string().optional(),
  nodeVersion: z.string().optional(),
  gpu: z.string().optional(),
  logPath: z.string().optional(),
  startedAt: EpochMsSchema.optional(),
  /** Use this public id instead of a generated one (importers keep theirs stable this way). */
  id: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
});
export type StartRunInput = z.input<typeof StartRunInputSchema>;

export const UpdateRunSchema = z.object({
  name: z.string().min(1).optional(),
  status: RunStatusSchema.optional(),
  pid: z.number().int().positive().nullable().optional(),
  host: z.string().optional(),
  command: z.string().optional(),
  gpu: z.string().nullable().optional(),
  logPath: z.string().optional(),
  gitCommit: z.string().optional(),
  gitDirty: z.boolean().optional(),
  pythonVersion: z.string().optional(),
  nodeVersion: z.string().optional(),
  startedAt: EpochMsSchema.optional(),
  endedAt: EpochMsSchema.optional(),
  exitCode: z.number().int().nullable().optional(),
});
export type UpdateRun = z.infer<typeof UpdateRunSchema>;

/** One metric point as callers give it: NaN and ±Infinity are values; step and timestamp are optional. */
export const MetricPointInputSchema = z.object({
  key: z.string(),
  value: MetricValueSchema,
  /** Omitted: one more than this key's last step in this run (0 for the first). */
  step: z.number().int().optional(),
  /** Omitted: now. */
  timestamp: EpochMsSchema.optional(),
});
export type MetricPointInput = z.infer<typeof MetricPointInputSchema>;

export const MetricPointSchema = z.object({ step: z.number().int(), timestamp: EpochMsSchema, value: MetricValueSchema });
export type MetricPoint = z.infer<typeof MetricPointSchema>;

export const MetricSummarySchema = z.object({
  key: z.string(),
  last: MetricValueSchema,
  step: z.number().int(),
  timestamp: EpochMsSchema,
  min: MetricValueSchema.nullable(),
  max: MetricValueSchema.nullable(),
  count: z.number().int(),
});
export type MetricSummary = z.infer<typeof MetricSummarySchema>;

export const ArtifactSchema = z.object({
  path: z.string(),
  sha256: z.string().length(64),
  size: z.number().int().nonnegative(),
  mediaType: z.string(),
  createdAt: EpochMsSchema,
  /** Where the content lives on disk (content-addressed under the artifacts folder). */
  file: z.string(),
});
export type Artifact = z.infer<typeof ArtifactSchema>;

export const RunSchema = z.object({
  id: z.string(),
  experiment: z.string(),
  experimentId: z.number().int(),
  name: z.string(),
  status: RunStatusSchema,
  parentId: z.string().nullable(),
  createdAt: EpochMsSchema,
  startedAt: EpochMsSchema.nullable(),
  endedAt: EpochMsSchema.nullable(),
  gitCommit: z.string().nullable(),
  gitDirty: z.boolean().nullable(),
  command: z.string().nullable(),
  cwd: z.string().nullable(),
  host: z.string().nullable(),
  pid: z.number().int().nullable(),
  pythonVersion: z.string().nullable(),
  nodeVersion: z.string().nullable(),
  gpu: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  logPath: z.string().nullable(),
  deleted: z.boolean(),
  params: z.record(z.string(), z.string()),
  tags: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), MetricSummarySchema),
});
export type Run = z.infer<typeof RunSchema>;

export const RunDetailSchema = RunSchema.extend({
  history: z.record(z.string(), z.array(MetricPointSchema)),
  artifacts: z.array(ArtifactSchema),
  children: z.array(z.string()),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

export const ListRunsFilterSchema = z.object({
  experiment: z.string().optional(),
  status: z.array(RunStatusSchema).optional(),
  parentId: z.string().nullable().optional(),
  ids: z.array(z.string()).optional(),
  includeDeleted: z.boolean().optional(),
  limit: z.number().int().positive().optional(),
});
export type ListRunsFilter = z.infer<typeof ListRunsFilterSchema>;

/** A downsampled series for charts: each point is a bucket's mean, with its min and max, and a time (ms since the epoch) for charts by wall-clock time. */
const SeriesPointSchema = z.object({ step: z.number(), timestamp: z.number(), value: MetricValueSchema, min: MetricValueSchema, max: MetricValueSchema });
export const SeriesSchema = z.object({
  runId: z.string(),
  key: z.string(),
  points: z.array(SeriesPointSchema),
  /** Points in the store for this run and key. */
  total: z.number().int(),
  downsampled: z.boolean(),
});
export type Series = z.infer<typeof SeriesSchema>;

/** Something the caller sent that was not stored, with the reason; the rest of the call went through. */
export const RejectionSchema = z.object({ key: z.string(), reason: z.string() });
export type Rejection = z.infer<typeof RejectionSchema>;
