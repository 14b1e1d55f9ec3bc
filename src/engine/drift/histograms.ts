// What the drift report panel draws per column, computed where the data is (the page only draws):
// a numeric column's reference and current shares over the same bins (NumPy's Sturges edges over both
// samples, as Jensen–Shannon and PSI bin them; a column of at most 10 distinct numbers gets one bar per
// value instead), a categorical column's shares of its top categories on each side with the rest summed as
// "other". Category labels that look like personal data (data/pii/detect.ts) are masked before they leave
// the engine. `compareWithHistograms` reads the two files once for the report and the histograms.
import { z } from 'zod';
import { detectPii } from '../data/pii/detect';
import { maskValue } from '../data/pii/protect';
import { ok, type Result } from '../result';
import { compareTables, mixedTypeWarnings, type DriftOptions, type DriftReport } from './report';
import { sortFloat64 } from './sort';
import { histogram, sturgesEdges } from './stattests';
import { readColumns, type Column, type ColumnTable } from '../data/read/columnTable';

export const ColumnHistogramSchema = z.discriminatedUnion('kind', [
  z.object({
    column: z.string(),
    kind: z.literal('bins'),
    /** Bin edges (bins + 1), shared by both sides. */
    edges: z.array(z.number()),
    reference: z.array(z.number()).describe('Share of the reference\'s non-missing values per bin.'),
    current: z.array(z.number()),
  }),
  z.object({
    column: z.string(),
    kind: z.literal('categories'),
    /** Labels, most frequent (both sides together) first; "other" last when categories were left out. */
    labels: z.array(z.string()),
    reference: z.array(z.number()),
    current: z.array(z.number()),
    /** How many categories "other" sums (0: none left out). */
    otherCount: z.number().int(),
  }),
]);
export type ColumnHistogram = z.infer<typeof ColumnHistogramSchema>;

/** Categories drawn per column; the rest are summed as "other". */
export const TOP_CATEGORIES = 10;
/** A numeric column with at most this many distinct values gets a bar per value. */
const FEW_VALUES = 10;
const OTHER = 'other';

function sortedNonMissing(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) out[k++] = values[i]!;
  return sortFloat64(out);
}

/** Counts per distinct value of sorted samples, stopping (undefined) past `limit` distinct values. */
function fewValues(ref: Float64Array, cur: Float64Array, limit: number): Map<number, [number, number]> | undefined {
  const counts = new Map<number, [number, number]>();
  for (const [side, sorted] of [[0, ref], [1, cur]] as const) {
    for (let i = 0; i < sorted.length; ) {
      const v = sorted[i]!;
      let j = i;
      while (j < sorted.length && sorted[j] === v) j++;
      const c = counts.get(v) ?? [0, 0];
      c[side] += j - i;
      counts.set(v, c);
      if (counts.size > limit) return undefined;
      i = j;
    }
  }
  return counts;
}

function categories(column: string, entries: [string, number, number][], nRef: number, nCur: number): ColumnHistogram {
  entries.sort((a, b) => b[1] / nRef + b[2] / nCur - (a[1] / nRef + a[2] / nCur) || a[0].localeCompare(b[0]));
  const shown = entries.length > TOP_CATEGORIES ? entries.slice(0, TOP_CATEGORIES - 1) : entries;
  const rest = entries.slice(shown.length);
  const labels = shown.map(([label]) => {
    const kind = detectPii(label);
    return kind ? maskValue(label, kind) : label;
  });
  const reference = shown.map((e) => e[1] / nRef);
  const current = shown.map((e) => e[2] / nCur);
  if (rest.length > 0) {
    labels.push(OTHER);
    reference.push(rest.reduce((s, e) => s + e[1], 0) / nRef);
    current.push(rest.reduce((s, e) => s + e[2], 0) / nCur);
  }
  return { column, kind: 'categories', labels, reference, current, otherCount: rest.length };
}

function tally(col: Column & { kind: 'categorical' }): Map<string, number> {
  const byCode = new Float64Array(col.categories.length);
  for (let i = 0; i < col.codes.length; i++) if (col.codes[i]! >= 0) byCode[col.codes[i]!]!++;
  const out = new Map<string, number>();
  col.categories.forEach((name, code) => byCode[code]! > 0 && out.set(name, (out.get(name) ?? 0) + byCode[code]!));
  return out;
}

/** The histogram of one column present in both tables, or undefined when a side has no value. */
export function columnHistogram(column: string, ref: Column, cur: Column): ColumnHistogram | undefined {
  if (ref.kind === 'numeric' && cur.kind === 'numeric') {
    const r = sortedNonMissing(ref.values);
    const c = sortedNonMissing(cur.values);
    if (r.length === 0 || c.length === 0) return undefined;
    const few = fewValues(r, c, FEW_VALUES);
    if (few) return categories(column, [...few.entries()].sort((a, b) => a[0] - b[0]).map(([v, [a, b]]) => [String(v), a, b]), r.length, c.length);
    const edges = sturgesEdges(r, c);
    return { column, kind: 'bins', edges: [...edges], reference: [...histogram(r, edges)].map((x) => x / r.length), current: [...histogram(c, edges)].map((x) => x / c.length) };
  }
  if (ref.kind === 'categorical' && cur.kind === 'categorical') {
    const r = tally(ref);
    const c = tally(cur);
    const nRef = [...r.values()].reduce((s, x) => s + x, 0);
    const nCur = [...c.values()].reduce((s, x) => s + x, 0);
    if (nRef === 0 || nCur === 0) return undefined;
    const names = new Set([...r.keys(), ...c.keys()]);
    return categories(column, [...names].map((n) => [n, r.get(n) ?? 0, c.get(n) ?? 0]), nRef, nCur);
  }
  return undefined;
}

/** Reads both files once (a column numeric in one and not in the other is read as categories in both, as compareFiles does), compares them and bins each tested column. */
export function compareWithHistograms(referenceFile: string, currentFile: string, options: DriftOptions = {}): Result<{ report: DriftReport; histograms: ColumnHistogram[] }> {
  let ref = readColumns(referenceFile, { codePrefix: 'drift' });
  if (!ref.ok) return ref;
  let cur = readColumns(currentFile, { codePrefix: 'drift' });
  if (!cur.ok) return cur;
  const kind = (t: ColumnTable, name: string): string | undefined => t.data[t.columns.indexOf(name)]?.kind;
  const mixed = new Set(ref.value.columns.filter((n) => cur.ok && ref.ok && cur.value.columns.includes(n) && kind(ref.value, n) !== kind(cur.value, n)));
  // Only the side that read numbers is read again (the other keeps its first-non-number warning).
  const refNumeric = new Set([...mixed].filter((n) => ref.ok && kind(ref.value, n) === 'numeric'));
  const curNumeric = new Set([...mixed].filter((n) => !refNumeric.has(n)));
  if (refNumeric.size > 0) ref = readColumns(referenceFile, { categorical: refNumeric, codePrefix: 'drift' });
  if (!ref.ok) return ref;
  if (curNumeric.size > 0) cur = readColumns(currentFile, { categorical: curNumeric, codePrefix: 'drift' });
  if (!cur.ok) return cur;
  const report = compareTables(ref.value, cur.value, options);
  if (!report.ok) return report;
  report.value.warnings.push(...mixedTypeWarnings(ref.value, cur.value, mixed, options.columns));
  const histograms: ColumnHistogram[] = [];
  for (const c of report.value.columns) {
    const r = ref.value.data[ref.value.columns.indexOf(c.column)]!;
    const k = cur.value.data[cur.value.columns.indexOf(c.column)]!;
    const hist = columnHistogram(c.column, r, k);
    if (hist) histograms.push(hist);
  }
  return ok({ report: report.value, histograms });
}
