// What kind of value one cell holds. CSV cells are text: "12" is an integer, "1.5" and "1e3" floats,
// "true"/"false" (any case) booleans, ISO 8601 dates and date-times ("2024-05-01", "2024-05-01T10:00:00Z",
// with an offset or not) datetimes; anything else is a string. Text with spaces around it is trimmed
// first; "Infinity" and "0x1F" are strings. JSON Lines and Parquet numbers and booleans keep their type.
import type { Cell } from '../read/batch';
import { decimal, decimalAt } from '../read/typedBatch';

export const KIND_NAMES = ['integer', 'float', 'boolean', 'datetime', 'string'] as const;
type CellKind = 0 | 1 | 2 | 3 | 4;
export const INTEGER = 0;
export const FLOAT = 1;
export const BOOLEAN = 2;
export const DATETIME = 3;
export const STRING = 4;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

/** Two digits at buf[i], or NaN. */
function two(buf: Buffer, i: number): number {
  const a = buf[i]! - 48;
  const b = buf[i + 1]! - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

/**
 * Whether buf[b, e) has one of the common shapes (YYYY-MM-DD, then THH:MM[:SS[.fff]] and Z), read without a
 * regular expression: its epoch milliseconds go to parsed.ms (not returned: V8 would box the double per cell).
 */
function fastIsoMs(buf: Buffer, b: number, e: number): boolean {
  const n = e - b;
  if (n < 10 || buf[b + 4] !== 45 || buf[b + 7] !== 45) return false;
  const y = two(buf, b) * 100 + two(buf, b + 2);
  const mo = two(buf, b + 5);
  const d = two(buf, b + 8);
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= 31)) return false;
  let ms = daysFromCivil(y, mo, d) * 86_400_000;
  if (n === 10) {
    parsed.ms = ms;
    return true;
  }
  const t = buf[b + 10];
  if ((t !== 84 && t !== 32) || n < 16 || buf[b + 13] !== 58) return false;
  const h = two(buf, b + 11);
  const mi = two(buf, b + 14);
  if (!(h <= 23 && mi <= 59)) return false;
  ms += (h * 60 + mi) * 60_000;
  let i = b + 16;
  if (i < e && buf[i] === 58) {
    if (n < 19) return false;
    const sec = two(buf, b + 17);
    if (!(sec <= 60)) return false;
    ms += sec * 1000;
    i = b + 19;
    if (i < e && buf[i] === 46) {
      let scale = 100;
      for (i++; i < e; i++) {
        const dgt = buf[i]! - 48;
        if (dgt < 0 || dgt > 9) break;
        ms += dgt * scale;
        scale /= 10;
      }
    }
  }
  if (i !== e && (i !== e - 1 || buf[i] !== 90)) return false;
  parsed.ms = ms;
  return true;
}

/** Where isoMs puts a string's bytes for fastIsoMs (no allocation; longer strings take the regular expression). */
const scratch = Buffer.alloc(128);

/** Epoch milliseconds of an ISO 8601 date or date-time (UTC when it has no offset); NaN when not one. */
function isoMs(text: string): number {
  if (text.length * 3 <= scratch.length) {
    // UTF-8: a character outside ASCII is bytes >= 0x80, never a digit or a separator the fast path takes.
    if (fastIsoMs(scratch, 0, scratch.write(text, 0, 'utf8'))) return parsed.ms;
  }
  const m = DATE_RE.exec(text);
  if (!m) return NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return NaN;
  let ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), frac ? Math.round(Number(frac) * 1000) : 0);
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}

/** The last parsed number (classifyText sets it for integers and floats), so callers parse once. */
export const parsed = { number: 0, ms: 0 };

function classifyText(s: string): CellKind {
  const c0 = s.charCodeAt(0);
  if ((c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 46 || c0 === 43) {
    const fast = decimalAt(s, 0, s.length);
    if (fast === fast) {
      parsed.number = fast;
      return decimal.float ? FLOAT : INTEGER;
    }
    const last = s.charCodeAt(s.length - 1);
    if (last > 32) {
      const x = +s;
      if (x === x && x !== Infinity && x !== -Infinity) {
        if (c0 === 48 && s.length > 2) {
          const c1 = s.charCodeAt(1) | 32;
          if (c1 === 120 || c1 === 98 || c1 === 111) return STRING; // 0x.., 0b.., 0o..
        }
        parsed.number = x;
        for (let i = 0; i < s.length; i++) {
          const ch = s.charCodeAt(i);
          if (ch === 46 || ch === 101 || ch === 69) return FLOAT;
        }
        return INTEGER;
      }
      if (s.length >= 10 && s.charCodeAt(4) === 45) {
        const ms = isoMs(s);
        if (ms === ms) {
          parsed.ms = ms;
          return DATETIME;
        }
      }
      return STRING;
    }
  } else if (s.length === 4 || s.length === 5) {
    const lower = s.toLowerCase();
    if (lower === 'true' || lower === 'false') {
      parsed.number = lower === 'true' ? 1 : 0;
      return BOOLEAN;
    }
    return STRING;
  }
  if (c0 <= 32 || s.charCodeAt(s.length - 1) <= 32) {
    const trimmed = s.trim();
    return trimmed.length > 0 && trimmed.length < s.length ? classifyText(trimmed) : STRING;
  }
  return STRING;
}

/**
 * classifyText of the UTF-8 text buf[s, e) without making the string in the common cases (a date-time, a
 * word, a boolean); the uncommon ones (spaces around, numbers the reader did not parse) decode and classify.
 */
export function classifyBytes(buf: Buffer, s: number, e: number): CellKind {
  const c0 = buf[s]!;
  const len = e - s;
  if ((c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 46 || c0 === 43) {
    // A date-time is never a number (a '-' after four digits is not in one): no need to try a number first.
    if (len >= 10 && buf[s + 4] === 45 && buf[e - 1]! > 32) {
      if (fastIsoMs(buf, s, e)) return DATETIME;
    }
    return classifyText(buf.toString('utf8', s, e));
  }
  if (len === 4 || len === 5) {
    if (len === 4 && (c0 | 32) === 116 && (buf[s + 1]! | 32) === 114 && (buf[s + 2]! | 32) === 117 && (buf[s + 3]! | 32) === 101) {
      parsed.number = 1;
      return BOOLEAN;
    }
    if (len === 5 && (c0 | 32) === 102 && (buf[s + 1]! | 32) === 97 && (buf[s + 2]! | 32) === 108 && (buf[s + 3]! | 32) === 115 && (buf[s + 4]! | 32) === 101) {
      parsed.number = 0;
      return BOOLEAN;
    }
    return STRING;
  }
  if (c0 <= 32 || buf[e - 1]! <= 32) return classifyText(buf.toString('utf8', s, e));
  return STRING;
}

export function classifyCell(cell: Exclude<Cell, null>): CellKind {
  switch (typeof cell) {
    case 'number':
      parsed.number = cell;
      return Number.isInteger(cell) ? INTEGER : FLOAT;
    case 'boolean':
      parsed.number = cell ? 1 : 0;
      return BOOLEAN;
    default:
      return classifyText(cell);
  }
}
