// A columnar CSV/TSV loader, shared by drift and the trainer: reads the file in 16 MB chunks, turns each
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
import { Growable, isMissing, MISSING, parseNumber, parseNumberText } from './columnBytes';

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
const QUOTE = 34;
const LF = 10;
const CR = 13;

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
  let buf = Buffer.alloc(Math.min(CHUNK, size) + 1024);
  let filled = 0;
  let position = 0;
  let eof = false;
  const fill = (): void => {
    if (filled === buf.length) {
      const grown = Buffer.alloc(buf.length * 2);
      buf.copy(grown, 0, 0, filled);
      buf = grown;
    }
    const n = source.read(buf, filled, buf.length - filled, position);
    position += n;
    filled += n;
    if (n === 0 || position >= size) eof = true;
  };
  fill();
  if (filled >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
    return fail({ code: `${p}-encoding`, file, line: 1, message: 'The file is UTF-16 (it starts with a UTF-16 byte-order mark); Sextant reads UTF-8.', fix: 'Save the file as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`).' });
  }
  let at = filled >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const headerEnd = buf.indexOf(LF, at);
  const headerText = buf.toString('utf8', at, headerEnd < 0 || headerEnd > filled ? filled : headerEnd).replace(/\r$/, '');
  const counts = { ',': 0, '\t': 0, ';': 0 } as Record<string, number>;
  for (const ch of headerText) if (ch in counts) counts[ch]!++;
  const guessed = file.endsWith('.tsv') || (counts['\t']! > counts[',']! && counts['\t']! >= counts[';']!) ? 9 : counts[';']! > counts[',']! ? 59 : 44;
  const sep = options.separator ? options.separator.charCodeAt(0) : guessed;

  let columns: string[] | undefined;
  let states: ColumnState[] = [];
  let ncol = 0;
  let line = 1;
  let rows = 0;
  const rowLines = new Growable(new Int32Array(1024));
  let spans = new Int32Array(64);
  let firstLineOfChunk = 1;
  const quotedText: (string | undefined)[] = [];

  const commitRow = (nf: number, rowLine: number): Result<void> | undefined => {
    if (nf === 1 && spans[0] === spans[1] && quotedText[0] === undefined) return undefined; // blank line
    if (!columns) {
      columns = [];
      for (let f = 0; f < nf; f++) columns.push((quotedText[f] ?? buf.toString('utf8', spans[2 * f]!, spans[2 * f + 1]!)).trim());
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
      const s = spans[2 * c]!;
      const e = spans[2 * c + 1]!;
      const text = quotedText[c];
      if (st.numeric) {
        // A number first (no missing-value word parses as one), so a numeric field is looked at once.
        const x = text !== undefined ? parseNumberText(text) : parseNumber(buf, s, e);
        if (!Number.isNaN(x)) {
          st.nonMissing++;
          st.numbers++;
          st.numeric.push(x);
          if (st.textDict) {
            st.textCodes!.push(text !== undefined ? st.textDict.code(buf, 0, 0, text) : st.textDict.code(buf, s, e));
            if (st.textDict.strings.length > keepTextLimit) st.textDict = st.textCodes = undefined;
          }
          continue;
        }
        if (text !== undefined ? MISSING.has(text.trim()) : isMissing(buf, s, e)) {
          st.numeric.push(NaN);
          st.textCodes?.push(-1);
          continue;
        }
        st.nonMissing++;
        st.firstNonNumber ??= { line: rowLine, value: text ?? buf.toString('utf8', s, e) };
        st.numeric = undefined; // read again as categories (see below)
        continue;
      }
      const missing = text !== undefined ? MISSING.has(text.trim()) : isMissing(buf, s, e);
      if (!missing) st.nonMissing++;
      if (!st.codes) {
        // Turned categorical: still count the numbers, for the share in the report.
        if (!missing && !Number.isNaN(text !== undefined ? parseNumberText(text) : parseNumber(buf, s, e))) st.numbers++;
        continue;
      }
      {
        if (missing) st.codes.push(-1);
        else st.codes.push(text !== undefined ? st.dict!.code(buf, 0, 0, text) : st.dict!.code(buf, s, e));
      }
    }
    rows++;
    rowLines.push(rowLine);
    return undefined;
  };

  const growSpans = (nf: number): void => {
    if (nf * 2 + 2 <= spans.length) return;
    const grown = new Int32Array(spans.length * 2);
    grown.set(spans);
    spans = grown;
  };
  for (;;) {
    // Parse as many complete rows as the buffer holds; keep a partial row for the next read.
    let rowStart = at;
    let rowLine = line;
    let nf = 0;
    let i = at;
    let needMore = false;
    quotedText.length = 0;
    for (;;) {
      if (i >= filled && nf === 0) {
        needMore = !eof;
        break;
      }
      growSpans(nf);
      const fieldStart = i;
      if (buf[i] === QUOTE) {
        let j = i + 1;
        let value = '';
        let closed = false;
        for (;;) {
          const q = buf.indexOf(QUOTE, j);
          if (q < 0 || q >= filled) break;
          value += buf.toString('utf8', j, q);
          if (q + 1 >= filled && !eof) break;
          if (buf[q + 1] === QUOTE) {
            value += '"';
            j = q + 2;
            continue;
          }
          j = q + 1;
          closed = true;
          break;
        }
        if (!closed) {
          if (eof) return fail({ code: `${p}-quote`, file, line: rowLine, message: 'A quoted field is never closed (missing ").', fix: 'Close the quote, or escape quotes inside a field as "".' });
          needMore = true;
          break;
        }
        for (let k = i; k < j; k++) if (buf[k] === LF) line++;
        quotedText[nf] = value;
        spans[2 * nf] = fieldStart;
        spans[2 * nf + 1] = j;
        nf++;
        i = j;
        if (i < filled && buf[i] !== sep && buf[i] !== LF && buf[i] !== CR) return fail({ code: `${p}-quote`, file, line, message: `Unexpected text after a closing quote: "${buf.toString('utf8', i, Math.min(i + 20, filled))}".`, fix: 'Escape quotes inside a quoted field as "".' });
      } else {
        let j = i;
        while (j < filled) {
          const ch = buf[j]!;
          if (ch === sep || ch === LF || ch === CR) break;
          j++;
        }
        if (j >= filled && !eof) {
          needMore = true;
          break;
        }
        spans[2 * nf] = fieldStart;
        spans[2 * nf + 1] = j;
        quotedText[nf] = undefined;
        nf++;
        i = j;
      }
      if (i < filled && buf[i] === sep) {
        i++;
        if (i < filled) continue;
        if (!eof) {
          needMore = true;
          break;
        }
        growSpans(nf);
        spans[2 * nf] = i;
        spans[2 * nf + 1] = i;
        quotedText[nf] = undefined;
        nf++;
      }
      // End of the row.
      if (i < filled && buf[i] === CR) {
        if (i + 1 >= filled && !eof) {
          needMore = true;
          break;
        }
        i++;
      }
      if (i < filled && buf[i] === LF) i++;
      const r = commitRow(nf, rowLine);
      if (r) return r as Result<never>;
      line++;
      rowStart = i;
      rowLine = line;
      nf = 0;
      quotedText.length = 0;
    }
    // The rows just read must be UTF-8 text (checked in bulk, then line by line to name the line).
    const nul = buf.indexOf(0, at);
    if (nul >= 0 && nul < rowStart) return fail({ code: `${p}-encoding`, file, line: firstNulLine(buf, at, nul, firstLineOfChunk), message: 'This line holds NUL bytes: the file is binary or UTF-16, not UTF-8 text.', fix: 'Save the file as UTF-8 CSV.' });
    if (!isUtf8(buf.subarray(at, rowStart))) return fail({ code: `${p}-encoding`, file, line: firstBadUtf8Line(buf, at, rowStart, firstLineOfChunk), message: 'This line is not valid UTF-8 (the file may be Latin-1 or Windows-1252).', fix: 'Save the file as UTF-8 (e.g. `iconv -f LATIN1 -t UTF-8`).' });
    if (!needMore) break;
    // Move the partial row to the front and read more.
    line = rowLine;
    firstLineOfChunk = rowLine;
    buf.copy(buf, 0, rowStart, filled);
    filled -= rowStart;
    at = 0;
    fill();
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
