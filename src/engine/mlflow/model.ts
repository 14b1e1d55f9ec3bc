// What the importer reads from either MLflow store, in one shape. MLflow ids are strings; times
// are milliseconds since the epoch; metric values keep NaN and ±Infinity.
import { z } from 'zod';
import { MetricValueSchema, type RunStatus } from '../tracking/schemas';

export const MlflowMetricPointSchema = z.object({
  key: z.string(),
  value: MetricValueSchema,
  timestamp: z.number().int(),
  step: z.number().int(),
  /** Where the point was read (a file store's metric file and line), for the report. */
  file: z.string().optional(),
  line: z.number().int().optional(),
});
export type MlflowMetricPoint = z.infer<typeof MlflowMetricPointSchema>;

/**
 * A dataset a run used, as MLflow records it (MLflow 2.4+): the run's `inputs/<id>/meta.yaml` names a
 * record in `<experiment>/datasets/<id>/meta.yaml` (or the database's `datasets` and `inputs` rows).
 * schema and profile are MLflow's JSON text (`{"mlflow_colspec": [...]}`, `{"num_rows": …}`).
 */
export const MlflowDatasetInputSchema = z.object({
  name: z.string(),
  digest: z.string(),
  sourceType: z.string().nullable(),
  source: z.string().nullable(),
  schema: z.string().nullable(),
  profile: z.string().nullable(),
  /** The input's tag mlflow.data.context (training, eval, …). */
  context: z.string().nullable(),
  /** Where it was read, for the report. */
  file: z.string(),
});
export type MlflowDatasetInput = z.infer<typeof MlflowDatasetInputSchema>;

export const MlflowRunSchema = z.object({
  runId: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/),
  experimentId: z.string(),
  name: z.string().nullable(),
  status: z.string(),
  startTime: z.number().int().nullable(),
  endTime: z.number().int().nullable(),
  userId: z.string().nullable(),
  artifactUri: z.string().nullable(),
  params: z.record(z.string(), z.string()),
  tags: z.record(z.string(), z.string()),
  metrics: z.array(MlflowMetricPointSchema),
  /** Datasets the run used (absent: the source does not read them). */
  inputs: z.array(MlflowDatasetInputSchema).optional(),
});
export type MlflowRun = z.infer<typeof MlflowRunSchema>;

export const MlflowExperimentSchema = z.object({
  experimentId: z.string(),
  name: z.string().min(1),
  creationTime: z.number().int().nullable(),
  artifactLocation: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  /** The experiment's folder in a file store (its id, unless meta.yaml says otherwise). */
  folder: z.string().optional(),
  /** Read from a folder without meta.yaml: named after the folder. */
  recovered: z.boolean().optional(),
});
export type MlflowExperiment = z.infer<typeof MlflowExperimentSchema>;

/** A model in MLflow's registry, its versions (with the run that made each) and aliases (alias → version). */
export interface MlflowRegisteredModel {
  name: string;
  description: string | null;
  creationTime: number | null;
  versions: { version: number; runId: string | null; source: string | null; stage: string | null; description: string | null; creationTime: number | null; tags: Record<string, string>; file: string }[];
  aliases: Record<string, number>;
  /** Where it was read, for the report. */
  dir: string;
}

/** A problem with one file or row: reported, skipped, and the import goes on. */
export interface ImportProblem {
  file: string;
  line?: number;
  message: string;
}

/** A source of MLflow data: experiments first, then each run (read one at a time to bound memory). */
export interface MlflowSource {
  kind: 'file-store' | 'sqlite';
  path: string;
  experiments(): MlflowExperiment[];
  runIds(experiment: MlflowExperiment): string[];
  /** undefined when the run is deleted (lifecycle_stage = deleted) or unreadable (a problem is recorded). */
  readRun(experiment: MlflowExperiment, runId: string): MlflowRun | undefined;
  /** The model registry (a file store's models/ folder, a database's registered_models and model_versions). */
  registeredModels?(): MlflowRegisteredModel[];
  problems: ImportProblem[];
  skippedDeleted: number;
  close(): void;
}

/** MLflow's file store writes statuses as integers, its database as names. */
const STATUS_BY_NUMBER: Record<string, string> = { '1': 'RUNNING', '2': 'SCHEDULED', '3': 'FINISHED', '4': 'FAILED', '5': 'KILLED' };
const SEXTANT_STATUS: Record<string, RunStatus> = { RUNNING: 'running', SCHEDULED: 'queued', FINISHED: 'finished', FAILED: 'failed', KILLED: 'killed' };

export function toSextantStatus(status: string | number): RunStatus | undefined {
  const name = STATUS_BY_NUMBER[String(status)] ?? String(status).toUpperCase();
  return SEXTANT_STATUS[name];
}
