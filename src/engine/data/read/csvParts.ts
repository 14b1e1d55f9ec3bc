// A CSV/TSV file in parts, for reading them in parallel (profiles: ../profile/parallel.ts): cut points
// just after a `\n`, and a streamed read of one part by the one CSV parser. A cut may fall inside a
// quoted field that holds a newline: the part before it then ends with a row not closed (`pending`),
// and the caller reads the file serially instead. Parts are read in order of the file by induction:
// part 0 starts where the file does, and each part that ends with no pending row leaves the next one
// at a row start, exactly as the serial read would be.
import { closeSync, openSync, readSync } from 'node:fs';
import type { ColumnBatch, Encoding } from './batch';
import { CsvParser } from './csv';
import { byteChunks } from './decode';
import type { TypedBatch } from './typedBatch';

const LOOK_BYTES = 1 << 20;

/** Offsets [0, …, size] cutting the file into about `parts` ranges, each cut just after a `\n` (none found within 1 MB: no cut there). */
export function lineCuts(path: string, size: number, parts: number): number[] {
  const cuts = [0];
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(LOOK_BYTES);
    for (let k = 1; k < parts; k++) {
      const target = Math.max(Math.floor((size * k) / parts), cuts[cuts.length - 1]!);
      const read = readSync(fd, buf, 0, LOOK_BYTES, target);
      const nl = buf.subarray(0, read).indexOf(10);
      if (nl < 0) continue;
      const cut = target + nl + 1;
      if (cut > cuts[cuts.length - 1]! && cut < size) cuts.push(cut);
    }
  } finally {
    closeSync(fd);
  }
  cuts.push(size);
  return cuts;
}

/** One part of a CSV/TSV file to read (a parallel profile's job, ../profile/profilePart.ts). */
export interface PartOptions {
  file: string;
  start: number;
  end: number;
  /** The last part: a row without a final newline is a row. */
  last: boolean;
  delimiter?: string;
  /** For a part after the first: the header's columns. */
  columns?: string[];
  /** Given: no detection (a part after the first has no byte-order mark to detect from). */
  encoding?: 'utf-8' | 'latin1';
}

/** Reads one part; its rows' lines count from 1 at the part's start (the first part: the file's lines). */
export async function scanCsvPart(options: PartOptions, emit: (batch: ColumnBatch) => void, typed?: (batch: TypedBatch) => void): Promise<{ parser: CsvParser; encoding: Encoding; pending: boolean }> {
  const parser = new CsvParser(options.file, options.delimiter, emit, typed);
  if (options.columns) parser.startAfterHeader(options.columns);
  const text = byteChunks(options.file, options.encoding, { start: options.start, end: options.end });
  for await (const chunk of text.chunks) parser.push(chunk, false);
  const pending = !options.last && parser.pending;
  if (!pending) parser.push(Buffer.alloc(0), true);
  return { parser, encoding: text.encoding, pending };
}
