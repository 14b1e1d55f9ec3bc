// Byte-level pieces of the columnar CSV loader (columnTable.ts): a decimal number parsed straight from
// the bytes of a field, the missing-value words compared as bytes, and a growable typed array. No string
// is made per field.

/** Missing values: '', NA, N/A, NaN, nan, null, NULL, None (whitespace around them ignored). */
export const MISSING = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None']);
const MISSING_BYTES = [...MISSING].filter((m) => m !== '').map((m) => Buffer.from(m, 'latin1'));
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const SPACE = 32;
const TAB = 9;
/** A decimal number (as Python's float() and the byte parser read it): no hex, no Infinity, no `_`. */
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

const blank = (b: number | undefined): boolean => b === SPACE || b === TAB;

/** Parses a decimal number from bytes exactly as Number()/Python float() round it; NaN when not a finite number. */
export function parseNumber(buf: Buffer, s: number, e: number): number {
  while (s < e && blank(buf[s])) s++;
  while (e > s && blank(buf[e - 1])) e--;
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
  if (digits <= 15 && k >= -22 && k <= 22) {
    const x = k < 0 ? mant / POW10[-k]! : mant * POW10[k]!;
    return neg ? -x : x;
  }
  // Too many digits or too large an exponent for one exact division: Number() rounds (the sign is in the text).
  const x = Number(buf.toString('latin1', s, e));
  return Number.isFinite(x) ? x : NaN;
}

/** The same rule as parseNumber for a string (a quoted field, a category): NaN when not a finite decimal number. */
export function parseNumberText(text: string): number {
  if (!DECIMAL.test(text)) return NaN;
  const x = Number(text);
  return Number.isFinite(x) ? x : NaN;
}

/** Missing-value words compared as bytes (spaces and tabs around them ignored): no string per field. */
export function isMissing(buf: Buffer, s: number, e: number): boolean {
  while (s < e && blank(buf[s])) s++;
  while (e > s && blank(buf[e - 1])) e--;
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

/** A typed array that doubles as values are pushed. */
export class Growable<T extends Float64Array | Int32Array> {
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
  /** The values: a view when at least 3/4 of the array is used (no copy at the peak), else a tight copy. */
  done(): T {
    return (this.length * 4 >= this.data.length * 3 ? this.data.subarray(0, this.length) : this.data.slice(0, this.length)) as T;
  }
}
