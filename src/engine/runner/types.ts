// The runner's results and events: what the CLI prints (--json), what the VS Code task streams, and
// what tests assert on. Types come from these schemas; the events cross a process boundary as NDJSON.
import { z } from 'zod';

const STAGE_STATUSES = ['ran', 'cached', 'failed', 'skipped'] as const;
const StageStatusSchema = z.enum(STAGE_STATUSES);

const GpuUsageSchema = z.object({
  /** GPU indices the stage was given (CUDA_VISIBLE_DEVICES); empty when it fell back to CPU. */
  devices: z.array(z.number().int()),
  peakUtilizationPercent: z.number().nullable(),
  peakMemoryMiB: z.number().nullable(),
});

export const StageResultSchema = z.object({
  name: z.string(),
  status: StageStatusSchema,
  duration_ms: z.number(),
  /** Public id of the stage's run in the store (null when it did not run). */
  run_id: z.string().nullable(),
  exit_code: z.number().int().nullable().optional(),
  signal: z.string().nullable().optional(),
  /** Why it failed or was skipped, in a sentence. */
  reason: z.string().optional(),
  /** Outputs written back from the cache instead of running the stage. */
  restored: z.array(z.string()).optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  gpu: GpuUsageSchema.optional(),
  log: z.string().optional(),
});
export type StageResult = z.infer<typeof StageResultSchema>;

const PIPELINE_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;
export const PipelineResultSchema = z.object({
  file: z.string(),
  status: z.enum(PIPELINE_STATUSES),
  run_id: z.string().nullable(),
  duration_ms: z.number(),
  stages: z.array(StageResultSchema),
  warnings: z.array(z.string()),
});
export type PipelineResult = z.infer<typeof PipelineResultSchema>;

export const RunnerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pipeline-start'), file: z.string(), run_id: z.string().nullable(), stages: z.array(z.string()) }),
  z.object({ type: z.literal('stage-start'), stage: z.string(), run_id: z.string().nullable(), devices: z.array(z.number()).optional() }),
  z.object({ type: z.literal('stage-log'), stage: z.string(), stream: z.enum(['stdout', 'stderr', 'sextant']), line: z.string() }),
  z.object({ type: z.literal('stage-end'), result: StageResultSchema }),
  z.object({ type: z.literal('warning'), stage: z.string().optional(), message: z.string() }),
  z.object({ type: z.literal('pipeline-end'), result: PipelineResultSchema }),
]);
export type RunnerEvent = z.infer<typeof RunnerEventSchema>;
