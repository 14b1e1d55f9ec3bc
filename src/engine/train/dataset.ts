// From a table (the shared columnar loader, data/read/columnTable.ts) to a feature matrix and class
// labels: picks the feature columns (numeric ones by default), encodes the label, and keeps each row's
// source line for messages. The matrix is filled straight from the typed columns: no string per value.
import { columnIndex, numericValues } from '../data/read/columnValues';
import { readColumns, type ColumnTable } from '../data/read/columnTable';
import { fail, ok, type Result } from '../result';
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

/** Distinct label texts kept next to a numeric label's numbers: more are more classes than the trainer takes (prepare.ts MAX_CLASSES). */
const LABEL_TEXTS = 1000;

/**
 * Reads a CSV/TSV dataset for the trainer: every column as numbers where it holds numbers only, else as
 * categories. A numeric label keeps its text while it has at most 1000 distinct values, so a class
 * written "1.0" keeps that name (past that, classes are named by the numbers; a continuous label makes
 * no string per row). An unreadable file is `dataset-unreadable`; bad rows are errors naming the file
 * and line (columnTable.ts).
 */
export function readTrainingTable(file: string, o: { label?: string; separator?: ',' | '\t' | ';' } = {}): Result<ColumnTable> {
  const t = readColumns(file, { codePrefix: 'csv', ...(o.label !== undefined ? { keepText: new Set([o.label]), keepTextLimit: LABEL_TEXTS } : {}), ...(o.separator ? { separator: o.separator } : {}) });
  if (!t.ok && t.error.code === 'csv-input') return fail({ code: 'dataset-unreadable', file, message: `Cannot read the dataset: ${t.error.message.replace(/^Cannot read the file: /, '')}` });
  return t;
}

/** Columns (other than `exclude`) whose present values all parse as numbers, with at least one present. */
export function numericColumns(table: ColumnTable, exclude: string[]): string[] {
  return table.columns.filter((name, c) => {
    if (exclude.includes(name)) return false;
    const col = table.data[c]!;
    return col.kind === 'numeric' && col.values.some((v) => !Number.isNaN(v));
  });
}

/** The label of each row as trimmed text (undefined where missing), by a code per row into `texts`. */
export interface LabelColumn {
  /** Index into `texts` per row; -1 where missing. */
  codes: Int32Array;
  /** Distinct trimmed label texts (not sorted; a text may repeat when the file writes it with spaces around). */
  texts: string[];
}

function trimmed(codes: Int32Array, categories: string[]): LabelColumn {
  const texts = categories.map((c) => c.trim());
  // A category that is whitespace only is missing (as a missing-value word with spaces around it is).
  if (!texts.some((t) => t === '')) return { codes, texts };
  return { codes: Int32Array.from(codes, (k) => (k >= 0 && texts[k] === '' ? -1 : k)), texts };
}

/** The label column as codes into its trimmed texts: the file's text where kept, else the numbers written by String(). */
export function labelColumn(table: ColumnTable, label: string): Result<LabelColumn> {
  const index = columnIndex(table, label);
  if (!index.ok) return index;
  const col = table.data[index.value]!;
  if (col.kind === 'categorical') return ok(trimmed(col.codes, col.categories));
  if (col.texts) return ok(trimmed(col.texts.codes, col.texts.categories));
  const byValue = new Map<number, number>();
  const texts: string[] = [];
  const codes = new Int32Array(table.rowCount);
  for (let r = 0; r < codes.length; r++) {
    const v = col.values[r]!;
    if (Number.isNaN(v)) {
      codes[r] = -1;
      continue;
    }
    let k = byValue.get(v);
    if (k === undefined) {
      k = texts.length;
      byValue.set(v, k);
      texts.push(String(v));
    }
    codes[r] = k;
  }
  return ok({ codes, texts });
}

/** The label per row as text, null where missing (for task detection and the stratified split). */
export function labelTexts(labels: LabelColumn): (string | null)[] {
  const out = new Array<string | null>(labels.codes.length);
  for (let r = 0; r < out.length; r++) out[r] = labels.codes[r]! < 0 ? null : labels.texts[labels.codes[r]!]!;
  return out;
}

/** Sorted distinct non-missing values of the label column. */
export function labelClasses(table: ColumnTable, label: string): Result<string[]> {
  const labels = labelColumn(table, label);
  if (!labels.ok) return labels;
  const used = new Set<string>();
  const seen = new Uint8Array(labels.value.texts.length);
  for (const k of labels.value.codes) {
    if (k < 0 || seen[k]) continue;
    seen[k] = 1;
    used.add(labels.value.texts[k]!);
  }
  return ok([...used].sort());
}

/** Numeric columns for `features`, each an error naming the file, line and value if it holds a non-number. */
function featureColumns(table: ColumnTable, features: string[]): Result<Float64Array[]> {
  const cols: Float64Array[] = [];
  for (const f of features) {
    const col = numericValues(table, f);
    if (!col.ok) return col;
    cols.push(col.value);
  }
  return ok(cols);
}

/** Row-major matrix of `cols` over the rows `rows`. */
function matrix(cols: Float64Array[], rows: ArrayLike<number>): Matrix {
  const n = rows.length;
  const F = cols.length;
  const data = new Float64Array(n * F);
  for (let c = 0; c < F; c++) {
    const col = cols[c]!;
    for (let i = 0; i < n; i++) data[i * F + c] = col[rows[i]!]!;
  }
  return { rows: n, cols: F, data };
}

const allRows = (n: number): Uint32Array => {
  const rows = new Uint32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
};

/** The rows `rows` (all when omitted) as a matrix of `features` and label indices over `classes`. */
export function labeledRows(table: ColumnTable, features: string[], label: string, classes: string[], rows?: ArrayLike<number>): Result<LabeledRows> {
  const labels = labelColumn(table, label);
  if (!labels.ok) return labels;
  if (features.includes(label)) return fail({ code: 'train-features', file: table.file, message: `The label "${label}" cannot also be a feature.` });
  const cols = featureColumns(table, features);
  if (!cols.ok) return cols;
  const selected = rows ?? allRows(table.rowCount);
  const n = selected.length;
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const codeToClass = Int32Array.from(labels.value.texts, (t) => classIndex.get(t) ?? -1);
  const y = new Int32Array(n);
  const lines = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = selected[i]!;
    const k = labels.value.codes[r]!;
    y[i] = k < 0 ? -1 : codeToClass[k]!;
    lines[i] = table.lines[r]!;
  }
  return ok({ x: matrix(cols.value, selected), y, classes, features, lines });
}

/** Rows for regression: the features and the label as a number (NaN where missing). */
export interface RegressionRows {
  x: Matrix;
  y: Float64Array;
  features: string[];
  lines: Int32Array;
}

/** The rows `rows` as a matrix of `features` and the label as a number; a label that is not a number is an error naming its line. */
export function regressionRows(table: ColumnTable, features: string[], label: string, rows: ArrayLike<number>): Result<RegressionRows> {
  if (features.includes(label)) return fail({ code: 'train-features', file: table.file, message: `The label "${label}" cannot also be a feature.` });
  const target = numericValues(table, label);
  if (!target.ok) return fail({ ...target.error, fix: 'Regression needs a number in every labelled row; leave the field empty for a missing value, or set `task: classification`.' });
  const cols = featureColumns(table, features);
  if (!cols.ok) return cols;
  const n = rows.length;
  const y = new Float64Array(n);
  const lines = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    y[i] = target.value[r]!;
    lines[i] = table.lines[r]!;
  }
  return ok({ x: matrix(cols.value, rows), y, features, lines });
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
