// Trains a classifier on rows of a table: standardise, fit, and return the fitted model with its losses.
import { fail, type Result } from '../result';
import { dropIncomplete, dropIncompleteRegression, type LabeledRows } from './dataset';
import { fitModelSteps } from './fitModel';
import { runSteps, runStepsAsync } from './steps';
import type { FittedModel, ModelKind } from './model';
import type { TrainingRows } from './prepare';
import { trainInWorker } from './worker';

export interface TrainOptions {
  kind: ModelKind;
  label: string;
  seed: number;
  epochs?: number;
  lr?: number;
  batchSize?: number;
  l2?: number;
  /** Hidden layer sizes of the MLP (default [16]). */
  hidden?: number[];
  /** Tree depth limit for `gbt` (default none). */
  maxDepth?: number;
  holdout?: { fraction: number; seed: number } | null;
  dataset?: string;
  onEpoch?: (epoch: number, loss: number) => boolean | void;
}

export function trainClassifier(data: LabeledRows, options: TrainOptions): Result<{ model: FittedModel; losses: number[] }> {
  return runSteps(trainSteps(data, options));
}

/** The same training, handing the event loop back every `sliceMs` so a runner stays responsive. */
export function trainClassifierAsync(data: LabeledRows, options: TrainOptions, sliceMs = 50, signal?: AbortSignal): Promise<Result<{ model: FittedModel; losses: number[] }>> {
  return runStepsAsync(trainSteps(data, options), sliceMs, signal);
}

/** Trains on prepared rows of either task (prepare.ts) in a worker thread (worker.ts); without one, handing the event loop back every `sliceMs`. */
export function trainRowsAsync(data: TrainingRows, options: TrainOptions, sliceMs = 50, signal?: AbortSignal): Promise<Result<{ model: FittedModel; losses: number[] }>> {
  return trainInWorker(data, options, signal, () => runStepsAsync(trainRowsSteps(data, options), sliceMs, signal));
}

/** The training of trainRowsAsync as steps (what the worker runs). */
export function trainRowsSteps(data: TrainingRows, options: TrainOptions): Generator<void, Result<{ model: FittedModel; losses: number[] }>> {
  return data.task === 'classification' ? trainSteps(data.rows, options) : regressionSteps(data, options);
}

function* regressionSteps(data: Extract<TrainingRows, { task: 'regression' }>, options: TrainOptions): Generator<void, Result<{ model: FittedModel; losses: number[] }>> {
  const { rows, dropped } = dropIncompleteRegression(data.rows);
  if (rows.x.rows < 2) return fail({ code: 'train-no-rows', message: `Only ${rows.x.rows} complete rows to train on (${dropped} dropped for a missing label or feature).` });
  return yield* fitModelSteps(rows.x, { task: 'regression', y: rows.y }, { ...options, features: rows.features, droppedRows: dropped });
}

function* trainSteps(data: LabeledRows, options: TrainOptions): Generator<void, Result<{ model: FittedModel; losses: number[] }>> {
  const { rows, dropped } = dropIncomplete(data);
  if (rows.x.rows < 2) return fail({ code: 'train-no-rows', message: `Only ${rows.x.rows} complete rows to train on (${dropped} dropped for a missing label or feature).` });
  const present = new Set(rows.y);
  if (present.size < 2) return fail({ code: 'train-one-class', message: `The training rows hold only one class of "${options.label}" (${rows.classes[[...present][0] ?? 0]}); a classifier needs at least two.` });
  // The model's own defaults, optimiser and FittedModel: fitModel.ts.
  return yield* fitModelSteps(rows.x, { task: 'classification', y: rows.y, classes: rows.classes }, { ...options, features: rows.features, droppedRows: dropped });
}
