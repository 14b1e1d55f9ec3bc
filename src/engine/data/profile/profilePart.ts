// One part of a parallel profile (./parallel.ts): reads its bytes of a CSV/TSV file with the one CSV
// reader (the first part with the header), profiles its columns with the one ColumnProfiler, and gives
// back their states, with the lines it read and the row problems it found (lines relative to the part's
// start). Part 0 runs in the calling thread, the others in worker threads (./profileWorker.ts).
import type { Encoding, ReadIssue } from '../read/batch';
import type { CsvParser } from '../read/csv';
import { scanCsvPart, type PartOptions } from '../read/csvParts';
import { ColumnProfiler, profileTyped, type ProfilerState } from './column';

export type PartResult =
  | { ok: true; pending: boolean; rows: number; linesRead: number; columns: string[]; delimiter: string; encoding: Encoding; headerIssues: ReadIssue[]; tallies: ReturnType<CsvParser['tallies']>; profiles: ProfilerState[] }
  | { ok: false; message: string };

/** Profiles one part (in a worker thread, or part 0 in the calling thread). */
export async function profilePart(job: PartOptions): Promise<PartResult> {
  const profilers = new Map<string, ColumnProfiler>();
  try {
    const profiler = (name: string): ColumnProfiler => {
      let p = profilers.get(name);
      if (!p) profilers.set(name, (p = new ColumnProfiler(name)));
      return p;
    };
    const { parser, pending, encoding } = await scanCsvPart(
      job,
      () => undefined,
      (batch) => profileTyped(batch, profiler),
    );
    const columns = parser.columns ?? [];
    return {
      ok: true,
      pending,
      rows: parser.rows,
      linesRead: parser.linesRead,
      columns,
      delimiter: parser.delimiter ?? ',',
      encoding,
      headerIssues: parser.headerNameIssues(),
      tallies: parser.tallies(),
      profiles: pending ? [] : columns.map((name) => (profilers.get(name) ?? new ColumnProfiler(name)).state()),
    };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}
