// The held-out split shared by `sextant/train` and `sextant/evaluate`: a function of the row count,
// the fraction, the seed and (for classification) the label column only, so the two stages agree on
// which rows were held out. Stratified by label: each class keeps its share in both parts; a label that
// task.ts reads as a number to predict (regression) is not stratified (each value would be its own class).
import { Rng } from './rng';
import { detectTask } from './task';

interface Split {
  train: Uint32Array;
  test: Uint32Array;
}

export function holdoutSplit(rowCount: number, fraction: number, seed: number, strata?: readonly (string | null)[]): Split {
  if (!(fraction > 0)) return { train: Uint32Array.from({ length: rowCount }, (_, i) => i), test: new Uint32Array(0) };
  const rng = new Rng(seed ^ 0x5eed);
  if (strata && detectTask(strata).task === 'regression') strata = undefined;
  const groups = new Map<string, number[]>();
  for (let i = 0; i < rowCount; i++) {
    const key = strata ? (strata[i] === null || strata[i] === undefined ? '\u0000missing' : strata[i]!.trim()) : '';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  const test: number[] = [];
  const train: number[] = [];
  for (const key of [...groups.keys()].sort()) {
    const rows = Uint32Array.from(groups.get(key)!);
    rng.shuffle(rows);
    const n = Math.min(rows.length, Math.round(rows.length * fraction));
    test.push(...rows.subarray(0, n));
    train.push(...rows.subarray(n));
  }
  if (test.length === 0 && rowCount > 1) test.push(train.shift()!);
  return { train: Uint32Array.from(train).sort(), test: Uint32Array.from(test).sort() };
}
