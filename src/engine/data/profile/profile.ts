// `sextant data profile`: one streamed pass over a dataset file, a ColumnProfiler per column, then the
// personal-data verdicts and rules applied to everything the profile shows.
import { fail, ok, type Result } from '../../result';
import { scanDataFile, type ScanOptions } from '../read/scan';
import { emptyPolicy, type PiiRule } from '../pii/protect';
import { ColumnProfiler } from './column';
import type { DatasetProfile } from './schema';

interface ProfileOptions extends Omit<ScanOptions, 'transform'> {
  /** `pii:` rules from the pipeline, by column. */
  pii?: Map<string, PiiRule>;
  /** Key of the `hash` rule. */
  salt?: string;
}

export async function profileDataFile(path: string, options: ProfileOptions = {}): Promise<Result<DatasetProfile>> {
  const profilers = new Map<string, ColumnProfiler>();
  const scanned = await scanDataFile(
    path,
    (batch) => {
      for (let c = 0; c < batch.columns.length; c++) {
        const name = batch.columns[c]!;
        let p = profilers.get(name);
        if (!p) profilers.set(name, (p = new ColumnProfiler(name)));
        p.add(batch.values[c]!, batch.lines);
      }
    },
    options,
  );
  if (!scanned.ok) return fail(scanned.error);
  const summary = scanned.value;
  const policy = emptyPolicy(options.salt);
  for (const [column, rule] of options.pii ?? []) policy.rules.set(column, rule);
  const ordered = summary.columns.map((name) => profilers.get(name) ?? new ColumnProfiler(name));
  for (const p of ordered) {
    const verdict = p.pii.verdict();
    if (verdict) policy.detected.set(p.name, verdict.kind);
  }
  const { file, format, encoding, delimiter, position, bytes, rows, issues } = summary;
  return ok({ file, format, encoding, delimiter, position, bytes, rows, columns: ordered.map((p) => p.finish(rows, policy, policy.rules.get(p.name))), issues });
}
