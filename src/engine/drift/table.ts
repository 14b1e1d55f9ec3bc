// A columnar CSV/TSV loader for drift: reads the file in 16 MB chunks, turns each column into a
// Float64Array (NaN where missing) while every value parses as a number, or into dictionary codes
// (Int32Array, -1 where missing) otherwise — no object or string per row. A column that starts numeric
// and meets a non-number is read again as categories, and the first such value is kept (file and line)
// for the report. Missing: '', NA, N/A, NaN, nan, null, NULL, None (as the trainer's CSV reader).
// Errors name the file and line: ragged rows, an unclosed quote, an empty file, a file that is not UTF-8.
// Kept inside src/engine/drift/ on purpose: it can be swapped for the shared data reader later.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { fail, ok, type Result } from '../result';

interface NumericColumn {
  kind: 'numeric';
  values: Float64Array;
}
interface CategoricalColumn {
  kind: 'categorical';
  codes: Int32Array;
  categories: string[];
  /** The first value that is not a number, when most of the column is numbers (a likely data error). */
  firstNonNumber?: { line: number; value: string; numericShare: number };
}
export type Column = NumericColumn | CategoricalColumn;

export interface ColumnTable {
  file: string;
  columns: string[];
  rowCount: number;
  data: Column[];
}

const CHUNK = 16 << 20;
const MAX_CELLS = 150_000_000;
const QUOTE = 34;
const LF = 10;
const CR = 13;
const SPACE = 32;
const MISSING = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None']);
const MISSING_BYTES = [...MISSING].filter((m) => m !== '').map((m) => Buffer.from(m, 'latin1'));
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Parses a decimal number from bytes exactly as Number()/Python float() round it; NaN when not a number. */
function parseNumber(buf: Buffer, s: number, e: number): number {
  while (s < e && buf[s] === SPACE) s++;
  while (e > s && buf[e - 1] === SPACE) e--;
  if (s === e) return NaN;
  let i = s;
  let neg = false;
  if (buf[i] === 45 || buf[i] === 43) {
    neg = buf[i] === 45;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let fracDigits = 0;
  let any = false;
  while (i < e && buf[i]! >= 48 && buf[i]! <= 57) {
    if (digits > 0 || buf[i] !== 48) digits++;
    mant = mant * 10 + (buf[i]! - 48);
    i++;
    any = true;
  }
  if (i < e && buf[i] === 46) {
    i++;
    while (i < e && buf[i]! >= 48 && buf[i]! <= 57) {
      if (digits > 0 || buf[i] !== 48) digits++;
      mant = mant * 10 + (buf[i]! - 48);
      fracDigits++;
      i++;
      any = true;
    }
  }
  if (!any) return NaN;
  let exp = 0;
  if (i < e && (buf[i] === 101 || buf[i] === 69)) {
    i++;
    let expNeg = false;
    if (i < e && (buf[i] === 45 || buf[i] === 43)) {
      expNeg = buf[i] === 45;
      i++;
    }
    if (i === e) return NaN;
    while (i < e && buf[i]! >= 48 && buf[i]! <= 57) {
      exp = exp * 10 + (buf[i]! - 48);
      if (exp > 100000) exp = 100000;
      i++;
    }
    if (expNeg) exp = -exp;
  }
  if (i !== e) return NaN;
  const k = exp - fracDigits;
  let x: number;
  if (digits <= 15 && k >= -22 && k <= 22) x = k < 0 ? mant / POW10[-k]! : mant * POW10[k]!;
  else x = Number(buf.toString('latin1', s, e));
  if (!Number.isFinite(x)) return NaN;
  return neg ? -x : x;
}

/** Dictionary of byte strings → codes, keyed by a hash of the bytes, compared byte by byte. */
class ByteDictionary {
  private slots = new Int32Array(1024).fill(-1);
  private hashes: number[] = [];
  private arena = Buffer.alloc(1 << 16);
  private arenaUsed = 0;
  private starts: number[] = [];
  private lengths: number[] = [];
  readonly strings: string[] = [];

  code(buf: Buffer, s: number, e: number, text?: string): number {
    if (text !== undefined) {
      const b = Buffer.from(text, 'utf8');
      return this.code(b, 0, b.length);
    }
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 16777619);
    const mask = this.slots.length - 1;
    let slot = h & mask;
    const len = e - s;
    for (;;) {
      const c = this.slots[slot]!;
      if (c < 0) break;
      if (this.hashes[c] === h && this.lengths[c] === len) {
        const st = this.starts[c]!;
        let same = true;
        for (let i = 0; i < len; i++) {
          if (this.arena[st + i] !== buf[s + i]) {
            same = false;
            break;
          }
        }
        if (same) return c;
      }
      slot = (slot + 1) & mask;
    }
    const code = this.strings.length;
    if (this.arenaUsed + len > this.arena.length) {
      const grown = Buffer.alloc(Math.max(this.arena.length * 2, this.arenaUsed + len));
      this.arena.copy(grown, 0, 0, this.arenaUsed);
      this.arena = grown;
    }
    buf.copy(this.arena, this.arenaUsed, s, e);
    this.starts.push(this.arenaUsed);
    this.lengths.push(len);
    this.hashes.push(h);
    this.arenaUsed += len;
    this.strings.push(buf.toString('utf8', s, e));
    this.slots[slot] = code;
    if (this.strings.length * 2 > this.slots.length) this.rehash();
    return code;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let c = 0; c < this.hashes.length; c++) {
      let slot = this.hashes[c]! & mask;
      while (slots[slot]! >= 0) slot = (slot + 1) & mask;
      slots[slot] = c;
    }
    this.slots = slots;
  }
}

class Growable<T extends Float64Array | Int32Array> {
  length = 0;
  constructor(public data: T) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new (this.data.constructor as new (n: number) => T)(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
  done(): T {
    return this.data.slice(0, this.length) as T;
  }
}

/** '', NA, N/A, NaN, nan, null, NULL, None (spaces around ignored), compared as bytes: no string per field. */
function isMissing(buf: Buffer, s: number, e: number): boolean {
  while (s < e && buf[s] === SPACE) s++;
  while (e > s && buf[e - 1] === SPACE) e--;
  const len = e - s;
  if (len === 0) return true;
  if (len > 4) return false;
  const c0 = buf[s]!;
  if (c0 !== 78 && c0 !== 110) return false; // 'N' or 'n'
  for (const word of MISSING_BYTES) {
    if (word.length !== len) continue;
    let same = true;
    for (let i = 0; i < len; i++) {
      if (buf[s + i] !== word[i]) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  return false;
}

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
  numbers: number;
  nonMissing: number;
  firstNonNumber?: { line: number; value: string };
}

/** Reads a CSV/TSV file into columns; `categorical` forces those columns to categories. */
export function readColumns(file: string, categorical: ReadonlySet<string> = new Set()): Result<ColumnTable> {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) return fail({ code: 'drift-input', file, message: 'This is a folder: give a CSV or TSV file.' });
    size = st.size;
  } catch (err) {
    return fail({ code: 'drift-input', file, message: `Cannot read the file: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}` });
  }
  if (size === 0) return fail({ code: 'drift-empty', file, line: 1, message: 'The file is empty: no header row.', fix: 'Give a CSV file with a header line and rows.' });
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    return fail({ code: 'drift-input', file, message: `Cannot read the file: ${(err as Error).message}` });
  }
  try {
    return parse(fd, file, size, categorical);
  } finally {
    closeSync(fd);
  }
}

function parse(fd: number, file: string, size: number, forced: ReadonlySet<string>): Result<ColumnTable> {
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
    const n = readSync(fd, buf, filled, buf.length - filled, position);
    position += n;
    filled += n;
    if (n === 0 || position >= size) eof = true;
  };
  fill();
  if (filled >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
    return fail({ code: 'drift-encoding', file, line: 1, message: 'The file is UTF-16 (it starts with a UTF-16 byte-order mark); drift reads UTF-8.', fix: 'Save the file as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`).' });
  }
  let at = filled >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const headerEnd = buf.indexOf(LF, at);
  const headerText = buf.toString('utf8', at, headerEnd < 0 || headerEnd > filled ? filled : headerEnd).replace(/\r$/, '');
  const counts = { ',': 0, '\t': 0, ';': 0 } as Record<string, number>;
  for (const ch of headerText) if (ch in counts) counts[ch]!++;
  const sep = file.endsWith('.tsv') || (counts['\t']! > counts[',']! && counts['\t']! >= counts[';']!) ? 9 : counts[';']! > counts[',']! ? 59 : 44;

  let columns: string[] | undefined;
  let states: ColumnState[] = [];
  let ncol = 0;
  let line = 1;
  let rows = 0;
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
        if (name === '') return fail({ code: 'drift-header', file, line: rowLine, message: `The header has an empty column name (column ${c + 1}).` });
        if (seen.has(name)) return fail({ code: 'drift-header', file, line: rowLine, message: `The header names column "${name}" twice.` });
        seen.add(name);
      }
      ncol = columns.length;
      states = columns.map((name) => ({ numeric: forced.has(name) ? undefined : new Growable(new Float64Array(1024)), codes: forced.has(name) ? new Growable(new Int32Array(1024)) : undefined, dict: forced.has(name) ? new ByteDictionary() : undefined, numbers: 0, nonMissing: 0 }));
      return undefined;
    }
    if (nf !== ncol) return fail({ code: 'drift-ragged', file, line: rowLine, message: `Row has ${nf} field${nf === 1 ? '' : 's'}, but the header has ${ncol} (${columns.join(', ')}).`, fix: 'Quote fields that contain the separator, or fix the row.' });
    if ((rows + 1) * ncol > MAX_CELLS) return fail({ code: 'drift-too-large', file, line: rowLine, message: `The file has over ${MAX_CELLS.toLocaleString('en')} values; drift keeps every value in memory (8 bytes each).`, fix: 'Compare a sample of the rows (e.g. every 10th row), or fewer columns.' });
    for (let c = 0; c < ncol; c++) {
      const st = states[c]!;
      const s = spans[2 * c]!;
      const e = spans[2 * c + 1]!;
      const text = quotedText[c];
      const missing = text !== undefined ? MISSING.has(text.trim()) : isMissing(buf, s, e);
      if (!missing) st.nonMissing++;
      if (st.numeric) {
        if (missing) {
          st.numeric.push(NaN);
          continue;
        }
        const x = text !== undefined ? (/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(text) ? Number(text) : NaN) : parseNumber(buf, s, e);
        if (!Number.isNaN(x)) {
          st.numbers++;
          st.numeric.push(x);
          continue;
        }
        st.firstNonNumber ??= { line: rowLine, value: text ?? buf.toString('utf8', s, e) };
        st.numeric = undefined; // read again as categories (see below)
        continue;
      }
      if (!st.codes) {
        // Turned categorical: still count the numbers, for the share in the report.
        if (!missing && !Number.isNaN(text !== undefined ? Number(text) : parseNumber(buf, s, e))) st.numbers++;
        continue;
      }
      {
        if (missing) st.codes.push(-1);
        else st.codes.push(text !== undefined ? st.dict!.code(buf, 0, 0, text) : st.dict!.code(buf, s, e));
      }
    }
    rows++;
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
          if (eof) return fail({ code: 'drift-quote', file, line: rowLine, message: 'A quoted field is never closed (missing ").', fix: 'Close the quote, or escape quotes inside a field as "".' });
          needMore = true;
          break;
        }
        for (let k = i; k < j; k++) if (buf[k] === LF) line++;
        quotedText[nf] = value;
        spans[2 * nf] = fieldStart;
        spans[2 * nf + 1] = j;
        nf++;
        i = j;
        if (i < filled && buf[i] !== sep && buf[i] !== LF && buf[i] !== CR) return fail({ code: 'drift-quote', file, line, message: `Unexpected text after a closing quote: "${buf.toString('utf8', i, Math.min(i + 20, filled))}".`, fix: 'Escape quotes inside a quoted field as "".' });
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
    if (nul >= 0 && nul < rowStart) return fail({ code: 'drift-encoding', file, line: firstNulLine(buf, at, nul, firstLineOfChunk), message: 'This line holds NUL bytes: the file is binary or UTF-16, not UTF-8 text.', fix: 'Save the file as UTF-8 CSV.' });
    if (!isUtf8(buf.subarray(at, rowStart))) return fail({ code: 'drift-encoding', file, line: firstBadUtf8Line(buf, at, rowStart, firstLineOfChunk), message: 'This line is not valid UTF-8 (the file may be Latin-1 or Windows-1252).', fix: 'Save the file as UTF-8 (e.g. `iconv -f LATIN1 -t UTF-8`).' });
    if (!needMore) break;
    // Move the partial row to the front and read more.
    line = rowLine;
    firstLineOfChunk = rowLine;
    buf.copy(buf, 0, rowStart, filled);
    filled -= rowStart;
    at = 0;
    fill();
  }
  if (!columns) return fail({ code: 'drift-empty', file, line: 1, message: 'The file is empty: no header row.', fix: 'Give a CSV file with a header line and rows.' });
  const cols = columns as string[];
  const needCategories = cols.filter((name, c) => !states[c]!.numeric && !states[c]!.codes);
  if (needCategories.length > 0) {
    // Columns that turned out not to be numeric: read the file again for those, as categories.
    const again = readColumns(file, new Set([...forced, ...needCategories]));
    if (!again.ok) return again;
    for (const name of needCategories) {
      const c = cols.indexOf(name);
      const col = again.value.data[c] as CategoricalColumn;
      const st = states[c]!;
      if (st.firstNonNumber) col.firstNonNumber = { ...st.firstNonNumber, numericShare: st.numbers / Math.max(1, st.nonMissing) };
    }
    return again;
  }
  const data: Column[] = states.map((st) => (st.numeric ? { kind: 'numeric', values: st.numeric.done() } : { kind: 'categorical', codes: st.codes!.done(), categories: st.dict!.strings }));
  return ok({ file, columns: cols, rowCount: rows, data });
}
