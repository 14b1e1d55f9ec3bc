// The built-in trainer against scikit-learn on the same rows: /usr/bin/python3 writes each data set to a
// CSV with the train/test row indices, fits scikit-learn's model (defaults) and prints what it learned;
// the trainer reads the same CSV, fits on the same training rows and is compared on the same test rows.
// Skipped loudly when python3-sklearn is not installed.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readColumns } from '../../src/engine/data/read/columnTable';
import { numericValues } from '../../src/engine/data/read/columnValues';
import { fitModelSteps } from '../../src/engine/train/fitModel';
import { argmaxRows, predictProba, type FitTarget, type FittedModel, type Matrix, type ModelKind } from '../../src/engine/train/model';
import { runSteps } from '../../src/engine/train/steps';
import { tempDir } from './tempDir';

const PYTHON = '/usr/bin/python3';

// Writes <name>.csv (features, then "target"), <name>.json (train/test indices and scikit-learn's results).
const SCRIPT = String.raw`
import sys, json, numpy as np
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression, LinearRegression
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, r2_score
name, out = sys.argv[1], sys.argv[2]
if name == 'breast_cancer': X, y = datasets.load_breast_cancer(return_X_y=True)
elif name == 'wine': X, y = datasets.load_wine(return_X_y=True)
elif name == 'diabetes': X, y = datasets.load_diabetes(return_X_y=True)
elif name == 'classification': X, y = datasets.make_classification(n_samples=20000, n_features=20, n_informative=10, n_redundant=4, n_classes=3, random_state=7)
elif name == 'friedman': X, y = datasets.make_friedman1(n_samples=4000, n_features=10, noise=1.0, random_state=3)
regression = name in ('diabetes', 'friedman')
idx = np.arange(len(y))
train, test = train_test_split(idx, test_size=0.25, random_state=0, stratify=None if regression else y)
np.savetxt(out + '.csv', np.c_[X, y], delimiter=',', header=','.join(['f%d' % i for i in range(X.shape[1])] + ['target']), comments='', fmt='%.17g')
res = {'train': train.tolist(), 'test': test.tolist()}
scaler = StandardScaler().fit(X[train])
Xs_train, Xs_test = scaler.transform(X[train]), scaler.transform(X[test])
if name in ('breast_cancer', 'wine'):
    m = LogisticRegression().fit(Xs_train, y[train])
    res.update(score=accuracy_score(y[test], m.predict(Xs_test)), coef=m.coef_.tolist(), intercept=m.intercept_.tolist(), n_iter=int(m.n_iter_[0]))
elif name == 'diabetes':
    m = LinearRegression().fit(X[train], y[train])
    res.update(score=r2_score(y[test], m.predict(X[test])))
elif name == 'classification':
    m = HistGradientBoostingClassifier().fit(X[train], y[train])
    res.update(score=accuracy_score(y[test], m.predict(X[test])), n_iter=int(m.n_iter_))
else:
    m = HistGradientBoostingRegressor().fit(X[train], y[train])
    res.update(score=r2_score(y[test], m.predict(X[test])), n_iter=int(m.n_iter_))
json.dump(res, open(out + '.json', 'w'))
`;

interface Reference {
  train: number[];
  test: number[];
  score: number;
  coef?: number[][];
  intercept?: number[];
  n_iter?: number;
}

interface Prepared {
  ref: Reference;
  x: Float64Array;
  y: Float64Array;
  cols: number;
  features: string[];
}

function prepare(name: string): Prepared {
  const dir = tempDir('sextant-parity-');
  const out = join(dir, name);
  const r = spawnSync(PYTHON, ['-c', SCRIPT, name, out], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const table = readColumns(`${out}.csv`);
  assert.ok(table.ok, table.ok ? '' : table.error.message);
  const features = table.value.columns.filter((c) => c !== 'target');
  const cols = features.map((f) => {
    const c = numericValues(table.value, f);
    assert.ok(c.ok);
    return c.value;
  });
  const target = numericValues(table.value, 'target');
  assert.ok(target.ok);
  const n = table.value.rowCount;
  const x = new Float64Array(n * features.length);
  for (let i = 0; i < n; i++) for (let c = 0; c < features.length; c++) x[i * features.length + c] = cols[c]![i]!;
  return { ref: JSON.parse(readFileSync(`${out}.json`, 'utf8')) as Reference, x, y: target.value, cols: features.length, features };
}

function rowsOf(p: Prepared, idx: number[]): Matrix {
  const data = new Float64Array(idx.length * p.cols);
  idx.forEach((r, i) => data.set(p.x.subarray(r * p.cols, (r + 1) * p.cols), i * p.cols));
  return { rows: idx.length, cols: p.cols, data };
}

function fit(p: Prepared, kind: ModelKind, task: FitTarget['task']): { model: FittedModel; test: Matrix; yTest: Float64Array } {
  const yTrain = Float64Array.from(p.ref.train, (r) => p.y[r]!);
  const classes = [...new Set(p.y)].sort((a, b) => a - b);
  const target: FitTarget = task === 'regression' ? { task, y: yTrain } : { task, y: Int32Array.from(yTrain, (v) => classes.indexOf(v)), classes: classes.map(String) };
  const r = runSteps(fitModelSteps(rowsOf(p, p.ref.train), target, { kind, label: 'target', features: p.features, seed: 0 }));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return { model: r.value.model, test: rowsOf(p, p.ref.test), yTest: Float64Array.from(p.ref.test, (r2) => p.y[r2]!) };
}

function accuracy(model: FittedModel, x: Matrix, y: Float64Array): number {
  const pred = argmaxRows(predictProba(model, x), x.rows, model.classes.length);
  let right = 0;
  for (let i = 0; i < x.rows; i++) if (Number(model.classes[pred[i]!]) === y[i]) right++;
  return right / x.rows;
}

function r2(model: FittedModel, x: Matrix, y: Float64Array): number {
  const p = predictProba(model, x);
  let mean = 0;
  for (const v of y) mean += v / y.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < y.length; i++) {
    ssRes += (y[i]! - p[i]!) ** 2;
    ssTot += (y[i]! - mean) ** 2;
  }
  return 1 - ssRes / ssTot;
}

/** Largest coefficient difference relative to the largest coefficient. */
function relativeDiff(ours: number[], theirs: number[]): number {
  assert.equal(ours.length, theirs.length);
  const scale = Math.max(...theirs.map(Math.abs));
  return Math.max(...ours.map((v, i) => Math.abs(v - theirs[i]!))) / scale;
}

describe('trainer parity with scikit-learn (same rows, same split)', function () {
  this.timeout(300_000);
  before(function () {
    const probe = spawnSync(PYTHON, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.warn(`SKIPPED: trainer parity tests need ${PYTHON} with scikit-learn (Debian: apt-get install python3-sklearn): ${(probe.stderr || probe.error?.message || '').trim().split('\n').at(-1)}`);
      this.skip();
    }
  });

  it('logistic regression on breast cancer: the coefficients of LogisticRegression() to 1e-3, accuracy within 0.01', () => {
    const p = prepare('breast_cancer');
    const { model, test, yTest } = fit(p, 'logistic-regression', 'classification');
    const layer = model.layers[0]!;
    // Two classes: column 1 holds the weight vector, column 0 is zero.
    const w = Array.from({ length: p.cols }, (_, c) => layer.weights[c * 2 + 1]!);
    const diff = relativeDiff([...w, layer.bias[1]!], [...p.ref.coef![0]!, p.ref.intercept![0]!]);
    assert.ok(diff < 1e-3, `coefficients differ by ${diff} (relative); ours ${w.slice(0, 4).join(', ')}…, scikit-learn ${p.ref.coef![0]!.slice(0, 4).join(', ')}…`);
    assert.ok(model.training.converged, `L-BFGS stopped after ${model.training.iterations} iterations without meeting tol`);
    const acc = accuracy(model, test, yTest);
    assert.ok(Math.abs(acc - p.ref.score) <= 0.01, `accuracy ${acc} vs scikit-learn ${p.ref.score}`);
  });

  it('multinomial logistic regression on wine (3 classes): the coefficients of LogisticRegression() to 1e-3, accuracy within 0.01', () => {
    const p = prepare('wine');
    const { model, test, yTest } = fit(p, 'logistic-regression', 'classification');
    const layer = model.layers[0]!;
    const K = 3;
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let k = 0; k < K; k++) {
      for (let c = 0; c < p.cols; c++) ours.push(layer.weights[c * K + k]!);
      ours.push(layer.bias[k]!);
      theirs.push(...p.ref.coef![k]!, p.ref.intercept![k]!);
    }
    const diff = relativeDiff(ours, theirs);
    assert.ok(diff < 1e-3, `coefficients differ by ${diff} (relative)`);
    const acc = accuracy(model, test, yTest);
    assert.ok(Math.abs(acc - p.ref.score) <= 0.01, `accuracy ${acc} vs scikit-learn ${p.ref.score}`);
  });

  it('linear regression on diabetes: R² within 0.02 of LinearRegression()', () => {
    const p = prepare('diabetes');
    const { model, test, yTest } = fit(p, 'linear', 'regression');
    const score = r2(model, test, yTest);
    assert.ok(Math.abs(score - p.ref.score) <= 0.02, `R² ${score} vs scikit-learn ${p.ref.score}`);
  });

  it('gradient-boosted trees on 20k × 20 (3 classes): accuracy within 0.01 of HistGradientBoostingClassifier()', () => {
    const p = prepare('classification');
    const { model, test, yTest } = fit(p, 'gbt', 'classification');
    const acc = accuracy(model, test, yTest);
    assert.ok(Math.abs(acc - p.ref.score) <= 0.01, `accuracy ${acc} vs scikit-learn ${p.ref.score} (${model.training.iterations} vs ${p.ref.n_iter} iterations)`);
  });

  it('gradient-boosted trees for regression (Friedman #1, 4k rows): R² within 0.02 of HistGradientBoostingRegressor()', () => {
    const p = prepare('friedman');
    const { model, test, yTest } = fit(p, 'gbt', 'regression');
    const score = r2(model, test, yTest);
    assert.ok(Math.abs(score - p.ref.score) <= 0.02, `R² ${score} vs scikit-learn ${p.ref.score}`);
  });
});
