// `sextant data profile`: one streamed pass over a dataset file, a ColumnProfiler per column, then the
// personal-data verdicts and rules applied to everything the profile shows. A large CSV/TSV file is read
// in parallel parts whose profiles are merged (./parallel.ts); any other file, serially.
import { statSync } from 'node:fs';
import { fail, ok, type Result } from '../../result';
import type { ReadSummary } from '../read/batch';
import { formatOf, scanDataFile, type ScanOptions } from '../read/scan';
import { emptyPolicy, type PiiRule } from '../pii/protect';
import { ColumnProfiler, profileTyped } from './column';
import { readInParts } from './parallel';
import type { DatasetProfile } from './schema';

interface ProfileOptions extends Omit<ScanOptions, 'transform'> {
  /** `pii:` rules from the pipeline, by column. */
  pii?: Map<string, PiiRule>;
  /** Key of the `hash` rule. */
  salt?: string;
}

export async function profileDataFile(path: string, options: ProfileOptions = {}): Promise<Result<DatasetProfile>> {
  const read = (await profileInParts(path, options)) ?? (await profileSerially(path, options));
  if (!read.ok) return read;
  const { summary, profilers } = read.value;
  const policy = emptyPolicy(options.salt);
  for (const [column, rule] of options.pii ?? []) policy.rules.set(column, rule);
  for (const p of profilers) {
    const verdict = p.pii.verdict();
    if (verdict) policy.detected.set(p.name, verdict.kind);
  }
  const { file, format, encoding, delimiter, position, bytes, rows, issues } = summary;
  return ok({ file, format, encoding, delimiter, position, bytes, rows, columns: profilers.map((p) => p.finish(rows, policy, policy.rules.get(p.name))), issues });
}

async function profileSerially(path: string, options: ProfileOptions): Promise<Result<{ summary: ReadSummary; profilers: ColumnProfiler[] }>> {
  const profilers = new Map<string, ColumnProfiler>();
  const profiler = (name: string): ColumnProfiler => {
    let p = profilers.get(name);
    if (!p) profilers.set(name, (p = new ColumnProfiler(name)));
    return p;
  };
  const scanned = await scanDataFile(
    path,
    (batch) => {
      for (let c = 0; c < batch.columns.length; c++) profiler(batch.columns[c]!).add(batch.values[c]!, batch.lines);
    },
    { ...options, typed: (batch) => profileTyped(batch, profiler) },
  );
  if (!scanned.ok) return fail(scanned.error);
  return ok({ summary: scanned.value, profilers: scanned.value.columns.map((name) => profilers.get(name) ?? new ColumnProfiler(name)) });
}

/** A large CSV/TSV file in parallel parts (./parallel.ts), when it can be read that way. */
async function profileInParts(path: string, options: ProfileOptions): Promise<Result<{ summary: ReadSummary; profilers: ColumnProfiler[] }> | undefined> {
  const format = options.format ?? formatOf(path);
  let bytes: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return undefined;
    bytes = stat.size;
  } catch {
    return undefined;
  }
  if (!format) return undefined;
  const parts = await readInParts(path, bytes, { format, ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}), ...(options.encoding ? { encoding: options.encoding } : {}) });
  return parts ? ok(parts) : undefined;
}

