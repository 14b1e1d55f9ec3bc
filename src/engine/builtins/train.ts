// `sextant/train`: trains a model (logistic regression, linear regression, an MLP or gradient-boosted
// trees) on a declared dataset with the built-in trainer, logs the loss per iteration, and writes an
// ONNX model. Classification or regression is decided from the label unless `task` is given
// (train/task.ts). 20% of the rows (by the seed) are held out (stratified by class for classification)
// so that `sextant/evaluate` with `split: 0.2` and the same seed measures unseen rows. The work is
// train/fromTable.ts, the same function `sextant train` runs.
import { resolve } from 'node:path';
import { fail, ok } from '../result';
import { DEFAULT_HOLDOUT, trainFromTable } from '../train/fromTable';
import { datasetPaths, findDataset, parseWith, readDataset, yieldToEventLoop } from './common';
import type { BuiltinImpl } from './types';

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
    const table = readDataset(dataset.value, ctx.root, label);
    if (!table.ok) return table;
    const seed = w.value.seed ?? 0;
    const holdout = w.value.holdout ?? DEFAULT_HOLDOUT;
    await yieldToEventLoop();
    const trained = await trainFromTable(table.value, {
      label,
      model: w.value.model,
      ...(w.value.features ? { features: w.value.features } : {}),
      ...(w.value.task ? { task: w.value.task } : {}),
      holdout,
      seed,
      params: w.value,
      out: resolve(ctx.root, w.value.out),
      dataset: w.value.dataset,
      signal: ctx.signal,
      onProgress: (iteration, loss) => {
        ctx.metric('train_loss', loss, iteration);
        return !ctx.signal.aborted;
      },
    });
    if (!trained.ok) return trained;
    const { prepared, model, score } = trained.value;
    ctx.log(`Training ${w.value.model} (${prepared.task}: ${prepared.taskReason}) on ${prepared.counts.rows - prepared.counts.heldOut} of ${prepared.counts.rows} rows of ${dataset.value.path} (${Math.round(holdout * 100)}% held out${prepared.task === 'classification' ? ', stratified' : ''}, seed ${seed}); features: ${prepared.features.join(', ')}${prepared.task === 'classification' ? `; classes: ${prepared.classes.join(', ')}` : ''}`);
    for (const e of prepared.excluded) ctx.log(`excluded column "${e.column}": ${e.reason}`);
    for (const note of prepared.notes) ctx.log(`note: ${note}`);
    ctx.metric(score.metric, score.value);
    ctx.log(`Final loss ${model.training.finalLoss.toFixed(4)}${model.training.iterations !== undefined ? ` after ${model.training.iterations} iterations` : ''}, ${score.metric} ${score.value.toFixed(4)} (${model.training.droppedRows} rows with a missing value skipped)`);
    ctx.log(`Wrote ${w.value.out} (ONNX opset 13, input "input" float [N, ${prepared.features.length}], ${prepared.task === 'classification' ? 'outputs "probabilities", "label"' : 'output "prediction"'})`);
    return ok(undefined);
  },
};
