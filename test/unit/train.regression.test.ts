// The trainer's regression models (linear, gbt, mlp) and their ONNX files, its answers to bad input, and
// cancelling a long fit: real fits on generated data, predictions checked against onnxruntime-node.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { fitModelSteps } from '../../src/engine/train/fitModel';
import { FittedModelSchema, predictProba, type FitTarget, type FittedModel, type Matrix, type ModelKind } from '../../src/engine/train/model';
import { exportOnnx, METADATA_KEY } from '../../src/engine/train/onnx/export';
import { readOnnxMetadata } from '../../src/engine/train/onnx/metadata';
import { Rng } from '../../src/engine/train/rng';
import { runSteps, StepsAborted } from '../../src/engine/train/steps';
import { trainRowsAsync } from '../../src/engine/train/train';
import { tempDir } from './tempDir';

/** y = 3·x0 - 2·x1 + 0.5·x2² + noise, with x3 constant. */
function regressionData(n: number, seed: number): { x: Matrix; y: Float64Array } {
  const rng = new Rng(seed);
  const data = new Float64Array(n * 4);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const a = rng.normal();
    const b = rng.normal() * 10 + 50;
    const c = rng.normal();
    data.set([a, b, c, 7], r * 4);
    y[r] = 3 * a - 2 * b + 0.5 * c * c + rng.normal() * 0.1;
  }
  return { x: { rows: n, cols: 4, data }, y };
}

const FEATURES = ['a', 'b', 'c', 'constant'];

function fit(x: Matrix, target: FitTarget, kind: ModelKind, extra: { epochs?: number } = {}) {
  return runSteps(fitModelSteps(x, target, { kind, label: 'y', features: FEATURES.slice(0, x.cols), seed: 1, ...extra }));
}

function r2(pred: ArrayLike<number>, y: Float64Array): number {
  let mean = 0;
  for (const v of y) mean += v / y.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < y.length; i++) {
    ssRes += (y[i]! - pred[i]!) ** 2;
    ssTot += (y[i]! - mean) ** 2;
  }
  return 1 - ssRes / ssTot;
}

async function onnxPredictions(model: FittedModel, x: Matrix): Promise<{ values: Float32Array; dims: readonly number[]; outputs: readonly string[] }> {
  const session = await ort.InferenceSession.create(exportOnnx(model));
  const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(x.data), [x.rows, x.cols]) });
  return { values: out.prediction!.data as Float32Array, dims: out.prediction!.dims, outputs: session.outputNames };
}

describe('trainer: regression models and their ONNX files', function () {
  this.timeout(120_000);
  const train = regressionData(3000, 1);
  const test = regressionData(500, 2);

  for (const kind of ['linear', 'gbt', 'mlp'] as const) {
    it(`${kind}: learns a continuous label (held-out R² high), and onnxruntime predicts what the TypeScript model does`, async () => {
      const r = fit(train.x, { task: 'regression', y: train.y }, kind, kind === 'mlp' ? { epochs: 30 } : {});
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      const model = r.value.model;
      assert.equal(model.task, 'regression');
      assert.deepEqual(model.classes, []);
      const ours = predictProba(model, test.x);
      const score = r2(ours, test.y);
      assert.ok(score > (kind === 'linear' ? 0.99 : 0.97), `${kind}: held-out R² ${score}`);
      const onnx = await onnxPredictions(model, test.x);
      assert.deepEqual(onnx.outputs, ['prediction']);
      assert.deepEqual(onnx.dims, [test.x.rows, 1]);
      for (let i = 0; i < test.x.rows; i++) assert.ok(Math.abs(onnx.values[i]! - ours[i]!) <= 1e-3 * Math.max(1, Math.abs(ours[i]!)), `row ${i}: onnx ${onnx.values[i]} vs ${ours[i]}`);
      const meta = readOnnxMetadata(exportOnnx(model));
      const parsed = FittedModelSchema.safeParse(JSON.parse(meta[METADATA_KEY]!));
      assert.ok(parsed.success);
      assert.equal(parsed.data.task, 'regression');
    });
  }

  for (const kind of ['linear', 'gbt'] as const) {
    it(`${kind} regression: the ONNX file passes onnx.checker.check_model with full shape inference (when /usr/bin/python3 has onnx)`, function () {
      const probe = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' });
      if (probe.error || probe.status !== 0) {
        console.warn(`    SKIPPED: /usr/bin/python3 has no onnx package (apt-get install python3-onnx): ${(probe.stderr || String(probe.error)).trim().split('\n').pop()}`);
        this.skip();
      }
      const r = fit(train.x, { task: 'regression', y: train.y }, kind, { epochs: 5 });
      assert.ok(r.ok);
      const file = join(tempDir('sextant-onnx-'), 'm.onnx');
      writeFileSync(file, exportOnnx(r.value.model));
      const check = spawnSync('/usr/bin/python3', ['-c', 'import onnx,sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print([o.name for o in m.graph.output])', file], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stderr);
      assert.equal(check.stdout.trim(), "['prediction']");
    });
  }

  it('linear: the constant feature gets a zero coefficient, the others the generating ones', () => {
    const r = fit(train.x, { task: 'regression', y: train.y }, 'linear');
    assert.ok(r.ok);
    const { weights } = r.value.model.layers[0]!;
    const scale = r.value.model.scaler.scale;
    assert.equal(weights[3], 0);
    // Coefficients on standardised features divided by the scale: back in the raw units.
    assert.ok(Math.abs(weights[0]! / scale[0]! - 3) < 0.05, `a: ${weights[0]! / scale[0]!}`);
    assert.ok(Math.abs(weights[1]! / scale[1]! + 2) < 0.05, `b: ${weights[1]! / scale[1]!}`);
  });
});

describe('trainer: optimiser reports and bad input', function () {
  this.timeout(120_000);

  function classes(n: number, seed: number): { x: Matrix; y: Int32Array } {
    const rng = new Rng(seed);
    const data = new Float64Array(n * 3);
    const y = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const a = rng.normal();
      const b = rng.normal();
      data.set([a, b, rng.normal()], r * 3);
      y[r] = a + 0.5 * b + rng.normal() * 0.5 > 0 ? 1 : 0;
    }
    return { x: { rows: n, cols: 3, data }, y };
  }

  it('logistic regression stops on the tolerance and reports its iterations and final loss', () => {
    const { x, y } = classes(2000, 3);
    const r = fit(x, { task: 'classification', y, classes: ['no', 'yes'] }, 'logistic-regression');
    assert.ok(r.ok);
    const t = r.value.model.training;
    assert.equal(t.converged, true);
    assert.ok(t.iterations! > 1 && t.iterations! < 100, `iterations ${t.iterations}`);
    assert.equal(r.value.losses.length, t.iterations);
    assert.ok(t.finalLoss > 0.2 && t.finalLoss < 0.5, `final loss ${t.finalLoss}`);
    // The loss never rises from one L-BFGS iteration to the next (Wolfe line search).
    for (let i = 1; i < r.value.losses.length; i++) assert.ok(r.value.losses[i]! <= r.value.losses[i - 1]! + 1e-12);
  });

  it('two-class gbt (one tree per iteration on the log-odds): onnxruntime gives the TypeScript probabilities', async () => {
    const { x, y } = classes(3000, 6);
    const r = fit(x, { task: 'classification', y, classes: ['no', 'yes'] }, 'gbt', { epochs: 20 });
    assert.ok(r.ok);
    const model = r.value.model;
    assert.equal(model.ensemble!.trees.length, 20);
    assert.ok(model.ensemble!.trees.every((t) => t.target === 1));
    const ours = predictProba(model, x);
    const session = await ort.InferenceSession.create(exportOnnx(model));
    const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(x.data), [x.rows, x.cols]) });
    const theirs = out.probabilities!.data as Float32Array;
    for (let i = 0; i < ours.length; i++) assert.ok(Math.abs(theirs[i]! - ours[i]!) < 1e-4, `${i}: ${theirs[i]} vs ${ours[i]}`);
  });

  it('refuses a model that cannot do the task, one class, one row, and infinite features, each with a reason', () => {
    const { x, y } = classes(50, 4);
    const cases: [FitTarget, ModelKind, Matrix, RegExp][] = [
      [{ task: 'regression', y: Float64Array.from(y) }, 'logistic-regression', x, /cannot do regression/],
      [{ task: 'classification', y, classes: ['no', 'yes'] }, 'linear', x, /cannot do classification/],
      [{ task: 'classification', y: new Int32Array(50), classes: ['only'] }, 'gbt', x, /only one class/],
      [{ task: 'regression', y: Float64Array.of(1) }, 'linear', { rows: 1, cols: 3, data: Float64Array.of(1, 2, 3) }, /Only 1 rows/],
      [{ task: 'regression', y: Float64Array.from(y) }, 'gbt', { ...x, data: Float64Array.from(x.data, (v, i) => (i === 7 ? Infinity : v)) }, /infinite value.*row 3/],
      [{ task: 'regression', y: Float64Array.from(y, (v, i) => (i === 4 ? NaN : v)) }, 'linear', x, /not a finite number in row 5/],
    ];
    for (const [target, kind, data, message] of cases) {
      const r = fit(data, target, kind);
      assert.ok(!r.ok, `${kind} on ${target.task} should fail`);
      assert.match(r.error.message, message);
    }
  });

  function bigRows(n: number) {
    const rng = new Rng(5);
    const data = new Float64Array(n * 10);
    for (let i = 0; i < data.length; i++) data[i] = rng.normal();
    const y = Int32Array.from({ length: n }, (_, r) => (data[r * 10]! + rng.normal() > 0 ? 1 : 0));
    return { task: 'classification' as const, rows: { x: { rows: n, cols: 10, data }, y, classes: ['a', 'b'], features: Array.from({ length: 10 }, (_, i) => `f${i}`), lines: new Int32Array(n) } };
  }

  it('trains in a worker thread: progress arrives while the event loop keeps running, and the result is the in-thread one', async () => {
    const rows = bigRows(20_000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const epochs: number[] = [];
    let r;
    try {
      r = await trainRowsAsync(rows, { kind: 'logistic-regression', label: 'y', seed: 0, onEpoch: (e) => void epochs.push(e) });
    } finally {
      clearInterval(timer);
    }
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.equal(epochs.length, r.value.model.training.iterations);
    assert.ok(ticks >= 3, `the event loop ran only ${ticks} timer ticks while training`);
    const here = runSteps(fitModelSteps(rows.rows.x, { task: 'classification', y: rows.rows.y, classes: rows.rows.classes }, { kind: 'logistic-regression', label: 'y', features: rows.rows.features, seed: 0 }));
    assert.ok(here.ok);
    assert.deepEqual(r.value.model.layers, here.value.model.layers);
  });

  it('a fit is cancelled mid-training through its AbortSignal, promptly, while the event loop keeps running', async () => {
    const rows = bigRows(60_000);
    const controller = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    let epochs = 0;
    const started = performance.now();
    try {
      await assert.rejects(
        trainRowsAsync(rows, { kind: 'gbt', label: 'y', seed: 0, epochs: 100_000, onEpoch: () => {
          if (++epochs === 3) controller.abort();
        } }, 20, controller.signal),
        StepsAborted,
      );
    } finally {
      clearInterval(timer);
    }
    const took = performance.now() - started;
    assert.ok(took < 60_000, `stopping took ${took} ms`);
    assert.ok(epochs >= 3 && epochs < 100, `the fit ran ${epochs} epochs`);
    assert.ok(ticks >= 5, `the event loop ran only ${ticks} timer ticks while training`);
  });
});
