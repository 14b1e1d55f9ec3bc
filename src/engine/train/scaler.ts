// Feature standardisation: mean and standard deviation per column, ignoring missing values; a constant
// column gets scale 1 so it maps to 0 rather than dividing by zero. Two passes over the rows in storage
// order (row-major), so a wide matrix is read sequentially.
import type { Matrix } from './model';

export function fitScaler(x: Matrix): { mean: number[]; scale: number[] } {
  const { rows, cols, data } = x;
  const sum = new Float64Array(cols);
  const count = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = data[o + c]!;
      if (v === v) {
        sum[c] = sum[c]! + v;
        count[c] = count[c]! + 1;
      }
    }
  }
  const m = Float64Array.from(sum, (s, c) => (count[c]! > 0 ? s / count[c]! : 0));
  const ss = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = data[o + c]!;
      if (v === v) ss[c] = ss[c]! + (v - m[c]!) * (v - m[c]!);
    }
  }
  const mean = Array.from(m);
  const scale = Array.from(ss, (s, c) => {
    const sd = count[c]! > 0 ? Math.sqrt(s / count[c]!) : 0;
    return sd > 1e-12 ? sd : 1;
  });
  return { mean, scale };
}
