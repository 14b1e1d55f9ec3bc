// The request and response bodies of the MLflow REST API endpoints this server answers, as zod schemas
// (field names as MLflow's protobuf JSON writes them). Types come from these. Integers may arrive as
// numbers or as decimal text (protobuf JSON writes int64 either way); metric values may be NaN or
// ±Infinity written as text.
import { z } from 'zod';

const Int64 = z.union([z.number().int(), z.string().regex(/^-?\d+$/, 'expected a whole number').transform(Number)]);
const Double = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number)]);
const Id = z.union([z.string().min(1), z.number().int().transform(String)]);

export const KeyValueSchema = z.object({ key: z.string(), value: z.string() });
export type KeyValue = z.infer<typeof KeyValueSchema>;
const TagInput = z.object({ key: z.string(), value: z.union([z.string(), z.number(), z.boolean()]).transform(String) });

export const MetricSchema = z.object({ key: z.string(), value: Double, timestamp: Int64.optional(), step: Int64.optional() });
export type Metric = z.infer<typeof MetricSchema>;

// ---- experiments
export const CreateExperimentSchema = z.object({ name: z.string(), artifact_location: z.string().optional(), tags: z.array(TagInput).optional() });
export const ExperimentIdSchema = z.object({ experiment_id: Id });
export const GetByNameSchema = z.object({ experiment_name: z.string() });
export const SearchExperimentsSchema = z.object({
  max_results: Int64.optional(),
  page_token: z.string().optional(),
  filter: z.string().optional(),
  order_by: z.array(z.string()).optional(),
  view_type: z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']).optional(),
});
export const UpdateExperimentSchema = z.object({ experiment_id: Id, new_name: z.string().optional() });
export const SetExperimentTagSchema = z.object({ experiment_id: Id, key: z.string(), value: z.union([z.string(), z.number(), z.boolean()]).transform(String) });

// ---- runs
const RunId = z.object({ run_id: Id.optional(), run_uuid: Id.optional() });
export const CreateRunSchema = z.object({
  experiment_id: Id.optional(),
  user_id: z.string().optional(),
  run_name: z.string().optional(),
  start_time: Int64.optional(),
  tags: z.array(TagInput).optional(),
});
export const RunIdSchema = RunId;
export const UpdateRunSchema = RunId.extend({ status: z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']).optional(), end_time: Int64.optional(), run_name: z.string().optional() });
export const LogMetricSchema = RunId.extend({ key: z.string(), value: Double, timestamp: Int64.optional(), step: Int64.optional() });
export const LogParamSchema = RunId.extend({ key: z.string(), value: z.union([z.string(), z.number(), z.boolean()]).transform(String) });
export const SetTagSchema = RunId.extend({ key: z.string(), value: z.union([z.string(), z.number(), z.boolean()]).transform(String) });
export const DeleteTagSchema = RunId.extend({ key: z.string() });
export const LogBatchSchema = RunId.extend({
  metrics: z.array(MetricSchema).optional(),
  params: z.array(z.object({ key: z.string(), value: z.union([z.string(), z.number(), z.boolean()]).transform(String) })).optional(),
  tags: z.array(TagInput).optional(),
});
export const LogInputsSchema = RunId.extend({
  datasets: z
    .array(
      z.object({
        tags: z.array(TagInput).optional(),
        dataset: z.object({ name: z.string(), digest: z.string(), source_type: z.string().optional(), source: z.string().optional(), schema: z.string().optional(), profile: z.string().optional() }),
      }),
    )
    .optional(),
});
export const LogModelSchema = RunId.extend({ model_json: z.string() });
export const GetHistorySchema = RunId.extend({ metric_key: z.string(), page_token: z.string().optional(), max_results: Int64.optional() });
export const SearchRunsSchema = z.object({
  experiment_ids: z.array(Id).optional(),
  filter: z.string().optional(),
  run_view_type: z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']).optional(),
  max_results: Int64.optional(),
  order_by: z.array(z.string()).optional(),
  page_token: z.string().optional(),
});

// ---- responses
export const MlflowStatusSchema = z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
export type MlflowStatus = z.infer<typeof MlflowStatusSchema>;
export const ExperimentOutSchema = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string(),
  lifecycle_stage: z.enum(['active', 'deleted']),
  creation_time: z.number(),
  last_update_time: z.number(),
  tags: z.array(KeyValueSchema),
});
export type ExperimentOut = z.infer<typeof ExperimentOutSchema>;
export const RunInfoSchema = z.object({
  run_id: z.string(),
  run_uuid: z.string(),
  run_name: z.string(),
  experiment_id: z.string(),
  user_id: z.string(),
  status: MlflowStatusSchema,
  start_time: z.number().optional(),
  end_time: z.number().optional(),
  artifact_uri: z.string(),
  lifecycle_stage: z.enum(['active', 'deleted']),
});
export type RunInfo = z.infer<typeof RunInfoSchema>;
export const RunOutSchema = z.object({
  info: RunInfoSchema,
  data: z.object({ metrics: z.array(z.object({ key: z.string(), value: z.union([z.number(), z.string()]), timestamp: z.number(), step: z.number() })), params: z.array(KeyValueSchema), tags: z.array(KeyValueSchema) }),
  inputs: z.object({ dataset_inputs: z.array(z.unknown()) }),
});
export type RunOut = z.infer<typeof RunOutSchema>;
