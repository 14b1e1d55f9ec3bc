// `sextant/validate`: checks a dataset against its `expectations:` with the validation engine
// (src/engine/data/validate/, the same code and report as `sextant data validate`), logs each check the
// way the CLI prints it (failing rows counted, the first ones by line, masked where the column holds
// personal data), records `rows`, `violations` and `failed/<column>/<check>` per check, keeps the verdict
// with the dataset's version when runs are stored, and fails when an error-severity check fails.
// It reads the data and writes none: nothing here materialises rows (docs/data.md, "Personal data").
import { dirname, resolve } from 'node:path';
import type { PiiRule } from '../data/pii/protect';
import type { DataFormat } from '../data/read/batch';
import { reportLines, reportSummary } from '../data/validate/format';
import type { ValidationReport, ValidationResult } from '../data/validate/report';
import { validateDataFile } from '../data/validate/validate';
import { keepValidation } from '../data/versions/validateVersion';
import { openStore } from '../store/open';
import { fail, ok } from '../result';
import { datasetPaths, findDataset, parseWith } from './common';
import type { BuiltinContext, BuiltinImpl } from './types';

/** The metric a check's failing rows are recorded under: `failed/<column>/<check>` (`failed/<check>` for the dataset). */
const metricKey = (r: ValidationResult): string => `failed/${r.column === null ? '' : `${r.column}/`}${r.check.split(' ')[0]}`;

/** A failed check in the stage's one-line failure reason. */
function reasonPart(r: ValidationResult): string {
  const name = `${r.column === null ? '' : `${r.column} `}${r.check}`;
  return r.examples[0] && r.failed > 0 ? `${name} (${r.failed} rows, first at line ${r.examples[0].line})` : `${name} (${r.message})`;
}

export const validateBuiltin: BuiltinImpl = {
  // The data and the reference profiles of `schema_unchanged` (relative to the pipeline file, as root is).
  deps: (w, pipeline) => [
    ...datasetPaths(pipeline, [w.dataset]),
    ...(typeof w.dataset === 'string' ? (pipeline.expectations?.[w.dataset] ?? []).flatMap((e) => (e.schema_unchanged !== undefined ? [e.schema_unchanged] : [])) : []),
  ],
  outs: () => [],
  // What is checked and how the file is read: a changed expectation or format reruns the stage.
  settings: (w, pipeline) => (typeof w.dataset === 'string' ? { expectations: pipeline.expectations?.[w.dataset] ?? [], format: pipeline.datasets?.[w.dataset]?.format ?? null } : null),
  async run(ctx) {
    const w = parseWith('sextant/validate', ctx.stage, ctx.with, ctx.pipelineFile);
    if (!w.ok) return w;
    const name = w.value.dataset;
    const dataset = findDataset(ctx.pipeline, name, ctx.stage, ctx.pipelineFile);
    if (!dataset.ok) return dataset;
    const expectations = ctx.pipeline.expectations?.[name] ?? [];
    const file = resolve(ctx.root, dataset.value.path);
    const format = dataset.value.format;
    const salt = process.env.SEXTANT_PII_SALT ?? '';
    if (expectations.length === 0) ctx.log(`warning: dataset "${name}" has no expectations: only its format, types and personal data are checked.`);
    const validated = await validateDataFile(file, expectations, { dataset: name, baseDir: dirname(ctx.pipelineFile), salt, ...(format ? { format } : {}) });
    if (!validated.ok) return validated;
    const report = validated.value;
    for (const line of reportLines(report, dataset.value.path)) ctx.log(line);
    ctx.log(reportSummary(report, dataset.value.path));
    const failed = report.results.filter((r) => !r.passed && r.severity === 'error');
    ctx.metric('rows', report.rows);
    // A failed check that concerns no rows (row count, schema, an expectation that cannot be checked) counts one.
    ctx.metric('violations', failed.reduce((s, r) => s + Math.max(1, r.failed), 0));
    const perCheck = new Map<string, number>();
    for (const r of report.results) if (r.severity === 'error') perCheck.set(metricKey(r), (perCheck.get(metricKey(r)) ?? 0) + (r.passed ? 0 : r.failed));
    for (const [key, n] of perCheck) ctx.metric(key, n);
    const pii = new Map<string, PiiRule>(expectations.filter((e) => e.column !== undefined && e.pii).map((e) => [e.column!, e.pii!]));
    await keep(ctx, { name, file, report, pii, salt, ...(format ? { format } : {}) });
    if (failed.length > 0) {
      const first = failed.find((r) => r.examples[0] !== undefined);
      return fail({
        code: 'validate-failed',
        file: report.file,
        ...(first ? { line: first.examples[0]!.line } : {}),
        message: `${failed.length} expectation${failed.length === 1 ? '' : 's'} not met: ${failed.map(reasonPart).join('; ')}.`,
      });
    }
    return ok(undefined);
  },
};

/** Keeps the verdict with the dataset's version and this run; a store that cannot be written is said in the log, never a failure. */
async function keep(ctx: BuiltinContext, input: { name: string; file: string; report: ValidationReport; pii: Map<string, PiiRule>; salt: string; format?: DataFormat }): Promise<void> {
  if (!ctx.storePath) return;
  const db = openStore(ctx.storePath);
  if (!db.ok) {
    ctx.log(`warning: the validation was not kept in the store: ${db.error.message}`);
    return;
  }
  try {
    const kept = await keepValidation(db.value, { ...input, root: ctx.root, runUid: ctx.runId });
    if (!kept.ok) ctx.log(`warning: the validation was not kept in the store: ${kept.error.message}`);
    else ctx.log(`kept with dataset ${input.name} version ${kept.value.version.version}: ${kept.value.summary}`);
  } finally {
    db.value.close();
  }
}
