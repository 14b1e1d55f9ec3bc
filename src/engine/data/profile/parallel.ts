// A profile of a large CSV/TSV file made in parallel: the file is cut into parts at line ends
// (../read/csvParts.ts), the main thread reads the first part (with the header) while worker threads
// read the others, and the parts' column profiles are merged in file order (ColumnProfiler.absorb),
// their lines shifted by the lines of the parts before. Anything that would make the result differ from
// the serial read's (a cut inside a quoted field, a part that cannot be read, no worker script) gives
// undefined, and the caller reads serially: the same file and the same errors.
import { existsSync, closeSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DataFormat, ReadSummary } from '../read/batch';
import { lineCuts, scanCsvPart } from '../read/csvParts';
import { ColumnProfiler } from './column';
import type { PartJob, PartResult } from './profileWorker';

/** Parts smaller than this are not worth a thread. */
const MIN_PART_BYTES = 16 << 20;
/** Threads at most: each holds a chunk, a batch and its sketches (about 30 MB), so RSS stays under 500 MB. */
const MAX_PARTS = 8;

interface ParallelOptions {
  format: DataFormat;
  delimiter?: string;
  encoding?: 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';
}

/** How many parts: SEXTANT_PROFILE_PARTS when set (tests), else one per core, at most MAX_PARTS, each at least MIN_PART_BYTES. */
function partCount(bytes: number): number {
  const forced = Number(process.env.SEXTANT_PROFILE_PARTS);
  if (Number.isInteger(forced) && forced > 0) return forced;
  return Math.min(availableParallelism(), MAX_PARTS, Math.floor(bytes / MIN_PART_BYTES));
}

/** The worker's script beside this file: the bundle's dist/profileWorker.js, or under tsx the .ts source (as train/worker.ts does). */
function startWorker(job: PartJob): Worker | undefined {
  const ts = __filename.endsWith('.ts');
  const file = join(__dirname, ts ? 'profileWorker.ts' : 'profileWorker.js');
  if (!existsSync(file)) return undefined;
  return new Worker(file, { workerData: job, execArgv: ts ? ['--require', 'tsx/cjs'] : [] });
}

function runWorker(job: PartJob): Promise<PartResult> {
  return new Promise((resolve) => {
    let worker: Worker | undefined;
    try {
      worker = startWorker(job);
    } catch (err) {
      resolve({ ok: false, message: (err as Error).message });
      return;
    }
    if (!worker) return resolve({ ok: false, message: 'no worker script' });
    worker.once('message', (result: PartResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', (err) => resolve({ ok: false, message: err.message }));
    worker.once('exit', (code) => resolve({ ok: false, message: `the worker exited (${code})` }));
  });
}

/** UTF-16 text cannot be cut at `\n` bytes: those files are read serially. */
function startsUtf16(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    readSync(fd, b, 0, 2, 0);
    return (b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff);
  } finally {
    closeSync(fd);
  }
}

export async function readInParts(path: string, bytes: number, options: ParallelOptions): Promise<{ summary: ReadSummary; profilers: ColumnProfiler[] } | undefined> {
  if (options.format !== 'csv' && options.format !== 'tsv') return undefined;
  if (options.encoding === 'utf-16le' || options.encoding === 'utf-16be') return undefined;
  const parts = partCount(bytes);
  if (parts < 2 || startsUtf16(path)) return undefined;
  const cuts = lineCuts(path, bytes, parts);
  if (cuts.length < 3) return undefined;
  const workers: Promise<PartResult>[] = [];
  const profilers = new Map<string, ColumnProfiler>();
  let first;
  try {
    first = await scanCsvPart(
      {
        file: path,
        start: 0,
        end: cuts[1]!,
        last: false,
        ...(options.encoding ? { encoding: options.encoding } : {}),
        ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : options.format === 'tsv' ? { delimiter: '\t' } : {}),
        onHeader: (columns, delimiter) => {
          for (let k = 1; k + 1 < cuts.length; k++) {
            workers.push(runWorker({ file: path, start: cuts[k]!, end: cuts[k + 1]!, last: k + 2 === cuts.length, delimiter, columns, encoding: options.encoding === 'latin1' ? 'latin1' : 'utf-8' }));
          }
        },
      },
      (batch) => {
        for (let c = 0; c < batch.columns.length; c++) {
          const name = batch.columns[c]!;
          let p = profilers.get(name);
          if (!p) profilers.set(name, (p = new ColumnProfiler(name)));
          p.add(batch.values[c]!, batch.lines);
        }
      },
    );
  } catch {
    await Promise.all(workers);
    return undefined;
  }
  const results = await Promise.all(workers);
  const { parser, encoding, pending } = first;
  if (pending || !parser.columns || results.length !== cuts.length - 2) return undefined;
  const ordered = parser.columns.map((name) => profilers.get(name) ?? new ColumnProfiler(name));
  let offset = parser.linesRead;
  let rows = parser.rows;
  for (const r of results) {
    if (!r.ok || r.pending) return undefined;
    r.profiles.forEach((state, c) => ordered[c]!.absorb(state, offset));
    parser.absorbTallies(r.tallies, offset);
    rows += r.rows;
    offset += r.linesRead;
  }
  if (rows === 0) return undefined;
  return {
    summary: { file: path, format: options.format, encoding, delimiter: parser.delimiter ?? null, position: 'line', bytes, rows, columns: parser.columns, issues: parser.issues() },
    profilers: ordered,
  };
}
