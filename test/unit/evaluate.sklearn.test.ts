// Evaluation metrics equal scikit-learn's on the same predictions: a model is evaluated by the engine
// (onnxruntime on real data), its predictions are written to a CSV, and /usr/bin/python3 computes every
// metric and curve with sklearn.metrics from that file; they must agree to 1e-9 (relative), curves point
// for point. Data: breast cancer (binary: a logistic regression, and one on two coarse features whose
// scores tie), wine (3 classes), a set of scores with heavy ties, and diabetes (regression with a linear
// ONNX model). Skipped loudly when python3-sklearn is not installed.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classificationMetrics } from '../../src/engine/evaluate/classification';
import { binaryCurveCounts, prCurve, rocCurve } from '../../src/engine/evaluate/curves';
import { evaluateModel, type Evaluation } from '../../src/engine/evaluate/run';
import type { ClassificationResult } from '../../src/engine/evaluate/schema';
import { labelClasses, labeledRows, numericColumns, readTrainingTable } from '../../src/engine/train/dataset';
import type { ModelKind } from '../../src/engine/train/model';
import { exportOnnx } from '../../src/engine/train/onnx/export';
import { Rng } from '../../src/engine/train/rng';
import { trainClassifier } from '../../src/engine/train/train';
import { linearOnnx } from '../support/linearOnnx';
import { tempDir } from './tempDir';

const PYTHON = '/usr/bin/python3';

/** sklearn.metrics on a CSV of `y,p0..pK-1` (classification) or `y,prediction` (regression). */
const SKLEARN = `
import json, sys
import numpy as np
from sklearn import metrics as M
task, path = sys.argv[1], sys.argv[2]
data = np.loadtxt(path, delimiter=',', skiprows=1, ndmin=2)
out = {}
if task == 'regression':
    y, p = data[:, 0], data[:, 1]
    mse = M.mean_squared_error(y, p)
    out = dict(mae=M.mean_absolute_error(y, p), mse=mse, rmse=float(np.sqrt(mse)), r2=M.r2_score(y, p))
else:
    pos = int(sys.argv[3])
    y = data[:, 0].astype(int)
    P = data[:, 1:]
    K = P.shape[1]
    pred = P.argmax(axis=1)
    out['accuracy'] = M.accuracy_score(y, pred)
    for avg in ['macro', 'weighted']:
        p, r, f, _ = M.precision_recall_fscore_support(y, pred, average=avg)
        assert f == M.f1_score(y, pred, average=avg)
        out['precision_' + avg], out['recall_' + avg], out['f1_' + avg] = p, r, f
    if K == 2:
        p, r, f, _ = M.precision_recall_fscore_support(y, pred, average='binary', pos_label=pos)
        out['precision'], out['recall'], out['f1'] = p, r, M.f1_score(y, pred, average='binary', pos_label=pos)
        out['roc_auc'] = M.roc_auc_score(y == pos, P[:, pos])
        curve_classes = [pos]
    else:
        out['precision'], out['recall'], out['f1'] = out['precision_macro'], out['recall_macro'], out['f1_macro']
        out['roc_auc'] = M.roc_auc_score(y, P, multi_class='ovr', average='macro')
        curve_classes = range(K)
    out['log_loss'] = M.log_loss(y, P, labels=list(range(K)))
    out['confusion'] = M.confusion_matrix(y, pred, labels=list(range(K))).tolist()
    out['curves'] = []
    for k in curve_classes:
        fpr, tpr, th = M.roc_curve(y == k, P[:, k])
        pr, rc, th2 = M.precision_recall_curve(y == k, P[:, k])
        out['curves'].append(dict(fpr=fpr.tolist(), tpr=tpr.tolist(), roc_thresholds=th[1:].tolist(), precision=pr.tolist(), recall=rc.tolist(), pr_thresholds=th2.tolist()))
print(json.dumps(out))
`;

/** Writes the datasets with scikit-learn's loaders (offline, in Debian's package). */
const DATASETS = `
import csv, sys
from sklearn.datasets import load_breast_cancer, load_wine, load_diabetes
out = sys.argv[1]
def write(name, d, label, names=None):
    cols = [n.replace(' ', '_') for n in d.feature_names]
    with open(out + '/' + name + '.csv', 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(cols + [label])
        for x, t in zip(d.data, d.target):
            w.writerow([repr(float(v)) for v in x] + [names[t] if names else repr(float(t))])
write('breast_cancer', load_breast_cancer(), 'diagnosis', ['malignant', 'benign'])
write('wine', load_wine(), 'cultivar', ['class_0', 'class_1', 'class_2'])
write('diabetes', load_diabetes(), 'progression')
`;

interface Sk {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  precision_macro: number;
  recall_macro: number;
  f1_macro: number;
  precision_weighted: number;
  recall_weighted: number;
  f1_weighted: number;
  roc_auc: number;
  log_loss: number;
  confusion: number[][];
  curves: { fpr: number[]; tpr: number[]; roc_thresholds: number[]; precision: number[]; recall: number[]; pr_thresholds: number[] }[];
}

function close(actual: number | null, expected: number, what: string, rel = 1e-9): void {
  assert.ok(actual !== null, `${what}: null, sklearn ${expected}`);
  const scale = Math.max(Math.abs(actual), Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= rel * scale, `${what}: ${actual} vs sklearn ${expected} (difference ${actual - expected})`);
}

function sameSeries(actual: (number | null)[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} points vs sklearn's ${expected.length}`);
  actual.forEach((v, i) => close(v, expected[i]!, `${what}[${i}]`));
}

function sklearn(dir: string, name: string, header: string, rows: string[], args: string[]): unknown {
  const file = join(dir, `${name}.predictions.csv`);
  writeFileSync(file, `${header}\n${rows.join('\n')}\n`);
  const run = spawnSync(PYTHON, ['-c', SKLEARN, args[0]!, file, ...args.slice(1)], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

/** sklearn on the engine's own predictions (float32 probabilities, exact in the CSV). */
function sklearnOnPredictions(dir: string, name: string, ev: Evaluation, classes: number, positive: number): Sk {
  const rows: string[] = [];
  for (let r = 0; r < ev.truth.length; r++) rows.push([ev.truth[r], ...ev.scores.subarray(r * classes, (r + 1) * classes)].map(String).join(','));
  return sklearn(dir, name, ['y', ...Array.from({ length: classes }, (_, k) => `p${k}`)].join(','), rows, ['classification', String(positive)]) as Sk;
}

function assertClassification(result: ClassificationResult, sk: Sk): void {
  const m = result.metrics;
  for (const key of ['accuracy', 'precision', 'recall', 'f1', 'precision_macro', 'recall_macro', 'f1_macro', 'precision_weighted', 'recall_weighted', 'f1_weighted', 'roc_auc', 'log_loss'] as const) close(m[key], sk[key], key);
  assert.deepEqual(result.confusion_matrix, sk.confusion);
  assert.equal(result.curves.length, sk.curves.length);
  result.curves.forEach((c, i) => {
    const s = sk.curves[i]!;
    assert.equal(c.roc_points, c.roc.length, 'not thinned');
    sameSeries(c.roc.map((p) => p.fpr), s.fpr, `roc ${c.class} fpr`);
    sameSeries(c.roc.map((p) => p.tpr), s.tpr, `roc ${c.class} tpr`);
    assert.equal(c.roc[0]!.threshold, null);
    sameSeries(c.roc.slice(1).map((p) => p.threshold), s.roc_thresholds, `roc ${c.class} thresholds`);
    sameSeries(c.pr.map((p) => p.precision), s.precision, `pr ${c.class} precision`);
    sameSeries(c.pr.map((p) => p.recall), s.recall, `pr ${c.class} recall`);
    assert.equal(c.pr.at(-1)!.threshold, null);
    sameSeries(c.pr.slice(0, -1).map((p) => p.threshold), s.pr_thresholds, `pr ${c.class} thresholds`);
  });
}

function trainOnnx(dir: string, csv: string, label: string, kind: ModelKind, epochs: number, features?: string[]): string {
  const table = readTrainingTable(csv, { label });
  assert.ok(table.ok);
  const classes = labelClasses(table.value, label);
  assert.ok(classes.ok);
  const rows = labeledRows(table.value, features ?? numericColumns(table.value, [label]), label, classes.value);
  assert.ok(rows.ok);
  const fit = trainClassifier(rows.value, { kind, label, seed: 1, epochs });
  assert.ok(fit.ok, fit.ok ? '' : fit.error.message);
  const file = join(dir, `${kind}-${label}.onnx`);
  writeFileSync(file, exportOnnx(fit.value.model));
  return file;
}

const QUICK = { latencyRuns: 3 };

describe('evaluation equals scikit-learn on the same predictions', function () {
  this.timeout(120_000);
  let dir: string;
  before(function () {
    const probe = spawnSync(PYTHON, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.warn(`SKIPPED: scikit-learn parity tests need ${PYTHON} with scikit-learn and numpy (Debian: apt-get install python3-sklearn): ${(probe.stderr || probe.error?.message || '').trim().split('\n').at(-1)}`);
      this.skip();
    }
    dir = tempDir('sextant-eval-sk-');
    const made = spawnSync(PYTHON, ['-c', DATASETS, dir], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
  });

  it('breast cancer, logistic regression: f1 is the positive class\'s (sklearn\'s binary default), f1_macro the macro one, roc_auc from the positive column; --positive picks the class', async () => {
    const model = trainOnnx(dir, join(dir, 'breast_cancer.csv'), 'diagnosis', 'logistic-regression', 40);
    for (const positive of [undefined, 'benign', 'malignant']) {
      const ev = await evaluateModel({ model: { file: model }, data: join(dir, 'breast_cancer.csv'), ...(positive ? { positive } : {}), ...QUICK });
      assert.ok(ev.ok, ev.ok ? '' : ev.error.message);
      const result = ev.value.result as ClassificationResult;
      assert.deepEqual(result.classes, ['benign', 'malignant']);
      assert.equal(result.positive, positive ?? 'malignant', 'default: the last of the sorted classes, as sklearn');
      assert.equal(result.rows, 569);
      assertClassification(result, sklearnOnPredictions(dir, `bc-${positive}`, ev.value, 2, result.classes.indexOf(result.positive!)));
      assert.notEqual(result.metrics.f1, result.metrics.f1_macro);
    }
  });

  it('breast cancer on two coarse features (many identical rows): tied float32 scores give the same curves and AUC', async () => {
    const lines = readFileSync(join(dir, 'breast_cancer.csv'), 'utf8').trim().split(/\r?\n/).map((l) => l.split(','));
    const at = (name: string): number => lines[0]!.indexOf(name);
    const [radius, points, diagnosis] = [at('mean_radius'), at('worst_concave_points'), at('diagnosis')];
    const coarse = lines.slice(1).map((r) => `${Math.round(Number(r[radius]))},${Number(r[points]).toFixed(1)},${r[diagnosis]}`);
    writeFileSync(join(dir, 'coarse.csv'), `mean_radius,worst_concave_points,diagnosis\n${coarse.join('\n')}\n`);
    // A linear classifier (not trained here): malignant with a larger radius and more concave points.
    const model = join(dir, 'coarse.onnx');
    writeFileSync(model, linearOnnx({ weights: [0.5, 0, 10, 0], bias: [-8, 0], task: 'classification', metadata: { classes: '["malignant","benign"]', label: 'diagnosis' } }));
    const ev = await evaluateModel({ model: { file: model }, data: join(dir, 'coarse.csv'), positive: 'benign', ...QUICK });
    assert.ok(ev.ok, ev.ok ? '' : ev.error.message);
    const distinct = new Set(Array.from({ length: ev.value.truth.length }, (_, r) => ev.value.scores[r * 2 + 1]));
    assert.ok(distinct.size < ev.value.truth.length / 4, `ties expected: ${distinct.size} distinct scores of ${ev.value.truth.length}`);
    const result = ev.value.result as ClassificationResult;
    assert.equal(result.features.by, 'order');
    assert.ok(result.metrics.accuracy! > 0.8, `a sensible classifier: accuracy ${result.metrics.accuracy}`);
    assertClassification(result, sklearnOnPredictions(dir, 'bc-coarse', ev.value, 2, 1));
  });

  it('wine, 3 classes: macro and weighted precision/recall/F1, one-vs-rest macro ROC AUC, log loss, confusion matrix, a curve per class', async () => {
    // Three of the thirteen features, so the model makes mistakes and the averages differ.
    const model = trainOnnx(dir, join(dir, 'wine.csv'), 'cultivar', 'logistic-regression', 20, ['alcohol', 'malic_acid', 'ash']);
    const ev = await evaluateModel({ model: { file: model }, data: join(dir, 'wine.csv'), ...QUICK });
    assert.ok(ev.ok, ev.ok ? '' : ev.error.message);
    const result = ev.value.result as ClassificationResult;
    assert.equal(result.positive, null);
    assert.equal(result.curves.length, 3);
    assert.ok(result.metrics.accuracy! < 1, 'a few errors, so the averages differ');
    assert.notEqual(result.metrics.f1_macro, result.metrics.f1_weighted);
    assertClassification(result, sklearnOnPredictions(dir, 'wine', ev.value, 3, -1));
  });

  it('scores with heavy ties (few distinct values), binary and 3 classes, a class never predicted: the metric functions alone', () => {
    const rng = new Rng(11);
    for (const classes of [2, 3]) {
      const n = 400;
      const y = new Int32Array(n);
      const proba = new Float64Array(n * classes);
      for (let r = 0; r < n; r++) {
        y[r] = Math.floor(rng.next() * classes);
        // Few distinct values; class 0 is never the most probable (zero_division for its precision).
        const raw = Array.from({ length: classes }, (_, k) => (k === 0 ? 0.5 : 1 + Math.floor(rng.next() * 2) + (k === y[r] && rng.next() < 0.7 ? 1 : 0)));
        const sum = raw.reduce((s, v) => s + v, 0);
        raw.forEach((v, k) => (proba[r * classes + k] = v / sum));
      }
      const positive = classes - 1;
      const m = classificationMetrics(y, proba, classes, positive);
      const rows = Array.from({ length: n }, (_, r) => [y[r], ...proba.subarray(r * classes, (r + 1) * classes)].join(','));
      const sk = sklearn(dir, `ties-${classes}`, ['y', ...Array.from({ length: classes }, (_, k) => `p${k}`)].join(','), rows, ['classification', String(classes === 2 ? positive : -1)]) as Sk;
      for (const key of Object.keys(m.metrics) as (keyof typeof m.metrics)[]) close(m.metrics[key], sk[key], `${classes} classes: ${key}`);
      assert.deepEqual(m.confusion, sk.confusion);
      assert.equal(m.confusion.reduce((s, row) => s + row[0]!, 0), 0, 'class 0 never predicted');
      const curveClasses = classes === 2 ? [positive] : [0, 1, 2];
      curveClasses.forEach((k, i) => {
        const counts = binaryCurveCounts(Uint8Array.from(y, (t) => (t === k ? 1 : 0)), Float64Array.from({ length: n }, (_, r) => proba[r * classes + k]!));
        assert.ok(counts.thresholds.length < n / 4, 'heavy ties');
        const roc = rocCurve(counts);
        const pr = prCurve(counts);
        sameSeries(roc.fpr, sk.curves[i]!.fpr, `ties roc fpr ${k}`);
        sameSeries(roc.tpr, sk.curves[i]!.tpr, `ties roc tpr ${k}`);
        sameSeries(pr.precision, sk.curves[i]!.precision, `ties pr precision ${k}`);
        sameSeries(pr.recall, sk.curves[i]!.recall, `ties pr recall ${k}`);
      });
    }
  });

  it('diabetes, regression with a linear ONNX model (an input per feature, matched by name): MAE, MSE, RMSE, R²', async () => {
    const csv = readFileSync(join(dir, 'diabetes.csv'), 'utf8');
    const features = csv.slice(0, csv.indexOf('\n')).split(',').slice(0, -1);
    // Least squares by NumPy, so the model is a real fit.
    const fitted = spawnSync(PYTHON, ['-c', 'import sys, json, numpy as np\nd = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)\nX = np.c_[d[:, :-1], np.ones(len(d))]\nw = np.linalg.lstsq(X, d[:, -1], rcond=None)[0]\nprint(json.dumps(w.tolist()))', join(dir, 'diabetes.csv')], { encoding: 'utf8' });
    assert.equal(fitted.status, 0, fitted.stderr);
    const w = JSON.parse(fitted.stdout) as number[];
    const model = join(dir, 'diabetes.onnx');
    writeFileSync(model, linearOnnx({ weights: w.slice(0, -1), bias: [w.at(-1)!], task: 'regression', inputs: { perFeature: features }, metadata: { label: 'progression' } }));
    const ev = await evaluateModel({ model: { file: model }, data: join(dir, 'diabetes.csv'), ...QUICK });
    assert.ok(ev.ok, ev.ok ? '' : ev.error.message);
    const result = ev.value.result;
    assert.equal(result.task, 'regression');
    assert.equal(result.features.by, 'name');
    assert.equal(result.rows, 442);
    const rows = Array.from(ev.value.truth, (t, r) => `${t},${ev.value.scores[r]}`);
    const sk = sklearn(dir, 'diabetes', 'y,prediction', rows, ['regression']) as Record<'mae' | 'mse' | 'rmse' | 'r2', number>;
    for (const key of ['mae', 'mse', 'rmse', 'r2'] as const) close(result.metrics[key as keyof typeof result.metrics] as number, sk[key], key);
    assert.ok(sk.r2 > 0.4, `a real fit: R² ${sk.r2}`);
  });
});
