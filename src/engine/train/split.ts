// The held-out split shared by `sextant/train` and `sextant/evaluate`: a function of the dataset's row
// count, the fraction and the seed only, so the two stages agree on which rows were held out.
import { permutation, Rng } from './rng';

export interface Split {
  train: Uint32Array;
  test: Uint32Array;
}

export function holdoutSplit(rowCount: number, fraction: number, seed: number): Split {
  if (!(fraction > 0)) return { train: Uint32Array.from({ length: rowCount }, (_, i) => i), test: new Uint32Array(0) };
  const perm = permutation(rowCount, new Rng(seed ^ 0x5eed));
  const testCount = Math.max(1, Math.min(rowCount - 1, Math.round(rowCount * fraction)));
  const test = perm.slice(0, testCount).sort();
  const train = perm.slice(testCount).sort();
  return { train, test };
}
