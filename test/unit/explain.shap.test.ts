// Kernel SHAP: exact enumeration against Shapley values computed independently here (the average over every
// ordering of the features of each one's marginal contribution), against the closed form of a linear model
// (φ_i = w_i·(x_i − mean of the background's column i)), the efficiency property (the attributions sum to
// f(x) − E[f(background)]), the kernel-weighted regression over every coalition equal to the Shapley formula,
// and the sampled estimator converging to the exact values on a model with 14 features. Then through
// `sextant models explain NAME@N DATA --row K` on registered ONNX models run by onnxruntime-node: a linear
// regression (closed form), a Sextant-trained classifier (brute-force Shapley through the same ONNX session),
// kept with the version; and the errors a user can make.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { registerModelVersion } from '../../src/engine/builtins/register';
import { kernelRegression, kernelShap, shapleyFromSubsets } from '../../src/engine/explain/kernelShap';
import { latestShap, ShapExplanationSchema } from '../../src/engine/explain/shapVersion';
import { loadOnnxRuntime } from '../../src/engine/native/load';
import { openStore } from '../../src/engine/store/open';
import { exportOnnx, ONNX_INPUT, ONNX_PROBABILITIES } from '../../src/engine/train/onnx/export';
import { Rng } from '../../src/engine/train/rng';
import { trainClassifier } from '../../src/engine/train/train';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { linearOnnx } from '../support/linearOnnx';
import { tempDir } from './tempDir';

function cli(cwd: string): CliIo & { stdout: string[]; stderr: string[]; docs: unknown[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const docs: unknown[] = [];
  return { stdout, stderr, docs, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => docs.push(JSON.parse(JSON.stringify(v))), isTty: false, cwd, env: {} };
}

/** Every ordering of 0..n-1. */
function orderings(n: number): number[][] {
  if (n === 1) return [[0]];
  return orderings(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

/** Shapley values by their definition: each feature's mean marginal contribution over every ordering, v(S) = mean over the background of g(x on S, background elsewhere). */
function bruteForceShapley(g: (z: number[]) => number, x: number[], background: number[][]): number[] {
  const M = x.length;
  const v = (S: Set<number>): number => background.reduce((s, b) => s + g(b.map((bv, j) => (S.has(j) ? x[j]! : bv))), 0) / background.length;
  const phi = new Array<number>(M).fill(0);
  const all = orderings(M);
  for (const order of all) {
    const S = new Set<number>();
    let before = v(S);
    for (const i of order) {
      S.add(i);
      const after = v(S);
      phi[i]! += after - before;
      before = after;
    }
  }
  return phi.map((p) => p / all.length);
}

/** A model as Kernel SHAP calls it: g applied to each row of a row-major matrix. */
const batched = (g: (z: number[]) => number, F: number) => async (z: Float64Array, rows: number) => Float64Array.from({ length: rows }, (_, r) => g(Array.from(z.subarray(r * F, (r + 1) * F))));

const sum = (a: number[]): number => a.reduce((s, v) => s + v, 0);

/** Nonlinear, with interactions and a threshold. */
const wiggly = (z: number[]): number => Math.tanh(z[0]! * z[1]!) + 0.5 * z[2]! ** 2 - z[3]! * (z[4]! > 0 ? 1 : -0.3) + 0.2 * z[0]! * z[2]! * z[4]!;

describe('Kernel SHAP', function () {
  this.timeout(120_000);

  it('exact enumeration equals the Shapley values by their definition (every ordering), and they sum to f(x) − E[f(background)]', async () => {
    const rng = new Rng(5);
    const F = 5;
    const background = Array.from({ length: 12 }, () => Array.from({ length: F }, () => rng.normal()));
    for (let t = 0; t < 3; t++) {
      const x = Array.from({ length: F }, () => rng.normal() * 1.5);
      const got = await kernelShap({ f: batched(wiggly, F), x, background: Float64Array.from(background.flat()), features: F });
      assert.equal(got.method, 'exact');
      assert.equal(got.coalitions, 2 ** F - 2);
      const expected = bruteForceShapley(wiggly, x, background);
      got.values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-12, `feature ${i}: ${v} vs ${expected[i]}`));
      assert.ok(Math.abs(got.fx - wiggly(x)) < 1e-15);
      assert.ok(Math.abs(got.base - sum(background.map(wiggly)) / background.length) < 1e-12);
      assert.ok(Math.abs(sum(got.values) - (got.fx - got.base)) < 1e-12, 'efficiency');
    }
  });

  it('a linear model gets w_i·(x_i − mean_i), exactly and when sampled; a feature equal in x and every background row gets 0', async () => {
    const w = [0.7, -1.3, 2.1, 0, 0.4, -0.25, 1.5, -0.9, 0.05, 3, -2, 0.6, 1.1, -0.45];
    const F = w.length;
    const g = (z: number[]): number => 0.3 + z.reduce((s, v, i) => s + w[i]! * v, 0);
    const rng = new Rng(9);
    const background = Array.from({ length: 20 }, () => Array.from({ length: F }, () => rng.normal()));
    background.forEach((b) => (b[5] = 1.25));
    const x = Array.from({ length: F }, () => rng.normal());
    x[5] = 1.25;
    const mean = Array.from({ length: F }, (_, i) => sum(background.map((b) => b[i]!)) / background.length);
    const closed = w.map((wi, i) => wi * (x[i]! - mean[i]!));
    const first = { f: batched(g, 4), x: x.slice(0, 4), background: Float64Array.from(background.flatMap((b) => b.slice(0, 4))), features: 4 };
    const exact = await kernelShap(first);
    exact.values.forEach((v, i) => assert.ok(Math.abs(v - closed[i]!) < 1e-9, `exact, feature ${i}: ${v} vs ${closed[i]}`));
    // 14 features, one of them constant: 13 vary, more than 11, so coalitions are drawn; for a linear model the regression is exact.
    const sampled = await kernelShap({ f: batched(g, F), x, background: Float64Array.from(background.flat()), features: F, samples: 600, seed: 2 });
    assert.equal(sampled.method, 'sampled');
    assert.equal(sampled.varying, 13);
    assert.equal(sampled.values[5], 0);
    sampled.values.forEach((v, i) => assert.ok(Math.abs(v - closed[i]!) < 1e-6, `sampled, feature ${i}: ${v} vs ${closed[i]}`));
    assert.ok(Math.abs(sum(sampled.values) - (sampled.fx - sampled.base)) < 1e-9, 'efficiency');
  });

  it('the kernel-weighted regression over every coalition is the Shapley formula', () => {
    const M = 6;
    const rng = new Rng(3);
    const v = Float64Array.from({ length: 1 << M }, () => rng.normal());
    const choose = (n: number, k: number): number => (k === 0 ? 1 : (choose(n, k - 1) * (n - k + 1)) / k);
    const rows: Uint8Array[] = [];
    const weights: number[] = [];
    const y: number[] = [];
    for (let S = 1; S < (1 << M) - 1; S++) {
      const z = Uint8Array.from({ length: M }, (_, j) => (S >> j) & 1);
      const s = sum(Array.from(z));
      rows.push(z);
      weights.push((M - 1) / (choose(M, s) * s * (M - s)));
      y.push(v[S]! - v[0]!);
    }
    const regression = kernelRegression(rows, weights, y, M, v[(1 << M) - 1]! - v[0]!)!;
    const formula = shapleyFromSubsets(v, M);
    regression.forEach((p, i) => assert.ok(Math.abs(p - formula[i]!) < 1e-10, `player ${i}: ${p} vs ${formula[i]}`));
  });

  it('the sampled estimator converges to the exact values on a nonlinear model with 14 features', async () => {
    const F = 14;
    const g = (z: number[]): number => wiggly(z) + Math.sin(z[5]! + z[6]!) + 0.3 * z[7]! * z[8]! - Math.abs(z[9]!) + 0.5 * z[10]! + (z[11]! > z[12]! ? 0.4 : 0) + 0.1 * z[13]! ** 3;
    const rng = new Rng(17);
    const background = Float64Array.from({ length: 8 * F }, () => rng.normal());
    const x = Array.from({ length: F }, () => rng.normal());
    const exact = await kernelShap({ f: batched(g, F), x, background, features: F, exactUpTo: F });
    assert.equal(exact.method, 'exact');
    const error = async (samples: number): Promise<number> => {
      const s = await kernelShap({ f: batched(g, F), x, background, features: F, samples, seed: 1 });
      assert.equal(s.method, 'sampled');
      assert.ok(Math.abs(sum(s.values) - (exact.fx - exact.base)) < 1e-9, 'efficiency holds for every sample size');
      return Math.sqrt(sum(s.values.map((v, i) => (v - exact.values[i]!) ** 2)) / F);
    };
    const scale = Math.sqrt(sum(exact.values.map((v) => v * v)) / F);
    const small = await error(200);
    const large = await error(40_000);
    assert.ok(large < 0.02 * scale, `RMS error ${large} with 40000 draws (attributions' RMS ${scale})`);
    assert.ok(large < small / 3, `more draws, closer: ${small} with 200, ${large} with 40000`);
  });

  describe('through sextant models explain --row on registered ONNX models', () => {
    let root: string;
    const w = [0.5, -1.25, 2];
    const rows = Array.from({ length: 40 }, (_, i) => ({ a: ((i * 7) % 13) / 4 - 1, b: ((i * 5) % 11) / 8, c: ((i * 3) % 9) / 2 - 2 }));

    before(() => {
      root = tempDir('sextant-shap-');
      const layout = workspaceLayout(root);
      const t = Tracker.open(layout, { create: true });
      assert.ok(t.ok);
      const run = t.value.startRun({ experiment: 'shap', name: 'register' });
      assert.ok(run.ok);
      t.value.close(true);
      // A linear regression over one input per feature (mapped by name), weights and data exact in float32.
      writeFileSync(join(root, 'linear.onnx'), linearOnnx({ weights: w, bias: [0.75], task: 'regression', inputs: { perFeature: ['a', 'b', 'c'] }, metadata: { label: 'y' } }));
      assert.ok(registerModelVersion(layout.storePath, { name: 'lin', file: join(root, 'linear.onnx'), runId: run.value.id }).ok);
      writeFileSync(join(root, 'lin.csv'), ['c,y,a,b', ...rows.map((r) => `${r.c},0,${r.a},${r.b}`)].join('\n') + '\n');

      const rng = new Rng(1);
      const train = Array.from({ length: 300 }, () => {
        const s = rng.next() * 2 - 1;
        const k = s * 0.3 + rng.normal() * 0.5;
        const n = rng.next() * 2 - 1;
        return { s, k, n, label: s + 0.5 * k > 0 ? 'yes' : 'no' };
      });
      const fit = trainClassifier(
        { x: { rows: train.length, cols: 3, data: Float64Array.from(train.flatMap((r) => [r.s, r.k, r.n])) }, y: Int32Array.from(train, (r) => (r.label === 'yes' ? 1 : 0)), features: ['signal', 'weak', 'noise'], classes: ['no', 'yes'], lines: new Int32Array(train.length) },
        { kind: 'logistic-regression', label: 'label', epochs: 100, lr: 0.5, seed: 1 },
      );
      assert.ok(fit.ok, fit.ok ? '' : fit.error.message);
      writeFileSync(join(root, 'cls.onnx'), exportOnnx(fit.value.model));
      assert.ok(registerModelVersion(layout.storePath, { name: 'cls', file: join(root, 'cls.onnx'), runId: run.value.id }).ok);
      writeFileSync(join(root, 'cls.csv'), ['label,noise,weak,signal', ...train.slice(0, 30).map((r) => `${r.label},${r.n},${r.k},${r.s}`)].join('\n') + '\n');
    });

    it('a linear regression: w_i·(x_i − mean_i) within 1e-6, summing to prediction − base; kept with the version', async () => {
      const io = cli(root);
      assert.equal(await main(['models', 'explain', 'lin@1', 'lin.csv', '--row', '5,12', '--json'], io), 0, io.stderr.join('\n') + JSON.stringify(io.docs));
      const e = ShapExplanationSchema.parse(io.docs[0]);
      assert.equal(e.task, 'regression');
      assert.equal(e.background.rows, 40, 'fewer rows than the default 100: all of them');
      const mean = (k: 'a' | 'b' | 'c'): number => sum(rows.map((r) => r[k])) / rows.length;
      for (const [i, r] of [5, 12].entries()) {
        const got = e.rows[i]!;
        const x = rows[r - 1]!;
        assert.equal(got.row, r);
        assert.equal(got.line, r + 1, 'line r + 1: the header is line 1');
        assert.equal(got.class, null);
        assert.equal(got.method, 'exact');
        assert.ok(Math.abs(got.prediction - (0.75 + w[0]! * x.a + w[1]! * x.b + w[2]! * x.c)) < 1e-6);
        assert.deepEqual(got.features.map((f) => f.feature), ['a', 'b', 'c'], "the model's order");
        (['a', 'b', 'c'] as const).forEach((k, j) => {
          const f = got.features[j]!;
          assert.equal(f.value, x[k]);
          assert.ok(Math.abs(f.attribution - w[j]! * (x[k] - mean(k))) < 1e-6, `row ${r} ${k}: ${f.attribution} vs ${w[j]! * (x[k] - mean(k))}`);
        });
        assert.ok(Math.abs(sum(got.features.map((f) => f.attribution)) - (got.prediction - got.base)) < 1e-9, 'efficiency');
      }
      const db = openStore(workspaceLayout(root).storePath);
      assert.ok(db.ok);
      try {
        const id = db.value.prepare("SELECT v.id FROM model_versions v JOIN models m ON m.id = v.model_id WHERE m.name = 'lin' AND v.version = 1").pluck().get() as number;
        assert.deepEqual(latestShap(db.value, id), e);
      } finally {
        db.value.close();
      }
      const text = cli(root);
      assert.equal(await main(['models', 'explain', 'lin@1', 'lin.csv', '--row', '5', '--no-save'], text), 0);
      assert.match(text.stdout.join('\n'), /lin v1, row 5 \(line 6\): prediction [-\d.]+, base [-\d.]+ \(mean over 40 background rows, seed 0\); Kernel SHAP, exact:/);
    });

    it('a Sextant-trained classifier: the predicted class\'s probability, equal to brute-force Shapley through the same ONNX model', async () => {
      const io = cli(root);
      assert.equal(await main(['models', 'explain', 'cls@1', 'cls.csv', '--row', '3', '--json', '--no-save'], io), 0, io.stderr.join('\n') + JSON.stringify(io.docs));
      const e = ShapExplanationSchema.parse(io.docs[0]);
      const got = e.rows[0]!;
      const table = readFileSync(join(root, 'cls.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
      const feats = table.map((c) => [Number(c[3]), Number(c[2]), Number(c[1])]);
      const x = feats[2]!;
      const ort = loadOnnxRuntime();
      assert.ok(ort.ok);
      const session = await ort.value.InferenceSession.create(readFileSync(join(root, 'cls.onnx')));
      try {
        const proba = async (z: number[][]): Promise<Float32Array> => (await session.run({ [ONNX_INPUT]: new ort.value.Tensor('float32', Float32Array.from(z.flat()), [z.length, 3]) }))[ONNX_PROBABILITIES]!.data as Float32Array;
        const own = await proba([x]);
        const k = own[1]! > own[0]! ? 1 : 0;
        assert.equal(got.class, ['no', 'yes'][k]);
        assert.ok(Math.abs(got.prediction - own[k]!) < 1e-7);
        // Every coalition's value through the model, then the definition over all 3! orderings.
        const values = new Map<string, number>();
        for (let S = 0; S < 8; S++) {
          const out = await proba(feats.map((b) => b.map((bv, j) => ((S >> j) & 1 ? x[j]! : bv))));
          values.set(String(S), sum(Array.from({ length: feats.length }, (_, r) => out[r * 2 + k]!)) / feats.length);
        }
        const phi = [0, 0, 0];
        for (const order of orderings(3)) {
          let S = 0;
          for (const i of order) {
            phi[i]! += values.get(String(S | (1 << i)))! - values.get(String(S))!;
            S |= 1 << i;
          }
        }
        got.features.forEach((f, i) => assert.ok(Math.abs(f.attribution - phi[i]! / 6) < 1e-7, `${f.feature}: ${f.attribution} vs ${phi[i]! / 6}`));
        assert.ok(Math.abs(sum(got.features.map((f) => f.attribution)) - (got.prediction - got.base)) < 1e-9, 'efficiency');
      } finally {
        await session.release();
      }
      const other = cli(root);
      assert.equal(await main(['models', 'explain', 'cls@1', 'cls.csv', '--row', '3', '--class', got.class === 'yes' ? 'no' : 'yes', '--json', '--no-save'], other), 0);
      const o = ShapExplanationSchema.parse(other.docs[0]).rows[0]!;
      assert.ok(Math.abs(o.prediction - (1 - got.prediction)) < 1e-6, 'the other class of two: 1 − p');
      o.features.forEach((f, i) => assert.ok(Math.abs(f.attribution + got.features[i]!.attribution) < 1e-6, 'and the opposite attributions'));
    });

    it('cross-check with scikit-learn: a LinearRegression on diabetes (10 features, exact), attributions coef_i·(x_i − mean_i) by NumPy', async function () {
      const probe = spawnSync('/usr/bin/python3', ['-c', 'import sklearn'], { encoding: 'utf8' });
      if (probe.status !== 0) {
        console.warn('    SKIPPED: scikit-learn cross-check of Kernel SHAP: /usr/bin/python3 cannot import sklearn (apt-get install python3-sklearn).');
        this.skip();
      }
      const script = [
        'import sys, json, numpy as np',
        'from sklearn.datasets import load_diabetes',
        'from sklearn.linear_model import LinearRegression',
        'd = load_diabetes()',
        'X, y = d.data.astype(np.float32).astype(np.float64), d.target',
        'm = LinearRegression().fit(X, y)',
        'np.savetxt(sys.argv[1], np.c_[X, y], delimiter=",", header=",".join(d.feature_names + ["progression"]), comments="", fmt="%.9g")',
        'X = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)[:, :-1]',
        'print(json.dumps(dict(names=d.feature_names, coef=m.coef_.tolist(), intercept=float(m.intercept_), shap=(m.coef_ * (X[6] - X.mean(axis=0))).tolist())))',
      ].join('\n');
      const csv = join(root, 'diabetes.csv');
      const fitted = spawnSync('/usr/bin/python3', ['-c', script, csv], { encoding: 'utf8' });
      assert.equal(fitted.status, 0, fitted.stderr);
      const sk = JSON.parse(fitted.stdout) as { names: string[]; coef: number[]; intercept: number; shap: number[] };
      writeFileSync(join(root, 'diabetes.onnx'), linearOnnx({ weights: sk.coef, bias: [sk.intercept], task: 'regression', inputs: { perFeature: sk.names }, metadata: { label: 'progression' } }));
      const layout = workspaceLayout(root);
      const t = Tracker.open(layout, {});
      assert.ok(t.ok);
      const run = t.value.startRun({ experiment: 'shap', name: 'sklearn' });
      assert.ok(run.ok);
      t.value.close(true);
      assert.ok(registerModelVersion(layout.storePath, { name: 'diabetes', file: join(root, 'diabetes.onnx'), runId: run.value.id }).ok);
      const io = cli(root);
      assert.equal(await main(['models', 'explain', 'diabetes@1', 'diabetes.csv', '--row', '7', '--background', '442', '--json', '--no-save'], io), 0, io.stderr.join('\n') + JSON.stringify(io.docs));
      const got = ShapExplanationSchema.parse(io.docs[0]).rows[0]!;
      assert.equal(got.method, 'exact');
      const scale = Math.max(...sk.shap.map(Math.abs));
      // The ONNX model computes in float32: agreement to ~1e-5 of the largest attribution.
      got.features.forEach((f, i) => assert.ok(Math.abs(f.attribution - sk.shap[i]!) < 1e-4 * scale, `${f.feature}: ${f.attribution} vs scikit-learn ${sk.shap[i]}`));
    });

    it('says what is wrong: a row not in the file, an unknown class, --class on a regressor, a bad --row, --metric with --row', async () => {
      const run = async (args: string[]): Promise<{ code: number; message: string }> => {
        const io = cli(root);
        const code = await main(['models', 'explain', ...args, '--json', '--no-save'], io);
        return { code, message: (io.docs[0] as { error?: { message: string } } | undefined)?.error?.message ?? io.stderr.join('\n') };
      };
      const far = await run(['lin@1', 'lin.csv', '--row', '41']);
      assert.equal(far.code, 1);
      assert.match(far.message, /Row 41 is not in the file: it has 40 data rows/);
      const cls = await run(['cls@1', 'cls.csv', '--row', '1', '--class', 'maybe']);
      assert.equal(cls.code, 1);
      assert.match(cls.message, /"maybe" is not one of the model's classes \(no, yes\)/);
      const reg = await run(['lin@1', 'lin.csv', '--row', '1', '--class', 'yes']);
      assert.equal(reg.code, 1);
      assert.match(reg.message, /applies to a classifier/);
      assert.equal((await run(['lin@1', 'lin.csv', '--row', '0'])).code, 2);
      assert.equal((await run(['lin@1', 'lin.csv', '--row', 'x'])).code, 2);
      assert.equal((await run(['cls@1', 'cls.csv', '--row', '1', '--metric', 'f1'])).code, 2);
      assert.equal((await run(['cls@1', 'cls.csv', '--class', 'yes'])).code, 2);
    });
  });
});
