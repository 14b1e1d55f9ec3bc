// Validating a dataset's file as a version: the file is checked against the dataset's expectations, its
// content registered (a no-op when it is known), and the verdict kept with that version (dataset_checks)
// for the Datasets view's badge and `sextant data show`. The `sextant/validate` stage keeps its verdict
// the same way (keepValidation), with its run.
import { fail, ok, type Result } from '../../result';
import type { Database } from '../../store/open';
import type { Expectation } from '../validate/expectation';
import type { ValidationReport } from '../validate/report';
import { validateDataFile } from '../validate/validate';
import { recordDatasetCheck } from './checks';
import { readVersion } from './read';
import { registerDatasetVersion, type RegisterInput } from './register';
import type { DatasetVersion } from './schema';

/** One line: `3 checks passed`, `2 of 7 checks failed` (warnings named apart). */
function validationSummary(report: ValidationReport): string {
  const errors = report.results.filter((r) => !r.passed && r.severity === 'error').length;
  const warnings = report.results.filter((r) => !r.passed && r.severity === 'warning').length;
  const n = report.results.length;
  const head = errors > 0 ? `${errors} of ${n} checks failed` : `${n} check${n === 1 ? '' : 's'} passed`;
  return warnings > 0 ? `${head}, ${warnings} warning${warnings === 1 ? '' : 's'}` : head;
}

/** Registers the file's content as a version (when new) and keeps the report (already PII-masked) with it. */
export async function keepValidation(db: Database, input: RegisterInput & { report: ValidationReport; runUid?: string }): Promise<Result<{ version: DatasetVersion; summary: string }>> {
  const registered = await registerDatasetVersion(db, input);
  if (!registered.ok) return registered;
  const summary = validationSummary(input.report);
  const recorded = recordDatasetCheck(db, { versionId: registered.value.id, kind: 'validation', passed: input.report.passed, summary, result: input.report, ...(input.runUid ? { runUid: input.runUid } : {}) });
  if (!recorded.ok) return fail(recorded.error);
  return ok({ version: readVersion(db, registered.value.id) ?? registered.value.version, summary });
}

export async function validateVersion(db: Database, input: RegisterInput & { expectations: Expectation[]; baseDir: string }): Promise<Result<{ report: ValidationReport; version: DatasetVersion; summary: string }>> {
  const report = await validateDataFile(input.file, input.expectations, { dataset: input.name, baseDir: input.baseDir, ...(input.format ? { format: input.format } : {}), ...(input.salt ? { salt: input.salt } : {}) });
  if (!report.ok) return report;
  const kept = await keepValidation(db, { ...input, report: report.value });
  if (!kept.ok) return kept;
  return ok({ report: report.value, ...kept.value });
}
