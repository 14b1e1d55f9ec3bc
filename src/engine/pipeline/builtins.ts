// The built-in stages (`uses: sextant/...`): the one registry of their names, their `with` inputs (zod
// schemas with documentation), what they read and write, and whether they can use a GPU. The language
// server checks and completes `with` from here; the runner implements each one against the same schema.
//
// A `with` value may be a `${{ ... }}` expression (e.g. `lr: ${{ params.lr }}`). The schemas here accept
// that form for every field, so the language server can check a file before params are resolved. The
// runner resolves expressions first (src/engine/pipeline/expressions.ts `resolveValue`: a value that is
// one whole expression keeps the param's type) and then parses with `Builtin.resolved`, which does not
// accept expressions.
import { z } from 'zod';
import { TaskSchema } from '../train/model';

/** A string that is one whole `${{ ... }}` expression. */
export const EXPRESSION_PATTERN = /^\s*\$\{\{[\s\S]*\}\}\s*$/;
const Expression = z.string().regex(EXPRESSION_PATTERN, 'Write a value or one `${{ ... }}` expression.');

const TrainModelKind = z.enum(['logistic-regression', 'linear', 'mlp', 'gbt']);
const GATE_REQUIREMENT_PATTERN = /^\s*(>=|<=|>|<|==|!=)\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/;

/**
 * A promotion gate of `sextant/register`: what a version must meet before an alias moves to it (at register,
 * and again when it is promoted later). Checked by src/engine/registry/gates.ts.
 */
export const PromotionGateSchema = z
  .object({
    metric: z.string().min(1).describe('A metric of the version: logged by the stages `sextant/register` needs (e.g. `f1` from `sextant/evaluate`).'),
    at_least: z.number().optional().describe('The metric must be at least this, e.g. `0.85`.'),
    at_most: z.number().optional().describe('The metric must be at most this, e.g. `0.3` for a loss.'),
    not_worse_than: z.string().optional().describe('Alias of a registered version of the same model, e.g. `production`: the metric must not be worse than that version\'s by more than `tolerance`. Passes when no version has the alias yet.'),
    tolerance: z.number().min(0).optional().describe('How much worse than `not_worse_than` is still accepted, in the metric\'s units. Default 0.'),
    better: z.enum(['higher', 'lower']).optional().describe('Which way the metric improves, for `not_worse_than`. Default: known from the name (scores such as f1, accuracy, auc, r2 higher; loss, error, mae, rmse lower).'),
  })
  .strict()
  .refine((g) => g.at_least !== undefined || g.at_most !== undefined || g.not_worse_than !== undefined, 'A gate needs `at_least`, `at_most` or `not_worse_than`.');
export type PromotionGate = z.infer<typeof PromotionGateSchema>;

/** The `with` schemas after expressions are resolved: what the runner parses. */
const resolvedShapes = {
  'sextant/train': z
    .object({
      dataset: z.string().describe('Name of a dataset declared under `datasets:`; its `label` column is the target.'),
      model: TrainModelKind.describe('Model family: `logistic-regression` (classification: linear, softmax for many classes), `linear` (regression: least squares, ridge with `l2`), `mlp` (small neural network; either task) or `gbt` (gradient-boosted trees; either task).'),
      task: TaskSchema.optional().describe('`classification` or `regression`. Default: decided from the label: text, or at most max(20, 5% of the rows) distinct whole numbers, is classification; numbers with a fractional part, or more distinct whole numbers, regression.'),
      features: z.array(z.string()).optional().describe('Feature columns. Default: every numeric column except the label.'),
      lr: z.number().positive().optional().describe('Learning rate: shrinkage for `gbt` (default 0.1), Adam step for `mlp` (default 0.01); logistic-regression (L-BFGS) and linear (closed form) take none.'),
      epochs: z.number().int().positive().optional().describe('Most iterations: L-BFGS iterations for logistic-regression (it stops earlier on its tolerance), boosting rounds for `gbt` (early stopping above 10,000 rows), passes over the data for `mlp`. Default 100.'),
      seed: z.number().int().optional().describe('Random seed for the initialisation and the shuffling. Default 0.'),
      hidden: z.array(z.number().int().positive()).optional().describe('Hidden layer sizes for `mlp`, e.g. `[32, 16]`. Default `[16]`.'),
      holdout: z.number().min(0).lt(1).optional().describe('Fraction of the rows held out from training (stratified by label, chosen by `seed`), which `sextant/evaluate` with the same `split` and `seed` scores. Default 0.2; 0 trains on every row.'),
      batch_size: z.number().int().positive().optional().describe('Rows per gradient step for `mlp`. Default 32.'),
      l2: z.number().min(0).optional().describe('L2 penalty: 1/C for logistic-regression (default 1, scikit-learn\'s C = 1), ridge alpha for linear (default 0), leaf-value λ for `gbt` (default 0), weight decay for `mlp` (default 0.0001).'),
      max_depth: z.number().int().positive().optional().describe('Depth limit of each tree for `gbt`. Default none: trees grow best-first to 31 leaves, as scikit-learn\'s HistGradientBoosting.'),
      out: z.string().describe('Path of the ONNX model to write, relative to the pipeline file.'),
    })
    .strict(),
  'sextant/evaluate': z
    .object({
      model: z.string().describe('Path of an ONNX model, or a registered model as `name@alias` (e.g. `churn@production`) or `name@N` (version N).'),
      dataset: z.string().describe('Name of a dataset declared under `datasets:`, with a `label` column.'),
      split: z.number().gt(0).lt(1).optional().describe('Fraction of the rows held out for evaluation (the same rows as `sextant/train` with the same seed). Default: all rows.'),
      seed: z.number().int().optional().describe('Seed of the split. Default 0.'),
    })
    .strict(),
  'sextant/gate': z
    .object({
      require: z
        .record(z.string(), z.string().regex(GATE_REQUIREMENT_PATTERN, 'Write a comparison and a number, e.g. ">= 0.85".'))
        .describe('Metric name → requirement, e.g. `{ f1: ">= 0.85" }`. The stage fails when one is not met.'),
      compare_to: z.string().optional().describe('Alias of a registered version (e.g. `production`) that the candidate must not be worse than, on every required metric.'),
    })
    .strict(),
  'sextant/register': z
    .object({
      name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'Use letters, digits, ".", "_" and "-".').describe('Registered model name; a new version is added to it.'),
      model: z.string().describe('Path of the ONNX model to register.'),
      alias: z.string().optional().describe('Alias to move to the new version, e.g. `staging`.'),
      gates: z.array(PromotionGateSchema).optional().describe('Promotion gates, e.g. `[{ metric: f1, at_least: 0.85 }, { metric: f1, not_worse_than: production, tolerance: 0.01 }]`: the alias moves only when every one passes (the version is registered either way, and the stage fails naming the gate). Kept with the version and checked again when it is promoted.'),
    })
    .strict(),
  'sextant/validate': z
    .object({
      dataset: z.string().describe('Name of a dataset declared under `datasets:`; its `expectations:` are checked.'),
    })
    .strict(),
  'sextant/drift': z
    .object({
      reference: z.string().describe('Dataset the model was trained on.'),
      current: z.string().describe('Dataset of recent data to compare.'),
      threshold: z.number().gt(0).lte(1).optional().describe('Share of drifted columns above which the stage fails. Default 0.5.'),
    })
    .strict(),
} as const;

export type BuiltinName = keyof typeof resolvedShapes;
export const BUILTIN_NAMES = Object.keys(resolvedShapes) as BuiltinName[];

/** What a `with` field refers to, for the semantic checks, completion and navigation. */
export type FieldRole = 'dataset' | 'input-file' | 'output-file' | 'model-ref' | 'metric-map' | 'alias';

export interface Builtin<S extends z.ZodObject = z.ZodObject> {
  name: BuiltinName;
  summary: string;
  /** `with` schema after expressions are resolved (what the runner parses). */
  resolved: S;
  /** `with` schema as written: every field may also be a `${{ }}` expression (what the linter checks). */
  written: z.ZodObject;
  roles: Partial<Record<string, FieldRole>>;
  /** Whether the built-in can run on a GPU (otherwise `resources.gpu` is wasted on it). */
  gpu: boolean;
  /** Metrics it records for gates to require (empty when it records none). */
  metrics: readonly string[];
}

/** Accepts a `${{ }}` expression wherever the resolved schema has a field. */
function allowExpressions(shape: z.ZodObject): z.ZodObject {
  const fields: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(shape.shape as Record<string, z.ZodType>)) {
    const optional = field instanceof z.ZodOptional;
    const inner = optional ? (field as z.ZodOptional<z.ZodType>).unwrap() : field;
    const either = z.union([inner, Expression]).describe(field.description ?? inner.description ?? '');
    fields[key] = optional ? either.optional() : either;
  }
  return z.object(fields).strict();
}

const CLASSIFICATION_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss', 'f1_macro', 'f1_weighted', 'precision_macro', 'precision_weighted', 'recall_macro', 'recall_weighted'] as const;
const REGRESSION_METRICS = ['mae', 'mse', 'rmse', 'r2'] as const;
const LATENCY_METRICS = ['latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms', 'throughput_rps'] as const;

const meta: { [K in BuiltinName]: Omit<Builtin, 'name' | 'resolved' | 'written'> } = {
  'sextant/train': {
    summary: 'Trains a model on a declared dataset without Python and exports it as ONNX.',
    roles: { dataset: 'dataset', out: 'output-file' },
    gpu: false,
    metrics: ['train_loss', 'train_accuracy', 'train_r2'],
  },
  'sextant/evaluate': {
    summary: 'Evaluates an ONNX model on a dataset with onnxruntime (CUDA when present): classification or regression metrics, latency and throughput.',
    roles: { model: 'model-ref', dataset: 'dataset' },
    gpu: true,
    metrics: [...CLASSIFICATION_METRICS, ...REGRESSION_METRICS, ...LATENCY_METRICS],
  },
  'sextant/gate': {
    summary: 'Fails the pipeline unless the metrics of the stages it needs meet every requirement (and are not worse than `compare_to`).',
    roles: { require: 'metric-map', compare_to: 'alias' },
    gpu: false,
    metrics: [],
  },
  'sextant/register': {
    summary: 'Registers an ONNX model as a new version of a named model, with lineage to this run, and optionally moves an alias to it.',
    roles: { model: 'input-file' },
    gpu: false,
    metrics: [],
  },
  'sextant/validate': {
    summary: 'Checks a dataset against its `expectations:` with the validation engine (the same results as `sextant data validate`), logs each failed check with its failing rows and their lines (personal data masked), records `failed/<column>/<check>` per check, and fails when one is not met.',
    roles: { dataset: 'dataset' },
    gpu: false,
    metrics: ['rows', 'violations'],
  },
  'sextant/drift': {
    summary: 'Measures drift between a reference and a current dataset, per column and overall; fails above the threshold.',
    roles: { reference: 'dataset', current: 'dataset' },
    gpu: false,
    metrics: ['drift_share', 'drifted_columns'],
  },
};

export const BUILTINS: Readonly<Record<BuiltinName, Builtin>> = Object.fromEntries(
  BUILTIN_NAMES.map((name) => [name, { name, resolved: resolvedShapes[name], written: allowExpressions(resolvedShapes[name]), ...meta[name] }]),
) as unknown as Record<BuiltinName, Builtin>;

export function isBuiltinName(uses: string): uses is BuiltinName {
  return Object.prototype.hasOwnProperty.call(resolvedShapes, uses);
}

export function builtin(uses: string): Builtin | undefined {
  return isBuiltinName(uses) ? BUILTINS[uses] : undefined;
}

export type BuiltinWith = { [K in BuiltinName]: z.infer<(typeof resolvedShapes)[K]> };

/** Parses a `with` block whose expressions are already resolved. */
export function parseBuiltinWith<K extends BuiltinName>(name: K, value: unknown): z.ZodSafeParseResult<BuiltinWith[K]> {
  return (resolvedShapes[name] as unknown as z.ZodType<BuiltinWith[K]>).safeParse(value);
}

/** Parses a gate requirement like ">= 0.85". */
export function parseRequirement(text: string): { op: '>=' | '<=' | '>' | '<' | '==' | '!='; value: number } | undefined {
  const m = /^\s*(>=|<=|>|<|==|!=)\s*(\S+)\s*$/.exec(text);
  if (!m || !GATE_REQUIREMENT_PATTERN.test(text)) return undefined;
  return { op: m[1] as '>=' | '<=' | '>' | '<' | '==' | '!=', value: Number(m[2]) };
}
