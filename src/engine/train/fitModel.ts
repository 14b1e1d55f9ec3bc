// From a feature matrix and a target to a fitted model of the asked kind: standardises the features, runs
// the model's optimiser as steps (see steps.ts) and assembles the FittedModel. The defaults are
// scikit-learn's where it has the model:
// - logistic-regression: L-BFGS on Σ log-loss + ½‖W‖²·l2 (l2 = 1/C, default 1), tol 1e-4, epochs = max_iter 100;
// - linear: least squares (l2 = ridge alpha, default 0), closed form;
// - gbt: HistGradientBoosting's (epochs = max_iter 100, lr 0.1, 31 leaves, 20 rows per leaf, l2 0, 255 bins,
//   early stopping above 10,000 rows); max_depth unset unless given;
// - mlp: one ReLU hidden layer of 16, mini-batch Adam (epochs 100, lr 0.01, batch 32, l2 1e-4).
import { fail, ok, type Result } from '../result';
import { fitDenseSteps } from './fit';
import { fitGbtSteps, GBT_DEFAULTS } from './gbt';
import { fitLinearRegression, fitLogisticSteps } from './linear';
import { standardise, type FitTarget, type FittedModel, type Layer, type Matrix, type ModelKind } from './model';
import { fitScaler } from './scaler';

interface FitModelOptions {
  kind: ModelKind;
  label: string;
  features: string[];
  seed: number;
  epochs?: number;
  lr?: number;
  batchSize?: number;
  l2?: number;
  /** Hidden layer sizes of the MLP (default [16]). */
  hidden?: number[];
  /** Tree depth limit for `gbt` (default none: 31 leaves, grown best-first). */
  maxDepth?: number;
  holdout?: { fraction: number; seed: number } | null;
  dataset?: string;
  droppedRows?: number;
  onEpoch?: (epoch: number, loss: number) => boolean | void;
}

const DEFAULTS = {
  'logistic-regression': { epochs: 100, lr: 0, batchSize: 0, l2: 1 },
  linear: { epochs: 1, lr: 0, batchSize: 0, l2: 0 },
  mlp: { epochs: 100, lr: 0.01, batchSize: 32, l2: 1e-4 },
  gbt: { epochs: GBT_DEFAULTS.maxIter, lr: GBT_DEFAULTS.lr, batchSize: 0, l2: GBT_DEFAULTS.l2 },
} as const;

/** Which tasks each kind does. */
export const KIND_TASKS: Record<ModelKind, readonly FitTarget['task'][]> = {
  'logistic-regression': ['classification'],
  linear: ['regression'],
  mlp: ['classification', 'regression'],
  gbt: ['classification', 'regression'],
};

export function* fitModelSteps(x: Matrix, target: FitTarget, o: FitModelOptions): Generator<void, Result<{ model: FittedModel; losses: number[] }>> {
  if (!KIND_TASKS[o.kind].includes(target.task)) {
    const other = target.task === 'regression' ? 'linear, mlp or gbt' : 'logistic-regression, mlp or gbt';
    return fail({ code: 'train-task', message: `Model "${o.kind}" cannot do ${target.task} (the label "${o.label}" is ${target.task === 'regression' ? 'continuous' : 'a class'}).`, fix: `Use ${other}.` });
  }
  if (x.rows < 2) return fail({ code: 'train-no-rows', message: `Only ${x.rows} rows to train on; at least 2 are needed.` });
  if (target.task === 'classification' && target.classes.length < 2) return fail({ code: 'train-one-class', message: `The label "${o.label}" has only one class; a classifier needs at least two.` });
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i]!;
    if (v === Infinity || v === -Infinity) return fail({ code: 'train-infinite', message: `Feature "${o.features[i % x.cols]}" holds an infinite value (row ${Math.floor(i / x.cols) + 1} of the training rows).`, fix: 'Remove or clip infinite values before training.' });
  }
  if (target.task === 'regression') {
    for (let r = 0; r < target.y.length; r++) if (!Number.isFinite(target.y[r]!)) return fail({ code: 'train-label', message: `The label "${o.label}" is not a finite number in row ${r + 1} of the training rows (${target.y[r]}).` });
  }
  const d = DEFAULTS[o.kind];
  const epochs = Math.round(o.epochs ?? d.epochs);
  const lr = o.lr ?? d.lr;
  const batchSize = Math.round(o.batchSize ?? d.batchSize);
  const l2 = o.l2 ?? d.l2;
  const checks: [string, number, boolean][] = [
    ['epochs', epochs, epochs >= 1],
    ['lr', lr, o.kind === 'logistic-regression' || o.kind === 'linear' || lr > 0],
    ['batch_size', batchSize, o.kind !== 'mlp' || batchSize >= 1],
    ['l2', l2, l2 >= 0 && (o.kind !== 'logistic-regression' || l2 > 0)],
  ];
  for (const [name, v, good] of checks) if (!(Number.isFinite(v) && good)) return fail({ code: 'train-options', message: `${name} must be a positive number, not ${v}.` });
  const scaler = fitScaler(x);
  const classes = target.task === 'classification' ? target.classes : [];
  const K = classes.length;
  let layers: Layer[] = [];
  let ensemble: FittedModel['ensemble'];
  let losses: number[];
  let iterations: number;
  let converged: boolean;
  if (o.kind === 'gbt') {
    const fit = yield* fitGbtSteps(x, target.task === 'classification' ? { task: 'classification', y: target.y, classes: K } : target, {
      ...GBT_DEFAULTS,
      maxIter: epochs,
      lr,
      l2,
      maxDepth: o.maxDepth ?? null,
      seed: o.seed,
      impute: scaler.mean,
      ...(o.onEpoch ? { onRound: o.onEpoch } : {}),
    });
    ensemble = fit.ensemble;
    losses = fit.losses;
    iterations = fit.iterations;
    converged = fit.stoppedEarly;
  } else {
    const xs = { ...x, data: Float64Array.from(x.data) };
    standardise(xs, scaler.mean, scaler.scale);
    if (o.kind === 'linear') {
      const fit = fitLinearRegression(xs, target.y as Float64Array, l2);
      ({ layers, losses, iterations, converged } = fit);
      o.onEpoch?.(0, losses[0]!);
    } else if (o.kind === 'logistic-regression') {
      const fit = yield* fitLogisticSteps(xs, target.y as Int32Array, K, { C: 1 / l2, tol: 1e-4, maxIter: epochs, ...(o.onEpoch ? { onIteration: (i: number, loss: number) => o.onEpoch!(i - 1, loss) } : {}) });
      ({ layers, losses, iterations, converged } = fit);
    } else {
      const fit = yield* fitDenseSteps(xs, target.task === 'classification' ? { task: 'classification', y: target.y, classes: K } : target, { hidden: o.hidden ?? [16], epochs, lr, batchSize, l2, seed: o.seed, ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}) });
      layers = fit.layers;
      losses = fit.losses;
      iterations = losses.length;
      converged = false;
    }
  }
  const finalLoss = losses.at(-1) ?? NaN;
  if (!Number.isFinite(finalLoss)) return fail({ code: 'train-diverged', message: `Training diverged (loss ${finalLoss}).`, fix: o.kind === 'mlp' ? 'Lower `lr`.' : 'Check the features for extreme values.' });
  const model: FittedModel = {
    kind: o.kind,
    task: target.task,
    features: o.features,
    label: o.label,
    classes,
    scaler,
    layers,
    ...(ensemble ? { ensemble } : {}),
    training: {
      seed: o.seed,
      rows: x.rows,
      droppedRows: o.droppedRows ?? 0,
      holdout: o.holdout ?? null,
      epochs,
      lr,
      batchSize: o.kind === 'mlp' ? batchSize : x.rows,
      l2,
      finalLoss,
      iterations,
      converged,
      ...(o.dataset ? { dataset: o.dataset } : {}),
    },
  };
  return ok({ model, losses });
}
