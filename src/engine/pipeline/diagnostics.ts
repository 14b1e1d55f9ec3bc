// What the pipeline checks report: the diagnostic shape (shared by the language server and
// `sextant lint --json`) and the table of stable codes, with their default severity and a summary
// (docs/pipeline.md lists them from here).
import { z } from 'zod';

export const PositionSchema = z.object({ line: z.number().int().min(0), character: z.number().int().min(0) });
export const RangeSchema = z.object({ start: PositionSchema, end: PositionSchema });
export const SeveritySchema = z.enum(['error', 'warning', 'information', 'hint']);
export type Severity = z.infer<typeof SeveritySchema>;

export const DiagnosticSchema = z.object({
  range: RangeSchema,
  severity: SeveritySchema,
  code: z.string(),
  message: z.string(),
  /** For quick fixes: what the fix needs (a suggested name, missing keys, the edge of a cycle). */
  data: z.record(z.string(), z.unknown()).optional(),
});
export type PipelineDiagnostic = z.infer<typeof DiagnosticSchema>;

/** `sextant lint --json` prints this. */
export const LintReportSchema = z.object({
  file: z.string(),
  diagnostics: z.array(DiagnosticSchema.omit({ data: true })),
});
export type LintReport = z.infer<typeof LintReportSchema>;

/** A finding before positions are computed: document offsets [start, end). */
export interface Finding {
  start: number;
  end: number;
  code: DiagnosticCode;
  message: string;
  severity?: Severity;
  data?: Record<string, unknown>;
}

export const CODES = {
  'yaml-syntax': { severity: 'error', summary: 'The text is not valid YAML (the rest of the file is still checked).' },
  'yaml-warning': { severity: 'warning', summary: 'Valid YAML that is probably not what was meant.' },
  'duplicate-key': { severity: 'error', summary: 'A key is written twice in the same mapping; only one would count.' },
  'alias-limit': { severity: 'error', summary: 'Aliases expand to too many values (a "billion laughs" file).' },
  'file-too-large': { severity: 'error', summary: 'The file is too large to be a pipeline; nothing else is checked.' },
  'not-text': { severity: 'error', summary: 'The file is binary, not YAML text.' },
  'not-a-pipeline': { severity: 'error', summary: 'The file is not a mapping with `version` and `stages`.' },
  'unknown-key': { severity: 'error', summary: 'A key the format does not have (with the nearest valid key).' },
  'missing-key': { severity: 'error', summary: 'A required key is missing.' },
  'wrong-type': { severity: 'error', summary: 'A value of the wrong type (text where a number or list is expected, …).' },
  'invalid-value': { severity: 'error', summary: 'A value outside what is allowed (an enum, a range, a pattern).' },
  'invalid-name': { severity: 'error', summary: 'A stage or dataset name with characters other than letters, digits, "_" and "-".' },
  'no-stages': { severity: 'warning', summary: 'The pipeline has no stages.' },
  'no-action': { severity: 'error', summary: 'A stage with neither `run` nor `uses`.' },
  'run-and-uses': { severity: 'error', summary: 'A stage with both `run` and `uses`.' },
  'with-without-uses': { severity: 'error', summary: '`with` on a stage that has no `uses`.' },
  'unknown-stage': { severity: 'error', summary: 'A stage name in `needs` (or `monitor.on_drift.run`) that is not defined.' },
  cycle: { severity: 'error', summary: 'Stages that wait for each other in a cycle, through `needs` or edges derived from outputs they read; reported on every edge with the whole cycle, and never ignored by a comment.' },
  'duplicate-need': { severity: 'warning', summary: 'A stage named twice in the same `needs`.' },
  'duplicate-output': { severity: 'error', summary: 'Two stages write the same output file.' },
  'unknown-builtin': { severity: 'error', summary: 'A `uses` that is not a built-in stage.' },
  'unknown-with-key': { severity: 'error', summary: 'A `with` key the built-in does not take.' },
  'missing-with-key': { severity: 'error', summary: 'A required `with` key of the built-in is missing.' },
  'invalid-with-value': { severity: 'error', summary: 'A `with` value of the wrong type or outside what the built-in allows.' },
  'expression-syntax': { severity: 'error', summary: 'A `${{ }}` expression that does not parse.' },
  'unknown-context': { severity: 'error', summary: 'An expression context other than params, env, datasets, run.' },
  'unknown-function': { severity: 'error', summary: 'An expression function that does not exist, or with the wrong number of arguments.' },
  'shell-style-expression': { severity: 'warning', summary: 'A shell-style `${params.x}` in `run:`, which the shell cannot expand: `${{ params.x }}` was meant.' },
  'shell-quoting': { severity: 'warning', summary: 'A `${{ }}` in `run:` whose value could break the shell quoting: `raw()` of a value with shell metacharacters, a value that needs quoting where it cannot be quoted (heredoc, backticks, comment, `${…}`), `raw()` inside a larger expression, or a whole command that is one quoted value.' },
  'unknown-param': { severity: 'error', summary: '`${{ params.x }}` where `x` is not defined (inline or in the params file).' },
  'params-file': { severity: 'error', summary: 'The params file is missing or is not a YAML mapping.' },
  'unknown-dataset': { severity: 'error', summary: 'A dataset name that is not declared under `datasets:`.' },
  'path-outside': { severity: 'error', summary: 'A path that resolves (symbolic links followed) outside the pipeline folder; only a dependency declared `external: true` may be read from outside.' },
  'protected-output': { severity: 'error', summary: 'An output that is the pipeline folder itself or the store folder `.sextant` (or inside it).' },
  'missing-dep': { severity: 'warning', summary: 'A `deps` file that does not exist and that no stage writes.' },
  'missing-file': { severity: 'warning', summary: 'A dataset or model file that does not exist and that no stage writes.' },
  'train-task': { severity: 'error', summary: 'A `sextant/train` model that cannot do the `task` written (e.g. logistic-regression with `task: regression`).' },
  'train-task-guess': { severity: 'warning', summary: 'A `sextant/train` model that cannot do the task its dataset\'s label points to in the first rows (a continuous label for logistic-regression); set `task` to say otherwise.' },
  'unknown-metric': { severity: 'error', summary: 'A gate requires a metric that no stage before it produces.' },
  'gpu-unused': { severity: 'warning', summary: 'A GPU is requested for a built-in that cannot use one.' },
  'onnx-signature': { severity: 'error', summary: "An ONNX model's inputs do not match the dataset's feature columns." },
  'onnx-unreadable': { severity: 'warning', summary: 'An ONNX model that onnxruntime cannot open.' },
  'unknown-model-alias': { severity: 'error', summary: 'A registered model `name@alias` that the workspace store does not have.' },
  'unknown-dataset-version': { severity: 'error', summary: 'A dataset pinned (`version:`) to a version the workspace store does not have.' },
  'dataset-version-changed': { severity: 'warning', summary: "A pinned dataset's file whose content is no longer the pinned version's (its sha256 differs)." },
  'dataset-drift': { severity: 'warning', summary: "The pipeline monitor's latest check found the dataset drifted from its reference (hover: each column's test and why)." },
} as const satisfies Record<string, { severity: Severity; summary: string }>;

export type DiagnosticCode = keyof typeof CODES;

export const severityOf = (f: Finding): Severity => f.severity ?? CODES[f.code].severity;
