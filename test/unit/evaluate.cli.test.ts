// `sextant eval` on the demo workspace after the real runner ran its pipeline (penguin-species v1
// registered as staging, data/penguins.csv registered as a dataset version): the JSON shape, the
// evaluation stored against the model version and the dataset version, the pipeline's sextant/evaluate
// giving the same metrics under the same names, Parquet read like CSV, --positive, the execution
// provider choice, and bad input (names, count, dtype, a truncated model, unseen classes, NaN features,
// usage) each with its precise error.
import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { evaluationsOf } from '../../src/engine/evaluate/record';
import { openSession, planProvider, usableGpus } from '../../src/engine/evaluate/provider';
import { EvaluationResultSchema, type ClassificationResult } from '../../src/engine/evaluate/schema';
import { loadOnnxRuntime } from '../../src/engine/native/load';
import { runPipeline } from '../../src/engine/runner/executor';
import { StoreTracker } from '../../src/engine/runner/storeTracker';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { linearOnnx } from '../support/linearOnnx';
import { tempDir } from './tempDir';

function capture(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
}

async function sextantEval(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string; json?: Record<string, unknown> }> {
  const io = capture(cwd);
  const code = await main(['eval', ...args], io);
  const out = io.stdout.join('\n');
  return { code, out, err: io.stderr.join('\n'), ...(args.includes('--json') && out.startsWith('{') ? { json: JSON.parse(out) as Record<string, unknown> } : {}) };
}

/** The error a failed `--json` evaluation printed. */
async function evalError(cwd: string, ...args: string[]): Promise<{ code: string; message: string; file?: string; line?: number }> {
  const r = await sextantEval(cwd, ...args, '--json');
  assert.equal(r.code, 1, r.out + r.err);
  const body = r.json as { ok: boolean; error: { code: string; message: string; file?: string; line?: number } };
  assert.equal(body.ok, false);
  return body.error;
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('sextant eval (CLI) on the demo workspace', function () {
  this.timeout(120_000);
  let dir: string;
  let tracker: Tracker;
  let csv: string;

  before(async () => {
    dir = tempDir('sextant-eval-cli-');
    cpSync(join(__dirname, '..', '..', 'media', 'demo'), dir, { recursive: true });
    // A second evaluate stage on every row of the registered version, to compare with the CLI.
    const yaml = readFileSync(join(dir, 'sextant.yaml'), 'utf8').replace(/\nmonitor:/, '\n  eval-all:\n    needs: [register]\n    uses: sextant/evaluate\n    with: { model: penguin-species@staging, dataset: penguins }\nmonitor:');
    writeFileSync(join(dir, 'sextant.yaml'), yaml);
    tracker = must(Tracker.open(workspaceLayout(dir), { create: true }));
    const result = must(await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [], tracker: new StoreTracker(tracker) }));
    assert.equal(result.status, 'succeeded', JSON.stringify(result.stages.filter((s) => s.status === 'failed')));
    csv = readFileSync(join(dir, 'data', 'penguins.csv'), 'utf8');
  });
  after(() => tracker?.close());

  it('--json: {rows, provider, task, metrics, confusion_matrix, latency_ms, rows_per_second} (and the documented extras), for a registered alias', async () => {
    const r = await sextantEval(dir, 'penguin-species@staging', 'data/penguins.csv', '--json');
    assert.equal(r.code, 0, r.err);
    const json = r.json!;
    for (const key of ['rows', 'provider', 'task', 'metrics', 'confusion_matrix', 'latency_ms', 'rows_per_second']) assert.ok(key in json, key);
    const result = EvaluationResultSchema.parse(json) as ClassificationResult;
    assert.equal(result.task, 'classification');
    assert.equal(result.provider, 'cpu');
    assert.equal(result.rows, csv.trim().split('\n').length - 1);
    assert.deepEqual(Object.keys(json.latency_ms as object), ['p50', 'p95', 'p99']);
    assert.ok(result.latency_ms.p50 <= result.latency_ms.p95 && result.latency_ms.p95 <= result.latency_ms.p99);
    assert.ok(result.rows_per_second > 0);
    for (const key of ['accuracy', 'precision', 'recall', 'f1', 'f1_macro', 'roc_auc', 'log_loss']) assert.equal(typeof (result.metrics as Record<string, unknown>)[key], 'number', key);
    assert.equal(result.metrics.f1, result.metrics.f1_macro, 'three classes: f1 is the macro F1');
    assert.deepEqual(result.classes, ['adelie', 'chinstrap', 'gentoo']);
    assert.equal(result.confusion_matrix.flat().reduce((s, v) => s + v, 0), result.rows);
    assert.equal(result.curves.length, 3);
    assert.equal(result.features.by, 'name');
    assert.deepEqual(result.model, { file: result.model.file, ref: 'penguin-species@staging', version: 1 });
    assert.equal(result.data.dataset, 'penguins', 'the dataset version the runner registered for this content');
    assert.equal(result.data.version, 1);
    assert.deepEqual(json.stored, { evaluation_id: (json.stored as { evaluation_id: number }).evaluation_id, model: 'penguin-species', version: 1 });
  });

  it('stored against the model version and the dataset version; the pipeline stage on the same rows gives the same metrics under the same names', async () => {
    const r = await sextantEval(dir, 'penguin-species@1', 'data/penguins.csv', '--json');
    assert.equal(r.code, 0, r.err);
    const cli = EvaluationResultSchema.parse(r.json) as ClassificationResult;
    const versionId = tracker.db.prepare("SELECT v.id FROM model_versions v JOIN models m ON m.id = v.model_id WHERE m.name = 'penguin-species' AND v.version = 1").pluck().get() as number;
    const datasetVersionId = tracker.db.prepare("SELECT dv.id FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id WHERE d.name = 'penguins'").pluck().get() as number;
    const history = evaluationsOf(tracker.db, versionId);
    // The demo's evaluate stage (on the held-out rows, before register added the version: copied into its
    // history), eval-all (the pipeline), then the two CLI evaluations.
    assert.equal(history.length, 4, JSON.stringify(history.map((h) => h.result.model)));
    assert.ok(history.every((h) => h.datasetVersionId === datasetVersionId));
    const [holdout, stage, , last] = history;
    assert.ok(holdout!.runUid && holdout!.runUid !== stage!.runUid && holdout!.result.rows < stage!.result.rows, 'the demo evaluate stage, on its split');
    assert.equal(holdout!.result.model.version, 1);
    assert.ok(stage!.runUid, 'the stage records its run');
    assert.equal(last!.runUid, null);
    assert.deepEqual(last!.result.metrics, cli.metrics);
    assert.deepEqual(stage!.result.metrics, cli.metrics, 'sextant/evaluate: same code, same rows, same numbers');
    const logged = tracker.db.prepare('SELECT k.name, l.value FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id JOIN runs r ON r.id = l.run_id WHERE r.uid = ?').all(stage!.runUid) as { name: string; value: number }[];
    const byName = new Map(logged.map((m) => [m.name, m.value]));
    for (const [key, value] of Object.entries(cli.metrics)) assert.equal(byName.get(key), value, key);
    assert.ok(byName.has('roc/adelie') && byName.has('pr/gentoo') && byName.has('confusion/adelie/adelie') && byName.has('latency_p99_ms'));
  });

  it('an .onnx path whose content is a registered version is stored against it; human output: metrics, confusion matrix, latency per batch size, the record', async () => {
    const r = await sextantEval(dir, 'models/penguins.onnx', 'data/penguins.csv');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /accuracy [\d.]+ {2}precision/);
    assert.match(r.out, /confusion matrix \(rows: true species, columns: predicted\)/);
    assert.match(r.out, /batch {5}1: p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms \(200 runs\), [\d,]+ rows\/s/);
    assert.match(r.out, /Stored as evaluation \d+ of penguin-species version 1 on penguins v1\./);
  });

  it('Parquet is read like CSV: same rows, same metrics', async () => {
    const lines = csv.trim().split('\n').map((l) => l.split(','));
    const header = lines[0]!;
    const rows = lines.slice(1);
    const numeric = new Set(['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g']);
    parquetWriteFile({
      filename: join(dir, 'penguins.parquet'),
      columnData: header.map((name, c) => (numeric.has(name) ? { name, data: rows.map((r) => (r[c] === '' || r[c] === 'NA' ? null : Number(r[c]))), type: 'DOUBLE' as const } : { name, data: rows.map((r) => r[c] ?? null), type: 'STRING' as const })),
    });
    const fromCsv = await sextantEval(dir, 'models/penguins.onnx', 'data/penguins.csv', '--json');
    const fromParquet = await sextantEval(dir, 'models/penguins.onnx', 'penguins.parquet', '--json');
    assert.equal(fromParquet.code, 0, fromParquet.err);
    assert.deepEqual(fromParquet.json!.metrics, fromCsv.json!.metrics);
    assert.deepEqual(fromParquet.json!.confusion_matrix, fromCsv.json!.confusion_matrix);
  });

  it('binary: --positive picks the class whose precision/recall/f1 are reported; the model metadata gives the default; an unknown class is refused', async () => {
    writeFileSync(join(dir, 'binary.onnx'), linearOnnx({ weights: [1.5, -1.5, -0.5, 0.5], bias: [0.2, -0.2], task: 'classification', metadata: { classes: '["no","yes"]', label: 'answer', positive: 'no' } }));
    const rows = ['a,b,answer'];
    for (let i = 0; i < 60; i++) rows.push(`${((i * 7) % 11) / 5 - 1},${((i * 5) % 13) / 6 - 1},${i % 3 === 0 ? 'yes' : 'no'}`);
    writeFileSync(join(dir, 'binary.csv'), `${rows.join('\n')}\n`);
    const byMetadata = EvaluationResultSchema.parse((await sextantEval(dir, 'binary.onnx', 'binary.csv', '--json')).json) as ClassificationResult;
    const yes = EvaluationResultSchema.parse((await sextantEval(dir, 'binary.onnx', 'binary.csv', '--positive', 'yes', '--json')).json) as ClassificationResult;
    assert.equal(byMetadata.positive, 'no');
    assert.equal(yes.positive, 'yes');
    assert.equal(byMetadata.features.by, 'order', 'no names: matched by position');
    assert.notEqual(byMetadata.metrics.f1, yes.metrics.f1);
    assert.equal(byMetadata.metrics.f1_macro, yes.metrics.f1_macro);
    assert.equal(yes.curves[0]!.class, 'yes');
    assert.equal((await sextantEval(dir, 'binary.onnx', 'binary.csv')).out.split('\n').at(-1), 'Not stored: the model is not a registered version (register it, or give NAME@VERSION).');
    const unknown = await evalError(dir, 'binary.onnx', 'binary.csv', '--positive', 'maybe');
    assert.equal(unknown.code, 'evaluate-positive');
    assert.match(unknown.message, /"maybe" is not one of the model's classes \(no, yes\)/);
  });

  it('execution provider: CUDA only when onnxruntime lists it and a GPU is present, else CPU with the reason; a CUDA session that cannot start falls back to CPU', async () => {
    const cuda = [{ name: 'cpu' }, { name: 'cuda' }];
    assert.deepEqual(planProvider(cuda, []), { providers: ['cpu'], reason: 'no NVIDIA GPU found' });
    assert.deepEqual(planProvider([{ name: 'cpu' }], [0]), { providers: ['cpu'], reason: 'this onnxruntime-node has no CUDA execution provider' });
    assert.deepEqual(planProvider(cuda, [1, 0]), { providers: ['cuda', 'cpu'], device: 1 });
    assert.deepEqual(await usableGpus([3]), [3], "a stage's GPUs are used as given");
    const ort = must(loadOnnxRuntime());
    const opened = await openSession(ort, readFileSync(join(dir, 'models', 'penguins.onnx')), planProvider(ort.listSupportedBackends(), [0]));
    try {
      if (opened.provider === 'cpu') assert.match(opened.note ?? '', /^(the CUDA execution provider could not start \(.+\)|this onnxruntime-node has no CUDA execution provider)$/);
      else assert.equal(opened.note, undefined);
      assert.deepEqual(opened.session.inputNames, ['input']);
    } finally {
      await opened.session.release();
    }
  });

  describe('bad input: a precise error, exit 1 (2 for usage)', () => {
    it('feature names the data does not have', async () => {
      writeFileSync(join(dir, 'renamed.csv'), csv.replace('bill_length_mm', 'bill_len'));
      const e = await evalError(dir, 'models/penguins.onnx', 'renamed.csv');
      assert.equal(e.code, 'evaluate-input-names');
      assert.match(e.message, /The model's feature "bill_length_mm" is not a column of the data/);
      assert.match(e.message, /the data has island, bill_len, bill_depth_mm/);
    });

    it('a count of columns that does not match a model without feature names', async () => {
      writeFileSync(join(dir, 'two.onnx'), linearOnnx({ weights: [1, 2], bias: [0], task: 'regression', metadata: { label: 'y' } }));
      writeFileSync(join(dir, 'three.csv'), 'a,b,c,y\n1,2,3,4\n');
      const e = await evalError(dir, 'two.onnx', 'three.csv');
      assert.equal(e.code, 'evaluate-input-count');
      assert.match(e.message, /input "input" takes 2 values per row, but the data has 3 columns besides the label "y" \(a, b, c\)/);
    });

    it('dtype: an input that is not numeric, text in a numeric column, a fraction for an int64 input (file and line)', async () => {
      writeFileSync(join(dir, 'strings.onnx'), linearOnnx({ weights: [1, 1], bias: [0], task: 'regression', dtype: 'string', metadata: { label: 'y' } }));
      writeFileSync(join(dir, 'strings.csv'), 'a,b,y\n1,2,3\n');
      const strings = await evalError(dir, 'strings.onnx', 'strings.csv');
      assert.equal(strings.code, 'evaluate-input-type');
      assert.equal(strings.file, join(dir, 'strings.onnx'));
      assert.match(strings.message, /The model's input "input" is of type string: evaluation feeds numbers \(float32, float64, int32, int64\)/);
      const lines = csv.split('\n');
      lines[5] = lines[5]!.replace(/,(\d+),(\d+),/, ',$1,heavy,');
      writeFileSync(join(dir, 'text.csv'), lines.join('\n'));
      const text = await evalError(dir, 'models/penguins.onnx', 'text.csv');
      assert.equal(text.code, 'evaluate-input-type');
      assert.equal(text.line, 6);
      assert.match(text.message, /Column "body_mass_g" at line 6 is "heavy", not a number: the model's input "input" is float32/);
      writeFileSync(join(dir, 'ints.onnx'), linearOnnx({ weights: [1, 1], bias: [0], task: 'regression', dtype: 'int64', inputs: { perFeature: ['a', 'b'] }, metadata: { label: 'y' } }));
      writeFileSync(join(dir, 'ints.csv'), 'a,b,y\n1,2,3\n4,5.5,9\n');
      const fraction = await evalError(dir, 'ints.onnx', 'ints.csv');
      assert.equal(fraction.code, 'evaluate-input-type');
      assert.equal(fraction.line, 3);
      assert.match(fraction.message, /Column "b" at line 3 is 5\.5, not an integer: the model's input "b" is int64/);
    });

    it('a truncated .onnx file', async () => {
      const bytes = readFileSync(join(dir, 'models', 'penguins.onnx'));
      writeFileSync(join(dir, 'truncated.onnx'), bytes.subarray(0, Math.floor(bytes.length / 2)));
      const e = await evalError(dir, 'truncated.onnx', 'data/penguins.csv');
      assert.equal(e.code, 'model-not-onnx');
      assert.equal(e.file, join(dir, 'truncated.onnx'));
      assert.match(e.message, /truncated/);
    });

    it('a label with classes the model does not predict', async () => {
      const lines = csv.split('\n');
      lines[8] = lines[8]!.replace(/^\w+,/, 'emperor,');
      writeFileSync(join(dir, 'emperor.csv'), lines.join('\n'));
      const e = await evalError(dir, 'models/penguins.onnx', 'emperor.csv');
      assert.equal(e.code, 'evaluate-label-classes');
      assert.equal(e.line, 9);
      assert.match(e.message, /"emperor" \(1 row, first at line 9\)\. The model's classes: adelie, chinstrap, gentoo/);
    });

    it('NaN features: an error for a model that does not impute; a Sextant-trained model fills them in', async () => {
      writeFileSync(join(dir, 'nan.csv'), 'a,b,y\n1,2,3\n4,NaN,9\n5,,1\n');
      const e = await evalError(dir, 'two.onnx', 'nan.csv');
      assert.equal(e.code, 'evaluate-missing-feature');
      assert.equal(e.line, 3);
      assert.match(e.message, /2 rows have a missing or NaN feature \(the first: column "b" at line 3\)/);
      const lines = csv.split('\n');
      lines[3] = lines[3]!.replace(/,(\d+),(\d+),/, ',NaN,$2,');
      writeFileSync(join(dir, 'imputed.csv'), lines.join('\n'));
      const imputed = await sextantEval(dir, 'models/penguins.onnx', 'imputed.csv', '--json');
      assert.equal(imputed.code, 0, imputed.out);
    });

    it('a store that cannot be opened: a model file is still evaluated (not stored, said on stderr); NAME@ALIAS fails', async () => {
      const other = tempDir('sextant-eval-badstore-');
      mkdirSync(join(other, '.sextant'));
      writeFileSync(join(other, '.sextant', 'sextant.db'), 'not a database');
      cpSync(join(dir, 'models', 'penguins.onnx'), join(other, 'm.onnx'));
      cpSync(join(dir, 'data', 'penguins.csv'), join(other, 'p.csv'));
      const r = await sextantEval(other, 'm.onnx', 'p.csv', '--json');
      assert.equal(r.code, 0, r.out);
      assert.equal(r.json!.stored, null);
      assert.match(r.err, /warning: the evaluation will not be stored: .*sextant\.db/);
      const ref = await sextantEval(other, 'penguin-species@staging', 'p.csv', '--json');
      assert.equal(ref.code, 1);
    });

    it('a missing label column, an unknown registered model, usage', async () => {
      const label = await evalError(dir, 'two.onnx', 'three.csv', '--label', 'target');
      assert.equal(label.code, 'evaluate-label');
      assert.match(label.message, /no column "target"/);
      const unknown = await evalError(dir, 'penguin-species@production', 'data/penguins.csv');
      assert.match(unknown.message, /Model "penguin-species" has no alias "production"/);
      assert.equal((await sextantEval(dir, 'models/penguins.onnx')).code, 2);
      assert.equal((await sextantEval(dir, 'models/penguins.onnx', 'data/penguins.csv', '--bogus')).code, 2);
    });
  });
});
