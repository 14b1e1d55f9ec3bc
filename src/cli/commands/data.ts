// `sextant data …`: the dataset commands. Each subcommand is one CliCommand below (profile, validate);
// they share the reading options and the lookup of a dataset in the pipeline file.
import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { DataFormatSchema, positions, type DataFormat } from '../../engine/data/read/batch';
import { profileDataFile } from '../../engine/data/profile/profile';
import type { ColumnProfile, DatasetProfile } from '../../engine/data/profile/schema';
import type { PiiRule } from '../../engine/data/pii/protect';
import type { Expectation } from '../../engine/data/validate/expectation';
import type { ValidationReport } from '../../engine/data/validate/report';
import { reportLines, reportSummary } from '../../engine/data/validate/format';
import { validateDataFile } from '../../engine/data/validate/validate';
import { readPipeline } from '../../engine/pipeline/read';
import type { Pipeline } from '../../engine/pipeline/schema';
import { describeError, type EngineError } from '../../engine/result';
import { UsageError, value, type ParsedArgs } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../command';
import { formatValue } from './runs';

const ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'latin1'] as const;

const READ_OPTIONS = [
  { name: 'pipeline', alias: 'f', type: 'string' as const, description: 'Pipeline file whose datasets and expectations apply (default: sextant.yaml here, when there is one).' },
  { name: 'format', type: 'string' as const, description: `File format: ${DataFormatSchema.options.join(', ')} (default: from the extension, or the dataset's \`format:\`).` },
  { name: 'delimiter', alias: 'd', type: 'string' as const, description: 'CSV field separator (default: guessed from the header line; tab for .tsv).' },
  { name: 'encoding', type: 'string' as const, description: `Text encoding: ${ENCODINGS.join(', ')} (default: from the byte-order mark, else UTF-8).` },
];

interface Target {
  file: string;
  shown: string;
  dataset?: string;
  pipeline?: { file: string; value: Pipeline };
  format?: DataFormat;
}

function readOptions(args: ParsedArgs): { format?: DataFormat; delimiter?: string; encoding?: (typeof ENCODINGS)[number] } {
  const format = value(args, 'format');
  if (format !== undefined && !DataFormatSchema.safeParse(format).success) throw new UsageError(`--format must be one of ${DataFormatSchema.options.join(', ')}, not "${format}"`);
  let delimiter = value(args, 'delimiter');
  if (delimiter === '\\t' || delimiter === 'tab') delimiter = '\t';
  // The byte tokenizer (read/csvTokenizer.ts) splits on one byte: an ASCII character.
  if (delimiter !== undefined && (delimiter.length !== 1 || delimiter.charCodeAt(0) > 0x7f)) throw new UsageError('--delimiter must be one ASCII character (or "tab")');
  const encoding = value(args, 'encoding');
  if (encoding !== undefined && !(ENCODINGS as readonly string[]).includes(encoding)) throw new UsageError(`--encoding must be one of ${ENCODINGS.join(', ')}, not "${encoding}"`);
  return {
    ...(format ? { format: format as DataFormat } : {}),
    ...(delimiter !== undefined ? { delimiter } : {}),
    ...(encoding ? { encoding: encoding as (typeof ENCODINGS)[number] } : {}),
  };
}

/** NAME (a dataset of the pipeline) or PATH (a file, matched to a dataset when the pipeline declares it). */
function findTarget(args: ParsedArgs, io: CliIo, command: string): { target?: Target; error?: EngineError } {
  const given = args.positionals[0];
  if (!given || args.positionals.length > 1) throw new UsageError(command === 'data profile' ? 'give one data file' : 'give one dataset name or data file');
  const pipelineFile = resolve(io.cwd, value(args, 'pipeline') ?? 'sextant.yaml');
  let pipeline: Target['pipeline'];
  if (value(args, 'pipeline') !== undefined || existsSync(pipelineFile)) {
    const read = readPipeline(pipelineFile);
    if (!read.ok) return { error: read.error };
    pipeline = { file: pipelineFile, value: read.value };
  }
  const datasets = pipeline?.value.datasets ?? {};
  const root = pipeline ? dirname(pipeline.file) : io.cwd;
  const asFile = resolve(io.cwd, given);
  const byName = datasets[given];
  if (byName && !(existsSync(asFile) && statSync(asFile).isFile())) {
    const file = resolve(root, byName.path);
    return { target: { file, shown: relative(io.cwd, file) || file, dataset: given, ...(pipeline ? { pipeline } : {}), ...(byName.format ? { format: byName.format } : {}) } };
  }
  if (!existsSync(asFile)) {
    const names = Object.keys(datasets);
    throw new UsageError(`"${given}" is neither a data file nor a dataset of the pipeline${names.length ? ` (datasets: ${names.join(', ')})` : pipeline ? ' (it declares no datasets)' : ' (no sextant.yaml here: give --pipeline)'}`);
  }
  const named = Object.entries(datasets).find(([, d]) => resolve(root, d.path) === asFile);
  return { target: { file: asFile, shown: relative(io.cwd, asFile) || asFile, ...(named ? { dataset: named[0], ...(named[1].format ? { format: named[1].format } : {}) } : {}), ...(pipeline ? { pipeline } : {}) } };
}

function expectationsOf(target: Target): Expectation[] {
  return target.dataset && target.pipeline ? (target.pipeline.value.expectations?.[target.dataset] ?? []) : [];
}

function piiRules(expectations: Expectation[]): Map<string, PiiRule> {
  return new Map(expectations.filter((e) => e.column !== undefined && e.pii).map((e) => [e.column!, e.pii!]));
}

function failWith(io: CliIo, args: ParsedArgs, command: string, error: EngineError): number {
  if (args.flags.json) io.json({ ok: false, error });
  else io.err(`sextant ${command}: ${describeError(error)}`);
  return EXIT_FAILURE;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

const pct = (share: number): string => `${(share * 100).toFixed(share > 0 && share < 0.001 ? 3 : 1)}%`;

/** A column in one line: its range and centre, its top values, or its dates. */
function summaryLine(c: ColumnProfile, rows: number): string {
  const parts: string[] = [];
  if (c.numeric) parts.push(`${formatValue(c.numeric.min)}…${formatValue(c.numeric.max)}, mean ${formatValue(c.numeric.mean)} ± ${formatValue(c.numeric.std)}, median ${formatValue(c.numeric.quantiles.p50)}`);
  if (c.datetime) parts.push(`${c.datetime.min} … ${c.datetime.max}`);
  if (c.topValues.length > 0) parts.push(c.topValues.slice(0, 3).map((t) => `${t.value} ${pct(rows ? t.count / rows : 0)}`).join(', '));
  if (c.pii) parts.push(`personal data${c.pii.kind ? ` (${c.pii.kind})` : ''}: ${c.pii.rule ?? 'mask'}`);
  if (c.strays) parts.push(`${c.strays.count} value${c.strays.count === 1 ? '' : 's'} not ${c.type} (${positions(c.strays.examples.map((e) => e.line), c.strays.count)}: ${c.strays.examples.slice(0, 3).map((e) => JSON.stringify(e.value)).join(', ')})`);
  return parts.join('; ');
}

function printProfile(p: DatasetProfile, shown: string, io: CliIo): void {
  io.out(`${shown}: ${p.rows.toLocaleString('en-US')} row${p.rows === 1 ? '' : 's'}, ${p.columns.length} column${p.columns.length === 1 ? '' : 's'}, ${p.format}${p.delimiter ? ` (${p.encoding}, ${JSON.stringify(p.delimiter)})` : p.format === 'parquet' ? '' : ` (${p.encoding})`}, ${(p.bytes / 2 ** 20).toFixed(1)} MB`);
  for (const issue of p.issues) io.out(`${shown}${issue.lines[0] !== undefined ? `:${issue.lines[0]}` : ''}: ${issue.message}`);
  if (p.columns.length === 0) return;
  io.out('');
  io.out(
    table([
      ['COLUMN', 'TYPE', 'MISSING', 'DISTINCT', 'PROFILE'],
      ...p.columns.map((c) => [c.name, c.type, pct(c.missingShare), `${c.distinct.exact ? '' : '≈'}${c.distinct.value.toLocaleString('en-US')}`, summaryLine(c, p.rows)]),
    ]),
  );
}

export const dataProfileCommand: CliCommand = {
  name: 'data profile',
  summary: 'Profile a data file (CSV, TSV, JSON Lines, Parquet), streamed: per column its type, missing share, distinct count, range, quantiles and top values; personal data masked.',
  usage: 'sextant data profile PATH [--pipeline FILE] [--format F] [--delimiter D] [--encoding E] [--json]',
  json: true,
  options: READ_OPTIONS,
  async run(args, io) {
    const options = readOptions(args);
    const found = findTarget(args, io, 'data profile');
    if (found.error) return failWith(io, args, 'data profile', found.error);
    const target = found.target!;
    const profile = await profileDataFile(target.file, { ...(target.format ? { format: target.format } : {}), ...options, pii: piiRules(expectationsOf(target)), salt: io.env.SEXTANT_PII_SALT ?? '' });
    if (!profile.ok) return failWith(io, args, 'data profile', profile.error);
    if (args.flags.json) io.json({ ...profile.value, file: target.shown });
    else printProfile(profile.value, target.shown, io);
    return EXIT_OK;
  },
};

function printReport(r: ValidationReport, shown: string, io: CliIo): void {
  for (const line of reportLines(r, shown)) io.out(line);
  io.err(reportSummary(r, shown));
}

export const dataValidateCommand: CliCommand = {
  name: 'data validate',
  summary: "Check a dataset against its `expectations:` (a dataset NAME of the pipeline, or a data PATH); each failed check shows the failing rows' lines. Exit 1 when a check fails.",
  usage: 'sextant data validate NAME|PATH [--pipeline FILE] [--format F] [--delimiter D] [--encoding E] [--json]',
  json: true,
  options: READ_OPTIONS,
  async run(args, io) {
    const options = readOptions(args);
    const found = findTarget(args, io, 'data validate');
    if (found.error) return failWith(io, args, 'data validate', found.error);
    const target = found.target!;
    const expectations = expectationsOf(target);
    const report = await validateDataFile(target.file, expectations, {
      ...(target.format ? { format: target.format } : {}),
      ...options,
      ...(target.dataset ? { dataset: target.dataset } : {}),
      baseDir: target.pipeline ? dirname(target.pipeline.file) : io.cwd,
      salt: io.env.SEXTANT_PII_SALT ?? '',
    });
    if (!report.ok) return failWith(io, args, 'data validate', report.error);
    if (args.flags.json) io.json({ ...report.value, file: target.shown });
    else {
      if (!target.dataset) io.err(`${target.shown}: no dataset of ${target.pipeline ? relative(io.cwd, target.pipeline.file) : 'a pipeline'} reads this file, so only its format, types and personal data are checked.`);
      printReport(report.value, target.shown, io);
    }
    return report.value.passed ? EXIT_OK : EXIT_FAILURE;
  },
};
