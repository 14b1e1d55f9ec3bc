// A fitted model: the standardisation, the dense layers and the classes, as one zod-typed value.
// Logistic regression is one softmax layer; linear regression one identity layer; the MLP adds ReLU
// layers before its last (softmax for classification, identity for regression); gradient-boosted trees
// use only the scaler's means (to impute) and their ensemble. The same shape is exported to ONNX, so
// the TypeScript forward pass here and onnxruntime's must agree. `task` absent means classification
// (models written before regression existed).
import { z } from 'zod';
import { EnsembleSchema, ensembleScores } from './gbt';

const MODEL_KINDS = ['logistic-regression', 'linear', 'mlp', 'gbt'] as const;
export const ModelKindSchema = z.enum(MODEL_KINDS);
export type ModelKind = z.infer<typeof ModelKindSchema>;

export const LayerSchema = z.object({
  inputs: z.number().int().positive(),
  outputs: z.number().int().positive(),
  /** Row-major [inputs × outputs]. */
  weights: z.array(z.number()),
  bias: z.array(z.number()),
  activation: z.enum(['relu', 'softmax', 'identity']),
});
export type Layer = z.infer<typeof LayerSchema>;

export const TaskSchema = z.enum(['classification', 'regression']);
export type Task = z.infer<typeof TaskSchema>;

export const FittedModelSchema = z.object({
  kind: ModelKindSchema,
  task: TaskSchema.optional(),
  features: z.array(z.string()).min(1),
  label: z.string(),
  /** Class names (at least two) for classification; empty for regression. */
  classes: z.array(z.string()),
  scaler: z.object({ mean: z.array(z.number()), scale: z.array(z.number()) }),
  /** Dense layers (logistic regression, MLP); empty for trees. */
  layers: z.array(LayerSchema),
  /** Gradient-boosted trees on the raw (imputed, unscaled) features. */
  ensemble: EnsembleSchema.optional(),
  /** How it was trained: seed, rows, held-out split, hyperparameters, final loss. */
  training: z.object({
    seed: z.number(),
    rows: z.number().int(),
    droppedRows: z.number().int(),
    holdout: z.object({ fraction: z.number(), seed: z.number() }).nullable(),
    epochs: z.number().int(),
    lr: z.number(),
    batchSize: z.number().int(),
    l2: z.number(),
    finalLoss: z.number(),
    /** Optimiser iterations (L-BFGS) or boosting rounds run, and whether the stopping rule was met. */
    iterations: z.number().int().optional(),
    converged: z.boolean().optional(),
    dataset: z.string().optional(),
  }),
}).refine((m) => (m.task === 'regression' ? m.classes.length === 0 : m.classes.length >= 2), { message: 'a classifier names at least two classes; a regressor none', path: ['classes'] });
export type FittedModel = z.infer<typeof FittedModelSchema>;

/** What a model learns to predict: class indices (0..classes-1) with the class names, or numbers. */
export type FitTarget = { task: 'classification'; y: Int32Array; classes: string[] } | { task: 'regression'; y: Float64Array };

/** Row-major dense matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** Standardises a row-major matrix in place; missing values (NaN) become the mean (0 after scaling). */
export function standardise(x: Matrix, mean: ArrayLike<number>, scale: ArrayLike<number>): void {
  const { rows, cols, data } = x;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = data[o + c]!;
      data[o + c] = Number.isNaN(v) ? 0 : (v - mean[c]!) / scale[c]!;
    }
  }
}

/** One dense layer: out[r] = act(in[r] · W + b). */
export function denseForward(input: Float64Array, rows: number, layer: { inputs: number; outputs: number; weights: ArrayLike<number>; bias: ArrayLike<number>; activation: Layer['activation'] }, out: Float64Array): void {
  const { inputs, outputs, weights, bias } = layer;
  for (let r = 0; r < rows; r++) {
    const io = r * inputs;
    const oo = r * outputs;
    for (let j = 0; j < outputs; j++) out[oo + j] = bias[j]!;
    for (let k = 0; k < inputs; k++) {
      const a = input[io + k]!;
      if (a === 0) continue;
      const wo = k * outputs;
      for (let j = 0; j < outputs; j++) out[oo + j] = out[oo + j]! + a * weights[wo + j]!;
    }
    if (layer.activation === 'relu') {
      for (let j = 0; j < outputs; j++) if (out[oo + j]! < 0) out[oo + j] = 0;
    } else if (layer.activation === 'softmax') {
      let max = -Infinity;
      for (let j = 0; j < outputs; j++) if (out[oo + j]! > max) max = out[oo + j]!;
      let sum = 0;
      for (let j = 0; j < outputs; j++) {
        const e = Math.exp(out[oo + j]! - max);
        out[oo + j] = e;
        sum += e;
      }
      for (let j = 0; j < outputs; j++) out[oo + j] = out[oo + j]! / sum;
    }
  }
}

/** Class probabilities [rows × classes] (regression: the predicted value per row) for raw (unscaled) features; NaN features are imputed. */
export function predictProba(model: FittedModel, x: Matrix): Float64Array {
  if (model.ensemble) {
    const data = Float64Array.from(x.data);
    for (let i = 0; i < data.length; i++) if (Number.isNaN(data[i]!)) data[i] = model.scaler.mean[i % x.cols]!;
    const K = Math.max(1, model.classes.length);
    const scores = ensembleScores(model.ensemble, data, x.rows, x.cols, K);
    if (model.task !== 'regression') softmaxRows(scores, x.rows, K);
    return scores;
  }
  let h = Float64Array.from(x.data);
  standardise({ rows: x.rows, cols: x.cols, data: h }, model.scaler.mean, model.scaler.scale);
  for (const layer of model.layers) {
    const out = new Float64Array(x.rows * layer.outputs);
    denseForward(h, x.rows, layer, out);
    h = out;
  }
  return h;
}

function softmaxRows(z: Float64Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, z[r * cols + j]!);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += z[r * cols + j] = Math.exp(z[r * cols + j]! - max);
    for (let j = 0; j < cols; j++) z[r * cols + j] = z[r * cols + j]! / sum;
  }
}

export function argmaxRows(p: Float64Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < cols; j++) if (p[r * cols + j]! > p[r * cols + best]!) best = j;
    out[r] = best;
  }
  return out;
}
