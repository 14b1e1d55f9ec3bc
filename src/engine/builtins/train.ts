// `sextant/train`: trains logistic regression, an MLP or gradient-boosted trees on a declared dataset with the built-in
// trainer, logs the loss per epoch, and writes an ONNX model. 20% of the rows (by the seed) are held
// out (stratified by label) so that `sextant/evaluate` with `split: 0.2` and the same seed measures
// unseen rows.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fail, ok } from '../result';
import { VERSION } from '../version';
import { labelClasses, labeledRows, numericColumns } from '../train/dataset';
import { argmaxRows, predictProba } from '../train/model';
import { exportOnnx } from '../train/onnx/export';
import { holdoutSplit } from '../train/split';
import { trainClassifierAsync } from '../train/train';
import { StepsAborted } from '../train/steps';
import { datasetPaths, findDataset, parseWith, readDataset, yieldToEventLoop } from './common';
import type { BuiltinImpl } from './types';

/** The fraction `sextant/train` holds out (see the header). */
const TRAIN_HOLDOUT = 0.2;

export const trainBuiltin: BuiltinImpl = {
  deps: (w, pipeline) => datasetPaths(pipeline, [w.dataset]),
  outs: (w) => (typeof w.out === 'string' ? [w.out] : []),
  async run(ctx) {
    const w = parseWith('sextant/train', ctx.stage, ctx.with, ctx.pipelineFile);
    if (!w.ok) return w;
    const dataset = findDataset(ctx.pipeline, w.value.dataset, ctx.stage, ctx.pipelineFile);
    if (!dataset.ok) return dataset;
    const label = dataset.value.label;
    if (!label) return fail({ code: 'train-no-label', file: ctx.pipelineFile, message: `Dataset "${w.value.dataset}" has no \`label\`: sextant/train needs the target column.`, fix: `Add \`label: <column>\` to datasets.${w.value.dataset}.` });
    const table = readDataset(dataset.value, ctx.root);
    if (!table.ok) return table;
    const features = w.value.features ?? numericColumns(table.value, [label]);
    if (features.length === 0) return fail({ code: 'train-features', file: table.value.file, message: 'No numeric feature columns to train on.', fix: 'List them in `with.features`.' });
    const classes = labelClasses(table.value, label);
    if (!classes.ok) return classes;
    const seed = w.value.seed ?? 0;
    const labelColumn = table.value.values[table.value.columns.indexOf(label)];
    // Keys the registry's schema may add later (holdout, batch_size, l2, max_depth) are read when present.
    const extra = w.value as { holdout?: number; batch_size?: number; l2?: number; max_depth?: number };
    const holdout = extra.holdout ?? TRAIN_HOLDOUT;
    const split = holdoutSplit(table.value.rowCount, holdout, seed, labelColumn);
    const rows = labeledRows(table.value, features, label, classes.value, split.train);
    if (!rows.ok) return rows;
    ctx.log(`Training ${w.value.model} on ${rows.value.x.rows} of ${table.value.rowCount} rows of ${dataset.value.path} (${Math.round(holdout * 100)}% held out, stratified, seed ${seed}); features: ${features.join(', ')}; classes: ${classes.value.join(', ')}`);
    await yieldToEventLoop();
    let cancelled = false;
    // In slices, so the runner keeps streaming other stages' logs and honours timeouts while this trains.
    let fit: Awaited<ReturnType<typeof trainClassifierAsync>>;
    try {
      fit = await trainClassifierAsync(rows.value, {
        kind: w.value.model,
        label,
        seed,
        ...(w.value.epochs !== undefined ? { epochs: w.value.epochs } : {}),
        ...(w.value.lr !== undefined ? { lr: w.value.lr } : {}),
        ...(w.value.hidden !== undefined ? { hidden: w.value.hidden } : {}),
        ...(extra.batch_size !== undefined ? { batchSize: extra.batch_size } : {}),
        ...(extra.l2 !== undefined ? { l2: extra.l2 } : {}),
        ...(extra.max_depth !== undefined ? { maxDepth: extra.max_depth } : {}),
        holdout: holdout > 0 ? { fraction: holdout, seed } : null,
        dataset: w.value.dataset,
        onEpoch: (epoch, loss) => {
          ctx.metric('train_loss', loss, epoch);
          if (ctx.signal.aborted) {
            cancelled = true;
            return false;
          }
          return true;
        },
      }, 50, ctx.signal);
    } catch (err) {
      if (err instanceof StepsAborted) return fail({ code: 'cancelled', message: 'Training was stopped (cancelled or timed out).' });
      throw err;
    }
    if (cancelled) return fail({ code: 'cancelled', message: 'Training was cancelled.' });
    if (!fit.ok) return fail({ ...fit.error, file: fit.error.file ?? table.value.file });
    const model = fit.value.model;
    const complete = rows.value;
    const p = predictProba(model, complete.x);
    const pred = argmaxRows(p, complete.x.rows, model.classes.length);
    let right = 0;
    let counted = 0;
    for (let i = 0; i < pred.length; i++) {
      if (complete.y[i]! < 0) continue;
      counted++;
      if (pred[i] === complete.y[i]) right++;
    }
    ctx.metric('train_accuracy', counted ? right / counted : NaN);
    ctx.log(`Final loss ${model.training.finalLoss.toFixed(4)}, training accuracy ${(right / Math.max(1, counted)).toFixed(4)} (${model.training.droppedRows} rows with a missing value skipped)`);
    const out = resolve(ctx.root, w.value.out);
    try {
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, exportOnnx(model, VERSION));
    } catch (err) {
      return fail({ code: 'train-write', file: out, message: `Cannot write the model: ${(err as Error).message}` });
    }
    ctx.log(`Wrote ${w.value.out} (ONNX opset 13, input "input" float [N, ${features.length}], outputs "probabilities", "label")`);
    return ok(undefined);
  },
};
