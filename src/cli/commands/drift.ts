// `sextant drift REFERENCE CURRENT`: per-column drift between two CSV/TSV files and the dataset's verdict;
// exit 1 when the dataset drifts (a CI gate), 0 when not, 2 on bad usage.
import { resolve } from 'node:path';
import { compareFiles, type DriftOptions, type DriftReport } from '../../engine/drift/report';
import { DRIFT_TESTS, DriftTestSchema, type DriftTest } from '../../engine/drift/select';
import { describeError } from '../../engine/result';
import { UsageError, value, type ParsedArgs } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from '../command';
import { formatValue } from './runs';

function parseTests(args: ParsedArgs): DriftOptions['test'] {
  const given = args.values.test ?? [];
  if (given.length === 0) return undefined;
  const asTest = (t: string): DriftTest => {
    const parsed = DriftTestSchema.safeParse(t.trim());
    if (!parsed.success) throw new UsageError(`unknown test "${t.trim()}" (the tests: ${DRIFT_TESTS.join(', ')})`);
    return parsed.data;
  };
  const perColumn: Record<string, DriftTest> = {};
  let all: DriftTest | undefined;
  for (const item of given.flatMap((g) => g.split(','))) {
    const eq = item.indexOf('=');
    if (eq < 0) {
      if (all) throw new UsageError('give one test for every column (--test ks), or COLUMN=TEST pairs');
      all = asTest(item);
    } else perColumn[item.slice(0, eq).trim()] = asTest(item.slice(eq + 1));
  }
  if (all && Object.keys(perColumn).length > 0) throw new UsageError('give either one test for every column (--test ks) or COLUMN=TEST pairs, not both');
  return all ?? perColumn;
}

function humanReport(report: DriftReport): string[] {
  const lines: string[] = [];
  const rows = [['column', 'type', 'test', 'statistic', 'p-value', 'threshold', 'drift']];
  for (const c of report.columns) rows.push([c.column, c.type, c.test, formatValue(c.statistic), c.p_value === null ? '-' : formatValue(c.p_value), String(c.threshold), c.drifted ? 'DRIFT' : 'no']);
  if (report.columns.length > 0) {
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) lines.push(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  }
  for (const n of report.not_tested) lines.push(`not tested: ${n.column}: ${n.reason}`);
  for (const w of report.warnings) lines.push(`${w.file}:${w.line}: warning: ${w.message}`);
  const drifted = report.columns.filter((c) => c.drifted).length;
  lines.push(
    report.columns.length === 0
      ? 'No column could be tested.'
      : `Dataset drift: ${report.dataset_drift ? 'YES' : 'no'} (${drifted} of ${report.columns.length} column${report.columns.length === 1 ? '' : 's'} drifted: ${(report.drift_share * 100).toFixed(1)}%; drift at 50% or more)`,
  );
  return lines;
}

export const driftCommand: CliCommand = {
  name: 'drift',
  summary: 'Compare a current dataset with a reference, column by column (Evidently\'s tests); exit 1 when the dataset drifts.',
  usage: 'sextant drift REFERENCE CURRENT [--test T | --test COLUMN=T,...] [--columns a,b] [--json]',
  json: true,
  options: [
    { name: 'test', type: 'string', multiple: true, description: `Test for every column, or COLUMN=TEST pairs (${DRIFT_TESTS.join(', ')}); default: chosen by type and size.` },
    { name: 'columns', type: 'string', description: 'Only these columns, comma-separated.' },
  ],
  async run(args, io) {
    if (args.positionals.length !== 2) throw new UsageError('give two files: REFERENCE CURRENT');
    const test = parseTests(args);
    const columnsArg = value(args, 'columns');
    const columns = columnsArg?.split(',').map((c) => c.trim()).filter((c) => c !== '');
    if (columnsArg !== undefined && columns!.length === 0) throw new UsageError('--columns needs at least one column name');
    const [reference, current] = args.positionals.map((p) => resolve(io.cwd, p)) as [string, string];
    const result = compareFiles(reference, current, { ...(test ? { test } : {}), ...(columns ? { columns } : {}) });
    if (!result.ok) {
      if (result.error.code === 'drift-column') throw new UsageError(result.error.message);
      if (args.flags.json) io.json({ ok: false, error: result.error });
      else io.err(`sextant drift: ${describeError(result.error)}`);
      return EXIT_FAILURE;
    }
    const report = result.value;
    if (args.flags.json) io.json(report);
    else for (const line of humanReport(report)) io.out(line);
    if (report.columns.length === 0) {
      io.err('sextant drift: no column could be tested (see not_tested).');
      return EXIT_FAILURE;
    }
    return report.dataset_drift ? EXIT_FAILURE : EXIT_OK;
  },
};
