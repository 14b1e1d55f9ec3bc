// From a parsed table to a feature matrix and class labels: picks the feature columns (numeric ones
// by default), encodes the label, and keeps each row's source line for messages.
import { fail, ok, type Result } from '../result';
import { columnIndex, numericColumn, type Table } from './csv';
import type { Matrix } from './model';

export interface LabeledRows {
  x: Matrix;
  /** Class index per row; -1 where the label is missing or not one of `classes`. */
  y: Int32Array;
  classes: string[];
  features: string[];
  /** Source line of each row. */
  lines: Int32Array;
}

/** Columns (other than the label) whose present values all parse as numbers. */
export function numericColumns(table: Table, exclude: string[]): string[] {
  return table.columns.filter((name, c) => {
    if (exclude.includes(name)) return false;
    const values = table.values[c]!;
    let seen = 0;
    for (const v of values) {
      if (v === null) continue;
      if (!Number.isFinite(Number(v.trim())) || v.trim() === '') return false;
      seen++;
    }
    return seen > 0;
  });
}

/** Sorted distinct non-missing values of the label column. */
export function labelClasses(table: Table, label: string): Result<string[]> {
  const index = columnIndex(table, label);
  if (!index.ok) return index;
  const set = new Set<string>();
  for (const v of table.values[index.value]!) if (v !== null) set.add(v.trim());
  return ok([...set].sort());
}

/** The rows `rows` (all when omitted) as a matrix of `features` and label indices over `classes`. */
export function labeledRows(table: Table, features: string[], label: string, classes: string[], rows?: ArrayLike<number>): Result<LabeledRows> {
  const labelIndex = columnIndex(table, label);
  if (!labelIndex.ok) return labelIndex;
  if (features.includes(label)) return fail({ code: 'train-features', file: table.file, message: `The label "${label}" cannot also be a feature.` });
  const cols: Float64Array[] = [];
  for (const f of features) {
    const col = numericColumn(table, f);
    if (!col.ok) return col;
    cols.push(col.value);
  }
  const selected = rows ?? Uint32Array.from({ length: table.rowCount }, (_, i) => i);
  const n = selected.length;
  const data = new Float64Array(n * features.length);
  const y = new Int32Array(n);
  const lines = new Int32Array(n);
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const labels = table.values[labelIndex.value]!;
  for (let i = 0; i < n; i++) {
    const r = selected[i]!;
    for (let c = 0; c < cols.length; c++) data[i * features.length + c] = cols[c]![r]!;
    const v = labels[r];
    y[i] = v === null || v === undefined ? -1 : (classIndex.get(v.trim()) ?? -1);
    lines[i] = table.lines[r]!;
  }
  return ok({ x: { rows: n, cols: features.length, data }, y, classes, features, lines });
}

/** Rows for regression: the features and the label as a number (NaN where missing). */
export interface RegressionRows {
  x: Matrix;
  y: Float64Array;
  features: string[];
  lines: Int32Array;
}

/** The rows `rows` as a matrix of `features` and the label as a number; a label that is not a number is an error naming its line. */
export function regressionRows(table: Table, features: string[], label: string, rows: ArrayLike<number>): Result<RegressionRows> {
  if (features.includes(label)) return fail({ code: 'train-features', file: table.file, message: `The label "${label}" cannot also be a feature.` });
  const target = numericColumn(table, label);
  if (!target.ok) return fail({ ...target.error, fix: 'Regression needs a number in every labelled row; leave the field empty for a missing value, or set `task: classification`.' });
  const cols: Float64Array[] = [];
  for (const f of features) {
    const col = numericColumn(table, f);
    if (!col.ok) return col;
    cols.push(col.value);
  }
  const n = rows.length;
  const F = features.length;
  const data = new Float64Array(n * F);
  const y = new Float64Array(n);
  const lines = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    for (let c = 0; c < F; c++) data[i * F + c] = cols[c]![r]!;
    y[i] = target.value[r]!;
    lines[i] = table.lines[r]!;
  }
  return ok({ x: { rows: n, cols: F, data }, y, features, lines });
}

/** Regression rows with a label and no missing feature; returns how many were dropped. */
export function dropIncompleteRegression(rows: RegressionRows): { rows: RegressionRows; dropped: number } {
  const { x, y, lines } = rows;
  const keep: number[] = [];
  for (let r = 0; r < x.rows; r++) {
    if (Number.isNaN(y[r]!)) continue;
    let completeRow = true;
    for (let c = 0; c < x.cols; c++) if (Number.isNaN(x.data[r * x.cols + c]!)) completeRow = false;
    if (completeRow) keep.push(r);
  }
  const data = new Float64Array(keep.length * x.cols);
  keep.forEach((r, i) => data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
  return {
    rows: { ...rows, x: { rows: keep.length, cols: x.cols, data }, y: Float64Array.from(keep, (r) => y[r]!), lines: Int32Array.from(keep, (r) => lines[r]!) },
    dropped: x.rows - keep.length,
  };
}

/** Keeps the rows with a label and no missing feature; returns how many were dropped. */
export function dropIncomplete(rows: LabeledRows): { rows: LabeledRows; dropped: number } {
  const { x, y, lines } = rows;
  const keep: number[] = [];
  for (let r = 0; r < x.rows; r++) {
    if (y[r]! < 0) continue;
    let completeRow = true;
    for (let c = 0; c < x.cols; c++) if (Number.isNaN(x.data[r * x.cols + c]!)) completeRow = false;
    if (completeRow) keep.push(r);
  }
  const data = new Float64Array(keep.length * x.cols);
  keep.forEach((r, i) => data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
  return {
    rows: { ...rows, x: { rows: keep.length, cols: x.cols, data }, y: Int32Array.from(keep, (r) => y[r]!), lines: Int32Array.from(keep, (r) => lines[r]!) },
    dropped: x.rows - keep.length,
  };
}
