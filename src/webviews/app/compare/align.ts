// The lines of one chart on one x array, as uPlot takes them (no DOM: unit-tested in Node).
import type uPlot from 'uplot';
import type { Line } from '../../compare/curves';

/** Lines share one x array in uPlot: the union of their xs (the same array when every line has the same xs, as for runs logged step by step). */
export function alignLines(lines: Line[], smoothing: boolean): uPlot.AlignedData {
  const same = lines.every((l) => l.xs.length === lines[0]!.xs.length && l.xs.every((x, i) => x === lines[0]!.xs[i]));
  const empty = (n: number): null[] => new Array<null>(n).fill(null);
  if (same) {
    const n = lines[0]?.xs.length ?? 0;
    return [lines[0]?.xs ?? [], ...lines.flatMap((l) => [l.raw, smoothing ? l.smooth! : empty(n)])] as uPlot.AlignedData;
  }
  // Every x of every line, as often as the line that has it most often (points logged in the same
  // millisecond share an x on a time axis: each keeps its own row, none is overwritten).
  const rows = new Map<number, number>();
  for (const l of lines) {
    const own = new Map<number, number>();
    for (const x of l.xs) own.set(x, (own.get(x) ?? 0) + 1);
    for (const [x, n] of own) if (n > (rows.get(x) ?? 0)) rows.set(x, n);
  }
  const distinct = Float64Array.from(rows.keys()).sort();
  const xs: number[] = [];
  for (const x of distinct) for (let n = rows.get(x)!; n > 0; n--) xs.push(x);
  const columns: (number | null)[][] = [];
  for (const l of lines) {
    const raw = empty(xs.length) as (number | null)[];
    const smooth = empty(xs.length) as (number | null)[];
    let j = 0;
    for (let i = 0; i < l.xs.length; i++, j++) {
      while (xs[j]! < l.xs[i]!) j++;
      raw[j] = l.raw[i]!;
      if (smoothing) smooth[j] = l.smooth![i]!;
    }
    columns.push(raw, smooth);
  }
  return [xs, ...columns] as uPlot.AlignedData;
}

