// A profile of a large CSV/TSV file made in parallel: the file is cut into parts at line ends
// (../read/csvParts.ts), this thread reads part 0 (with the header) and worker threads the others (the
// main thread reads the header first, to hand them its columns), and the parts' column profiles are merged in
// file order (ColumnProfiler.absorb), their lines shifted by the lines of the parts before. Anything that would make the result differ from
// the serial read's (a cut inside a quoted field, a part that cannot be read, no worker script) gives
// undefined, and the caller reads serially: the same file and the same errors.
import { existsSync, closeSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DataFormat, ReadSummary } from '../read/batch';
import { CsvParser } from '../read/csv';
import { lineCuts, type PartOptions } from '../read/csvParts';
import { byteChunks } from '../read/decode';
import { ColumnProfiler } from './column';
import { profilePart, type PartResult } from './profilePart';

/**
 * Parts smaller than this are not worth a thread: each thread pays a fixed cost (start, JIT warm-up, its
 * own exact counts until they overflow). Measured on 2 cores: 128 MB in 2 parts took 4.0 CPU-seconds
 * against 2.15 serially (5.9 s wall against 3.2); 1 GB took the same CPU either way (14.2 and 14.1 s).
 */
const MIN_PART_BYTES = 128 << 20;
/**
 * Threads at most, and each one's heap: a part holds a 1 MB chunk, a batch of 16,384 rows and its sketches
 * (a few tens of MB live); the limits make its garbage collector keep it near that (measured: about 55 MB
 * of RSS a thread, against 85 MB with 4 MB chunks), so six stay under 500 MB with the process's own. A part that needs more (very wide rows) runs out of memory, and the
 * file is read serially instead.
 */
const MAX_PARTS = 6;
const HEAP_LIMITS = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16 };

interface ParallelOptions {
  format: DataFormat;
  delimiter?: string;
  encoding?: 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';
}

/** How many parts: SEXTANT_PROFILE_PARTS when set (tests), else one per core, at most MAX_PARTS, each at least MIN_PART_BYTES. */
export function partCount(bytes: number): number {
  const forced = Number(process.env.SEXTANT_PROFILE_PARTS);
  if (Number.isInteger(forced) && forced > 0) return forced;
  return Math.min(availableParallelism(), MAX_PARTS, Math.floor(bytes / MIN_PART_BYTES));
}

/** The worker's script beside this file: the bundle's dist/profileWorker.js, or under tsx the .ts source (as train/worker.ts does). */
function startWorker(job: PartOptions): Worker | undefined {
  const ts = __filename.endsWith('.ts');
  const file = join(__dirname, ts ? 'profileWorker.ts' : 'profileWorker.js');
  if (!existsSync(file)) return undefined;
  return new Worker(file, { workerData: job, execArgv: ts ? ['--require', 'tsx/cjs'] : [], resourceLimits: HEAP_LIMITS });
}

function runWorker(job: PartOptions): Promise<PartResult> {
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

/** The header's columns and separator, from the first chunk of the file (undefined: no header there). */
async function readHeader(path: string, end: number, options: ParallelOptions): Promise<{ columns: string[]; delimiter: string } | undefined> {
  const parser = new CsvParser(path, options.delimiter ?? (options.format === 'tsv' ? '\t' : undefined), () => undefined);
  const text = byteChunks(path, options.encoding === 'latin1' || options.encoding === 'utf-8' ? options.encoding : undefined, { start: 0, end });
  try {
    for await (const chunk of text.chunks) {
      parser.push(chunk, false);
      break;
    }
  } catch {
    return undefined;
  } finally {
    await text.chunks.return(undefined);
  }
  return parser.columns && parser.delimiter !== undefined ? { columns: parser.columns, delimiter: parser.delimiter } : undefined;
}

export async function readInParts(path: string, bytes: number, options: ParallelOptions): Promise<{ summary: ReadSummary; profilers: ColumnProfiler[] } | undefined> {
  if (options.format !== 'csv' && options.format !== 'tsv') return undefined;
  if (options.encoding === 'utf-16le' || options.encoding === 'utf-16be') return undefined;
  const parts = partCount(bytes);
  if (parts < 2 || startsUtf16(path)) return undefined;
  const cuts = lineCuts(path, bytes, parts);
  if (cuts.length < 3) return undefined;
  const header = await readHeader(path, cuts[1]!, options);
  if (!header) return undefined;
  const forced = options.encoding === 'latin1' || options.encoding === 'utf-8' ? options.encoding : undefined;
  const jobs: PartOptions[] = cuts.slice(0, -1).map((start, k) => {
    const last = k + 2 === cuts.length;
    if (k > 0) return { file: path, start, end: cuts[k + 1]!, last, delimiter: header.delimiter, columns: header.columns, encoding: forced ?? 'utf-8' };
    return { file: path, start, end: cuts[1]!, last, ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : options.format === 'tsv' ? { delimiter: '\t' } : {}), ...(forced ? { encoding: forced } : {}) };
  });
  // Part 0 in this thread (one thread fewer to start and warm up), the others in worker threads.
  const results = await Promise.all(jobs.map((job, k) => (k === 0 ? profilePart(job) : runWorker(job))));
  const first = results[0]!;
  if (!first.ok || first.pending || first.columns.join('\u0000') !== header.columns.join('\u0000')) return undefined;
  // A parser that only gathers the parts' row problems, for their messages.
  const problems = new CsvParser(path, header.delimiter, () => undefined);
  problems.startAfterHeader(header.columns);
  const profilers = header.columns.map((name) => new ColumnProfiler(name));
  let offset = 0;
  let rows = 0;
  for (const r of results) {
    if (!r.ok || r.pending) return undefined;
    r.profiles.forEach((state, c) => profilers[c]!.absorb(state, offset));
    problems.absorbTallies(r.tallies, offset);
    rows += r.rows;
    offset += r.linesRead;
  }
  if (rows === 0) return undefined;
  return {
    summary: { file: path, format: options.format, encoding: first.encoding, delimiter: header.delimiter, position: 'line', bytes, rows, columns: header.columns, issues: [...first.headerIssues, ...problems.issues()] },
    profilers,
  };
}
