// The CSV reader's typed batches, for the profile's hot path: no string is made per cell. Each cell is a
// code (missing, integer, float, or text) with, for numbers, the value parsed straight from the
// bytes of the chunk into a Float64Array, and its place in the chunk (start, end; a quoted field is
// unescaped in place by the tokenizer). The consumer (profile/column.ts) classifies text cells (booleans,
// dates, strings) and makes a string only where it keeps one (a distinct value, an example). A batch and
// its arrays are reused: they hold only during the callback.

/** Cell codes; INTEGER and FLOAT equal the profile's kinds (profile/classify.ts). */
export const CELL_INTEGER = 0;
export const CELL_FLOAT = 1;
/** Text to classify: buf[start, end). */
export const CELL_TEXT = 6;
export const CELL_MISSING = 7;

export interface TypedColumn {
  code: Uint8Array;
  num: Float64Array;
  start: Int32Array;
  end: Int32Array;
}

export interface TypedBatch {
  columns: string[];
  rows: number;
  /** The 1-based line of each row. */
  lines: Float64Array;
  /** The chunk (UTF-8) the cells' positions point into. */
  buf: Buffer;
  cols: TypedColumn[];
}

export function typedColumn(size: number): TypedColumn {
  return { code: new Uint8Array(size), num: new Float64Array(size), start: new Int32Array(size), end: new Int32Array(size) };
}

/** Exact powers of ten (10^22 is the largest a double holds exactly). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const TWO53 = 2 ** 53;

/** Set by decimalAt: whether the number had a `.`, `e` or `E` (a float for the profile). */
export const decimal = { float: false };

/**
 * The number text[s, e) is, when it is a plain decimal (`-12`, `3.25`, `.5`, `1.`, `1e-3`, `+7`) whose
 * digits fit 2^53 and whose power of ten is at most 22 either way: then m·10^k (or m/10^k) is one
 * correctly rounded operation on exact doubles, so the value equals Number(text) (Clinger's fast path).
 * NaN otherwise (spaces, hex, too many digits, not a number): the caller falls back to the text.
 */
export function decimalAt(text: string, s: number, e: number): number {
  let i = s;
  let c = text.charCodeAt(i);
  let neg = false;
  if (c === 45 || c === 43) {
    neg = c === 45;
    c = text.charCodeAt(++i);
  }
  let m = 0;
  let digits = 0;
  while (i < e && c >= 48 && c <= 57) {
    m = m * 10 + (c - 48);
    digits++;
    c = text.charCodeAt(++i);
  }
  let frac = 0;
  let float = false;
  if (i < e && c === 46) {
    float = true;
    c = text.charCodeAt(++i);
    while (i < e && c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      frac++;
      c = text.charCodeAt(++i);
    }
  }
  if (digits === 0 || m > TWO53) return NaN;
  let exp = 0;
  if (i < e && (c === 101 || c === 69)) {
    float = true;
    c = text.charCodeAt(++i);
    let expNeg = false;
    if (i < e && (c === 45 || c === 43)) {
      expNeg = c === 45;
      c = text.charCodeAt(++i);
    }
    let expDigits = 0;
    while (i < e && c >= 48 && c <= 57 && expDigits < 6) {
      exp = exp * 10 + (c - 48);
      expDigits++;
      c = text.charCodeAt(++i);
    }
    if (expDigits === 0) return NaN;
    if (expNeg) exp = -exp;
  }
  if (i !== e) return NaN;
  const k = exp - frac;
  let x: number;
  if (k === 0) x = m;
  else if (k > 0 && k <= 22) x = m * POW10[k]!;
  else if (k < 0 && k >= -22) x = m / POW10[-k]!;
  else return NaN;
  decimal.float = float;
  return neg ? -x : x;
}

/**
 * decimalAt on the bytes buf[s, e) (the same rule and the same value), written to out[at]: returns
 * CELL_INTEGER or CELL_FLOAT, or -1 when it declines. The value goes into the array, not back as a
 * double, which V8 would box in a fresh heap number per cell.
 */
export function decimalBytes(buf: Buffer, s: number, e: number, out: Float64Array, at: number): number {
  let i = s;
  let c = buf[i]!;
  let neg = false;
  if (c === 45 || c === 43) {
    neg = c === 45;
    c = ++i < e ? buf[i]! : -1;
  }
  let m = 0;
  let digits = 0;
  while (i < e && c >= 48 && c <= 57) {
    m = m * 10 + (c - 48);
    digits++;
    c = ++i < e ? buf[i]! : -1;
  }
  let frac = 0;
  let float = false;
  if (i < e && c === 46) {
    float = true;
    c = ++i < e ? buf[i]! : -1;
    while (i < e && c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      frac++;
      c = ++i < e ? buf[i]! : -1;
    }
  }
  if (digits === 0 || m > TWO53) return -1;
  let exp = 0;
  if (i < e && (c === 101 || c === 69)) {
    float = true;
    c = ++i < e ? buf[i]! : -1;
    let expNeg = false;
    if (i < e && (c === 45 || c === 43)) {
      expNeg = c === 45;
      c = ++i < e ? buf[i]! : -1;
    }
    let expDigits = 0;
    while (i < e && c >= 48 && c <= 57 && expDigits < 6) {
      exp = exp * 10 + (c - 48);
      expDigits++;
      c = ++i < e ? buf[i]! : -1;
    }
    if (expDigits === 0) return -1;
    if (expNeg) exp = -exp;
  }
  if (i !== e) return -1;
  const k = exp - frac;
  let x: number;
  if (k === 0) x = m;
  else if (k > 0 && k <= 22) x = m * POW10[k]!;
  else if (k < 0 && k >= -22) x = m / POW10[-k]!;
  else return -1;
  out[at] = neg ? -x : x;
  return float ? CELL_FLOAT : CELL_INTEGER;
}
