// Feature standardisation: mean and standard deviation per column, ignoring missing values; a constant
// column gets scale 1 so it maps to 0 rather than dividing by zero.
import type { Matrix } from './model';

export function fitScaler(x: Matrix): { mean: number[]; scale: number[] } {
  const mean = new Array<number>(x.cols).fill(0);
  const scale = new Array<number>(x.cols).fill(1);
  for (let c = 0; c < x.cols; c++) {
    let sum = 0;
    let count = 0;
    for (let r = 0; r < x.rows; r++) {
      const v = x.data[r * x.cols + c]!;
      if (!Number.isNaN(v)) {
        sum += v;
        count++;
      }
    }
    const m = count > 0 ? sum / count : 0;
    let ss = 0;
    for (let r = 0; r < x.rows; r++) {
      const v = x.data[r * x.cols + c]!;
      if (!Number.isNaN(v)) ss += (v - m) * (v - m);
    }
    const sd = count > 0 ? Math.sqrt(ss / count) : 0;
    mean[c] = m;
    scale[c] = sd > 1e-12 ? sd : 1;
  }
  return { mean, scale };
}
