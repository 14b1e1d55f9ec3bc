// A scalar's decoded value with, for each of its characters, where it was written in the source: the
// expression checks read `${{ }}` in what the runner will see (single-quote `''`, double-quote escapes,
// folded and literal blocks, folded line breaks) and report at the source characters.
import type { Scalar } from 'yaml';

export interface DecodedScalar {
  text: string;
  /** Offset in the source (relative to the scalar's start) of each decoded character. */
  from: number[];
  /** Offset in the source just after each decoded character. */
  to: number[];
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** The source as its own decoding (a plain one-line scalar, or when the decoding cannot be followed). */
export function identity(source: string): DecodedScalar {
  const from = Array.from({ length: source.length }, (_, i) => i);
  return { text: source, from, to: from.map((i) => i + 1) };
}

/**
 * Follows `value` (the scalar's decoded string) through `source` (its text, from its range). Undefined
 * when the two cannot be aligned (then the caller reads the source as written).
 */
export function decodeScalar(source: string, type: Scalar['type'], value: string): DecodedScalar | undefined {
  const single = type === 'QUOTE_SINGLE';
  const double = type === 'QUOTE_DOUBLE';
  const block = type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED';
  let j = 0;
  let limit = source.length;
  let indent = 0;
  if (single || double) {
    j = 1;
    limit = source.length - 1;
  } else if (block) {
    j = source.indexOf('\n') + 1;
    if (j === 0) return undefined;
    const first = /^(?:[ \t]*\r?\n)*( *)/.exec(source.slice(j));
    indent = first?.[1]?.length ?? 0;
  }
  const from: number[] = [];
  const to: number[] = [];
  let lineHandled = -1;
  for (let i = 0; i < value.length; ) {
    if (block && source[j - 1] === '\n' && lineHandled !== j) {
      lineHandled = j;
      for (let k = 0; k < indent && source[j] === ' '; k++) j++;
      continue;
    }
    if (j >= limit) return undefined;
    const c = value[i];
    const s = source[j];
    if (double && s === '\\') {
      const n = source[j + 1];
      if (n === '\n' || n === '\r') {
        // an escaped line break: nothing in the value, nor the next line's indentation
        j += n === '\r' && source[j + 2] === '\n' ? 3 : 2;
        while (source[j] === ' ' || source[j] === '\t') j++;
        continue;
      }
      const length = n === 'x' ? 4 : n === 'u' ? 6 : n === 'U' ? 10 : 2;
      const code = n === 'U' ? Number.parseInt(source.slice(j + 2, j + 10), 16) : NaN;
      const units = Number.isFinite(code) && code > 0xffff && code <= 0x10ffff ? 2 : 1;
      for (let u = 0; u < units; u++) {
        from.push(j);
        to.push(j + length);
      }
      i += units;
      j += length;
      continue;
    }
    if (single && s === "'" && source[j + 1] === "'" && c === "'") {
      from.push(j);
      to.push(j + 2);
      i++;
      j += 2;
      continue;
    }
    if (c === s || (isSpace(c) && isSpace(s))) {
      // the same character, or a line break folded into a space (or kept as a break)
      from.push(j);
      to.push(j + 1);
      i++;
      j++;
      continue;
    }
    if (isSpace(s)) {
      j++; // indentation or trailing space that the value does not hold
      continue;
    }
    return undefined;
  }
  return { text: value, from, to };
}
