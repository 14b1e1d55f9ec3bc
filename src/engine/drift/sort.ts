// Sorting numeric columns, which is most of the drift computation on large files: an LSD radix sort on
// four 16-bit digits of an order-preserving integer key of each double (sign bit flipped for positives,
// every bit flipped for negatives), skipping digits every value shares. Several times faster than
// Float64Array.prototype.sort on a million values. NaN must be removed before.
const SMALL = 65536;
// Six digits: bits 0-10, 11-21 and 22-31 of the low word, then of the high word (2048 buckets each, so
// the scatter stays in cache).
const DIGITS = [
  [0, 0, 0x7ff],
  [0, 11, 0x7ff],
  [0, 22, 0x3ff],
  [1, 0, 0x7ff],
  [1, 11, 0x7ff],
  [1, 22, 0x3ff],
] as const;

/** Sorts `values` (no NaN) ascending, in place, and returns it. */
export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < SMALL) return values.sort();
  let src: Uint32Array = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  let dst: Uint32Array = new Uint32Array(2 * n);
  const counts = DIGITS.map(() => new Uint32Array(2048));
  const [c0, c1, c2, c3, c4, c5] = counts as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  for (let i = 0; i < 2 * n; i += 2) {
    let lo = src[i]!;
    let hi = src[i + 1]!;
    if (hi & 0x80000000) {
      lo = ~lo >>> 0;
      hi = ~hi >>> 0;
    } else hi = (hi | 0x80000000) >>> 0;
    src[i] = lo;
    src[i + 1] = hi;
    c0[lo & 0x7ff]!++;
    c1[(lo >>> 11) & 0x7ff]!++;
    c2[lo >>> 22]!++;
    c3[hi & 0x7ff]!++;
    c4[(hi >>> 11) & 0x7ff]!++;
    c5[hi >>> 22]!++;
  }
  let inValues = true;
  for (let pass = 0; pass < DIGITS.length; pass++) {
    const count = counts[pass]!;
    const [word, shift, mask] = DIGITS[pass]!;
    let skip = false;
    let total = 0;
    for (let d = 0; d < 2048; d++) {
      const c = count[d]!;
      if (c === n) skip = true;
      count[d] = total;
      total += c;
    }
    if (skip) continue;
    for (let i = 0; i < 2 * n; i += 2) {
      const d = (src[i + word]! >>> shift) & mask;
      const at = count[d]! * 2;
      count[d]!++;
      dst[at] = src[i]!;
      dst[at + 1] = src[i + 1]!;
    }
    [src, dst] = [dst, src];
    inValues = !inValues;
  }
  for (let i = 0; i < 2 * n; i += 2) {
    const hi = src[i + 1]!;
    if (hi & 0x80000000) src[i + 1] = (hi & 0x7fffffff) >>> 0;
    else {
      src[i] = ~src[i]! >>> 0;
      src[i + 1] = ~hi >>> 0;
    }
  }
  if (!inValues) values.set(new Float64Array(src.buffer, src.byteOffset, n));
  return values;
}
