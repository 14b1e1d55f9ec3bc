import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseColumns } from '../../src/engine/data/read/columnTable';
import { columnTexts, numericValues } from '../../src/engine/data/read/columnValues';
import { labelClasses, labeledRows, numericColumns, readTrainingTable } from '../../src/engine/train/dataset';
import { trainClassifier, trainClassifierAsync } from '../../src/engine/train/train';
import { argmaxRows, predictProba, type FittedModel } from '../../src/engine/train/model';
import { exportOnnx } from '../../src/engine/train/onnx/export';
import { readOnnxMetadata } from '../../src/engine/train/onnx/metadata';
import { classificationMetrics } from '../../src/engine/train/metrics';
import { holdoutSplit } from '../../src/engine/train/split';
import { Rng } from '../../src/engine/train/rng';
import { tempDir } from './tempDir';



const PENGUINS = join(__dirname, '..', '..', 'media', 'demo', 'data', 'penguins.csv');
const FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];

function penguins() {
  const t = readTrainingTable(PENGUINS, { label: 'species' });
  assert.ok(t.ok);
  const classes = labelClasses(t.value, 'species');
  assert.ok(classes.ok);
  const rows = labeledRows(t.value, FEATURES, 'species', classes.value);
  assert.ok(rows.ok);
  return { table: t.value, rows: rows.value, classes: classes.value };
}

async function onnxProba(model: FittedModel, x: Float64Array, n: number): Promise<{ proba: Float32Array; labels: string[] }> {
  const session = await ort.InferenceSession.create(exportOnnx(model));
  const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(x), [n, model.features.length]) });
  return { proba: out.probabilities!.data as Float32Array, labels: out.label!.data as string[] };
}

describe('trainer: CSV reader', () => {
  it('reads quoted fields with separators, escaped quotes, newlines, CRLF and a BOM', () => {
    const r = parseColumns('\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\nlines",\r\n', 'q.csv');
    assert.ok(r.ok);
    assert.deepEqual(r.value.columns, ['a', 'b', 'c']);
    assert.deepEqual(columnTexts(r.value, 1), ['x, y', 'two\nlines']);
    assert.deepEqual(columnTexts(r.value, 2), ['say "hi"', null]);
    assert.deepEqual(Array.from(r.value.lines), [2, 3]);
  });
  it('reads missing values (empty, NA, NaN, null) as null and tolerates no final newline', () => {
    const r = parseColumns('x,y\n1,NA\n,2\nnull,NaN\n3,4', 'm.csv');
    assert.ok(r.ok);
    assert.deepEqual(columnTexts(r.value, 0), ['1', null, null, '3']);
    const x = numericValues(r.value, 'x');
    assert.ok(x.ok);
    assert.ok(Number.isNaN(x.value[1]!));
  });
  it('names the file and line of a corrupt row, an open quote, and a non-numeric value', () => {
    const short = parseColumns('a,b\n1,2\n3\n', 'bad.csv');
    assert.ok(!short.ok);
    assert.deepEqual([short.error.file, short.error.line], ['bad.csv', 3]);
    assert.match(short.error.message, /Row has 1 field, but the header has 2/);
    const quote = parseColumns('a,b\n1,"open\n2,3\n', 'q.csv');
    assert.ok(!quote.ok);
    assert.equal(quote.error.line, 2);
    assert.match(quote.error.message, /never closed/);
    const t = parseColumns('a,b\n1,2\n3,abc\n', 'n.csv');
    assert.ok(t.ok);
    const col = numericValues(t.value, 'b');
    assert.ok(!col.ok);
    assert.equal(col.error.line, 3);
    assert.match(col.error.message, /"abc", which is not a number/);
    const dup = parseColumns('a,a\n1,2\n', 'd.csv');
    assert.ok(!dup.ok);
  });
  it('finds the numeric feature columns of the demo data', () => {
    const { table } = penguins();
    assert.deepEqual(numericColumns(table, ['species']), FEATURES);
  });
});

describe('trainer: models', function () {
  this.timeout(60_000);
  it('logistic regression, the MLP and gradient-boosted trees learn the penguins (held-out accuracy ≥ 0.9)', () => {
    const { table, classes } = penguins();
    const split = holdoutSplit(table.rowCount, 0.2, 7);
    const train = labeledRows(table, FEATURES, 'species', classes, split.train);
    const test = labeledRows(table, FEATURES, 'species', classes, split.test);
    assert.ok(train.ok && test.ok);
    for (const kind of ['logistic-regression', 'mlp', 'gbt'] as const) {
      const fit = trainClassifier(train.value, { kind, label: 'species', seed: 7 });
      assert.ok(fit.ok, kind);
      const keep = Array.from(test.value.y.keys()).filter((i) => test.value.y[i]! >= 0);
      const p = predictProba(fit.value.model, test.value.x);
      const pred = argmaxRows(p, test.value.x.rows, classes.length);
      const acc = keep.filter((i) => pred[i] === test.value.y[i]).length / keep.length;
      assert.ok(acc >= 0.9, `${kind} held-out accuracy ${acc}`);
      assert.ok(fit.value.losses.at(-1)! < fit.value.losses[0]!, `${kind} loss decreased`);
    }
  });
  it('is deterministic under a seed, and a different seed gives a different MLP', () => {
    const { rows } = penguins();
    const a = trainClassifier(rows, { kind: 'mlp', label: 'species', seed: 3, epochs: 20 });
    const b = trainClassifier(rows, { kind: 'mlp', label: 'species', seed: 3, epochs: 20 });
    const c = trainClassifier(rows, { kind: 'mlp', label: 'species', seed: 4, epochs: 20 });
    assert.ok(a.ok && b.ok && c.ok);
    assert.deepEqual(a.value.model, b.value.model);
    assert.notDeepEqual(a.value.model.layers, c.value.model.layers);
    const g1 = trainClassifier(rows, { kind: 'gbt', label: 'species', seed: 1, epochs: 10 });
    const g2 = trainClassifier(rows, { kind: 'gbt', label: 'species', seed: 1, epochs: 10 });
    assert.ok(g1.ok && g2.ok);
    assert.deepEqual(g1.value.model, g2.value.model);
    const l1 = trainClassifier(rows, { kind: 'logistic-regression', label: 'species', seed: 1, epochs: 10 });
    const l2 = trainClassifier(rows, { kind: 'logistic-regression', label: 'species', seed: 1, epochs: 10 });
    assert.ok(l1.ok && l2.ok);
    assert.deepEqual(l1.value.model, l2.value.model);
  });
  it('training in slices (async) gives the same model as training at once', async () => {
    const { rows } = penguins();
    for (const kind of ['mlp', 'gbt'] as const) {
      const sync = trainClassifier(rows, { kind, label: 'species', seed: 5, epochs: 5 });
      const sliced = await trainClassifierAsync(rows, { kind, label: 'species', seed: 5, epochs: 5 }, 0);
      assert.ok(sync.ok && sliced.ok);
      assert.deepEqual(sliced.value.model, sync.value.model);
    }
  });

  it('refuses data with only one class, with a reason', () => {
    const t = parseColumns('x,y\n1,a\n2,a\n3,a\n', 'one.csv');
    assert.ok(t.ok);
    const rows = labeledRows(t.value, ['x'], 'y', ['a']);
    assert.ok(rows.ok);
    const r = trainClassifier(rows.value, { kind: 'logistic-regression', label: 'y', seed: 0 });
    assert.ok(!r.ok);
    assert.match(r.error.message, /only one class/);
  });
  it('splits the same rows for the same seed and fraction', () => {
    const a = holdoutSplit(100, 0.2, 7);
    const b = holdoutSplit(100, 0.2, 7);
    assert.deepEqual(a, b);
    assert.equal(a.test.length, 20);
    assert.equal(new Set([...a.test, ...a.train]).size, 100);
    assert.notDeepEqual(holdoutSplit(100, 0.2, 8).test, a.test);
  });
  it('stratifies the split by label: every class keeps its share in the held-out rows', () => {
    const { table } = penguins();
    const species = columnTexts(table, table.columns.indexOf('species'));
    const split = holdoutSplit(table.rowCount, 0.2, 7, species);
    const count = (rows: ArrayLike<number>, k: string): number => Array.from(rows).filter((r) => species[r] === k).length;
    for (const k of ['adelie', 'chinstrap', 'gentoo']) {
      const all = count(Array.from({ length: table.rowCount }, (_, i) => i), k);
      assert.equal(count(split.test, k), Math.round(all * 0.2), k);
    }
    assert.equal(split.test.length + split.train.length, table.rowCount);
  });
});

describe('trainer: ONNX export', function () {
  this.timeout(60_000);
  for (const kind of ['logistic-regression', 'mlp', 'gbt'] as const) {
    it(`${kind}: onnxruntime-node loads it and its probabilities match the TypeScript model`, async () => {
      const { rows, classes } = penguins();
      const fit = trainClassifier(rows, { kind, label: 'species', seed: 7, ...(kind === 'mlp' ? { hidden: [8, 6] } : {}) });
      assert.ok(fit.ok);
      const ts = predictProba(fit.value.model, rows.x);
      const { proba, labels } = await onnxProba(fit.value.model, rows.x.data, rows.x.rows);
      let maxDiff = 0;
      for (let i = 0; i < ts.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ts[i]! - proba[i]!));
      assert.ok(maxDiff < 1e-4, `max |Δp| = ${maxDiff}`);
      const pred = argmaxRows(ts, rows.x.rows, classes.length);
      assert.deepEqual(labels, Array.from(pred, (k) => classes[k]));
    });
  }
  for (const kind of ['logistic-regression', 'gbt'] as const) it(`${kind}: imputes missing features the same way, and carries the model in its metadata`, async () => {
    const { rows } = penguins();
    const fit = trainClassifier(rows, { kind, label: 'species', seed: 7, epochs: 5 });
    assert.ok(fit.ok);
    const x = new Float64Array([NaN, 17, NaN, 4000, 45, NaN, 210, NaN]);
    const ts = predictProba(fit.value.model, { rows: 2, cols: 4, data: x });
    const { proba } = await onnxProba(fit.value.model, x, 2);
    for (let i = 0; i < ts.length; i++) assert.ok(Math.abs(ts[i]! - proba[i]!) < 1e-4);
    const meta = JSON.parse(readOnnxMetadata(exportOnnx(fit.value.model)).sextant!) as FittedModel;
    assert.deepEqual(meta, fit.value.model);
  });
});

describe('trainer: ONNX file checked by the onnx package (when /usr/bin/python3 has it)', function () {
  this.timeout(60_000);
  for (const kind of ['mlp', 'gbt'] as const) it(`${kind}: passes onnx.checker.check_model with full shape inference`, function () {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      console.warn(`    SKIPPED: /usr/bin/python3 has no onnx package (apt-get install python3-onnx; scripts/setup.sh does): ${(probe.stderr || String(probe.error)).trim().split('\n').pop()}`);
      this.skip();
    }
    const { rows } = penguins();
    const fit = trainClassifier(rows, { kind, label: 'species', seed: 1, epochs: 2 });
    assert.ok(fit.ok);
    const dir = tempDir('sextant-onnx-');
    const file = join(dir, 'm.onnx');
    writeFileSync(file, exportOnnx(fit.value.model));
    const check = spawnSync('/usr/bin/python3', ['-c', 'import onnx,sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(m.opset_import[0].version, [o.name for o in m.graph.output])', file], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    assert.equal(check.stdout.trim(), "13 ['probabilities', 'label_index', 'label']");
  });
});

describe('trainer: metrics', () => {
  it('accuracy, macro precision/recall/F1, log loss, AUC and the confusion matrix', () => {
    const y = Int32Array.from([0, 0, 1, 1]);
    const p = [0.9, 0.1, 0.4, 0.6, 0.2, 0.8, 0.7, 0.3];
    const m = classificationMetrics(y, p, 2);
    assert.equal(m.accuracy, 0.5);
    assert.deepEqual(m.confusion, [[1, 1], [1, 1]]);
    assert.equal(m.f1, 0.5);
    assert.ok(Math.abs(m.log_loss - -(Math.log(0.9) + Math.log(0.4) + Math.log(0.8) + Math.log(0.3)) / 4) < 1e-12);
    assert.equal(m.roc_auc, 0.75);
    const perfect = classificationMetrics(Int32Array.from([0, 1]), [0.9, 0.1, 0.1, 0.9], 2);
    assert.deepEqual([perfect.accuracy, perfect.f1, perfect.roc_auc], [1, 1, 1]);
  });
  it('the PRNG is the same sequence for the same seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    assert.deepEqual([a.next(), a.next(), a.normal()], [b.next(), b.next(), b.normal()]);
  });
});
