// One evaluation: the model's signature and metadata (model.ts), the data read and mapped to its inputs
// (feed.ts), a session on the chosen execution provider (provider.ts), the rows fed in batches, then
// the metrics of the task (classification.ts and curves.ts, or regression.ts) and the latency per batch
// size. Returns the result (schema.ts) and the predictions it was computed from.
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { loadOnnxRuntime } from '../native/load';
import { sha256File } from '../runner/hash';
import { fail, ok, type Result } from '../result';
import { classificationMetrics, oneVsRest } from './classification';
import { binaryCurveCounts, prCurve, rocCurve } from './curves';
import { readEvalData, selectRows, type EvalData } from './feed';
import { batchLatency } from './latency';
import { readEvalModel, type EvalModel } from './model';
import { openSession, planProvider, usableGpus } from './provider';
import { regressionMetrics } from './regression';
import type { BatchLatency, ClassCurves, EvaluationResult } from './schema';

export interface EvaluateOptions {
  /** The ONNX file; `ref` and `version` when it was named as a registered version. */
  model: { file: string; ref?: string; version?: number };
  data: string;
  /** The label column; default: the model's metadata. */
  label?: string;
  /** The positive class of a binary classifier; default: the model's metadata, else the last class. */
  positive?: string;
  /** Rows per session.run in the evaluation pass (default 1024). */
  batchSize?: number;
  /** CUDA device ordinals to use (a stage's GPUs); default: found with nvidia-smi. [] forces CPU. */
  gpus?: number[];
  /** Timed runs per extra batch size for the latency figures (default 200, at most ~2 s each). */
  latencyRuns?: number;
  /** Batch sizes timed besides the evaluation pass (default [1, 32]); 1 gives `latency_ms`. */
  latencyBatchSizes?: number[];
  /** Points kept per curve (default 5000; longer curves are thinned evenly, ends kept). */
  maxCurvePoints?: number;
}

export interface Evaluation {
  result: EvaluationResult;
  /** Per evaluated row: the true class index or value, and the model's probabilities [rows, K] or predictions [rows]. */
  truth: Int32Array | Float64Array;
  scores: Float64Array;
  lines: Int32Array;
}

type Ort = typeof import('onnxruntime-node');

function feeds(ort: Ort, data: EvalData, start: number, end: number): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  data.mapping.inputs.forEach((m, i) => {
    const width = m.columns.length;
    const view = data.arrays[i]!.subarray(start * width, end * width);
    out[m.input.name] = new ort.Tensor(m.input.type, view, m.input.rank === 1 ? [end - start] : [end - start, width]);
  });
  return out;
}

/**
 * One batch of the evaluation pass: rows [start, end) fed as tensor views of the mapped inputs, only the scored
 * output fetched; returns its dims and data as onnxruntime gives them. (Exported for bench/evaluate.bench.ts,
 * which alternates it batch by batch with a bare session.run on the same session.)
 */
export async function evaluationBatch(ort: Ort, session: InferenceSession, m: EvalModel, data: EvalData, start: number, end: number): Promise<{ dims: readonly number[]; data: Float32Array | Float64Array }> {
  const out = (await session.run(feeds(ort, data, start, end), [m.output]))[m.output]!; // only the output read
  return { dims: out.dims, data: out.data as Float32Array | Float64Array };
}

const thin = <T>(points: T[], max: number): T[] => {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]!);
};

/** Times `runs` calls of `size` rows (cycling over the data), stopping after ~2 s. */
async function timeBatches(ort: Ort, session: InferenceSession, data: EvalData, output: string, size: number, runs: number): Promise<BatchLatency> {
  const times: number[] = [];
  let rows = 0;
  const budget = performance.now() + 2000;
  for (let i = 0, start = 0; i < runs && performance.now() < budget; i++) {
    if (start + size > data.rows) start = 0;
    const end = Math.min(data.rows, start + size);
    const t = performance.now();
    await session.run(feeds(ort, data, start, end), [output]);
    times.push(performance.now() - t);
    rows += end - start;
    start = end;
  }
  return batchLatency(size, times, rows);
}

function classIndices(model: EvalModel, data: EvalData, classes: string[]): Result<Int32Array> {
  const index = new Map(classes.map((c, i) => [c, i]));
  const labels = data.labels as string[];
  const y = new Int32Array(data.rows);
  const unseen = new Map<string, { count: number; first: number }>();
  for (let r = 0; r < data.rows; r++) {
    const k = index.get(labels[r]!);
    if (k !== undefined) y[r] = k;
    else {
      const u = unseen.get(labels[r]!);
      if (u) u.count++;
      else unseen.set(labels[r]!, { count: 1, first: data.lines[r]! });
    }
  }
  if (unseen.size === 0) return ok(y);
  const described = [...unseen].slice(0, 5).map(([v, u]) => `"${v}" (${u.count} row${u.count === 1 ? '' : 's'}, first at line ${u.first})`);
  const first = [...unseen.values()][0]!.first;
  return fail({
    code: 'evaluate-label-classes',
    file: data.file,
    line: first,
    message: `The label column has value${unseen.size === 1 ? '' : 's'} the model does not predict: ${described.join(', ')}${unseen.size > 5 ? `, and ${unseen.size - 5} more` : ''}. The model's classes: ${classes.join(', ')}${model.classes ? '' : ' (it names none: its output columns by index)'}.`,
    fix: 'Evaluate on rows of the classes the model was trained on, or map the labels to them.',
  });
}

/** The model file's bytes, signature and metadata. */
export function loadEvalModel(file: string): Result<EvalModel> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    return fail({ code: 'model-unreadable', file, message: `Cannot read the model: ${(err as Error).message}` });
  }
  return readEvalModel(file, bytes);
}

/** The label column: the one given, else the model's. */
export function labelOf(model: EvalModel, given: string | undefined): Result<string> {
  const label = given ?? model.label;
  return label ? ok(label) : fail({ code: 'evaluate-label', file: model.file, message: 'The model does not say which column holds the true values.', fix: 'Name the label column with --label.' });
}

/** Evaluates the model file on every labelled row of the data file. */
export async function evaluateModel(options: EvaluateOptions): Promise<Result<Evaluation>> {
  const model = loadEvalModel(options.model.file);
  if (!model.ok) return model;
  const label = labelOf(model.value, options.label);
  if (!label.ok) return label;
  const raw = await readEvalData(model.value, options.data, label.value);
  if (!raw.ok) return raw;
  const data = selectRows(model.value, raw.value, label.value);
  if (!data.ok) return data;
  return evaluateData(model.value, data.value, label.value, options);
}

/** Runs the model on the selected rows in batches, then the metrics and the latency figures. */
export async function evaluateData(m: EvalModel, data: EvalData, label: string, options: Omit<EvaluateOptions, 'data' | 'label'>): Promise<Result<Evaluation>> {
  if (m.task === 'regression' && options.positive !== undefined) return fail({ code: 'evaluate-positive', file: m.file, message: `--positive "${options.positive}" applies to a classifier; this model predicts a number.` });
  const bytes = m.bytes;
  const ort = loadOnnxRuntime();
  if (!ort.ok) return ort;
  const plan = planProvider(ort.value.listSupportedBackends(), await usableGpus(options.gpus));
  let opened: Awaited<ReturnType<typeof openSession>>;
  try {
    opened = await openSession(ort.value, bytes, plan);
  } catch (err) {
    return fail({ code: 'model-not-onnx', file: m.file, message: `onnxruntime cannot load the model: ${(err as Error).message.split('\n')[0]} The file may be truncated or corrupt.` });
  }
  const { session } = opened;
  const n = data.rows;
  const batch = Math.max(1, options.batchSize ?? 1024);
  let width = 0;
  const times: number[] = [];
  // Each batch's output array as onnxruntime returns it; widened into one Float64Array after the pass. Copying
  // float32 into float64 batch by batch inside the pass cost ~4% of its rows/s (bench/evaluate.bench.ts).
  const outputs: (Float32Array | Float64Array)[] = [];
  try {
    await session.run(feeds(ort.value, data, 0, Math.min(n, batch)), [m.output]); // warm-up (allocations for a full batch), not timed
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(n, start + batch);
      const t = performance.now();
      const out = await evaluationBatch(ort.value, session, m, data, start, end);
      if (start === 0) width = m.task === 'classification' ? (out.dims[1] ?? 1) : 1;
      outputs.push(out.data);
      times.push(performance.now() - t);
    }
  } catch (err) {
    return fail({ code: 'evaluate-onnx', file: m.file, message: `onnxruntime could not run the model on the data: ${(err as Error).message.split('\n')[0]}` });
  }
  const scores = new Float64Array(n * width);
  for (let b = 0, at = 0; b < outputs.length; at += outputs[b]!.length, b++) scores.set(outputs[b]!, at);
  outputs.length = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i]!)) return fail({ code: 'evaluate-output', file: data.file, line: data.lines[Math.floor(i / width)], message: `The model's output "${m.output}" is ${scores[i]} for this row: metrics need finite outputs.` });
  }
  const latency: BatchLatency[] = [];
  try {
    for (const size of options.latencyBatchSizes ?? [1, 32]) latency.push(await timeBatches(ort.value, session, data, m.output, size, options.latencyRuns ?? 200));
  } catch (err) {
    return fail({ code: 'evaluate-onnx', file: m.file, message: `onnxruntime could not run the model on the data: ${(err as Error).message.split('\n')[0]}` });
  }
  await session.release();
  const pass = batchLatency(Math.min(batch, n), times, n);
  latency.push(pass);
  const single = latency.find((l) => l.batch_size === 1) ?? pass;
  const base = {
    model: { file: m.file, ref: options.model.ref ?? null, version: options.model.version ?? null },
    data: { file: data.file, sha256: await sha256File(data.file), dataset: null, version: null },
    label,
    rows: n,
    skipped_rows: data.skipped,
    provider: opened.provider,
    provider_note: opened.note ?? null,
    features: { by: data.mapping.by, inputs: data.mapping.inputs.map((i) => ({ input: i.input.name, type: i.input.type, columns: i.columns })) },
    latency_ms: { p50: single.p50, p95: single.p95, p99: single.p99 },
    rows_per_second: pass.rows_per_second,
    latency,
  };
  if (m.task === 'regression') {
    const truth = data.labels as Float64Array;
    return ok({ result: { task: 'regression', ...base, metrics: regressionMetrics(truth, scores), confusion_matrix: null }, truth, scores, lines: data.lines });
  }
  const classes = m.classes ?? Array.from({ length: width }, (_, i) => String(i));
  if (classes.length !== width) return fail({ code: 'evaluate-model-classes', file: m.file, message: `The model names ${classes.length} classes (${classes.join(', ')}) but its output "${m.output}" has ${width} columns.` });
  if (options.positive !== undefined && width !== 2) return fail({ code: 'evaluate-positive', file: m.file, message: `--positive applies to two classes; this model has ${width} (${classes.join(', ')}).` });
  const positiveName = width === 2 ? (options.positive ?? m.positive ?? classes[1]!) : null;
  const positive = positiveName === null ? -1 : classes.indexOf(positiveName);
  if (positiveName !== null && positive < 0) return fail({ code: 'evaluate-positive', file: m.file, message: `The positive class "${positiveName}" is not one of the model's classes (${classes.join(', ')}).` });
  const y = classIndices(m, data, classes);
  if (!y.ok) return y;
  const scored = classificationMetrics(y.value, scores, width, positive < 0 ? undefined : positive);
  const max = options.maxCurvePoints ?? 5000;
  const curves: ClassCurves[] = [];
  for (let k = 0; k < width; k++) {
    if (width === 2 && k !== positive) continue;
    const { truth, score } = oneVsRest(y.value, scores, width, k);
    const counts = binaryCurveCounts(truth, score);
    const roc = rocCurve(counts);
    const pr = prCurve(counts);
    const rocPoints = roc.fpr.map((fpr, i) => ({ fpr, tpr: roc.tpr[i]!, threshold: roc.thresholds[i]! }));
    const prPoints = pr.recall.map((recall, i) => ({ recall, precision: pr.precision[i]!, threshold: pr.thresholds[i]! }));
    curves.push({ class: classes[k]!, roc: thin(rocPoints, max), pr: thin(prPoints, max), roc_points: rocPoints.length, pr_points: prPoints.length });
  }
  return ok({
    result: { task: 'classification', ...base, classes, positive: positiveName, metrics: scored.metrics, confusion_matrix: scored.confusion, curves },
    truth: y.value,
    scores,
    lines: data.lines,
  });
}
