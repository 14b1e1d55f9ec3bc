// A columnar CSV/TSV loader, shared by drift and the trainer: reads the file in 16 MB chunks through the
// one byte tokenizer (csvTokenizer.ts, as the profile's reader does), turns each
// column into a Float64Array (NaN where missing) while every value parses as a number, or into dictionary
// codes (Int32Array, -1 where missing) otherwise — no object or string per row. A column that starts
// numeric and meets a non-number is read again as categories, and the first such value is kept (file and
// line) for the caller to report. Missing: '', NA, N/A, NaN, nan, null, NULL, None. Each row keeps its
// 1-based source line. Errors name the file and line: ragged rows, an unclosed quote, text after a closing
// quote, an empty file, a file that is not UTF-8. Numbers and missing values are read from the bytes
// (columnBytes.ts), categories through a byte dictionary (byteDictionary.ts). A `keepText` column (the
// trainer's label) also keeps its text as codes while it has few distinct values ("1.0" stays "1.0").
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { fail, ok, type Result } from '../../result';
import { ByteDictionary } from './byteDictionary';
import { CsvTokenizer } from './csvTokenizer';
import { completeUtf8 } from './decode';
import { Growable, isMissing, parseNumber } from './columnBytes';

interface NumericColumn {
  kind: 'numeric';
  values: Float64Array;
  /** The text of each value as written (a `keepText` column with few distinct values): codes (-1 where missing) into `categories`. */
  texts?: { codes: Int32Array; categories: string[] };
}
export interface CategoricalColumn {
  kind: 'categorical';
  codes: Int32Array;
  /** The distinct values as written (untrimmed), by code, in order of first appearance. */
  categories: string[];
  /** The first value that is not a number, when the column was read as numbers first (not forced to categories). */
  firstNonNumber?: { line: number; value: string; numericShare: number };
}
export type Column = NumericColumn | CategoricalColumn;

export interface ColumnTable {
  file: string;
  columns: string[];
  rowCount: number;
  data: Column[];
  /** 1-based source line of each row (a row with a newline inside quotes starts on its first line). */
  lines: Int32Array;
}

export interface ColumnReadOptions {
  /** Columns read as categories whatever they hold. */
  categorical?: ReadonlySet<string>;
  /**
   * Numeric columns whose text is kept too, as dictionary codes, while they have at most `keepTextLimit`
   * distinct values (a class label written "1.0" keeps that name); past it only the numbers are kept.
   */
  keepText?: ReadonlySet<string>;
  /** 1000 by default. */
  keepTextLimit?: number;
  /** The separator; guessed when omitted (tab for .tsv, else whichever of , tab ; the header has most). */
  separator?: ',' | '\t' | ';';
  /** Prefix of the error codes: `drift` gives drift-ragged, drift-quote, …; `csv` by default. */
  codePrefix?: string;
}

/** Where the bytes come from: a file descriptor, or a buffer in memory. */
interface Source {
  size: number;
  read(buf: Buffer, offset: number, length: number, position: number): number;
}

const CHUNK = 16 << 20;
const MAX_CELLS = 150_000_000;
const LF = 10;

function firstNulLine(buf: Buffer, start: number, nul: number, firstLine: number): number {
  let line = firstLine;
  for (let i = start; i < nul; i++) if (buf[i] === LF) line++;
  return line;
}

function firstBadUtf8Line(buf: Buffer, start: number, end: number, firstLine: number): number {
  let line = firstLine;
  let s = start;
  while (s < end) {
    let nl = buf.indexOf(LF, s);
    if (nl < 0 || nl > end) nl = end;
    if (!isUtf8(buf.subarray(s, nl))) return line;
    line++;
    s = nl + 1;
  }
  return firstLine;
}

interface ColumnState {
  numeric: Growable<Float64Array> | undefined;
  codes: Growable<Int32Array> | undefined;
  dict: ByteDictionary | undefined;
  /** A keepText column's text while it is numeric and has few distinct values. */
  textCodes: Growable<Int32Array> | undefined;
  textDict: ByteDictionary | undefined;
  numbers: number;
  nonMissing: number;
  firstNonNumber?: { line: number; value: string };
}

/** Reads a CSV/TSV file into columns. */
export function readColumns(file: string, options: ColumnReadOptions = {}): Result<ColumnTable> {
  const p = options.codePrefix ?? 'csv';
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) return fail({ code: `${p}-input`, file, message: 'This is a folder: give a CSV or TSV file.' });
    size = st.size;
  } catch (err) {
    return fail({ code: `${p}-input`, file, message: `Cannot read the file: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}` });
  }
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    return fail({ code: `${p}-input`, file, message: `Cannot read the file: ${(err as Error).message}` });
  }
  try {
    return parse({ size, read: (buf, offset, length, position) => readSync(fd, buf, offset, length, position) }, file, options);
  } finally {
    closeSync(fd);
  }
}

/** Reads CSV/TSV text held in memory into columns; `file` names it in errors. */
export function parseColumns(content: string | Buffer, file: string, options: ColumnReadOptions = {}): Result<ColumnTable> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return parse({ size: bytes.length, read: (buf, offset, length, position) => bytes.copy(buf, offset, position, Math.min(bytes.length, position + length)) }, file, options);
}

function parse(source: Source, file: string, options: ColumnReadOptions): Result<ColumnTable> {
  const p = options.codePrefix ?? 'csv';
  const forced = options.categorical ?? new Set<string>();
  const keepText = options.keepText ?? new Set<string>();
  const keepTextLimit = options.keepTextLimit ?? 1000;
  const size = source.size;
  if (size === 0) return fail({ code: `${p}-empty`, file, line: 1, message: 'The file is empty: no header row.', fix: 'Give a CSV file with a header line and rows.' });
  let chunk = Buffer.alloc(Math.min(CHUNK, size));
  let position = source.read(chunk, 0, chunk.length, 0);
  chunk = chunk.subarray(0, position);
  if (position >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
    return fail({ code: `${p}-encoding`, file, line: 1, message: 'The file is UTF-16 (it starts with a UTF-16 byte-order mark); Sextant reads UTF-8.', fix: 'Save the file as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`).' });
  }
  if (position >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
  const headerEnd = chunk.indexOf(LF);
  const headerText = chunk.toString('utf8', 0, headerEnd < 0 ? chunk.length : headerEnd).replace(/\r$/, '');
  const counts = { ',': 0, '\t': 0, ';': 0 } as Record<string, number>;
  for (const ch of headerText) if (ch in counts) counts[ch]!++;
  const guessed = file.endsWith('.tsv') || (counts['\t']! > counts[',']! && counts['\t']! >= counts[';']!) ? 9 : counts[';']! > counts[',']! ? 59 : 44;
  const sep = options.separator ? options.separator.charCodeAt(0) : guessed;

  let columns: string[] | undefined;
  let states: ColumnState[] = [];
  let ncol = 0;
  let rows = 0;
  const rowLines = new Growable(new Int32Array(1024));

  const commitRow = (buf: Buffer, nf: number, starts: Int32Array, ends: Int32Array, rowLine: number): Result<never> | undefined => {
    if (!columns) {
      columns = [];
      for (let f = 0; f < nf; f++) columns.push(buf.toString('utf8', starts[f], ends[f]).trim());
      const seen = new Set<string>();
      for (let c = 0; c < columns.length; c++) {
        const name = columns[c]!;
        if (name === '') return fail({ code: `${p}-header`, file, line: rowLine, message: `The header has an empty column name (column ${c + 1}).` });
        if (seen.has(name)) return fail({ code: `${p}-header`, file, line: rowLine, message: `The header names column "${name}" twice.` });
        seen.add(name);
      }
      ncol = columns.length;
      states = columns.map((name) => {
        const f = forced.has(name);
        const t = !f && keepText.has(name);
        return { numeric: f ? undefined : new Growable(new Float64Array(1024)), codes: f ? new Growable(new Int32Array(1024)) : undefined, dict: f ? new ByteDictionary() : undefined, textCodes: t ? new Growable(new Int32Array(1024)) : undefined, textDict: t ? new ByteDictionary() : undefined, numbers: 0, nonMissing: 0 };
      });
      return undefined;
    }
    if (nf !== ncol) return fail({ code: `${p}-ragged`, file, line: rowLine, message: `Row has ${nf} field${nf === 1 ? '' : 's'}, but the header has ${ncol} (${columns.join(', ')}).`, fix: 'Quote fields that contain the separator, or fix the row.' });
    if ((rows + 1) * ncol > MAX_CELLS) return fail({ code: `${p}-too-large`, file, line: rowLine, message: `The file has over ${MAX_CELLS.toLocaleString('en')} values; every value is kept in memory (8 bytes each).`, fix: 'Use a sample of the rows (e.g. every 10th row), or fewer columns.' });
    for (let c = 0; c < ncol; c++) {
      const st = states[c]!;
      const s = starts[c]!;
      const e = ends[c]!;
      if (st.numeric) {
        // A number first (no missing-value word parses as one), so a numeric field is looked at once.
        const x = parseNumber(buf, s, e);
        if (!Number.isNaN(x)) {
          st.nonMissing++;
          st.numbers++;
          st.numeric.push(x);
          if (st.textDict) {
            st.textCodes!.push(st.textDict.code(buf, s, e));
            if (st.textDict.strings.length > keepTextLimit) st.textDict = st.textCodes = undefined;
          }
          continue;
        }
        if (isMissing(buf, s, e)) {
          st.numeric.push(NaN);
          st.textCodes?.push(-1);
          continue;
        }
        st.nonMissing++;
        st.firstNonNumber ??= { line: rowLine, value: buf.toString('utf8', s, e) };
        st.numeric = undefined; // read again as categories (see below)
        continue;
      }
      const missing = isMissing(buf, s, e);
      if (!missing) st.nonMissing++;
      if (!st.codes) {
        // Turned categorical: still count the numbers, for the share in the report.
        if (!missing && !Number.isNaN(parseNumber(buf, s, e))) st.numbers++;
        continue;
      }
      if (missing) st.codes.push(-1);
      else st.codes.push(st.dict!.code(buf, s, e));
    }
    rows++;
    rowLines.push(rowLine);
    return undefined;
  };

  let failed: Result<never> | undefined;
  const tokenizer = new CsvTokenizer(
    {
      row(buf, count, starts, ends, rowLine) {
        failed = commitRow(buf, count, starts, ends, rowLine);
        return failed !== undefined;
      },
      afterQuote(buf, at, line) {
        failed = fail({ code: `${p}-quote`, file, line, message: `Unexpected text after a closing quote: "${buf.toString('utf8', at, Math.min(at + 20, buf.length))}".`, fix: 'Escape quotes inside a quoted field as "".' });
        return true;
      },
    },
    sep,
  );
  // Chunks of whole UTF-8 characters, checked (NUL bytes, invalid UTF-8: the line named) before they are read.
  let line = 1;
  let cut: Buffer | undefined;
  for (;;) {
    const eof = position >= size;
    let data = cut ? Buffer.concat([cut, chunk]) : chunk;
    cut = undefined;
    const whole = eof ? data.length : completeUtf8(data);
    if (whole < data.length) {
      cut = Buffer.from(data.subarray(whole));
      data = data.subarray(0, whole);
    }
    const nul = data.indexOf(0);
    if (nul >= 0) return fail({ code: `${p}-encoding`, file, line: firstNulLine(data, 0, nul, line), message: 'This line holds NUL bytes: the file is binary or UTF-16, not UTF-8 text.', fix: 'Save the file as UTF-8 CSV.' });
    if (!isUtf8(data)) return fail({ code: `${p}-encoding`, file, line: firstBadUtf8Line(data, 0, data.length, line), message: 'This line is not valid UTF-8 (the file may be Latin-1 or Windows-1252).', fix: 'Save the file as UTF-8 (e.g. `iconv -f LATIN1 -t UTF-8`).' });
    for (let k = data.indexOf(LF); k !== -1; k = data.indexOf(LF, k + 1)) line++;
    const stop = tokenizer.push(data, eof);
    if (failed) return failed;
    if (stop && stop.kind !== 'stopped') return fail({ code: `${p}-quote`, file, line: stop.rowLine, message: 'A quoted field is never closed (missing ").', fix: 'Close the quote, or escape quotes inside a field as "".' });
    if (eof) break;
    chunk = Buffer.alloc(Math.min(CHUNK, size - position));
    const n = source.read(chunk, 0, chunk.length, position);
    position = n === 0 ? size : position + n;
    chunk = chunk.subarray(0, n);
  }
  if (!columns) return fail({ code: `${p}-empty`, file, line: 1, message: 'The file is empty: no header row.', fix: 'Give a CSV file with a header line and rows.' });
  const cols = columns as string[];
  const needCategories = cols.filter((name, c) => !states[c]!.numeric && !states[c]!.codes);
  if (needCategories.length > 0) {
    // Columns that turned out not to be numeric: read the file again for those, as categories.
    const again = parse(source, file, { ...options, categorical: new Set([...forced, ...needCategories]) });
    if (!again.ok) return again;
    for (const name of needCategories) {
      const c = cols.indexOf(name);
      const col = again.value.data[c] as CategoricalColumn;
      const st = states[c]!;
      if (st.firstNonNumber) col.firstNonNumber = { ...st.firstNonNumber, numericShare: st.numbers / Math.max(1, st.nonMissing) };
    }
    return again;
  }
  const data: Column[] = states.map((st) => {
    if (!st.numeric) return { kind: 'categorical', codes: st.codes!.done(), categories: st.dict!.strings };
    return { kind: 'numeric', values: st.numeric.done(), ...(st.textDict ? { texts: { codes: st.textCodes!.done(), categories: st.textDict.strings } } : {}) };
  });
  return ok({ file, columns: cols, rowCount: rows, data, lines: rowLines.done() });
}
