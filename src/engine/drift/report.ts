// Drift between a reference and a current dataset, per column and overall: types the columns, picks each
// column's test (select.ts), runs it (stattests.ts, ks.ts) and says what could not be tested and why.
// The dataset drifts when at least `driftShare` (default 0.5) of the tested columns drift.
import { z } from 'zod';
import { fail, ok, type Result } from '../result';
import { ks2samp } from './ks';
import { sortFloat64 } from './sort';
import { DriftTestSchema, defaultTest, defaultThreshold, isPValueTest, numericOnly, type ColumnType, type DriftTest } from './select';
import { chi2Contingency, histogram, jensenShannon, psi, sturgesEdges, wassersteinNormed, zTest, type TestValue } from './stattests';
import { readColumns, type Column, type ColumnTable } from '../data/read/columnTable';

export const ColumnDriftSchema = z.object({
  column: z.string(),
  type: z.enum(['numeric', 'categorical']),
  test: DriftTestSchema,
  statistic: z.number(),
  p_value: z.number().nullable().describe('The p-value of ks, chi2 and ztest; null for the distances.'),
  threshold: z.number(),
  drifted: z.boolean(),
  why: z.string().describe('Why this test: the default choice and its reason, or "chosen".'),
});

export const DriftReportSchema = z.object({
  reference: z.object({ file: z.string(), rows: z.number().int() }),
  current: z.object({ file: z.string(), rows: z.number().int() }),
  dataset_drift: z.boolean(),
  drift_share: z.number().describe('Drifted columns / tested columns (0 when none could be tested).'),
  columns: z.array(ColumnDriftSchema),
  not_tested: z.array(z.object({ column: z.string(), reason: z.string() })),
  warnings: z.array(z.object({ column: z.string(), file: z.string(), line: z.number().int(), message: z.string() })),
});
export type DriftReport = z.infer<typeof DriftReportSchema>;

export interface DriftOptions {
  /** One test for every column, or a test per column name (the others get the default). */
  test?: DriftTest | Record<string, DriftTest>;
  /** Only these columns (default: every column of either file). */
  columns?: string[];
  /** Share of drifted columns at or above which the dataset drifts (default 0.5). */
  driftShare?: number;
}

/** The non-missing values of a numeric column, sorted. */
function sortedValues(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) out[k++] = values[i]!;
  return sortFloat64(out);
}

/** Distinct values are counted up to one more than this (Evidently's cut-off between tests). */
const DISTINCT_LIMIT = 5;

interface Prepared {
  type: ColumnType;
  /** Sorted non-missing values (numeric columns). */
  ref?: Float64Array;
  cur?: Float64Array;
  /** Counts per category (or per distinct number), categories in sorted order, and the reference's distinct count. */
  counts(): { ref: Float64Array; cur: Float64Array; refDistinct: number };
  nRef: number;
  nCur: number;
  /** Distinct values of both sides together; for numbers, counted up to DISTINCT_LIMIT + 1 only. */
  distinct: number;
}

function prepareNumeric(refValues: Float64Array, curValues: Float64Array): Prepared {
  const ref = sortedValues(refValues);
  const cur = sortedValues(curValues);
  // The test choice only asks whether there are more than 5 distinct values: stop counting at 6.
  let distinct = 0;
  let i = 0;
  let j = 0;
  while ((i < ref.length || j < cur.length) && distinct <= DISTINCT_LIMIT) {
    const v = j >= cur.length || (i < ref.length && ref[i]! <= cur[j]!) ? ref[i]! : cur[j]!;
    while (i < ref.length && ref[i] === v) i++;
    while (j < cur.length && cur[j] === v) j++;
    distinct++;
  }
  const counts = (): { ref: Float64Array; cur: Float64Array; refDistinct: number } => {
    const r = new Float64Array(ref.length + cur.length);
    const c = new Float64Array(ref.length + cur.length);
    let a = 0;
    let b = 0;
    let k = 0;
    let refDistinct = 0;
    while (a < ref.length || b < cur.length) {
      const v = b >= cur.length || (a < ref.length && ref[a]! <= cur[b]!) ? ref[a]! : cur[b]!;
      const a0 = a;
      const b0 = b;
      while (a < ref.length && ref[a] === v) a++;
      while (b < cur.length && cur[b] === v) b++;
      r[k] = a - a0;
      c[k] = b - b0;
      if (a > a0) refDistinct++;
      k++;
    }
    return { ref: r.slice(0, k), cur: c.slice(0, k), refDistinct };
  };
  return { type: 'numeric', ref, cur, counts, nRef: ref.length, nCur: cur.length, distinct };
}

function prepareCategorical(refCol: Column & { kind: 'categorical' }, curCol: Column & { kind: 'categorical' }): Prepared {
  const names = [...new Set([...refCol.categories, ...curCol.categories])].sort();
  const index = new Map(names.map((n, i) => [n, i]));
  const tally = (col: Column & { kind: 'categorical' }): { counts: Float64Array; n: number } => {
    const byCode = new Float64Array(col.categories.length);
    let n = 0;
    for (let i = 0; i < col.codes.length; i++) {
      const c = col.codes[i]!;
      if (c >= 0) {
        byCode[c]!++;
        n++;
      }
    }
    const counts = new Float64Array(names.length);
    col.categories.forEach((name, c) => (counts[index.get(name)!] = byCode[c]!));
    return { counts, n };
  };
  const r = tally(refCol);
  const c = tally(curCol);
  // Keep only the categories seen on either side (a dictionary may hold none other, but be safe).
  const keep: number[] = [];
  for (let k = 0; k < names.length; k++) if (r.counts[k]! + c.counts[k]! > 0) keep.push(k);
  const ref = Float64Array.from(keep, (k) => r.counts[k]!);
  const cur = Float64Array.from(keep, (k) => c.counts[k]!);
  const refDistinct = ref.filter((x) => x > 0).length;
  return { type: 'categorical', counts: () => ({ ref, cur, refDistinct }), nRef: r.n, nCur: c.n, distinct: keep.length };
}

/** Evidently's get_binned_data: Sturges bins for numbers with > 20 distinct reference values, else categories. */
function shares(p: Prepared): { ref: Float64Array; cur: Float64Array } {
  const counts = p.counts();
  if (p.type === 'numeric' && counts.refDistinct > 20) {
    const edges = sturgesEdges(p.ref!, p.cur!);
    return { ref: histogram(p.ref!, edges).map((x) => x / p.nRef), cur: histogram(p.cur!, edges).map((x) => x / p.nCur) };
  }
  return { ref: counts.ref.map((x) => x / p.nRef), cur: counts.cur.map((x) => x / p.nCur) };
}

function runTest(test: DriftTest, p: Prepared): TestValue {
  switch (test) {
    case 'ks': {
      const r = ks2samp(p.ref!, p.cur!);
      return { statistic: r.statistic, pValue: r.pValue };
    }
    case 'wasserstein':
      return wassersteinNormed(p.ref!, p.cur!);
    case 'chi2': {
      const c = p.counts();
      return chi2Contingency(c.ref, c.cur);
    }
    case 'ztest': {
      const c = p.counts();
      return zTest(c.ref, c.cur);
    }
    case 'jensenshannon': {
      const s = shares(p);
      return jensenShannon(s.ref, s.cur);
    }
    case 'psi': {
      const s = shares(p);
      return psi(s.ref, s.cur);
    }
  }
}

/** Drift between two loaded tables. */
export function compareTables(reference: ColumnTable, current: ColumnTable, options: DriftOptions = {}): Result<DriftReport> {
  const all = [...reference.columns, ...current.columns.filter((c) => !reference.columns.includes(c))];
  const wanted = options.columns ?? all;
  const unknown = wanted.filter((c) => !all.includes(c));
  if (unknown.length > 0) return fail({ code: 'drift-column', file: reference.file, line: 1, message: `No column ${unknown.map((c) => `"${c}"`).join(', ')} in either file; the columns are ${all.join(', ')}.` });
  const report: DriftReport = {
    reference: { file: reference.file, rows: reference.rowCount },
    current: { file: current.file, rows: current.rowCount },
    dataset_drift: false,
    drift_share: 0,
    columns: [],
    not_tested: [],
    warnings: [],
  };
  for (const name of wanted) {
    const ri = reference.columns.indexOf(name);
    const ci = current.columns.indexOf(name);
    if (ri < 0 || ci < 0) {
      report.not_tested.push({ column: name, reason: `only in the ${ri < 0 ? 'current' : 'reference'} file (${ri < 0 ? current.file : reference.file})` });
      continue;
    }
    const rc = reference.data[ri]!;
    const cc = current.data[ci]!;
    for (const [col, table] of [
      [rc, reference],
      [cc, current],
    ] as const) {
      if (col.kind === 'categorical' && col.firstNonNumber && col.firstNonNumber.numericShare >= 0.9) {
        const f = col.firstNonNumber;
        report.warnings.push({ column: name, file: table.file, line: f.line, message: `Column "${name}" is ${(f.numericShare * 100).toFixed(1)}% numbers but has ${JSON.stringify(f.value)} here, so it was compared as categories.` });
      }
    }
    if (rc.kind !== cc.kind) return fail({ code: 'drift-internal', message: `Column "${name}" was read as numbers in one file and categories in the other.` });
    const p = rc.kind === 'numeric' ? prepareNumeric(rc.values, (cc as typeof rc).values) : prepareCategorical(rc, cc as typeof rc);
    if (p.nRef === 0 || p.nCur === 0) {
      const [side, table] = p.nRef === 0 ? (['reference', reference] as const) : (['current', current] as const);
      report.not_tested.push({ column: name, reason: table.rowCount === 0 ? `the ${side} file has no data rows, only its header (${table.file})` : `every value is missing in the ${side} file` });
      continue;
    }
    if (p.nRef < 2) {
      report.not_tested.push({ column: name, reason: 'the reference has 1 value: too few to compare a distribution with' });
      continue;
    }
    const forced = typeof options.test === 'string' ? options.test : options.test?.[name];
    const chosen = forced ? { test: forced, why: `chosen (${forced})` } : defaultTest(p.type, p.nRef, p.distinct);
    if (numericOnly(chosen.test) && p.type !== 'numeric') {
      report.not_tested.push({ column: name, reason: `${chosen.test} needs numbers; this column is categorical` });
      continue;
    }
    const value = runTest(chosen.test, p);
    const threshold = defaultThreshold(chosen.test);
    const drifted = isPValueTest(chosen.test) ? value.pValue! < threshold : value.statistic >= threshold;
    report.columns.push({ column: name, type: p.type, test: chosen.test, statistic: value.statistic, p_value: isPValueTest(chosen.test) ? value.pValue : null, threshold, drifted, why: chosen.why });
  }
  const tested = report.columns.length;
  const drifted = report.columns.filter((c) => c.drifted).length;
  report.drift_share = tested === 0 ? 0 : drifted / tested;
  report.dataset_drift = tested > 0 && report.drift_share >= (options.driftShare ?? 0.5);
  return ok(report);
}

/** Drift between two CSV/TSV files; a column numeric in one and not in the other is compared as categories. */
export function compareFiles(referenceFile: string, currentFile: string, options: DriftOptions = {}): Result<DriftReport> {
  const ref = readColumns(referenceFile, { codePrefix: 'drift' });
  if (!ref.ok) return ref;
  const cur = readColumns(currentFile, { codePrefix: 'drift' });
  if (!cur.ok) return cur;
  const kind = (t: ColumnTable, name: string): Column['kind'] | undefined => t.data[t.columns.indexOf(name)]?.kind;
  // Columns read as numbers on one side only: read that side again with them as categories.
  const mixed = ref.value.columns.filter((name) => kind(cur.value, name) !== undefined && kind(cur.value, name) !== kind(ref.value, name));
  const again = (file: string, table: ColumnTable): Result<ColumnTable> => {
    const numeric = mixed.filter((name) => kind(table, name) === 'numeric');
    return numeric.length === 0 ? ok(table) : readColumns(file, { categorical: new Set(numeric), codePrefix: 'drift' });
  };
  const reference = again(referenceFile, ref.value);
  if (!reference.ok) return reference;
  const current = again(currentFile, cur.value);
  if (!current.ok) return current;
  const compared = compareTables(reference.value, current.value, options);
  if (compared.ok) compared.value.warnings.push(...mixedTypeWarnings(reference.value, current.value, mixed, options.columns));
  return compared;
}

/**
 * Columns of numbers on one side and mostly text on the other (both read as categories, `mixed`): a
 * warning at the first text's file and line. At 90% numbers or more compareTables has already said it.
 */
export function mixedTypeWarnings(reference: ColumnTable, current: ColumnTable, mixed: Iterable<string>, columns?: string[]): DriftReport['warnings'] {
  const warnings: DriftReport['warnings'] = [];
  const firstText = (t: ColumnTable, name: string) => {
    const col = t.data[t.columns.indexOf(name)];
    return col?.kind === 'categorical' ? col.firstNonNumber : undefined;
  };
  for (const name of mixed) {
    if (columns && !columns.includes(name)) continue;
    const inRef = firstText(reference, name);
    const inCur = firstText(current, name);
    // the side of numbers has no text at all; both with text is not this case
    if ((inRef === undefined) === (inCur === undefined)) continue;
    const [first, table, numberSide, numberFile] = inRef ? ([inRef, reference, 'current', current.file] as const) : ([inCur!, current, 'reference', reference.file] as const);
    if (first.numericShare >= 0.9) continue;
    // "numbers" on the other side only because every value there is missing: not tested, said there
    const numbers = (inRef ? current : reference).data[(inRef ? current : reference).columns.indexOf(name)];
    if (!numbers || (numbers.kind === 'categorical' ? !numbers.codes.some((c) => c >= 0) : !numbers.values.some((v) => v === v))) continue;
    warnings.push({
      column: name,
      file: table.file,
      line: first.line,
      message: `Column "${name}" holds numbers in the ${numberSide} file (${numberFile}) but ${JSON.stringify(first.value)} here (${(first.numericShare * 100).toFixed(1)}% numbers), so both sides were compared as categories.`,
    });
  }
  return warnings;
}
