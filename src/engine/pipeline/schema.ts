// The pipeline format (sextant.yaml): the one source of truth. The language server's structural checks,
// completion, hover texts and the published JSON Schema are all derived from these schemas, so every
// field carries its documentation in `.describe()`.
import { z } from 'zod';

export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const Name = z.string().regex(NAME_PATTERN, 'Use letters, digits, "_" and "-", starting with a letter or "_".');

export const ParamValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]);

export const DeclaredParamSchema = z
  .object({
    value: ParamValueSchema.describe('The value.'),
    secret: z.boolean().describe('When true, the runner writes *** instead of the value in everything it records or prints (store, logs, events), also in the stage\'s own output.'),
  })
  .strict()
  .describe('A param with its value and whether it is a secret.');

export const DatasetSchema = z
  .object({
    path: z.string().describe('Path of the CSV file or folder, relative to the pipeline file; it must be inside the pipeline folder unless `external: true`.'),
    external: z.boolean().optional().describe('The file is outside the pipeline folder on purpose (read only): allows an absolute path or one through `..` or a link.'),
    label: z.string().optional().describe('The target column that models predict.'),
    format: z.enum(['csv', 'tsv', 'jsonl', 'parquet']).optional().describe('File format; guessed from the extension when omitted.'),
    description: z.string().optional().describe('What this dataset holds, shown in the Datasets view.'),
    version: z.number().int().min(1).optional().describe('Pin: the registered version of the dataset (`sextant data list`) the pipeline expects; the language server reports a version the store does not have, or a file whose content is no longer that version\'s.'),
  })
  .strict()
  .describe('A named dataset that stages refer to with `dataset: <name>`.');

export const ExpectationSchema = z
  .object({
    column: z.string().optional().describe('Column the expectation applies to; left out for the dataset-level checks `rows` and `schema_unchanged`.'),
    not_null: z.boolean().optional().describe('No missing values in the column.'),
    between: z.tuple([z.number(), z.number()]).optional().describe('Inclusive [min, max] range of the values.'),
    in: z.array(z.union([z.string(), z.number(), z.boolean()])).optional().describe('The only allowed values.'),
    unique: z.boolean().optional().describe('No value appears twice.'),
    regex: z.string().optional().describe('Every value matches this regular expression.'),
    type: z.enum(['integer', 'float', 'number', 'boolean', 'datetime', 'string']).optional().describe('Every value present is of this type (`number`: integer or float; `string`: anything).'),
    max_missing: z.number().min(0).max(1).optional().describe('At most this share of the column\'s values is missing (0 to 1).'),
    rows: z
      .object({ min: z.number().int().min(0).optional().describe('Fewest rows.'), max: z.number().int().min(0).optional().describe('Most rows.') })
      .strict()
      .optional()
      .describe('Row-count bounds of the dataset (dataset-level: no `column`).'),
    schema_unchanged: z.string().optional().describe('Path of a reference profile (`sextant data profile FILE --json > ref.json`), relative to the pipeline file: the columns and their types must be the same (dataset-level: no `column`). Dataset versions will replace the file.'),
    pii: z.enum(['mask', 'hash', 'drop', 'forbid']).optional().describe('Personal data in this column: `mask` or `hash` its values, or `drop` the column, wherever data is shown or stored; `forbid`: fail when personal data is found.'),
  })
  .strict()
  .describe('One check on a dataset column.');

export const ResourcesSchema = z
  .object({
    gpu: z.union([z.number().int().min(0), z.literal('required')]).optional().describe('GPUs for this stage: a count, scheduled on free GPUs when present and on CPU otherwise; `required` fails instead of falling back to CPU.'),
    cpu: z.number().positive().optional().describe('CPU cores this stage uses, for scheduling stages in parallel.'),
    timeout: z.string().regex(/^\d+(ms|s|m|h)$/).optional().describe('Kill the stage after this long, e.g. `30m`.'),
  })
  .strict()
  .describe('What the stage needs to run.');

const DepSchema = z
  .union([
    z.string(),
    z
      .object({
        path: z.string().describe('Path of the file or folder the stage reads.'),
        external: z.boolean().optional().describe('The file is outside the pipeline folder on purpose: it is read (and hashed) there. Outputs can never be outside.'),
      })
      .strict(),
  ])
  .describe('A file the stage reads, relative to the pipeline file and inside its folder; or `{ path, external: true }` for one read from outside it.');

export const StageSchema = z
  .object({
    needs: z.array(Name).optional().describe('Stages that must finish before this one starts.'),
    run: z.string().optional().describe('Shell command to run; `${{ params.x }}` is substituted.'),
    uses: z.string().optional().describe('A built-in stage, e.g. `sextant/train`, configured by `with`.'),
    with: z.record(z.string(), z.unknown()).optional().describe('Inputs of the built-in stage named by `uses`.'),
    deps: z.array(DepSchema).optional().describe('Files the stage reads; a change re-runs it. Each is inside the pipeline folder, or declared `{ path: /data/x.csv, external: true }`.'),
    outs: z.array(z.string()).optional().describe('Files the stage writes; cached and restored. Each is inside the pipeline folder, and neither the folder itself nor `.sextant`.'),
    metrics: z.array(z.string()).optional().describe('JSON or YAML files of metrics the stage writes.'),
    params: z.array(z.string()).optional().describe('Params this stage depends on (all that its command references by default).'),
    env: z.record(z.string(), z.string()).optional().describe('Environment variables for the command.'),
    cwd: z.string().optional().describe('Working directory, relative to the pipeline file.'),
    resources: ResourcesSchema.optional(),
  })
  .strict()
  .describe('One step of the pipeline: a command (`run`) or a built-in (`uses`).');

export const MonitorSchema = z
  .object({
    reference: z.string().describe('Dataset the model was trained on.'),
    current: z.string().describe('Dataset of recent production data.'),
    on_drift: z.object({ run: Name.describe('Stage to run when drift is detected.') }).strict().optional().describe('What to do when drift is detected.'),
  })
  .strict()
  .describe('Drift monitoring between a reference and a current dataset.');

export const PipelineSchema = z
  .object({
    version: z.literal(1).describe('Format version; always 1 for now.'),
    name: z.string().optional().describe('Name of the pipeline, used as the experiment name.'),
    params: z.union([z.record(z.string(), z.union([ParamValueSchema, DeclaredParamSchema])), z.string()]).optional().describe('Parameters referenced as `${{ params.name }}` (a value, or `{ value: …, secret: true }` for one masked as *** in what the runner records and prints), or the path of a params YAML file.'),
    datasets: z.record(Name, DatasetSchema).optional().describe('Named datasets.'),
    expectations: z.record(Name, z.array(ExpectationSchema)).optional().describe('Checks per dataset, run by the `sextant/validate` stage and by `sextant data validate`.'),
    stages: z.record(Name, StageSchema).describe('The stages, by name.'),
    monitor: MonitorSchema.optional(),
  })
  .strict()
  .describe('A Sextant pipeline.');

export type Pipeline = z.infer<typeof PipelineSchema>;
export type Stage = z.infer<typeof StageSchema>;
export type Dataset = z.infer<typeof DatasetSchema>;
