// `sextant/evaluate`: runs an ONNX model with onnxruntime-node on the held-out rows of a dataset and
// logs accuracy, macro precision/recall/F1, log loss, ROC AUC, the confusion matrix, single-row latency
// percentiles and batch throughput, and ROC/PR curves as metric series. A model trained
// by `sextant/train` carries its features and classes in its metadata.
import { resolve } from 'node:path';
import { fail, ok } from '../result';
import { loadOnnxRuntime } from '../native/load';
import { labeledRows } from '../train/dataset';
import { classificationMetrics } from '../train/metrics';
import { classCurves } from '../train/curves';
import { readSextantModel } from '../train/onnx/metadata';
import { ONNX_INPUT, ONNX_PROBABILITIES } from '../train/onnx/export';
import { holdoutSplit } from '../train/split';
import { datasetPaths, findDataset, parseWith, readDataset } from './common';
import type { BuiltinContext, BuiltinImpl } from './types';
import { openStore } from '../store/open';
import { blobPath } from '../tracking/artifacts';
import type { Result } from '../result';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const isRegistryRef = (model: string): boolean => /^[A-Za-z0-9][A-Za-z0-9_.-]*@[A-Za-z0-9_.-]+$/.test(model) && !model.endsWith('.onnx');

export const evaluateBuiltin: BuiltinImpl = {
  deps: (w, pipeline) => [...datasetPaths(pipeline, [w.dataset]), ...(typeof w.model === 'string' && !isRegistryRef(w.model) ? [w.model] : [])],
  outs: () => [],
  // An alias can move between runs without any file changing: evaluate it every time.
  alwaysRun: (w) => typeof w.model === 'string' && isRegistryRef(w.model),
  async run(ctx) {
    const w = parseWith('sextant/evaluate', ctx.stage, ctx.with, ctx.pipelineFile);
    if (!w.ok) return w;
    let modelFile = resolve(ctx.root, w.value.model);
    if (isRegistryRef(w.value.model)) {
      const found = resolveRegisteredModel(ctx, w.value.model);
      if (!found.ok) return found;
      modelFile = found.value.file;
      ctx.log(`${w.value.model} is ${found.value.label}`);
    }
    const loaded = readSextantModel(modelFile);
    if (!loaded.ok) return loaded;
    const { model, bytes } = loaded.value;
    const dataset = findDataset(ctx.pipeline, w.value.dataset, ctx.stage, ctx.pipelineFile);
    if (!dataset.ok) return dataset;
    const label = dataset.value.label ?? model.label;
    const table = readDataset(dataset.value, ctx.root);
    if (!table.ok) return table;
    const seed = w.value.seed ?? 0;
    const labelColumn = table.value.values[table.value.columns.indexOf(label)];
    const rowsIndex = w.value.split !== undefined ? holdoutSplit(table.value.rowCount, w.value.split, seed, labelColumn).test : undefined;
    const holdout = model.training.holdout;
    if (w.value.dataset === model.training.dataset && (!holdout || rowsIndex === undefined || holdout.fraction !== w.value.split || holdout.seed !== seed)) {
      ctx.log(`warning: the evaluation rows (${rowsIndex === undefined ? 'all rows' : `split ${w.value.split}, seed ${seed}`}) are not the rows the model held out (${holdout ? `${holdout.fraction}, seed ${holdout.seed}` : 'none'}): they include training rows, so these metrics are optimistic.`);
    }
    const rows = labeledRows(table.value, model.features, label, model.classes, rowsIndex);
    if (!rows.ok) return rows;
    const keep: number[] = [];
    for (let i = 0; i < rows.value.x.rows; i++) if (rows.value.y[i]! >= 0) keep.push(i);
    const skipped = rows.value.x.rows - keep.length;
    if (keep.length === 0) return fail({ code: 'evaluate-no-rows', file: table.value.file, message: `No rows with a known "${label}" value to evaluate on.` });
    const F = model.features.length;
    const x = new Float32Array(keep.length * F);
    const y = new Int32Array(keep.length);
    keep.forEach((r, i) => {
      for (let c = 0; c < F; c++) x[i * F + c] = rows.value.x.data[r * F + c]!;
      y[i] = rows.value.y[r]!;
    });
    const ort = loadOnnxRuntime();
    if (!ort.ok) return ort;
    let proba: Float32Array;
    let inferenceMs: number;
    const latencies: number[] = [];
    let provider = 'CPU';
    try {
      let session: Awaited<ReturnType<typeof ort.value.InferenceSession.create>> | undefined;
      if (ctx.devices?.length) {
        // The CUDA execution provider when the stage was given a GPU and onnxruntime has it; else CPU.
        try {
          session = await ort.value.InferenceSession.create(bytes, { executionProviders: [{ name: 'cuda', deviceId: ctx.devices[0]! }] });
          provider = `CUDA, GPU ${ctx.devices[0]}`;
        } catch (err) {
          ctx.log(`warning: the CUDA execution provider is not available (${(err as Error).message.split('\n')[0]}): evaluating on CPU.`);
        }
      }
      session ??= await ort.value.InferenceSession.create(bytes);
      const started = performance.now();
      const out = await session.run({ [ONNX_INPUT]: new ort.value.Tensor('float32', x, [keep.length, F]) });
      inferenceMs = performance.now() - started;
      proba = out[ONNX_PROBABILITIES]!.data as Float32Array;
      // Single-row latency, as a served model sees it: up to 200 requests over the evaluation rows.
      for (let i = 0; i < Math.min(200, keep.length); i++) {
        const t = performance.now();
        await session.run({ [ONNX_INPUT]: new ort.value.Tensor('float32', x.subarray(i * F, (i + 1) * F), [1, F]) });
        latencies.push(performance.now() - t);
      }
    } catch (err) {
      return fail({ code: 'evaluate-onnx', file: modelFile, message: `onnxruntime could not run the model: ${(err as Error).message}` });
    }
    const m = classificationMetrics(y, proba, model.classes.length);
    for (const key of ['accuracy', 'precision', 'recall', 'f1', 'log_loss', 'roc_auc'] as const) ctx.metric(key, m[key]);
    ctx.metric('rows', m.rows);
    latencies.sort((a, b) => a - b);
    const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
    ctx.metric('latency_p50_ms', pct(50));
    ctx.metric('latency_p95_ms', pct(95));
    ctx.metric('throughput_rps', m.rows / (inferenceMs / 1000));
    ctx.log(`Evaluated ${w.value.model} on ${m.rows} rows of ${dataset.value.path}${skipped ? ` (${skipped} without a known label skipped)` : ''} with onnxruntime (${provider}) in ${inferenceMs.toFixed(1)} ms`);
    ctx.log(`single-row latency p50 ${pct(50).toFixed(3)} ms, p95 ${pct(95).toFixed(3)} ms (${latencies.length} requests); batch throughput ${Math.round(m.rows / (inferenceMs / 1000))} rows/s`);
    ctx.log(`accuracy ${m.accuracy.toFixed(4)}  precision ${m.precision.toFixed(4)}  recall ${m.recall.toFixed(4)}  f1 ${m.f1.toFixed(4)}  log_loss ${m.log_loss.toFixed(4)}  roc_auc ${m.roc_auc.toFixed(4)}`);
    const width = Math.max(8, ...model.classes.map((c) => c.length));
    ctx.log(`confusion matrix (rows: true ${label}, columns: predicted)`);
    ctx.log(`${''.padEnd(width)} ${model.classes.map((c) => c.padStart(width)).join(' ')}`);
    m.confusion.forEach((row, k) => ctx.log(`${model.classes[k]!.padEnd(width)} ${row.map((v) => String(v).padStart(width)).join(' ')}`));
    m.confusion.forEach((row, k) => row.forEach((v, j) => ctx.metric(`confusion/${model.classes[k]}/${model.classes[j]}`, v)));
    // ROC and PR curves (train/curves.ts): `roc/<class>` and `pr/<class>`, x in thousandths as the step; of the positive class only when there are two.
    for (let k = model.classes.length === 2 ? 1 : 0; k < model.classes.length; k++) {
      const curves = classCurves(y, proba, model.classes.length, k);
      if (!curves) continue;
      for (const p of curves.roc) ctx.metric(`roc/${model.classes[k]}`, p.value, p.step);
      for (const p of curves.pr) ctx.metric(`pr/${model.classes[k]}`, p.value, p.step);
    }
    return ok(undefined);
  },
};

/** `name@alias` or `name@3` (a version number): the registered version's file in the artifact store. */
function resolveRegisteredModel(ctx: BuiltinContext, ref: string): Result<{ file: string; label: string }> {
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
    return ok({ file, label: `${name} version ${row.version}` });
  } catch (err) {
    return fail({ code: 'registry-unavailable', file: ctx.storePath, message: `Cannot read the model registry: ${(err as Error).message}` });
  } finally {
    db.value.close();
  }
}
