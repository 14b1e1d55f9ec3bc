// A parallel profile's worker (./parallel.ts): reads one part of a CSV/TSV file with the one CSV parser,
// profiles its columns with the one ColumnProfiler, and sends back their states, with the lines it read
// and the row problems it found (lines relative to the part's start). Bundled as dist/profileWorker.js.
import { parentPort, workerData } from 'node:worker_threads';
import { scanCsvPart } from '../read/csvParts';
import { ColumnProfiler, type ProfilerState } from './column';

export interface PartJob {
  file: string;
  start: number;
  end: number;
  last: boolean;
  delimiter: string;
  columns: string[];
  encoding: 'utf-8' | 'latin1';
}

export type PartResult =
  | { ok: true; pending: boolean; rows: number; linesRead: number; tallies: ReturnType<Awaited<ReturnType<typeof scanCsvPart>>['parser']['tallies']>; profiles: ProfilerState[] }
  | { ok: false; message: string };

async function profilePart(job: PartJob): Promise<PartResult> {
  const profilers = job.columns.map((name) => new ColumnProfiler(name));
  try {
    const { parser, pending } = await scanCsvPart(job, (batch) => {
      for (let c = 0; c < profilers.length; c++) profilers[c]!.add(batch.values[c]!, batch.lines);
    });
    return { ok: true, pending, rows: parser.rows, linesRead: parser.linesRead, tallies: parser.tallies(), profiles: pending ? [] : profilers.map((p) => p.state()) };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

if (parentPort) {
  const port = parentPort;
  void profilePart(workerData as PartJob).then((result) => port.postMessage(result));
}
