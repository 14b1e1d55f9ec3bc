// Training from a table to an ONNX file: the one function behind `sextant/train` and `sextant train`.
// prepare.ts decides the task, features and rows; train.ts fits; the training score (accuracy, or R² for
// regression) is measured on the training rows; the model is written as ONNX (onnx/export.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fail, ok, type Result } from '../result';
import { VERSION } from '../version';
import type { ColumnTable } from '../data/read/columnTable';
import { dropIncomplete, dropIncompleteRegression } from './dataset';
import { argmaxRows, predictProba, type FittedModel } from './model';
import { exportOnnx } from './onnx/export';
import { prepareTraining, type PrepareOptions, type PreparedTraining } from './prepare';
import { StepsAborted } from './steps';
import { trainRowsAsync, type TrainOptions } from './train';

/** The fraction held out by default (stratified by class for classification), which `sextant/evaluate` with `split: 0.2` and the same seed scores. */
export const DEFAULT_HOLDOUT = 0.2;

/** Hyper-parameters, as `sextant/train`'s `with` names them (the CLI's `--param k=v`). */
export interface TrainParams {
  epochs?: number;
  lr?: number;
  hidden?: number[];
  batch_size?: number;
  l2?: number;
  max_depth?: number;
}

interface TrainTableOptions extends PrepareOptions {
  params: TrainParams;
  /** Where to write the ONNX model. */
  out: string;
  /** The dataset's name, kept in the model's metadata. */
  dataset?: string;
  /** Each iteration (epoch, boosting round, L-BFGS step) with its loss; false stops training. */
  onProgress?: (iteration: number, loss: number) => boolean | void;
  signal?: AbortSignal;
}

export interface TrainOutcome {
  model: FittedModel;
  prepared: PreparedTraining;
  /** `train_accuracy` (classification) or `train_r2` (regression), on the training rows. */
  score: { metric: 'train_accuracy' | 'train_r2'; value: number };
  losses: number[];
  /** The ONNX file written. */
  out: string;
}

export async function trainFromTable(table: ColumnTable, o: TrainTableOptions): Promise<Result<TrainOutcome>> {
  const prepared = prepareTraining(table, o);
  if (!prepared.ok) return prepared;
  const p = o.params;
  const options: TrainOptions = {
    kind: o.model,
    label: o.label,
    seed: o.seed,
    ...(p.epochs !== undefined ? { epochs: p.epochs } : {}),
    ...(p.lr !== undefined ? { lr: p.lr } : {}),
    ...(p.hidden !== undefined ? { hidden: p.hidden } : {}),
    ...(p.batch_size !== undefined ? { batchSize: p.batch_size } : {}),
    ...(p.l2 !== undefined ? { l2: p.l2 } : {}),
    ...(p.max_depth !== undefined ? { maxDepth: p.max_depth } : {}),
    holdout: o.holdout > 0 ? { fraction: o.holdout, seed: o.seed } : null,
    ...(o.dataset ? { dataset: o.dataset } : {}),
    onEpoch: (iteration, loss) => (o.signal?.aborted ? false : (o.onProgress?.(iteration, loss) ?? true)),
  };
  let fit: Result<{ model: FittedModel; losses: number[] }>;
  try {
    fit = await trainRowsAsync(prepared.value.data, options, 50, o.signal);
  } catch (err) {
    if (err instanceof StepsAborted) return fail({ code: 'cancelled', message: 'Training was stopped (cancelled or timed out).' });
    throw err;
  }
  if (o.signal?.aborted) return fail({ code: 'cancelled', message: 'Training was cancelled.' });
  if (!fit.ok) return fail({ ...fit.error, file: fit.error.file ?? table.file });
  const model = fit.value.model;
  const score = trainingScore(model, prepared.value);
  try {
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, exportOnnx(model, VERSION));
  } catch (err) {
    return fail({ code: 'train-write', file: o.out, message: `Cannot write the model: ${(err as Error).message}` });
  }
  return ok({ model, prepared: prepared.value, score, losses: fit.value.losses, out: o.out });
}

/** Accuracy or R² of the model on its complete training rows. */
function trainingScore(model: FittedModel, prepared: PreparedTraining): TrainOutcome['score'] {
  if (prepared.data.task === 'classification') {
    const { rows } = dropIncomplete(prepared.data.rows);
    const pred = argmaxRows(predictProba(model, rows.x), rows.x.rows, model.classes.length);
    let right = 0;
    for (let i = 0; i < pred.length; i++) if (pred[i] === rows.y[i]) right++;
    return { metric: 'train_accuracy', value: rows.x.rows ? right / rows.x.rows : NaN };
  }
  const { rows } = dropIncompleteRegression(prepared.data.rows);
  const predicted = predictProba(model, rows.x);
  let mean = 0;
  for (const v of rows.y) mean += v / rows.y.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < rows.y.length; i++) {
    residual += (rows.y[i]! - predicted[i]!) ** 2;
    total += (rows.y[i]! - mean) ** 2;
  }
  return { metric: 'train_r2', value: total > 0 ? 1 - residual / total : NaN };
}
