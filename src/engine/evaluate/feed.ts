// Reads the evaluation data (CSV, TSV, JSON Lines or Parquet, streamed by ../data/read) into one typed
// array per model input, row-major [N, F], and the label of each row; the columns are matched to the
// model's inputs on the first batch (mapping.ts). A value that is not a number, or a fraction for an
// integer input, is an error naming the column and the line. Then selectRows() keeps the rows to
// evaluate (all, or a held-out part): rows without a label are skipped and counted, and a missing
// feature on a kept row is an error unless the model imputes (a Sextant-trained one does).
import { isMissingText, type Cell, type ColumnBatch, type DataFormat } from '../data/read/batch';
import { DataReadError } from '../data/read/decode';
import { formatOf, scanDataFile } from '../data/read/scan';
import { fail, ok, type EngineError, type Result } from '../result';
import { mapFeatures, type FeatureMapping } from './mapping';
import type { EvalModel, NumericType } from './model';

export type InputArray = Float32Array | Float64Array | Int32Array | BigInt64Array;

/** Every row of the file. */
export interface RawData {
  file: string;
  /** What `lines` count: lines of a text file, rows of a Parquet file. */
  position: 'line' | 'row';
  mapping: FeatureMapping;
  rows: number;
  arrays: InputArray[];
  /** The label's text per row; null where missing. */
  labels: (string | null)[];
  lines: Int32Array;
  /** Per row, the index in `missingColumns` of its first missing feature, or -1. */
  missing: Int32Array;
  missingColumns: string[];
}

/** The rows to evaluate. */
export interface EvalData {
  file: string;
  mapping: FeatureMapping;
  rows: number;
  skipped: number;
  arrays: InputArray[];
  /** The label's text (classification) or number (regression) per row. */
  labels: string[] | Float64Array;
  lines: Int32Array;
}

const ARRAYS: Record<NumericType, new (n: number) => InputArray> = { float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array };

class Growing<T extends InputArray> {
  length = 0;
  data: T;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = this.make(size);
    next.set(this.data as never);
    this.data = next;
  }
  done(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/** A data cell as a model input number: NaN when missing, undefined when it is text that is no number. */
export function toNumber(cell: Cell): number | undefined {
  if (cell === null) return NaN;
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'boolean') return cell ? 1 : 0;
  const text = cell.trim();
  if (isMissingText(text)) return NaN;
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}

/** `format`: the file's format when its extension does not say (a dataset's `format:`). */
export async function readEvalData(model: EvalModel, file: string, label: string, format?: DataFormat): Promise<Result<RawData>> {
  const position = (format ?? formatOf(file)) === 'parquet' ? 'row' : 'line';
  let mapping: FeatureMapping | undefined;
  let builders: Growing<InputArray>[] = [];
  const labels: (string | null)[] = [];
  const lines = new Growing<Int32Array>((n) => new Int32Array(n));
  const missing = new Growing<Int32Array>((n) => new Int32Array(n));
  const missingColumns: string[] = [];
  const stop: (error: EngineError) => never = (error) => {
    throw new DataReadError(error);
  };
  const onBatch = (batch: ColumnBatch): void => {
    if (!mapping) {
      if (!batch.columns.includes(label)) {
        stop({ code: 'evaluate-label', file, message: `The data has no column "${label}" to take the true values from (its columns: ${batch.columns.join(', ')}).`, fix: 'Name the label column with --label.' });
      }
      const mapped = mapFeatures(model, batch.columns, label, file);
      if (!mapped.ok) stop(mapped.error);
      mapping = mapped.value;
      builders = mapping.inputs.map((m) => new Growing<InputArray>((n) => new ARRAYS[m.input.type](n)));
      for (const m of mapping.inputs) missingColumns.push(...m.columns);
    }
    const n = batch.rows;
    const index = new Map(batch.columns.map((c, i) => [c, i]));
    const labelCells = batch.values[index.get(label)!]!;
    const first = missing.length;
    lines.reserve(n);
    missing.reserve(n);
    for (let r = 0; r < n; r++) {
      const cell = labelCells[r] ?? null;
      const text = cell === null ? null : typeof cell === 'string' ? cell.trim() : String(cell);
      labels.push(text === null || isMissingText(text) ? null : text);
      lines.data[lines.length++] = batch.lines[r]!;
      missing.data[missing.length++] = -1;
    }
    let columnNumber = 0;
    mapping.inputs.forEach((m, i) => {
      const b = builders[i]!;
      const width = m.columns.length;
      b.reserve(n * width);
      const integer = m.input.type === 'int32' || m.input.type === 'int64';
      const big = m.input.type === 'int64';
      const flagMissing = !model.imputes || integer;
      m.columns.forEach((column, c) => {
        const at = index.get(column);
        const cells = at === undefined ? undefined : batch.values[at]!;
        const columnIndex = columnNumber++;
        let o = b.length + c;
        for (let r = 0; r < n; r++) {
          const v = cells ? toNumber(cells[r] ?? null) : NaN;
          if (v === undefined) {
            stop({ code: 'evaluate-input-type', file, line: batch.lines[r], message: `Column "${column}" at ${position} ${batch.lines[r]} is "${String(cells![r])}", not a number: the model's input "${m.input.name}" is ${m.input.type}.` });
          }
          if (Number.isNaN(v)) {
            if (flagMissing && missing.data[first + r] === -1) missing.data[first + r] = columnIndex;
          } else if (integer && !Number.isInteger(v)) {
            stop({ code: 'evaluate-input-type', file, line: batch.lines[r], message: `Column "${column}" at ${position} ${batch.lines[r]} is ${v}, not an integer: the model's input "${m.input.name}" is ${m.input.type}.` });
          }
          if (big) (b.data as BigInt64Array)[o] = Number.isNaN(v) ? 0n : BigInt(v);
          else b.data[o] = v;
          o += width;
        }
      });
      b.length += n * width;
    });
  };
  const scanned = await scanDataFile(file, onBatch, format ? { format } : {});
  if (!scanned.ok) return scanned;
  if (!mapping) return fail({ code: 'evaluate-no-rows', file, message: 'The data has no rows to evaluate on.' });
  return ok({ file, position, mapping, rows: labels.length, arrays: builders.map((b) => b.done()), labels, lines: lines.done(), missing: missing.done(), missingColumns });
}

/** The rows `rows` (default all) that have a label, checked and compacted for the session. */
export function selectRows(model: EvalModel, raw: RawData, label: string, rows?: ArrayLike<number>): Result<EvalData> {
  const picked = rows ?? Uint32Array.from({ length: raw.rows }, (_, i) => i);
  const keep: number[] = [];
  let skipped = 0;
  let firstMissing: { row: number; count: number } | undefined;
  for (let i = 0; i < picked.length; i++) {
    const r = picked[i]!;
    if (raw.labels[r] === null) {
      skipped++;
      continue;
    }
    if (raw.missing[r] !== -1) {
      if (!firstMissing) firstMissing = { row: r, count: 0 };
      firstMissing.count++;
    }
    keep.push(r);
  }
  if (firstMissing) {
    const column = raw.missingColumns[raw.missing[firstMissing.row]!]!;
    const line = raw.lines[firstMissing.row]!;
    return fail({
      code: 'evaluate-missing-feature',
      file: raw.file,
      line,
      message: `${firstMissing.count} row${firstMissing.count === 1 ? ' has' : 's have'} a missing or NaN feature (the first: column "${column}" at ${raw.position} ${line}), and this model does not say how it treats missing values.`,
      fix: 'Fill in or drop those rows before evaluating (a Sextant-trained model fills them in with the training mean itself).',
    });
  }
  const n = keep.length;
  if (n === 0) return fail({ code: 'evaluate-no-rows', file: raw.file, message: `No row to evaluate has a value for the label "${label}" (${skipped} row${skipped === 1 ? '' : 's'} without one).` });
  const all = n === raw.rows;
  const arrays = raw.mapping.inputs.map((m, i) => {
    const source = raw.arrays[i]!;
    if (all) return source;
    const width = m.columns.length;
    const out = new ARRAYS[m.input.type](n * width);
    keep.forEach((r, j) => out.set(source.subarray(r * width, (r + 1) * width) as never, j * width));
    return out;
  });
  const lines = Int32Array.from(keep, (r) => raw.lines[r]!);
  if (model.task === 'classification') return ok({ file: raw.file, mapping: raw.mapping, rows: n, skipped, arrays, labels: keep.map((r) => raw.labels[r]!), lines });
  const values = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const text = raw.labels[keep[j]!]!;
    const v = Number(text);
    if (Number.isNaN(v)) return fail({ code: 'evaluate-label-type', file: raw.file, line: lines[j], message: `The label "${label}" at ${raw.position} ${lines[j]} is "${text}", not a number: a model that predicts a number is evaluated on numeric labels.` });
    values[j] = v;
  }
  return ok({ file: raw.file, mapping: raw.mapping, rows: n, skipped, arrays, labels: values, lines });
}
