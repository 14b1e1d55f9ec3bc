// Sorting numeric columns, which is most of the drift computation on large files. First a bucket sort by
// value (n/4 equal-width buckets between min and max: one pass to count, one to scatter, then tiny
// insertion sorts), which is monotone in the value and so exact; when the values crowd into a few buckets
// (heavy tails, many ties), an LSD radix sort on six digits of an order-preserving integer key of each
// double (sign bit flipped for positives, every bit flipped for negatives), skipping digits every value
// shares. Both are several times faster than Float64Array.prototype.sort on a million values. NaN must be
// removed before.
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
  if (values.length < SMALL) return values.sort();
  return bucketSort(values) ?? radixSort(values);
}

/** The bucket sort, or undefined (nothing done) when a bucket would hold more than an eighth of the values. */
function bucketSort(values: Float64Array): Float64Array | undefined {
  const n = values.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const range = max - min;
  if (!(range > 0) || !Number.isFinite(range)) return undefined;
  const buckets = n >>> 2;
  const scale = buckets / range;
  const index = new Uint32Array(n);
  const starts = new Uint32Array(buckets + 1);
  for (let i = 0; i < n; i++) {
    let k = ((values[i]! - min) * scale) | 0;
    if (k >= buckets) k = buckets - 1;
    index[i] = k;
    starts[k + 1]!++;
  }
  let largest = 0;
  for (let k = 0; k < buckets; k++) {
    if (starts[k + 1]! > largest) largest = starts[k + 1]!;
    starts[k + 1]! += starts[k]!;
  }
  if (largest > n / 8) return undefined;
  const out = new Float64Array(n);
  const next = starts.slice(0, buckets);
  for (let i = 0; i < n; i++) out[next[index[i]!]!++] = values[i]!;
  for (let k = 0; k < buckets; k++) {
    const s = starts[k]!;
    const e = starts[k + 1]!;
    if (e - s < 2) continue;
    if (e - s > 48) {
      out.subarray(s, e).sort();
      continue;
    }
    for (let i = s + 1; i < e; i++) {
      const x = out[i]!;
      let j = i - 1;
      while (j >= s && out[j]! > x) {
        out[j + 1] = out[j]!;
        j--;
      }
      out[j + 1] = x;
    }
  }
  values.set(out);
  return values;
}

function radixSort(values: Float64Array): Float64Array {
  const n = values.length;
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
