// Trains a classifier on rows of a table: standardise, fit, and return the fitted model with its losses.
import { fail, ok, type Result } from '../result';
import { dropIncomplete, type LabeledRows } from './dataset';
import { fitDenseSteps } from './fit';
import { fitGbtSteps } from './gbt';
import { runSteps, runStepsAsync } from './steps';
import { standardise, type FittedModel, type ModelKind } from './model';
import { fitScaler } from './scaler';

interface TrainOptions {
  kind: ModelKind;
  label: string;
  seed: number;
  epochs?: number;
  lr?: number;
  batchSize?: number;
  l2?: number;
  /** Hidden layer sizes of the MLP (default [16]). */
  hidden?: number[];
  /** Tree depth for `gbt` (default 3). */
  maxDepth?: number;
  holdout?: { fraction: number; seed: number } | null;
  dataset?: string;
  onEpoch?: (epoch: number, loss: number) => boolean | void;
}

const TRAIN_DEFAULTS = {
  'logistic-regression': { epochs: 100, lr: 0.05, batchSize: 64, l2: 1e-4, hidden: [] as number[] },
  mlp: { epochs: 100, lr: 0.01, batchSize: 32, l2: 1e-4, hidden: [16] },
  /** epochs = boosting rounds, lr = shrinkage, l2 = λ on leaf values; depth 3, 64 bins. */
  gbt: { epochs: 100, lr: 0.1, batchSize: 0, l2: 1, hidden: [] as number[] },
} as const;

export function trainClassifier(data: LabeledRows, options: TrainOptions): Result<{ model: FittedModel; losses: number[] }> {
  return runSteps(trainSteps(data, options));
}

/** The same training, handing the event loop back every `sliceMs` so a runner stays responsive. */
export function trainClassifierAsync(data: LabeledRows, options: TrainOptions, sliceMs = 50, signal?: AbortSignal): Promise<Result<{ model: FittedModel; losses: number[] }>> {
  return runStepsAsync(trainSteps(data, options), sliceMs, signal);
}

function* trainSteps(data: LabeledRows, options: TrainOptions): Generator<void, Result<{ model: FittedModel; losses: number[] }>> {
  const { rows, dropped } = dropIncomplete(data);
  if (rows.x.rows < 2) return fail({ code: 'train-no-rows', message: `Only ${rows.x.rows} complete rows to train on (${dropped} dropped for a missing label or feature).` });
  const present = new Set(rows.y);
  if (present.size < 2) return fail({ code: 'train-one-class', message: `The training rows hold only one class of "${options.label}" (${rows.classes[[...present][0] ?? 0]}); a classifier needs at least two.` });
  const defaults = TRAIN_DEFAULTS[options.kind];
  const epochs = options.epochs ?? defaults.epochs;
  const lr = options.lr ?? defaults.lr;
  const batchSize = options.batchSize ?? defaults.batchSize;
  const l2 = options.l2 ?? defaults.l2;
  const hidden = options.kind === 'mlp' ? (options.hidden ?? [...defaults.hidden]) : [];
  for (const [name, v] of [['epochs', epochs], ['lr', lr], ['batch_size', options.kind === 'gbt' ? 1 : batchSize]] as const) {
    if (!(Number.isFinite(v) && v > 0)) return fail({ code: 'train-options', message: `${name} must be a positive number, not ${v}.` });
  }
  const scaler = fitScaler(rows.x);
  if (options.kind === 'gbt') {
    const gbt = yield* fitGbtSteps(rows.x, rows.y, rows.classes.length, { rounds: Math.round(epochs), lr, maxDepth: options.maxDepth ?? 3, lambda: l2, minRows: 2, maxBins: 64, onRound: options.onEpoch });
    const finalLoss = gbt.losses.at(-1) ?? NaN;
    const model: FittedModel = {
      kind: 'gbt',
      features: rows.features,
      label: options.label,
      classes: rows.classes,
      scaler,
      layers: [],
      ensemble: gbt.ensemble,
      training: { seed: options.seed, rows: rows.x.rows, droppedRows: dropped, holdout: options.holdout ?? null, epochs: Math.round(epochs), lr, batchSize: rows.x.rows, l2, finalLoss, ...(options.dataset ? { dataset: options.dataset } : {}) },
    };
    return ok({ model, losses: gbt.losses });
  }
  const x = { ...rows.x, data: Float64Array.from(rows.x.data) };
  standardise(x, scaler.mean, scaler.scale);
  const fit = yield* fitDenseSteps(x, rows.y, rows.classes.length, { hidden, epochs: Math.round(epochs), lr, batchSize: Math.round(batchSize), l2, seed: options.seed, onEpoch: options.onEpoch });
  const finalLoss = fit.losses.at(-1) ?? NaN;
  if (!Number.isFinite(finalLoss)) return fail({ code: 'train-diverged', message: `Training diverged (loss ${finalLoss}).`, fix: 'Lower `lr`.' });
  const model: FittedModel = {
    kind: options.kind,
    features: rows.features,
    label: options.label,
    classes: rows.classes,
    scaler,
    layers: fit.layers,
    training: { seed: options.seed, rows: rows.x.rows, droppedRows: dropped, holdout: options.holdout ?? null, epochs: Math.round(epochs), lr, batchSize: Math.round(batchSize), l2, finalLoss, ...(options.dataset ? { dataset: options.dataset } : {}) },
  };
  return ok({ model, losses: fit.losses });
}
