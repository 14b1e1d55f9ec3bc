// The one way to read a dataset file: streams it (CSV, TSV, JSON Lines or Parquet) in column-oriented
// batches to a callback and returns a summary with every problem found, by line. A file that cannot be
// read at all (missing, a folder, not the encoding it claims, a quote never closed) is a failed Result.
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { fail, ok, type Result } from '../../result';
import type { ColumnBatch, DataFormat, ReadIssue, ReadSummary } from './batch';
import { CsvParser } from './csv';
import { byteChunks, DataReadError, textChunks } from './decode';
import { JsonLinesParser } from './jsonl';
import { scanParquet } from './parquet';
import type { TypedBatch } from './typedBatch';

export interface ScanOptions {
  /** Default: from the extension (.csv, .tsv, .jsonl/.ndjson, .parquet). */
  format?: DataFormat;
  /** CSV field separator; default: guessed from the header line (`\t` for TSV). */
  delimiter?: string;
  /** Text encoding; default: from the byte-order mark, else UTF-8. */
  encoding?: 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';
  /** Applied to every batch before the callback sees it, e.g. the personal-data rules (pii/transform.ts). */
  transform?: (batch: ColumnBatch) => ColumnBatch;
  /**
   * CSV and TSV only: typed batches (./typedBatch.ts: numbers parsed, text left in the chunk, no string per
   * cell) to this callback instead of `onBatch`; the profile's fast path. Other formats still go to `onBatch`.
   */
  typed?: (batch: TypedBatch) => void;
}

const EXTENSIONS: Record<string, DataFormat> = { '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.parquet': 'parquet', '.pq': 'parquet' };

const EMPTY = Buffer.alloc(0);

export function formatOf(path: string): DataFormat | undefined {
  return EXTENSIONS[extname(path).toLowerCase()];
}

export async function scanDataFile(path: string, onBatch: (batch: ColumnBatch) => void, options: ScanOptions = {}): Promise<Result<ReadSummary>> {
  let bytes: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return fail({ code: 'data-is-folder', file: path, message: 'This is a folder: give a data file (CSV, TSV, JSON Lines or Parquet).' });
    bytes = stat.size;
  } catch (err) {
    return fail({ code: 'data-missing', file: path, message: `Cannot read the data file: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (err as Error).message}.` });
  }
  const format = options.format ?? formatOf(path);
  if (!format) return fail({ code: 'data-format', file: path, message: `Unknown data format "${extname(path) || '(no extension)'}": Sextant reads .csv, .tsv, .jsonl (.ndjson) and .parquet.`, fix: 'Rename the file, or give the format (`format:` in the pipeline, `--format` on the command line).' });
  const emit = options.transform ? (b: ColumnBatch) => onBatch(options.transform!(b)) : onBatch;
  const summary = (over: Pick<ReadSummary, 'encoding' | 'delimiter' | 'position' | 'rows' | 'columns' | 'issues'>): ReadSummary => {
    const issues: ReadIssue[] = [...over.issues];
    if (bytes === 0) issues.unshift({ code: 'empty-file', message: 'The file is empty: no header and no rows.', count: 1, lines: [] });
    else if (over.rows === 0) issues.unshift({ code: 'no-rows', message: over.columns.length ? 'The file has a header but no rows.' : 'The file holds no rows (only blank lines).', count: 1, lines: [] });
    return { file: path, format, bytes, ...over, issues };
  };
  try {
    if (format === 'parquet') {
      if (bytes === 0) return ok(summary({ encoding: 'binary', delimiter: null, position: 'row', rows: 0, columns: [], issues: [] }));
      const read = await scanParquet(path, emit);
      return ok(summary({ encoding: 'binary', delimiter: null, position: 'row', ...read }));
    }
    if (format === 'jsonl') {
      const text = textChunks(path, options.encoding);
      const parser = new JsonLinesParser(path, emit);
      for await (const chunk of text.chunks) parser.push(chunk, false);
      parser.push('', true);
      return ok(summary({ encoding: text.encoding, delimiter: null, position: 'line', rows: parser.rows, columns: parser.columns, issues: parser.issues() }));
    }
    const text = byteChunks(path, options.encoding);
    const parser = new CsvParser(path, options.delimiter ?? (format === 'tsv' ? '\t' : undefined), emit, options.typed);
    for await (const chunk of text.chunks) parser.push(chunk, false);
    parser.push(EMPTY, true);
    return ok(summary({ encoding: text.encoding, delimiter: parser.delimiter ?? null, position: 'line', rows: parser.rows, columns: parser.columns ?? [], issues: parser.issues() }));
  } catch (err) {
    if (err instanceof DataReadError) return fail(err.error);
    return fail({ code: 'data-unreadable', file: path, message: `Cannot read the data file: ${(err as Error).message}` });
  }
}
