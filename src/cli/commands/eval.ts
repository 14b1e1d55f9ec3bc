// `sextant eval MODEL DATA`: evaluates an ONNX model (a file, or a registered `name@alias` / `name@N`)
// on a data file with onnxruntime (src/engine/evaluate): classification or regression metrics, curves,
// latency and throughput, on CUDA when present. The evaluation is stored against the registered model
// version (found by name, or by the file's content) and the dataset version with the data's content.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { datasetVersionOf, modelVersionOf, recordEvaluation } from '../../engine/evaluate/record';
import { evaluateModel } from '../../engine/evaluate/run';
import type { EvaluationResult } from '../../engine/evaluate/schema';
import { describeError, type EngineError } from '../../engine/result';
import { isModelRef, resolveModel } from '../../engine/serve/model';
import { openStore, type Database } from '../../engine/store/open';
import { workspaceLayout } from '../../engine/workspace/layout';
import { UsageError, value, type ParsedArgs } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../command';
import { formatValue } from './runs';

function failWith(io: CliIo, args: ParsedArgs, error: EngineError): number {
  if (args.flags.json) io.json({ ok: false, error });
  else io.err(`sextant eval: ${describeError(error)}`);
  return EXIT_FAILURE;
}

const show = (v: number | null): string => (v === null ? 'n/a' : formatValue(v));
const ms = (v: number): string => `${v < 1 ? v.toFixed(3) : v.toFixed(2)} ms`;

function humanReport(r: EvaluationResult, stored: string | null): string[] {
  const lines = [`${r.model.ref ?? r.model.file} on ${r.data.file}: ${r.rows} rows${r.skipped_rows ? ` (${r.skipped_rows} without a "${r.label}" value skipped)` : ''}, ${r.task}, onnxruntime on ${r.provider.toUpperCase()}${r.provider_note ? ` (${r.provider_note})` : ''}`];
  if (r.features.by === 'order') lines.push(`features matched by position: ${r.features.inputs.map((i) => `${i.input} ← ${i.columns.join(', ')}`).join('; ')}`);
  if (r.task === 'classification') {
    const m = r.metrics;
    if (r.positive !== null) lines.push(`positive class: ${r.positive}`);
    lines.push(`accuracy ${show(m.accuracy)}  precision ${show(m.precision)}  recall ${show(m.recall)}  f1 ${show(m.f1)}  f1_macro ${show(m.f1_macro)}  f1_weighted ${show(m.f1_weighted)}  roc_auc ${show(m.roc_auc)}  log_loss ${show(m.log_loss)}`);
    const width = Math.max(6, ...r.classes.map((c) => c.length), ...r.confusion_matrix.flat().map((v) => String(v).length));
    lines.push(`confusion matrix (rows: true ${r.label}, columns: predicted)`);
    lines.push(`${''.padEnd(width)}  ${r.classes.map((c) => c.padStart(width)).join('  ')}`);
    r.confusion_matrix.forEach((row, k) => lines.push(`${r.classes[k]!.padEnd(width)}  ${row.map((v) => String(v).padStart(width)).join('  ')}`));
  } else {
    const m = r.metrics;
    lines.push(`mae ${show(m.mae)}  mse ${show(m.mse)}  rmse ${show(m.rmse)}  r2 ${show(m.r2)}`);
  }
  for (const l of r.latency) lines.push(`batch ${String(l.batch_size).padStart(5)}: p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)} (${l.runs} runs), ${Math.round(l.rows_per_second).toLocaleString('en-US')} rows/s`);
  lines.push(stored ?? 'Not stored: the model is not a registered version (register it, or give NAME@VERSION).');
  return lines;
}

interface Stored {
  evaluation_id: number;
  model: string;
  version: number;
}

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'Evaluate an ONNX model on a data file: classification or regression metrics (as scikit-learn computes them), curves, latency and throughput; stored with the registered version.',
  usage: 'sextant eval MODEL DATA [--label COL] [--positive V] [--workspace DIR] [--json]',
  json: true,
  options: [
    { name: 'label', alias: 'l', type: 'string', description: "Column of the true values (default: the model's metadata)." },
    { name: 'positive', type: 'string', description: "The positive class of a binary classifier (default: the model's metadata, else the last of its classes)." },
    { name: 'workspace', alias: 'w', type: 'string', description: 'Workspace folder whose store resolves NAME@ALIAS and keeps the evaluation (default: the current folder).' },
  ],
  async run(args, io) {
    if (args.positionals.length !== 2) throw new UsageError('give a model (a .onnx file, NAME@ALIAS or NAME@VERSION) and a data file');
    const label = value(args, 'label');
    const positive = value(args, 'positive');
    if (label?.trim() === '') throw new UsageError('--label needs a column name');
    const [modelArg, dataArg] = args.positionals as [string, string];
    const layout = workspaceLayout(resolve(io.cwd, value(args, 'workspace') ?? '.'));
    let db: Database | undefined;
    if (existsSync(layout.storePath)) {
      const opened = openStore(layout.storePath);
      // A model file can be evaluated without the store (then nothing is stored); NAME@ALIAS needs it.
      if (!opened.ok && !isModelRef(modelArg)) io.err(`sextant eval: warning: the evaluation will not be stored: ${describeError(opened.error)}`);
      else if (!opened.ok) return failWith(io, args, opened.error);
      else db = opened.value;
    }
    try {
      const ref = resolveModel(modelArg, io.cwd, { db, file: layout.storePath, artifactsDir: layout.artifactsDir });
      if (!ref.ok) return failWith(io, args, ref.error);
      const registered = ref.value.version !== null;
      const evaluated = await evaluateModel({
        model: { file: ref.value.file, ...(registered ? { ref: modelArg, version: ref.value.version! } : {}) },
        data: resolve(io.cwd, dataArg),
        ...(label !== undefined ? { label } : {}),
        ...(positive !== undefined ? { positive } : {}),
      });
      if (!evaluated.ok) return failWith(io, args, evaluated.error);
      const result = evaluated.value.result;
      let stored: Stored | null = null;
      if (db) {
        const version = modelVersionOf(db, registered ? ref.value.name : null, ref.value.version, readFileSync(ref.value.file));
        const dataset = datasetVersionOf(db, result.data.sha256);
        if (dataset) result.data = { ...result.data, dataset: dataset.name, version: dataset.version };
        if (version) {
          result.model = { ...result.model, version: version.version };
          const id = recordEvaluation(db, { modelVersionId: version.id, datasetVersionId: dataset?.id ?? null, result }, layout.storePath);
          if (!id.ok) return failWith(io, args, id.error);
          stored = { evaluation_id: id.value, model: version.name, version: version.version };
        }
      }
      if (args.flags.json) io.json({ ...result, stored });
      else for (const line of humanReport(result, stored && `Stored as evaluation ${stored.evaluation_id} of ${stored.model} version ${stored.version}${result.data.dataset ? ` on ${result.data.dataset} v${result.data.version}` : ''}.`)) io.out(line);
      return EXIT_OK;
    } finally {
      db?.close();
    }
  },
};
