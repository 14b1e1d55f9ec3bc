// `sextant data validate`: one streamed pass over a dataset file that runs its expectations and a
// profile of every column (types, values that do not fit them, personal data), then a report where
// each check says how many rows failed and shows the first ones by line, masked when the column holds
// personal data. Problems of the file itself (ragged rows, lines that are not JSON) are failures too;
// values that do not fit a column's inferred type are warnings unless a `type:` expectation asks.
import { resolve } from 'node:path';
import { fail, ok, type Result } from '../../result';
import { positions, type Cell, type ReadIssue } from '../read/batch';
import { scanDataFile, type ScanOptions } from '../read/scan';
import { ColumnProfiler } from '../profile/column';
import { emptyPolicy, protectValue, type PiiPolicy } from '../pii/protect';
import { rowChecks, RowCheck, EXAMPLES } from './checks';
import { COLUMN_KEYS, DATASET_KEYS, type Expectation } from './expectation';
import type { ValidationReport, ValidationResult } from './report';
import { readReference, schemaChanges } from './schemaDiff';

interface ValidateOptions extends Omit<ScanOptions, 'transform'> {
  /** The dataset's name in the pipeline, for the report. */
  dataset?: string;
  /** Folder that `schema_unchanged` paths are relative to (the pipeline's). */
  baseDir: string;
  /** Key of the `hash` rule. */
  salt?: string;
}

/** Read problems that make the data wrong (the others are warnings). */
const FORMAT_ERRORS = new Set(['ragged-row', 'jsonl-not-json', 'jsonl-not-object', 'quote', 'unsupported-value']);

const shown = (policy: PiiPolicy, column: string | null, value: Cell): string => {
  if (value === null) return '(missing)';
  return String(column === null ? value : protectValue(policy, column, value));
};

function result(r: Omit<ValidationResult, 'examples'> & { examples?: ValidationResult['examples'] }): ValidationResult {
  return { examples: [], ...r };
}

export async function validateDataFile(path: string, expectations: Expectation[], options: ValidateOptions): Promise<Result<ValidationReport>> {
  const results: ValidationResult[] = [];
  const checks: RowCheck[] = [];
  const policy = emptyPolicy(options.salt);
  const wanted = new Set<string>();
  for (const e of expectations) {
    const keys = Object.keys(e).filter((k) => k !== 'column');
    if (e.column === undefined) {
      const misplaced = keys.filter((k) => (COLUMN_KEYS as readonly string[]).includes(k));
      if (misplaced.length > 0) results.push(result({ check: 'expectation', column: null, severity: 'error', passed: false, failed: 0, message: `${misplaced.join(', ')} check${misplaced.length === 1 ? 's' : ''} a column: add \`column:\` to this expectation.` }));
      continue;
    }
    const misplaced = keys.filter((k) => (DATASET_KEYS as readonly string[]).includes(k));
    if (misplaced.length > 0) results.push(result({ check: 'expectation', column: e.column, severity: 'error', passed: false, failed: 0, message: `${misplaced.join(', ')} check${misplaced.length === 1 ? 's' : ''} the whole dataset: put it in an expectation without \`column:\`.` }));
    wanted.add(e.column);
    if (e.pii) policy.rules.set(e.column, e.pii);
    const made = rowChecks({ ...e, column: e.column });
    checks.push(...made.checks);
    for (const message of made.errors) results.push(result({ check: 'expectation', column: e.column, severity: 'error', passed: false, failed: 0, message }));
  }
  const byColumn = new Map<string, RowCheck[]>();
  for (const c of checks) byColumn.set(c.column, [...(byColumn.get(c.column) ?? []), c]);
  const profilers = new Map<string, ColumnProfiler>();
  const scanned = await scanDataFile(
    path,
    (batch) => {
      for (let c = 0; c < batch.columns.length; c++) {
        const name = batch.columns[c]!;
        let p = profilers.get(name);
        if (!p) profilers.set(name, (p = new ColumnProfiler(name)));
        p.add(batch.values[c]!, batch.lines);
        for (const check of byColumn.get(name) ?? []) check.add(batch.values[c]!, batch.lines);
      }
    },
    options,
  );
  if (!scanned.ok) return fail(scanned.error);
  const summary = scanned.value;
  const where = (lines: number[], count: number): string => positions(lines, count, summary.position);
  for (const p of profilers.values()) {
    const verdict = p.pii.verdict();
    if (verdict) policy.detected.set(p.name, verdict.kind);
  }
  const present = new Set(summary.columns);
  const profiles = summary.columns.map((name) => (profilers.get(name) ?? new ColumnProfiler(name)).finish(summary.rows, policy, policy.rules.get(name)));

  for (const issue of summary.issues) results.push(formatResult(issue));
  for (const column of wanted) {
    if (!present.has(column)) results.push(result({ check: 'column', column, severity: 'error', passed: false, failed: 0, message: `The file has no column "${column}" (its columns: ${summary.columns.join(', ') || 'none'}).` }));
  }
  for (const check of checks) {
    if (!present.has(check.column)) continue;
    const examples = check.examples.map((x) => ({ line: x.line, value: shown(policy, check.column, x.value) }));
    if (check.verdict) {
      const v = check.verdict(check.failed, summary.rows);
      results.push(result({ check: check.check, column: check.column, severity: 'error', passed: v.passed, failed: v.passed ? 0 : check.failed, message: v.message, examples: v.passed ? [] : examples }));
      continue;
    }
    const lines = check.examples.map((x) => x.line);
    results.push(
      result({
        check: check.check,
        column: check.column,
        severity: 'error',
        passed: check.failed === 0,
        failed: check.failed,
        message: check.failed === 0 ? `All ${summary.rows} rows pass.` : `${check.failed} row${check.failed === 1 ? ' fails' : 's fail'} (${where(lines, check.failed)}).`,
        examples,
      }),
    );
  }
  for (const e of expectations) {
    if (e.column !== undefined) continue;
    if (e.rows) {
      const { min, max } = e.rows;
      const passed = (min === undefined || summary.rows >= min) && (max === undefined || summary.rows <= max);
      const bounds = [min !== undefined ? `at least ${min}` : '', max !== undefined ? `at most ${max}` : ''].filter(Boolean).join(' and ');
      results.push(result({ check: 'rows', column: null, severity: 'error', passed, failed: 0, message: `${summary.rows} rows; ${bounds || 'any number'} expected.` }));
    }
    if (e.schema_unchanged !== undefined) {
      const file = resolve(options.baseDir, e.schema_unchanged);
      const reference = readReference(file);
      if (!reference.ok) {
        results.push(result({ check: 'schema_unchanged', column: null, severity: 'error', passed: false, failed: 0, message: `${reference.error.message} (${file})` }));
        continue;
      }
      const changes = schemaChanges(reference.value, profiles);
      results.push(result({ check: 'schema_unchanged', column: null, severity: 'error', passed: changes.length === 0, failed: changes.length, message: changes.length === 0 ? `Same columns and types as ${e.schema_unchanged}.` : `Changed since ${e.schema_unchanged}: ${changes.join('; ')}.` }));
    }
  }
  for (const p of profiles) {
    const rule = policy.rules.get(p.name);
    if (p.pii?.kind && rule === 'forbid') {
      results.push(result({ check: 'pii', column: p.name, severity: 'error', passed: false, failed: p.count, message: `Personal data is forbidden here, and ${(p.pii.share * 100).toFixed(0)}% of the sampled values look like ${p.pii.kind} values.` }));
    } else if (p.pii?.kind && !rule) {
      results.push(result({ check: 'pii', column: p.name, severity: 'warning', passed: false, failed: 0, message: `Looks like personal data (${p.pii.kind}, ${(p.pii.share * 100).toFixed(0)}% of the sampled values): its values are masked here. Declare \`pii: mask|hash|drop\` (or \`forbid\`) for it.` }));
    }
    const typed = expectations.some((e) => e.column === p.name && e.type !== undefined);
    if (p.strays && !typed) {
      const lines = p.strays.examples.map((x) => x.line);
      results.push(
        result({
          check: 'strays',
          column: p.name,
          severity: 'warning',
          passed: false,
          failed: p.strays.count,
          message: `The column is mostly ${p.type}, but ${p.strays.count} value${p.strays.count === 1 ? ' is' : 's are'} not (${where(lines, p.strays.count)}). Fix ${p.strays.count === 1 ? 'it' : 'them'}, or declare \`type:\` to make this an error.`,
          examples: p.strays.examples.slice(0, EXAMPLES),
        }),
      );
    }
  }
  const passed = results.every((r) => r.passed || r.severity === 'warning');
  return ok({ file: summary.file, dataset: options.dataset ?? null, position: summary.position, rows: summary.rows, passed, results });
}

function formatResult(issue: ReadIssue): ValidationResult {
  const error = FORMAT_ERRORS.has(issue.code);
  return result({ check: `format:${issue.code}`, column: null, severity: error ? 'error' : 'warning', passed: false, failed: issue.count, message: issue.message, examples: issue.lines.slice(0, EXAMPLES).map((line) => ({ line, value: `(${issue.code})` })) });
}
