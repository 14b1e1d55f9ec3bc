// `sextant train DATA --label COL --model M --out MODEL.onnx`: trains with the built-in trainer and writes
// ONNX, through the same function as the `sextant/train` stage (src/engine/train/fromTable.ts): the same
// task rule, features, holdout (20% by default, `--param holdout=0` for none), defaults and export. The
// `--param` keys are `sextant/train`'s `with` keys, checked by its schema. Progress (iteration, loss) goes
// to stderr; the result to stdout (text, or --json: docs/cli.md#train).
import { resolve } from 'node:path';
import { parseBuiltinWith } from '../../engine/pipeline/builtins';
import { describeError, type EngineError } from '../../engine/result';
import { readTrainingTable } from '../../engine/train/dataset';
import { DEFAULT_HOLDOUT, trainFromTable, type TrainOutcome } from '../../engine/train/fromTable';
import { UsageError, value, type ParsedArgs } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../command';

const MODELS = ['logistic-regression', 'linear', 'mlp', 'gbt'];
/** `with` keys that have flags of their own, or that name the pipeline's files. */
const NOT_PARAMS = new Set(['dataset', 'out', 'model', 'features', 'task']);

function failWith(io: CliIo, args: ParsedArgs, error: EngineError): number {
  if (args.flags.json) io.json({ ok: false, error });
  else io.err(`sextant train: ${describeError(error)}`);
  return EXIT_FAILURE;
}

/** `--param k=v`: numbers, and `hidden=32,16` as a list. */
function params(list: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes KEY=VALUE, not "${item}"`);
    const key = item.slice(0, eq).trim();
    const text = item.slice(eq + 1).trim();
    if (NOT_PARAMS.has(key)) throw new UsageError(`--param ${key} is not a parameter: use --${key === 'dataset' ? 'the DATA argument' : key}`);
    const parsed = key === 'hidden' ? text.split(',').map((v) => Number(v.trim())) : Number(text);
    if (text === '' || (Array.isArray(parsed) ? parsed.some((v) => !Number.isFinite(v)) : !Number.isFinite(parsed))) throw new UsageError(`--param ${key}=${text}: give a number${key === 'hidden' ? ' list, e.g. hidden=32,16' : ''}`);
    out[key] = parsed;
  }
  return out;
}

function jsonResult(t: TrainOutcome, data: string, label: string, seconds: number): Record<string, unknown> {
  const m = t.model;
  const p = t.prepared;
  return {
    ok: true,
    data,
    out: t.out,
    model: m.kind,
    task: p.task,
    task_reason: p.taskReason,
    label,
    features: p.features,
    excluded: p.excluded,
    classes: p.classes,
    rows: p.counts.rows,
    held_out: p.counts.heldOut,
    trained_rows: m.training.rows,
    dropped_rows: m.training.droppedRows,
    iterations: m.training.iterations ?? t.losses.length,
    converged: m.training.converged ?? null,
    final_loss: Number.isFinite(m.training.finalLoss) ? m.training.finalLoss : null,
    [t.score.metric]: Number.isFinite(t.score.value) ? t.score.value : null,
    notes: p.notes,
    seconds,
  };
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'Train a model on a CSV/TSV file with the built-in trainer (the same code as the sextant/train stage) and write it as ONNX.',
  usage: 'sextant train DATA --label COL --model logistic-regression|linear|mlp|gbt --out MODEL.onnx [--features a,b] [--task classification|regression] [--param KEY=VALUE ...] [--json]',
  json: true,
  options: [
    { name: 'label', alias: 'l', type: 'string', description: 'The column to predict.' },
    { name: 'model', alias: 'm', type: 'string', description: 'logistic-regression (classification), linear (regression), mlp or gbt (either).' },
    { name: 'out', alias: 'o', type: 'string', description: 'The ONNX file to write.' },
    { name: 'features', type: 'string', description: 'Feature columns, comma-separated (default: every numeric column but the label; the others are reported as excluded).' },
    { name: 'task', type: 'string', description: 'classification or regression (default: decided from the label, docs/runner.md).' },
    { name: 'param', alias: 'p', type: 'string', multiple: true, description: "A sextant/train `with` value: epochs, lr, l2, seed, holdout (default 0.2), batch_size, max_depth, hidden=32,16. Repeat for more." },
  ],
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('give one data file (CSV or TSV)');
    const label = value(args, 'label');
    const model = value(args, 'model');
    const out = value(args, 'out');
    if (!label?.trim()) throw new UsageError('--label COL is required');
    if (!model) throw new UsageError(`--model is required: ${MODELS.join(', ')}`);
    if (!MODELS.includes(model)) throw new UsageError(`--model ${model} is not one of ${MODELS.join(', ')}`);
    if (!out?.trim()) throw new UsageError('--out MODEL.onnx is required');
    const task = value(args, 'task');
    if (task !== undefined && task !== 'classification' && task !== 'regression') throw new UsageError(`--task is classification or regression, not "${task}"`);
    const featuresText = value(args, 'features');
    const features = featuresText?.split(',').map((f) => f.trim()).filter((f) => f.length > 0);
    if (featuresText !== undefined && !features?.length) throw new UsageError('--features needs column names, e.g. --features a,b');
    // The stage's own schema checks the parameters, so the CLI and the pipeline accept the same values.
    const checked = parseBuiltinWith('sextant/train', { dataset: 'cli', out, model, ...(features ? { features } : {}), ...(task ? { task } : {}), ...params(args.values.param ?? []) });
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw new UsageError(`--param ${issue.path.join('.')}: ${issue.message}`);
    }
    const w = checked.data;
    const dataArg = args.positionals[0]!;
    const dataFile = resolve(io.cwd, dataArg);
    const lower = dataFile.toLowerCase();
    if (!lower.endsWith('.csv') && !lower.endsWith('.tsv')) return failWith(io, args, { code: 'dataset-format', file: dataFile, message: 'sextant train reads CSV and TSV files.', fix: 'Convert the data to CSV.' });
    const table = readTrainingTable(dataFile, { label, ...(lower.endsWith('.tsv') ? { separator: '\t' } : {}) });
    if (!table.ok) return failWith(io, args, table.error);

    const started = performance.now();
    let lastShown = -Infinity;
    let last: { iteration: number; loss: number } | undefined;
    const show = (p: { iteration: number; loss: number }): void => io.err(`sextant train: iteration ${p.iteration + 1}, loss ${p.loss.toPrecision(6)}`);
    const trained = await trainFromTable(table.value, {
      label,
      model: w.model,
      ...(w.features ? { features: w.features } : {}),
      ...(w.task ? { task: w.task } : {}),
      holdout: w.holdout ?? DEFAULT_HOLDOUT,
      seed: w.seed ?? 0,
      params: w,
      out: resolve(io.cwd, out),
      onProgress: (iteration, loss) => {
        last = { iteration, loss };
        // At most four lines a second, the first at once.
        if (performance.now() - lastShown >= 250) {
          lastShown = performance.now();
          show(last);
          last = undefined;
        }
        return true;
      },
    });
    if (last) show(last);
    if (!trained.ok) return failWith(io, args, trained.error);
    const seconds = (performance.now() - started) / 1000;
    const t = trained.value;
    if (args.flags.json) {
      io.json(jsonResult(t, dataFile, label, seconds));
      return EXIT_OK;
    }
    const p = t.prepared;
    io.out(`${w.model} (${p.task}: ${p.taskReason}) on ${t.model.training.rows} rows of ${dataArg} (${p.counts.heldOut} held out, ${t.model.training.droppedRows} with a missing value skipped)`);
    io.out(`features: ${p.features.join(', ')}${p.task === 'classification' ? `; classes: ${p.classes.join(', ')}` : ''}`);
    for (const e of p.excluded) io.out(`excluded column "${e.column}": ${e.reason}`);
    for (const n of p.notes) io.out(`note: ${n}`);
    io.out(`final loss ${t.model.training.finalLoss.toPrecision(6)} after ${t.model.training.iterations ?? t.losses.length} iterations${w.model === 'logistic-regression' && t.model.training.converged === false ? ' (not converged: raise epochs)' : ''}; ${t.score.metric} ${t.score.value.toFixed(4)}; ${seconds.toFixed(2)} s`);
    io.out(`wrote ${out}`);
    return EXIT_OK;
  },
};
