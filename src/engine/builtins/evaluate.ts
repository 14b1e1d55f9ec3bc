// `sextant/evaluate`: evaluates an ONNX model with the evaluation engine (src/engine/evaluate, the same
// code and names as `sextant eval`) on a dataset's rows (all, or those held out with `split`/`seed`):
// accuracy, precision, recall, f1 (of the positive class for two classes; macro for more), their
// _macro and _weighted averages, log loss, ROC AUC (the positive column; one-vs-rest macro for more
// classes), the confusion matrix as confusion/<true>/<pred>, ROC/PR curves as roc/<class> and
// pr/<class> series; or MAE, MSE, RMSE and R² for a model that predicts a number; single-row latency
// percentiles and batch throughput. The evaluation is stored against the registered model version, or, for a
// file not registered yet, by its content, for the version `sextant/register` makes of it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { datasetVersionOf, modelVersionOf, recordArtifactEvaluation, recordEvaluation } from '../evaluate/record';
import { readEvalData, selectRows } from '../evaluate/feed';
import { evaluateData, labelOf, loadEvalModel } from '../evaluate/run';
import type { EvaluationResult } from '../evaluate/schema';
import { fail, ok, type Result } from '../result';
import { openStore } from '../store/open';
import { blobPath } from '../tracking/artifacts';
import { classCurves } from '../train/curves';
import { holdoutSplit } from '../train/split';
import { datasetPaths, findDataset, parseWith } from './common';
import type { BuiltinContext, BuiltinImpl } from './types';

const isRegistryRef = (model: string): boolean => /^[A-Za-z0-9][A-Za-z0-9_.-]*@[A-Za-z0-9_.-]+$/.test(model) && !model.endsWith('.onnx');

const CLASSIFICATION_KEYS = ['accuracy', 'precision', 'recall', 'f1', 'precision_macro', 'recall_macro', 'f1_macro', 'precision_weighted', 'recall_weighted', 'f1_weighted', 'log_loss', 'roc_auc'] as const;

export const evaluateBuiltin: BuiltinImpl = {
  deps: (w, pipeline) => [...datasetPaths(pipeline, [w.dataset]), ...(typeof w.model === 'string' && !isRegistryRef(w.model) ? [w.model] : [])],
  outs: () => [],
  // An alias can move between runs without any file changing: evaluate it every time.
  alwaysRun: (w) => typeof w.model === 'string' && isRegistryRef(w.model),
  async run(ctx) {
    const w = parseWith('sextant/evaluate', ctx.stage, ctx.with, ctx.pipelineFile);
    if (!w.ok) return w;
    let modelFile = resolve(ctx.root, w.value.model);
    let registered: { name: string; version: number } | undefined;
    if (isRegistryRef(w.value.model)) {
      const found = resolveRegisteredModel(ctx, w.value.model);
      if (!found.ok) return found;
      modelFile = found.value.file;
      registered = found.value;
      ctx.log(`${w.value.model} is ${found.value.name} version ${found.value.version}`);
    }
    const model = loadEvalModel(modelFile);
    if (!model.ok) return model;
    const dataset = findDataset(ctx.pipeline, w.value.dataset, ctx.stage, ctx.pipelineFile);
    if (!dataset.ok) return dataset;
    const label = labelOf(model.value, dataset.value.label);
    if (!label.ok) return label;
    const dataFile = resolve(ctx.root, dataset.value.path);
    const raw = await readEvalData(model.value, dataFile, label.value, dataset.value.format);
    if (!raw.ok) return raw;
    const seed = w.value.seed ?? 0;
    const rowsIndex = w.value.split !== undefined ? holdoutSplit(raw.value.rows, w.value.split, seed, raw.value.labels).test : undefined;
    const holdout = model.value.fitted?.training.holdout;
    if (model.value.fitted && w.value.dataset === model.value.fitted.training.dataset && (!holdout || rowsIndex === undefined || holdout.fraction !== w.value.split || holdout.seed !== seed)) {
      ctx.log(`warning: the evaluation rows (${rowsIndex === undefined ? 'all rows' : `split ${w.value.split}, seed ${seed}`}) are not the rows the model held out (${holdout ? `${holdout.fraction}, seed ${holdout.seed}` : 'none'}): they include training rows, so these metrics are optimistic.`);
    }
    const data = selectRows(model.value, raw.value, label.value, rowsIndex);
    if (!data.ok) return data;
    const evaluated = await evaluateData(model.value, data.value, label.value, {
      model: { file: modelFile, ...(registered ? { ref: w.value.model, version: registered.version } : {}) },
      gpus: ctx.devices ?? [],
      latencyBatchSizes: [1],
    });
    if (!evaluated.ok) return evaluated;
    const { result } = evaluated.value;
    if (ctx.devices?.length && result.provider === 'cpu') ctx.log(`warning: the CUDA execution provider is not available (${result.provider_note}): evaluating on CPU.`);
    logResult(ctx, result, w.value.model, dataset.value.path, evaluated.value.truth, evaluated.value.scores);
    storeEvaluation(ctx, result, registered, model.value.bytes);
    return ok(undefined);
  },
};

function logResult(ctx: BuiltinContext, result: EvaluationResult, model: string, path: string, truth: Int32Array | Float64Array, scores: Float64Array): void {
  const pass = result.latency.at(-1)!;
  const passMs = (result.rows / result.rows_per_second) * 1000;
  ctx.log(`Evaluated ${model} on ${result.rows} rows of ${path}${result.skipped_rows ? ` (${result.skipped_rows} without a "${result.label}" value skipped)` : ''} with onnxruntime (${result.provider === 'cuda' ? `CUDA, GPU ${ctx.devices?.[0] ?? 0}` : 'CPU'}) in ${passMs.toFixed(1)} ms`);
  ctx.log(`single-row latency p50 ${result.latency_ms.p50.toFixed(3)} ms, p95 ${result.latency_ms.p95.toFixed(3)} ms, p99 ${result.latency_ms.p99.toFixed(3)} ms (${result.latency[0]!.runs} requests); batch throughput ${Math.round(result.rows_per_second)} rows/s (batches of ${pass.batch_size})`);
  ctx.metric('rows', result.rows);
  ctx.metric('latency_p50_ms', result.latency_ms.p50);
  ctx.metric('latency_p95_ms', result.latency_ms.p95);
  ctx.metric('latency_p99_ms', result.latency_ms.p99);
  ctx.metric('throughput_rps', result.rows_per_second);
  const value = (v: number | null): number => v ?? NaN;
  if (result.task === 'regression') {
    const m = result.metrics;
    for (const key of ['mae', 'mse', 'rmse', 'r2'] as const) ctx.metric(key, value(m[key]));
    ctx.log(`mae ${value(m.mae).toFixed(4)}  mse ${value(m.mse).toFixed(4)}  rmse ${value(m.rmse).toFixed(4)}  r2 ${value(m.r2).toFixed(4)}`);
    return;
  }
  const m = result.metrics;
  for (const key of CLASSIFICATION_KEYS) ctx.metric(key, value(m[key]));
  if (result.positive !== null) ctx.log(`positive class: ${result.positive} (precision, recall and f1 are its own; f1_macro averages both classes)`);
  ctx.log(`accuracy ${value(m.accuracy).toFixed(4)}  precision ${value(m.precision).toFixed(4)}  recall ${value(m.recall).toFixed(4)}  f1 ${value(m.f1).toFixed(4)}  f1_macro ${value(m.f1_macro).toFixed(4)}  log_loss ${value(m.log_loss).toFixed(4)}  roc_auc ${value(m.roc_auc).toFixed(4)}`);
  const classes = result.classes;
  const width = Math.max(8, ...classes.map((c) => c.length));
  ctx.log(`confusion matrix (rows: true ${result.label}, columns: predicted)`);
  ctx.log(`${''.padEnd(width)} ${classes.map((c) => c.padStart(width)).join(' ')}`);
  result.confusion_matrix.forEach((row, k) => ctx.log(`${classes[k]!.padEnd(width)} ${row.map((v) => String(v).padStart(width)).join(' ')}`));
  result.confusion_matrix.forEach((row, k) => row.forEach((v, j) => ctx.metric(`confusion/${classes[k]}/${classes[j]}`, v)));
  // ROC and PR curves for charts (train/curves.ts): `roc/<class>` and `pr/<class>`, x in thousandths as the
  // step; of the positive class only when there are two (the engine's exact points are in the stored result).
  for (const c of result.curves) {
    const curves = classCurves(truth as Int32Array, scores, classes.length, classes.indexOf(c.class));
    if (!curves) continue;
    for (const p of curves.roc) ctx.metric(`roc/${c.class}`, p.value, p.step);
    for (const p of curves.pr) ctx.metric(`pr/${c.class}`, p.value, p.step);
  }
}

/** Keeps the evaluation against the registered version (by name, or by the file's content) and the dataset version with this content. */
function storeEvaluation(ctx: BuiltinContext, result: EvaluationResult, registered: { name: string; version: number } | undefined, bytes: Uint8Array): void {
  if (!ctx.storePath || !existsSync(ctx.storePath)) return;
  const db = openStore(ctx.storePath);
  if (!db.ok) return ctx.log(`warning: the evaluation is not stored: ${db.error.message}`);
  try {
    const version = modelVersionOf(db.value, registered?.name ?? null, registered?.version ?? null, bytes);
    const dataset = datasetVersionOf(db.value, result.data.sha256);
    if (!version) {
      // Not registered yet (a `sextant/register` stage after this one registers it): kept by the file's
      // content, it becomes part of the evaluation history of the version that registers this content.
      if (registered) return;
      const modelSha256 = createHash('sha256').update(bytes).digest('hex');
      const stored = { ...result, data: { ...result.data, dataset: dataset?.name ?? null, version: dataset?.version ?? null } };
      const kept = recordArtifactEvaluation(db.value, { modelSha256, datasetVersionId: dataset?.id ?? null, result: stored, runUid: ctx.runId }, ctx.storePath);
      if (!kept.ok) return ctx.log(`warning: the evaluation is not stored: ${kept.error.message}`);
      if (kept.value !== undefined) ctx.log(`kept as evaluation ${kept.value} of the model file (sha256 ${modelSha256.slice(0, 12)}…, not registered yet)${dataset ? ` on ${dataset.name} v${dataset.version}` : ''}: a version that registers it gets it in its history`);
      return;
    }
    const stored = { ...result, model: { ...result.model, version: version.version }, data: { ...result.data, dataset: dataset?.name ?? null, version: dataset?.version ?? null } };
    const id = recordEvaluation(db.value, { modelVersionId: version.id, datasetVersionId: dataset?.id ?? null, result: stored, runUid: ctx.runId }, ctx.storePath);
    ctx.log(id.ok ? `stored as evaluation ${id.value} of ${version.name} version ${version.version}${dataset ? ` on ${dataset.name} v${dataset.version}` : ''}` : `warning: the evaluation is not stored: ${id.error.message}`);
  } finally {
    db.value.close();
  }
}

/** `name@alias` or `name@3` (a version number): the registered version's file in the artifact store. */
function resolveRegisteredModel(ctx: BuiltinContext, ref: string): Result<{ file: string; name: string; version: number }> {
  const [name, which] = ref.split('@') as [string, string];
  if (!ctx.storePath) return fail({ code: 'registry-unavailable', file: ctx.pipelineFile, message: `Stage "${ctx.stage}": ${ref} names a registered model, but this run is not recorded in a store.` });
  const db = openStore(ctx.storePath, { readonly: true });
  if (!db.ok) return db;
  try {
    const row = (/^\d+$/.test(which)
      ? db.value.prepare('SELECT v.version, v.artifact_sha256 AS sha FROM model_versions v JOIN models m ON m.id = v.model_id WHERE m.name = ? AND v.version = ?').get(name, Number(which))
      : db.value.prepare('SELECT v.version, v.artifact_sha256 AS sha FROM model_aliases a JOIN models m ON m.id = a.model_id JOIN model_versions v ON v.id = a.model_version_id WHERE m.name = ? AND a.alias = ?').get(name, which)) as { version: number; sha: string | null } | undefined;
    if (!row) return fail({ code: 'evaluate-model-not-found', file: ctx.pipelineFile, message: `Stage "${ctx.stage}": no registered model version ${ref}.`, fix: 'See the Models view, or register one with sextant/register.' });
    if (!row.sha) return fail({ code: 'evaluate-model-no-file', file: ctx.storePath, message: `${ref} (version ${row.version}) has no stored file.` });
    const file = blobPath(ctx.artifactsDir ?? join(dirname(ctx.storePath), 'artifacts'), row.sha);
    if (!existsSync(file)) return fail({ code: 'evaluate-model-missing', file, message: `The stored file of ${ref} (version ${row.version}) is missing from the artifact store.` });
    return ok({ file, name, version: row.version });
  } catch (err) {
    return fail({ code: 'registry-unavailable', file: ctx.storePath, message: `Cannot read the model registry: ${(err as Error).message}` });
  } finally {
    db.value.close();
  }
}
