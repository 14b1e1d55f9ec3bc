// A column of a ColumnTable (columnTable.ts) by name: its index, its values as numbers, or its text per
// row. A value that is not a number, where numbers are needed, is an error naming the file, the line and
// the value.
import { fail, ok, type Result } from '../../result';
import { parseNumberText } from './columnBytes';
import type { ColumnTable } from './columnTable';

export function columnIndex(table: ColumnTable, name: string): Result<number> {
  const index = table.columns.indexOf(name);
  if (index < 0) return fail({ code: 'dataset-column', file: table.file, line: 1, message: `No column "${name}"; the columns are ${table.columns.join(', ')}.` });
  return ok(index);
}

/** Why `value` is no number: `not a finite number` for Infinity, inf, 1e999; `not a number` otherwise. */
export function notANumber(value: string): string {
  const t = value.trim();
  return /^[+-]?(inf|infinity)$/i.test(t) || Math.abs(Number(t)) === Infinity ? 'not a finite number' : 'not a number';
}

/** The first value of column `c` that is not a finite number (row order), or undefined when there is none. */
export function firstNonNumber(table: ColumnTable, c: number): { line: number; value: string } | undefined {
  const col = table.data[c]!;
  if (col.kind === 'numeric') return undefined;
  if (col.firstNonNumber) return { line: col.firstNonNumber.line, value: col.firstNonNumber.value };
  // Read as categories from the start (asked for): look at each category once, then find its first row.
  const numbers = col.categories.map(parseNumberText);
  for (let r = 0; r < col.codes.length; r++) {
    const k = col.codes[r]!;
    if (k >= 0 && Number.isNaN(numbers[k]!)) return { line: table.lines[r]!, value: col.categories[k]! };
  }
  return undefined;
}

/** Column `c` as numbers, NaN where missing, assuming firstNonNumber found none. */
function numbersOf(table: ColumnTable, c: number): Float64Array {
  const col = table.data[c]!;
  if (col.kind === 'numeric') return col.values;
  const numbers = col.categories.map(parseNumberText);
  const out = new Float64Array(col.codes.length);
  for (let r = 0; r < out.length; r++) {
    const k = col.codes[r]!;
    out[r] = k < 0 ? NaN : numbers[k]!;
  }
  return out;
}

/** A column as numbers (NaN where missing); a value that is not a finite number is an error with its file, line and value. */
export function numericValues(table: ColumnTable, name: string): Result<Float64Array> {
  const index = columnIndex(table, name);
  if (!index.ok) return index;
  const bad = firstNonNumber(table, index.value);
  if (bad) {
    return fail({ code: 'dataset-not-numeric', file: table.file, line: bad.line, message: `Column "${name}" has "${bad.value}", which is ${notANumber(bad.value)}.`, fix: 'Leave the field empty for a missing value, or drop the column from `features`.' });
  }
  return ok(numbersOf(table, index.value));
}

/** Column `c` as text per row (null where missing): categories and kept texts as written, other numbers as String(x). */
export function columnTexts(table: ColumnTable, c: number): (string | null)[] {
  const col = table.data[c]!;
  const out: (string | null)[] = new Array<string | null>(table.rowCount);
  if (col.kind === 'numeric' && col.texts) {
    const { codes, categories } = col.texts;
    for (let r = 0; r < out.length; r++) out[r] = codes[r]! < 0 ? null : categories[codes[r]!]!;
  } else if (col.kind === 'numeric') {
    for (let r = 0; r < out.length; r++) out[r] = Number.isNaN(col.values[r]!) ? null : String(col.values[r]);
  } else {
    for (let r = 0; r < out.length; r++) out[r] = col.codes[r]! < 0 ? null : col.categories[col.codes[r]!]!;
  }
  return out;
}
