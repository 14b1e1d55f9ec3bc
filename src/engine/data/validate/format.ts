// A validation report as text, one line per check (a failed one followed by its examples, masked where
// the column holds personal data) and a summary line: what `sextant data validate` prints and what the
// `sextant/validate` stage logs, so both say the same thing in the same words.
import type { ValidationReport } from './report';

/** Each check: `✓`, `✗` (an error) or `!` (a warning), the file and first failing line, the message; then the examples. */
export function reportLines(r: ValidationReport, shown: string): string[] {
  const lines: string[] = [];
  for (const x of r.results) {
    const mark = x.passed ? '✓' : x.severity === 'warning' ? '!' : '✗';
    const line = x.examples[0] && !x.passed ? `:${x.examples[0].line}` : '';
    lines.push(`${mark} ${shown}${line}: ${x.column ? `${x.column}: ` : ''}${x.check}: ${x.message}`);
    if (!x.passed) for (const e of x.examples) lines.push(`    ${r.position} ${e.line}: ${e.value}`);
  }
  return lines;
}

/** `data.csv: 243 rows, 5 checks: passed` (or `2 failed`, with the warnings). */
export function reportSummary(r: ValidationReport, shown: string): string {
  const failed = r.results.filter((x) => !x.passed && x.severity === 'error').length;
  const warnings = r.results.filter((x) => !x.passed && x.severity === 'warning').length;
  return `${shown}: ${r.rows.toLocaleString('en-US')} row${r.rows === 1 ? '' : 's'}, ${r.results.length} check${r.results.length === 1 ? '' : 's'}: ${r.passed ? 'passed' : `${failed} failed`}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`;
}
