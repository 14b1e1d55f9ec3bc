// Dataset versions as the CLI (`sextant data list|show --json`, docs/cli.md), the Datasets view and the
// model card see them. A version is immutable: its content hash, size, rows, inferred schema and profile
// are written once, when its content is first registered (`sextant data add`, or a run that read or wrote
// the dataset's file). Profiles are PII-masked by the profile engine before they are stored.
import { z } from 'zod';
import { ColumnTypeSchema, DatasetProfileSchema } from '../profile/schema';

export const SchemaColumnSchema = z.object({ name: z.string(), type: ColumnTypeSchema });

export const CheckSummarySchema = z.object({
  kind: z.enum(['validation', 'drift']),
  passed: z.boolean(),
  summary: z.string().describe('One line: "2 of 7 expectations failed", "3 of 12 columns drifted".'),
  /** Drift only: the version compared against. */
  reference: z.object({ dataset: z.string(), version: z.number().int() }).nullable(),
  at: z.number().int(),
  /** Drift only: the share of tested columns that drifted, how many were tested, and the reference's file (also when it is no registered version). */
  driftShare: z.number().optional(),
  columnsTested: z.number().int().optional(),
  referenceFile: z.string().optional(),
});
export type CheckSummary = z.infer<typeof CheckSummarySchema>;

export const DatasetVersionSchema = z.object({
  dataset: z.string(),
  version: z.number().int().describe('1, 2, … in the order the contents were first seen.'),
  hash: z.string().describe('sha256 of the file (of the sorted listing of its files\' hashes for a folder), as the runner hashes stage inputs.'),
  size: z.number().int().nullable().describe('Bytes.'),
  rows: z.number().int().nullable().describe('Data rows; null for a folder or a file the readers cannot read.'),
  schema: z.array(SchemaColumnSchema).nullable().describe('Columns and their inferred types, in file order.'),
  createdAt: z.number().int().describe('When the content was first registered (ms since the Unix epoch).'),
  parentVersion: z.number().int().nullable().describe('The version that was the latest when this one was registered.'),
  /** The latest validation and drift check of this version, when any was recorded. */
  validation: CheckSummarySchema.nullable(),
  drift: CheckSummarySchema.nullable(),
});
export type DatasetVersion = z.infer<typeof DatasetVersionSchema>;

export const DatasetSummarySchema = z.object({
  name: z.string(),
  path: z.string().nullable().describe('Where the dataset was last registered from (relative to the workspace when inside it).'),
  versions: z.array(DatasetVersionSchema).describe('Newest first.'),
});
export type DatasetSummary = z.infer<typeof DatasetSummarySchema>;

const LineageRunSchema = z.object({
  id: z.string().describe('The run\'s public id.'),
  name: z.string(),
  experiment: z.string(),
  status: z.string(),
  /** The pipeline run, when the run is one of its stages. */
  pipelineRun: z.string().nullable(),
  role: z.enum(['input', 'output']).describe('input: the run read this version; output: it wrote it.'),
  startedAt: z.number().int().nullable(),
});

const LineageModelSchema = z.object({
  model: z.string(),
  version: z.number().int(),
  /** `trained`: the pipeline run that registered the model read this version before (or in) its training stage; `evaluated`: read by a stage after it. */
  role: z.enum(['trained', 'evaluated', 'read']),
  run: z.string().describe('The run that registered the model version.'),
});

export const DatasetVersionDetailSchema = DatasetVersionSchema.extend({
  path: z.string().nullable(),
  profile: DatasetProfileSchema.nullable().describe('The profile at registration (`sextant data profile --json`\'s shape), PII-masked.'),
  runs: z.array(LineageRunSchema).describe('Runs that read or wrote this version, newest first.'),
  models: z.array(LineageModelSchema).describe('Model versions registered by a pipeline run that read this version.'),
  checks: z.array(CheckSummarySchema).describe('Every recorded validation and drift check, newest first.'),
});
export type DatasetVersionDetail = z.infer<typeof DatasetVersionDetailSchema>;
