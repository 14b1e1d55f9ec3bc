// Reads the evaluation data (CSV, TSV, JSON Lines or Parquet, streamed by ../data/read) into one typed
// array per model input, row-major [N, F], and the label of each row. The columns are matched to the
// model's inputs on the first batch (mapping.ts). A value that is not a number, a fraction for an
// integer input, or a missing feature for a model that does not impute is an error naming the column
// and the line; rows without a label are skipped and counted.
import { isMissingText, type Cell, type ColumnBatch } from '../data/read/batch';
import { DataReadError } from '../data/read/decode';
import { formatOf, scanDataFile } from '../data/read/scan';
import { fail, ok, type EngineError, type Result } from '../result';
import { mapFeatures, type FeatureMapping } from './mapping';
import type { EvalModel, NumericType } from './model';

export type InputArray = Float32Array | Float64Array | Int32Array | BigInt64Array;

export interface EvalData {
  file: string;
  mapping: FeatureMapping;
  rows: number;
  skipped: number;
  /** One array per mapped input, row-major [rows, columns]. */
  arrays: InputArray[];
  /** The label's text of each row (classification) or its number (regression). */
  labels: string[] | Float64Array;
  /** The 1-based line (row, for Parquet) of each evaluated row. */
  lines: Int32Array;
}

const ARRAYS: Record<NumericType, new (n: number) => InputArray> = { float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array };

class Growing<T extends InputArray | Float64Array | Int32Array> {
  length = 0;
  constructor(
    private make: (n: number) => T,
    public data: T = make(1024),
  ) {}
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

function toNumber(cell: Cell): number | undefined {
  if (cell === null) return NaN;
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'boolean') return cell ? 1 : 0;
  const text = cell.trim();
  if (isMissingText(text)) return NaN;
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}

const where = (position: 'line' | 'row', line: number): string => `${position} ${line}`;

export async function readEvalData(model: EvalModel, file: string, label: string): Promise<Result<EvalData>> {
  let mapping: FeatureMapping | undefined;
  let builders: Growing<InputArray>[] = [];
  const numericLabels = new Growing<Float64Array>((n) => new Float64Array(n));
  const textLabels: string[] = [];
  const lines = new Growing<Int32Array>((n) => new Int32Array(n));
  let skipped = 0;
  const position = formatOf(file) === 'parquet' ? 'row' : 'line';
  let missing: { column: string; count: number; first: number } | undefined;
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
    }
    const index = new Map(batch.columns.map((c, i) => [c, i]));
    const labelCells = batch.values[index.get(label)!]!;
    const keep: number[] = [];
    for (let r = 0; r < batch.rows; r++) {
      const cell = labelCells[r] ?? null;
      if (cell === null || (typeof cell === 'string' && isMissingText(cell.trim()))) {
        skipped++;
        continue;
      }
      if (model.task === 'classification') textLabels.push(typeof cell === 'string' ? cell.trim() : String(cell));
      else {
        const v = toNumber(cell);
        if (v === undefined || Number.isNaN(v)) stop({ code: 'evaluate-label-type', file, line: batch.lines[r], message: `The label "${label}" at ${where(position, batch.lines[r]!)} is "${String(cell)}", not a number: a regression model is evaluated on numeric labels.` });
        numericLabels.reserve(1);
        numericLabels.data[numericLabels.length++] = v!;
      }
      keep.push(r);
    }
    lines.reserve(keep.length);
    for (const r of keep) lines.data[lines.length++] = batch.lines[r]!;
    mapping.inputs.forEach((m, i) => {
      const b = builders[i]!;
      const width = m.columns.length;
      b.reserve(keep.length * width);
      const integer = m.input.type === 'int32' || m.input.type === 'int64';
      const big = m.input.type === 'int64';
      m.columns.forEach((column, c) => {
        const at = index.get(column);
        const cells = at === undefined ? undefined : batch.values[at]!;
        let o = b.length + c;
        for (const r of keep) {
          const v = cells ? toNumber(cells[r] ?? null) : NaN;
          if (v === undefined) {
            stop({ code: 'evaluate-input-type', file, line: batch.lines[r], message: `Column "${column}" at ${where(position, batch.lines[r]!)} is "${String(cells![r])}", not a number: the model's input "${m.input.name}" is ${m.input.type}.` });
          }
          if (Number.isNaN(v)) {
            if (!model.imputes || integer) {
              if (!missing || missing.column === column) missing = { column, count: (missing?.count ?? 0) + 1, first: missing?.first ?? batch.lines[r]! };
            }
          } else if (integer && !Number.isInteger(v)) {
            stop({ code: 'evaluate-input-type', file, line: batch.lines[r], message: `Column "${column}" at ${where(position, batch.lines[r]!)} is ${v}, not an integer: the model's input "${m.input.name}" is ${m.input.type}.` });
          }
          if (big) (b.data as BigInt64Array)[o] = Number.isNaN(v!) ? 0n : BigInt(v!);
          else b.data[o] = v!;
          o += width;
        }
      });
      b.length += keep.length * width;
    });
  };
  const scanned = await scanDataFile(file, onBatch);
  if (!scanned.ok) return scanned;
  if (!mapping) return fail({ code: 'evaluate-no-rows', file, message: 'The data has no rows to evaluate on.' });
  if (missing) {
    return fail({
      code: 'evaluate-missing-feature',
      file,
      line: missing.first,
      message: `Column "${missing.column}" has ${missing.count} missing or NaN value${missing.count === 1 ? '' : 's'} (the first at ${where(position, missing.first)}), and this model does not say how it treats missing features.`,
      fix: 'Fill in or drop those rows before evaluating (a Sextant-trained model fills them with the training mean itself).',
    });
  }
  const rows = lines.length;
  if (rows === 0) return fail({ code: 'evaluate-no-rows', file, message: `No row has a value for the label "${label}" (${skipped} row${skipped === 1 ? '' : 's'} without one).` });
  return ok({ file, mapping, rows, skipped, arrays: builders.map((b) => b.done()), labels: model.task === 'classification' ? textLabels : numericLabels.done(), lines: lines.done() });
}
