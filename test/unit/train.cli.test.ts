// `sextant train`: the same training as the sextant/train stage (train/fromTable.ts), a progress line on
// stderr, a documented --json result, and an ONNX file that onnxruntime-node loads and that predicts
// what the engine's own model (the FittedModel kept in its metadata) predicts, and what the stage's
// model predicts.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { stringify } from 'yaml';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { runPipeline } from '../../src/engine/runner/executor';
import { readColumns } from '../../src/engine/data/read/columnTable';
import { numericValues } from '../../src/engine/data/read/columnValues';
import { FittedModelSchema, predictProba, type FittedModel } from '../../src/engine/train/model';
import { METADATA_KEY } from '../../src/engine/train/onnx/export';
import { readOnnxMetadata } from '../../src/engine/train/onnx/metadata';
import { Rng } from '../../src/engine/train/rng';
import { tempDir } from './tempDir';

function capture(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
}

/** 240 rows: a, b, c numbers, a `note` text column, a class label `kind` and a continuous `price`. */
function dataset(dir: string): string {
  const rng = new Rng(11);
  const lines = ['a,b,c,note,kind,price'];
  for (let i = 0; i < 240; i++) {
    const a = Math.round(rng.next() * 1000) / 100;
    const b = Math.round(rng.next() * 1000) / 100;
    const c = Math.round(rng.next() * 1000) / 100;
    const kind = a + b > 10 + (c - 5) / 2 ? 'big' : a > 5 ? 'mid' : 'small';
    const price = (3 * a - 2 * b + c / 2 + rng.next()).toFixed(3);
    lines.push([a, b, i === 4 ? '' : c, i % 9 === 0 ? 'see note' : String(i), kind, price].join(','));
  }
  const file = join(dir, 'data.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function fitted(onnx: Uint8Array): FittedModel {
  return FittedModelSchema.parse(JSON.parse(readOnnxMetadata(onnx)[METADATA_KEY]!));
}

/** onnxruntime's output for the rows of `features` in `file` (missing values as NaN, which the model imputes). */
async function ortPredict(onnx: Uint8Array, file: string, features: string[]): Promise<{ values: Float32Array; labels?: string[]; x: Float64Array; n: number }> {
  const t = readColumns(file);
  assert.ok(t.ok);
  const n = t.value.rowCount;
  const x = new Float64Array(n * features.length);
  features.forEach((f, j) => {
    const col = numericValues(t.value, f);
    assert.ok(col.ok, col.ok ? '' : col.error.message);
    for (let r = 0; r < n; r++) x[r * features.length + j] = col.value[r]!;
  });
  const session = await ort.InferenceSession.create(onnx);
  const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(x), [n, features.length]) });
  const values = (out.probabilities ?? out.prediction)!.data as Float32Array;
  return { values, ...(out.label ? { labels: out.label.data as string[] } : {}), x, n };
}

describe('sextant train', function () {
  this.timeout(120_000);

  it('classification (gbt): progress on stderr, --json result, an ONNX file that predicts as the engine and as the sextant/train stage', async () => {
    const dir = tempDir('sextant-train-cli-');
    const data = dataset(dir);
    const io = capture(dir);
    const code = await main(['train', 'data.csv', '--label', 'kind', '--model', 'gbt', '--features', 'a,b,c', '--out', 'out/cli.onnx', '--param', 'epochs=40', '--param', 'seed=3', '--json'], io);
    assert.equal(code, 0, io.stderr.join('\n') + io.stdout.join('\n'));
    assert.match(io.stderr[0]!, /^sextant train: iteration 1, loss \d/);
    const r = JSON.parse(io.stdout[0]!);
    assert.equal(r.ok, true);
    assert.equal(r.model, 'gbt');
    assert.equal(r.task, 'classification');
    assert.deepEqual(r.classes, ['big', 'mid', 'small']);
    assert.deepEqual(r.features, ['a', 'b', 'c']);
    assert.equal(r.rows, 240);
    assert.equal(r.held_out, 48);
    assert.equal(r.trained_rows, 191, '192 training rows, one without c');
    assert.equal(r.dropped_rows, 1);
    assert.ok(r.train_accuracy > 0.9, `train_accuracy ${r.train_accuracy}`);
    assert.equal(r.out, join(dir, 'out', 'cli.onnx'));

    const onnx = readFileSync(join(dir, 'out', 'cli.onnx'));
    const model = fitted(onnx);
    const ortOut = await ortPredict(onnx, data, r.features);
    const engine = predictProba(model, { rows: ortOut.n, cols: 3, data: ortOut.x });
    for (let i = 0; i < engine.length; i++) assert.ok(Math.abs(engine[i]! - ortOut.values[i]!) < 1e-4, `probability ${i}: engine ${engine[i]} vs onnxruntime ${ortOut.values[i]}`);

    // The sextant/train stage with the same values trains the same model.
    writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, datasets: { d: { path: 'data.csv', label: 'kind' } }, stages: { train: { uses: 'sextant/train', with: { dataset: 'd', model: 'gbt', features: ['a', 'b', 'c'], epochs: 40, seed: 3, out: 'stage.onnx' } } } }));
    const run = await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [] });
    assert.ok(run.ok && run.value.status === 'succeeded', run.ok ? run.value.stages[0]!.reason : run.error.message);
    const stage = await ortPredict(readFileSync(join(dir, 'stage.onnx')), data, r.features);
    assert.deepEqual(stage.labels, ortOut.labels);
    assert.deepEqual(Array.from(stage.values), Array.from(ortOut.values));
  });

  it('regression (linear), decided from the label: the excluded text column is reported; the ONNX prediction matches the engine', async () => {
    const dir = tempDir('sextant-train-cli-');
    const data = dataset(dir);
    const io = capture(dir);
    const code = await main(['train', data, '--label', 'price', '--model', 'linear', '--out', join(dir, 'reg.onnx'), '--param', 'holdout=0', '--json'], io);
    assert.equal(code, 0, io.stdout.join('\n'));
    const r = JSON.parse(io.stdout[0]!);
    assert.equal(r.task, 'regression');
    assert.match(r.task_reason, /"price" holds numbers with a fractional part/);
    assert.deepEqual(r.features, ['a', 'b', 'c']);
    assert.deepEqual(r.excluded.map((e: { column: string }) => e.column), ['note', 'kind'], 'the text columns are reported, not silently dropped');
    assert.deepEqual(r.excluded[0], { column: 'note', reason: '"see note" on line 2 is not a number' });
    assert.equal(r.held_out, 0);
    assert.ok(r.train_r2 > 0.95, `train_r2 ${r.train_r2}`);
    const onnx = readFileSync(join(dir, 'reg.onnx'));
    const ortOut = await ortPredict(onnx, data, r.features);
    const engine = predictProba(fitted(onnx), { rows: ortOut.n, cols: 3, data: ortOut.x });
    for (let i = 0; i < ortOut.n; i++) assert.ok(Math.abs(engine[i]! - ortOut.values[i]!) < 1e-3 * Math.max(1, Math.abs(engine[i]!)), `row ${i}: engine ${engine[i]} vs onnxruntime ${ortOut.values[i]}`);
  });

  it('text output names the task, the excluded columns and the file written', async () => {
    const dir = tempDir('sextant-train-cli-');
    dataset(dir);
    const io = capture(dir);
    assert.equal(await main(['train', 'data.csv', '--label', 'kind', '--model', 'logistic-regression', '--out', 'm.onnx'], io), 0, io.stderr.join('\n'));
    const text = io.stdout.join('\n');
    assert.match(text, /^logistic-regression \(classification: "kind" has values that are not numbers \("mid"\)\) on 191 rows of data\.csv \(48 held out, 1 with a missing value skipped\)/);
    assert.match(text, /excluded column "note": "see note" on line 2 is not a number/);
    assert.match(text, /wrote m\.onnx$/);
  });

  it('a model that cannot do the task exits 1 with the reason; bad usage exits 2', async () => {
    const dir = tempDir('sextant-train-cli-');
    dataset(dir);
    const io = capture(dir);
    assert.equal(await main(['train', 'data.csv', '--label', 'price', '--model', 'logistic-regression', '--out', 'm.onnx', '--json'], io), 1);
    const r = JSON.parse(io.stdout[0]!);
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'train-task');
    assert.match(r.error.message, /^logistic-regression cannot do regression/);
    const text = capture(dir);
    assert.equal(await main(['train', 'data.csv', '--label', 'kind', '--model', 'linear', '--out', 'm.onnx'], text), 1);
    assert.match(text.stderr.join('\n'), /sextant train: .*data\.csv: linear cannot do classification \("kind" has values that are not numbers/);
    for (const argv of [
      ['train', 'data.csv', '--label', 'kind', '--model', 'svm', '--out', 'm.onnx'],
      ['train', 'data.csv', '--label', 'kind', '--model', 'gbt'],
      ['train', 'data.csv', '--label', 'kind', '--model', 'gbt', '--out', 'm.onnx', '--param', 'epochs=lots'],
      ['train', 'data.csv', '--label', 'kind', '--model', 'gbt', '--out', 'm.onnx', '--param', 'momentum=0.9'],
      ['train', 'data.csv', '--label', 'kind', '--model', 'gbt', '--out', 'm.onnx', '--task', 'ranking'],
    ]) {
      const bad = capture(dir);
      assert.equal(await main(argv, bad), 2, argv.join(' '));
    }
  });

  it('a header-only file and a missing file exit 1 with the file named', async () => {
    const dir = tempDir('sextant-train-cli-');
    writeFileSync(join(dir, 'empty.csv'), 'a,b,y\n');
    const io = capture(dir);
    assert.equal(await main(['train', 'empty.csv', '--label', 'y', '--model', 'gbt', '--out', 'm.onnx'], io), 1);
    assert.match(io.stderr.join('\n'), /empty\.csv:1: The file has a header but no rows/);
    const missing = capture(dir);
    assert.equal(await main(['train', 'nope.csv', '--label', 'y', '--model', 'gbt', '--out', 'm.onnx'], missing), 1);
    assert.match(missing.stderr.join('\n'), /nope\.csv: Cannot read the dataset/);
  });
});
