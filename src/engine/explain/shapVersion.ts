// `sextant models explain NAME@N DATA --row K`: Kernel SHAP attributions (kernelShap.ts) of single predictions of
// a registered model version, run with onnxruntime-node. The data file's columns are mapped to the model's
// inputs as evaluation maps them (../evaluate/mapping.ts: by the names the model gives, else by order); the
// background is a seeded sample of the file's complete rows. A classifier's explained output is the
// probability of the predicted class (or of `--class`), a regressor's its prediction. Kept with the version in
// model_explanations (kind 'kernel-shap', next to the permutation importance) unless `save` is false.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { z } from 'zod';
import type { Tensor } from 'onnxruntime-node';
import type { ColumnBatch } from '../data/read/batch';
import { DataReadError } from '../data/read/decode';
import { formatOf, scanDataFile } from '../data/read/scan';
import { toNumber } from '../evaluate/feed';
import { mapFeatures, type FeatureMapping } from '../evaluate/mapping';
import { readEvalModel, type EvalModel } from '../evaluate/model';
import { loadOnnxRuntime } from '../native/load';
import { fail, ok, type EngineError, type Result } from '../result';
import type { Database } from '../store/open';
import { storeError, writeTx } from '../store/tx';
import { blobPath } from '../tracking/artifacts';
import { permutation, Rng } from '../train/rng';
import { hasExplanations } from './explainVersion';
import { kernelShap } from './kernelShap';

export const ShapRowSchema = z.object({
  /** 1-based data row of the file (the first row after a header is 1). */
  row: z.number().int(),
  /** Its line in the file (CSV, TSV, JSON Lines) or row number (Parquet). */
  line: z.number().int(),
  /** The class whose probability is explained; null for a regressor. */
  class: z.string().nullable(),
  /** The explained output for the row, f(x). */
  prediction: z.number(),
  /** E[f(background)]: the attributions sum to prediction − base. */
  base: z.number(),
  method: z.enum(['exact', 'sampled']),
  /** Distinct coalitions evaluated besides the empty and the full one. */
  coalitions: z.number().int(),
  /** In the model's feature order. */
  features: z.array(z.object({ feature: z.string(), value: z.number().nullable(), attribution: z.number() })),
});
export type ShapRow = z.infer<typeof ShapRowSchema>;

export const ShapExplanationSchema = z.object({
  kind: z.literal('kernel-shap'),
  model: z.string(),
  version: z.number().int(),
  data: z.object({ path: z.string(), sha256: z.string() }),
  task: z.enum(['classification', 'regression']),
  /** The model output read (class probabilities or the prediction). */
  output: z.string(),
  background: z.object({ rows: z.number().int(), seed: z.number().int() }),
  /** Coalitions drawn per row when sampling (more than `exactUpTo` varying features). */
  samples: z.number().int(),
  exactUpTo: z.number().int(),
  rows: z.array(ShapRowSchema),
  createdAt: z.number().int(),
});
export type ShapExplanation = z.infer<typeof ShapExplanationSchema>;

/** The latest Kernel SHAP explanation kept with a version, or null. */
export function latestShap(db: Database, versionId: number): ShapExplanation | null {
  if (!hasExplanations(db)) return null;
  const raw = db.prepare("SELECT result_json FROM model_explanations WHERE model_version_id = ? AND kind = 'kernel-shap' ORDER BY created_at DESC, id DESC LIMIT 1").pluck().get(versionId) as string | undefined;
  if (raw === undefined) return null;
  const parsed = ShapExplanationSchema.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : null;
}

/** Every row of the file as numbers [rows, features] in the mapping's column order (NaN: missing). */
interface Table {
  mapping: FeatureMapping;
  columns: string[];
  x: Float64Array;
  lines: number[];
  rows: number;
}

async function readTable(model: EvalModel, file: string, label: string): Promise<Result<Table>> {
  const position = formatOf(file) === 'parquet' ? 'row' : 'line';
  let mapping: FeatureMapping | undefined;
  let columns: string[] = [];
  const values: number[] = [];
  const lines: number[] = [];
  const stop: (error: EngineError) => never = (error) => {
    throw new DataReadError(error);
  };
  const onBatch = (batch: ColumnBatch): void => {
    if (!mapping) {
      const mapped = mapFeatures(model, batch.columns, label, file);
      if (!mapped.ok) stop(mapped.error);
      mapping = mapped.value;
      columns = mapping.inputs.flatMap((m) => m.columns);
    }
    const index = new Map(batch.columns.map((c, i) => [c, i]));
    for (let r = 0; r < batch.rows; r++) {
      for (const column of columns) {
        const at = index.get(column);
        const cell = at === undefined ? null : (batch.values[at]![r] ?? null);
        const v = toNumber(cell);
        if (v === undefined) stop({ code: 'explain-input-type', file, line: batch.lines[r], message: `Column "${column}" at ${position} ${batch.lines[r]} is "${String(cell)}", not a number.` });
        values.push(v as number);
      }
      lines.push(batch.lines[r]!);
    }
  };
  const scanned = await scanDataFile(file, onBatch);
  if (!scanned.ok) return scanned;
  if (!mapping) return fail({ code: 'explain-no-rows', file, message: 'The data has no rows.' });
  return ok({ mapping, columns, x: Float64Array.from(values), lines, rows: lines.length });
}

function shownPath(file: string, root: string | undefined): string {
  if (!root) return file;
  const rel = relative(root, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

type Ort = typeof import('onnxruntime-node');

/** The model's inputs for rows of a float64 matrix in the mapping's column order (exported for bench/shap.bench.ts). */
export function feeds(ort: Ort, mapping: FeatureMapping, x: Float64Array, rows: number, F: number): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  let offset = 0;
  for (const m of mapping.inputs) {
    const width = m.columns.length;
    const type = m.input.type;
    const data = type === 'float32' ? new Float32Array(rows * width) : type === 'float64' ? new Float64Array(rows * width) : type === 'int32' ? new Int32Array(rows * width) : new BigInt64Array(rows * width);
    if (data instanceof BigInt64Array) {
      for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) data[r * width + c] = BigInt(Math.round(x[r * F + offset + c]!));
    } else {
      for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) data[r * width + c] = x[r * F + offset + c]!;
    }
    out[m.input.name] = new ort.Tensor(m.input.type, data, m.input.rank === 1 ? [rows] : [rows, width]);
    offset += width;
  }
  return out;
}

export interface ShapVersionInput {
  storePath: string;
  artifactsDir: string;
  /** The workspace: a data file inside it is recorded by its relative path. */
  root?: string;
  name: string;
  version: number;
  versionId: number;
  data: string;
  /** 1-based data rows to explain. */
  rows: number[];
  /** The class whose probability is explained (default: each row's predicted class). */
  class?: string;
  /** The label column, left out of the features (default: the model's). */
  label?: string;
  /** Background rows sampled from the file (default 100). */
  background?: number;
  seed?: number;
  samples?: number;
  exactUpTo?: number;
  save?: boolean;
}

export async function shapVersion(db: Database, input: ShapVersionInput): Promise<Result<ShapExplanation>> {
  const sha = db.prepare('SELECT artifact_sha256 FROM model_versions WHERE id = ?').pluck().get(input.versionId) as string | null;
  if (!sha) return fail({ code: 'model-no-file', file: input.storePath, message: `${input.name} v${input.version} has no stored file.` });
  const modelFile = blobPath(input.artifactsDir, sha);
  if (!existsSync(modelFile)) return fail({ code: 'model-file-missing', file: modelFile, message: `The file of ${input.name} v${input.version} is gone from the artifact store.` });
  const model = readEvalModel(modelFile, readFileSync(modelFile));
  if (!model.ok) return model;
  const m = model.value;
  if (m.task === 'regression' && input.class !== undefined) return fail({ code: 'explain-class', file: modelFile, message: `--class "${input.class}" applies to a classifier; ${input.name} v${input.version} predicts a number.` });
  if (!existsSync(input.data)) return fail({ code: 'data-missing', file: input.data, message: 'The data file does not exist.' });
  const table = await readTable(m, input.data, input.label ?? m.label ?? '');
  if (!table.ok) return table;
  const t = table.value;
  const F = t.columns.length;
  for (const r of input.rows) {
    if (!Number.isInteger(r) || r < 1 || r > t.rows) return fail({ code: 'explain-row', file: input.data, message: `Row ${r} is not in the file: it has ${t.rows} data row${t.rows === 1 ? '' : 's'} (counted from 1, after the header).` });
  }
  const hasNaN = (r: number): number => {
    for (let j = 0; j < F; j++) if (Number.isNaN(t.x[r * F + j]!)) return j;
    return -1;
  };
  if (!m.imputes) {
    for (const r of input.rows) {
      const j = hasNaN(r - 1);
      if (j >= 0) return fail({ code: 'explain-missing-feature', file: input.data, line: t.lines[r - 1], message: `Row ${r} (line ${t.lines[r - 1]}) has no value for "${t.columns[j]}", and this model does not say how it treats missing values.` });
    }
  }
  const complete: number[] = [];
  for (let r = 0; r < t.rows; r++) if (hasNaN(r) < 0) complete.push(r);
  if (complete.length === 0) return fail({ code: 'explain-no-rows', file: input.data, message: 'No row has every feature, so there is no background to compare with.' });
  const seed = input.seed ?? 0;
  const samples = input.samples ?? 2 * F + 2048;
  const want = Math.min(input.background ?? 100, complete.length);
  const order = permutation(complete.length, new Rng(seed));
  const background = new Float64Array(want * F);
  for (let b = 0; b < want; b++) background.set(t.x.subarray(complete[order[b]!]! * F, (complete[order[b]!]! + 1) * F), b * F);

  const ort = loadOnnxRuntime();
  if (!ort.ok) return ort;
  let session: Awaited<ReturnType<typeof ort.value.InferenceSession.create>>;
  try {
    session = await ort.value.InferenceSession.create(m.bytes);
  } catch (err) {
    return fail({ code: 'explain-onnx', file: modelFile, message: `onnxruntime cannot load the model: ${(err as Error).message.split('\n')[0]}` });
  }
  const run = async (x: Float64Array, rows: number): Promise<{ data: ArrayLike<number>; width: number }> => {
    const out = (await session.run(feeds(ort.value, t.mapping, x, rows, F), [m.output]))[m.output]!;
    return { data: out.data as Float32Array | Float64Array, width: m.task === 'classification' ? (out.dims[1] ?? 1) : 1 };
  };
  try {
    const explained: ShapRow[] = [];
    for (const r of input.rows) {
      const x = t.x.slice((r - 1) * F, r * F);
      const own = await run(x, 1);
      let k = 0;
      let cls: string | null = null;
      if (m.task === 'classification') {
        const classes = m.classes ?? Array.from({ length: own.width }, (_, i) => String(i));
        if (classes.length !== own.width) return fail({ code: 'explain-model-classes', file: modelFile, message: `The model names ${classes.length} classes but its output "${m.output}" has ${own.width} columns.` });
        if (input.class !== undefined) {
          k = classes.indexOf(input.class);
          if (k < 0) return fail({ code: 'explain-class', file: modelFile, message: `"${input.class}" is not one of the model's classes (${classes.join(', ')}).` });
        } else {
          for (let c = 1; c < own.width; c++) if (own.data[c]! > own.data[k]!) k = c;
        }
        cls = classes[k]!;
      }
      const f = async (z: Float64Array, rows: number): Promise<Float64Array> => {
        const out = await run(z, rows);
        const y = new Float64Array(rows);
        for (let i = 0; i < rows; i++) y[i] = out.data[i * out.width + k]!;
        return y;
      };
      const shap = await kernelShap({ f, x, background, features: F, seed, samples, ...(input.exactUpTo !== undefined ? { exactUpTo: input.exactUpTo } : {}) });
      explained.push({
        row: r,
        line: t.lines[r - 1]!,
        class: cls,
        prediction: shap.fx,
        base: shap.base,
        method: shap.method,
        coalitions: shap.coalitions,
        features: t.columns.map((feature, j) => ({ feature, value: Number.isNaN(x[j]!) ? null : x[j]!, attribution: shap.values[j]! })),
      });
    }
    const result: ShapExplanation = {
      kind: 'kernel-shap',
      model: input.name,
      version: input.version,
      data: { path: shownPath(input.data, input.root), sha256: createHash('sha256').update(readFileSync(input.data)).digest('hex') },
      task: m.task,
      output: m.output,
      background: { rows: want, seed },
      samples,
      exactUpTo: input.exactUpTo ?? 11,
      rows: explained,
      createdAt: Date.now(),
    };
    if (input.save !== false) {
      if (!hasExplanations(db)) return fail({ code: 'registry-unavailable', file: input.storePath, message: 'This store cannot keep explanations yet (schema before version 10).', fix: 'Open it with this Sextant once (it migrates the store).' });
      writeTx(db, () => {
        db.prepare('INSERT INTO model_explanations (model_version_id, kind, data_path, data_sha256, result_json, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(input.versionId, result.kind, result.data.path, result.data.sha256, JSON.stringify(result), result.createdAt);
      });
    }
    return ok(result);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE')) return fail(storeError(err, input.storePath, `keep the explanation of ${input.name} v${input.version}`));
    if (err instanceof Error && err.message.startsWith('Kernel SHAP')) return fail({ code: 'explain-shap', file: input.data, message: err.message, fix: 'Give a larger --samples.' });
    return fail({ code: 'explain-onnx', file: modelFile, message: `onnxruntime could not run the model: ${(err as Error).message.split('\n')[0]}` });
  } finally {
    await session.release();
  }
}
