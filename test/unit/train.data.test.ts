// The trainer's data path: classification or regression decided from the label (or `task`), a model
// that cannot do the task refused (at lint and at run time), and honest handling of bad data: a stray
// value in a feature named with its file, line and value, a column left out reported, never dropped
// silently, and a clear message for every degenerate input.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { LintReportSchema } from '../../src/engine/pipeline/diagnostics';
import { describeError } from '../../src/engine/result';
import { runPipeline } from '../../src/engine/runner/executor';
import { parseColumns } from '../../src/engine/data/read/columnTable';
import { columnTexts } from '../../src/engine/data/read/columnValues';
import { prepareTraining, MAX_CLASSES, type PrepareOptions } from '../../src/engine/train/prepare';
import { holdoutSplit } from '../../src/engine/train/split';
import { detectTask } from '../../src/engine/train/task';
import { Rng } from '../../src/engine/train/rng';
import { tempDir } from './tempDir';

/** A CSV text read as the trainer reads a dataset: the label "y" as text. */
const table = (text: string, file = 'data.csv') => {
  const t = parseColumns(text, file, { categorical: new Set(['y']) });
  if (!t.ok) throw new Error(t.error.message);
  return t.value;
};
const opts = (o: Partial<PrepareOptions> = {}): PrepareOptions => ({ label: 'y', model: 'gbt', holdout: 0, seed: 0, ...o });

/** n rows: x1, x2 numbers and a label made by `label(i, x1, x2)`. */
function csv(n: number, label: (i: number, x1: number, x2: number) => string, extra: (i: number) => Record<string, string> = () => ({})): string {
  const rng = new Rng(5);
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const x1 = Math.round(rng.next() * 1000) / 100;
    const x2 = Math.round(rng.next() * 1000) / 100;
    const e = extra(i);
    if (i === 0) rows.push(['x1', 'x2', ...Object.keys(e), 'y'].join(','));
    rows.push([x1, x2, ...Object.values(e), label(i, x1, x2)].join(','));
  }
  return `${rows.join('\n')}\n`;
}

describe('train data: the task is decided from the label', () => {
  it('text or few whole numbers are classes; fractions or many distinct whole numbers are a number to predict', () => {
    assert.equal(detectTask(['a', 'b', 'a']).task, 'classification');
    assert.equal(detectTask(['0', '1', '1', '0', null]).task, 'classification');
    assert.equal(detectTask(['1', '2', '3', '4', '5']).task, 'classification');
    assert.equal(detectTask(['1.5', '2', '3']).task, 'regression');
    assert.match(detectTask(['1.5', '2', '3'], 'price').reason, /"price" holds numbers with a fractional part \(1\.5\)/);
    // 21 distinct whole numbers over 100 rows: more than max(20, 5) → regression; over 1,000 rows, 5% is 50 → classes.
    const ints = (rows: number, distinct: number) => Array.from({ length: rows }, (_, i) => String(i % distinct));
    assert.equal(detectTask(ints(100, 20)).task, 'classification');
    assert.equal(detectTask(ints(100, 21)).task, 'regression');
    assert.equal(detectTask(ints(1000, 50)).task, 'classification');
    assert.equal(detectTask(ints(1000, 51)).task, 'regression');
    assert.equal(detectTask(['3', '4', 'x']).task, 'classification', 'one value that is not a number makes it a class label');
  });

  it('a continuous label never becomes 800 classes: 800 rows of a fractional label train a regression', () => {
    const t = table(csv(800, (_, x1, x2) => (3 * x1 - x2 + 0.123).toFixed(3)));
    const p = prepareTraining(t, opts({ holdout: 0.2 }));
    assert.ok(p.ok, p.ok ? '' : p.error.message);
    assert.equal(p.value.task, 'regression');
    assert.deepEqual(p.value.classes, []);
    assert.equal(p.value.data.task, 'regression');
    assert.match(p.value.taskReason, /fractional part/);
    // Not stratified by value (each value would be its own class, and nothing would be held out).
    assert.equal(p.value.counts.heldOut, 160);
  });

  it('`task` given wins over the rule, both ways', () => {
    const t = table(csv(100, (i) => String(i % 30)));
    assert.equal(detectTask(columnTexts(t, 2)).task, 'regression');
    const p = prepareTraining(t, opts({ task: 'classification' }));
    assert.ok(p.ok);
    assert.equal(p.value.task, 'classification');
    assert.equal(p.value.classes.length, 30);
    assert.equal(p.value.taskReason, 'given as `task`');
  });

  it('a model that cannot do the task is an error saying which can; a text label forced to regression names the line', () => {
    const t = table(csv(50, (_, x1) => x1.toFixed(2)));
    const r = prepareTraining(t, opts({ model: 'logistic-regression' }));
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'train-task');
    assert.match(r.error.message, /^logistic-regression cannot do regression \("y" holds numbers with a fractional part/);
    assert.match(r.error.fix!, /Use linear, mlp, gbt, or set `task: classification`/);
    const lin = prepareTraining(table(csv(50, (i) => (i % 2 ? 'a' : 'b'))), opts({ model: 'linear' }));
    assert.ok(!lin.ok);
    assert.match(lin.error.message, /^linear cannot do classification/);
    const forced = prepareTraining(table('x1,y\n1,2.5\n2,3.5\n3,cat\n'), opts({ task: 'regression' }));
    assert.ok(!forced.ok);
    assert.equal(describeError(forced.error).split('\n')[0], 'data.csv:4: Column "y" has "cat", which is not a number.');
  });
});

describe('train data: features', () => {
  it('a listed feature with a stray value is an error naming the file, the line and the value', () => {
    const t = table('x1,x2,y\n1,2,a\n3,4,b\n5,n/a?,a\n', 'stray.csv');
    const r = prepareTraining(t, opts({ features: ['x1', 'x2'] }));
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'dataset-not-numeric');
    assert.equal(r.error.file, 'stray.csv');
    assert.equal(r.error.line, 4);
    assert.match(describeError(r.error), /^stray\.csv:4: Column "x2" has "n\/a\?", which is not a number\./);
  });

  it('without `features`, a column that is not numeric is excluded and reported with its first bad value, never dropped silently', () => {
    const t = table('x1,x2,note,empty,y\n1,2,ok,,a\n3,4,,,b\n5,x,fine,,a\n7,8,9,,b\n');
    const r = prepareTraining(t, opts());
    assert.ok(r.ok);
    assert.deepEqual(r.value.features, ['x1']);
    assert.deepEqual(r.value.excluded, [
      { column: 'x2', reason: '"x" on line 4 is not a number' },
      { column: 'note', reason: '"ok" on line 2 is not a number' },
      { column: 'empty', reason: 'every value is missing' },
    ]);
  });

  it('no numeric column at all: an error that lists what was excluded', () => {
    const r = prepareTraining(table('a,b,y\nx,y,1\nz,w,0\n'), opts());
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'train-features');
    assert.match(r.error.message, /No numeric feature columns to train on \(excluded: a: "x" on line 2 is not a number; b: "y" on line 2 is not a number\)/);
  });

  it('NaN (and NA, empty) is a missing value: the row is skipped and counted; Infinity is refused in a listed feature and excluded otherwise', () => {
    const t = table('x1,x2,y\n1,2,a\n2,NaN,b\n3,4,a\n4,5,b\n5,6,a\n');
    const r = prepareTraining(t, opts({ features: ['x1', 'x2'] }));
    assert.ok(r.ok);
    assert.equal(r.value.counts.incomplete, 1);
    assert.ok(r.value.notes.includes('1 training row with a missing label or feature skipped'));
    const inf = table('x1,x2,y\n1,2,a\n2,Infinity,b\n3,4,a\n4,-inf,b\n');
    const listed = prepareTraining(inf, opts({ features: ['x1', 'x2'] }));
    assert.ok(!listed.ok);
    assert.equal(listed.error.line, 3);
    assert.match(listed.error.message, /Column "x2" has "Infinity", which is not a finite number/);
    const unlisted = prepareTraining(inf, opts());
    assert.ok(unlisted.ok);
    assert.deepEqual(unlisted.value.excluded, [{ column: 'x2', reason: '"Infinity" on line 3 is not a finite number' }]);
  });

  it('a constant feature is kept with a note; a listed feature with no values is an error', () => {
    const r = prepareTraining(table('x1,c,y\n1,7,a\n2,7,b\n3,7,a\n4,,b\n'), opts());
    assert.ok(r.ok);
    assert.deepEqual(r.value.features, ['x1', 'c']);
    assert.deepEqual(r.value.notes, ['feature "c" is constant (7 in every row that has it): it carries no information', '1 training row with a missing label or feature skipped']);
    const empty = prepareTraining(table('x1,e,y\n1,,a\n2,,b\n'), opts({ features: ['x1', 'e'] }));
    assert.ok(!empty.ok);
    assert.equal(empty.error.message, 'Feature "e" has no values (every row is missing).');
  });
});

describe('train data: degenerate inputs', () => {
  it('a header-only file says "no rows"', () => {
    const r = prepareTraining(table('x1,x2,y\n', 'header.csv'), opts());
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'train-no-rows');
    assert.equal(describeError(r.error).split('\n')[0], 'header.csv:1: The file has a header but no rows: nothing to train on.');
  });

  it('one row, one class, an empty label, and thousands of classes each get a clear message', () => {
    const one = prepareTraining(table('x1,y\n1,a\n'), opts({ task: 'classification' }));
    assert.ok(!one.ok);
    assert.equal(one.error.code, 'train-one-class');
    const oneRow = prepareTraining(table('x1,y\n1,2.5\n'), opts());
    assert.ok(!oneRow.ok);
    assert.equal(oneRow.error.message, 'Only 1 complete row to train on, at least 2 are needed (1 row in the file, 0 held out, 0 with a missing label or feature).');
    const heldOut = prepareTraining(table('x1,y\n1,2.5\n2,3.5\n'), opts({ holdout: 0.2 }));
    assert.ok(!heldOut.ok);
    assert.match(heldOut.error.message, /Only 1 complete row.*1 held out/);
    assert.equal(heldOut.error.fix, 'Add rows, or hold out none (`holdout: 0`).');
    const oneClass = prepareTraining(table('x1,y\n1,a\n2,a\n3,a\n'), opts());
    assert.ok(!oneClass.ok);
    assert.equal(oneClass.error.message, 'The label "y" has one class only ("a"): a classifier needs at least two.');
    const noLabel = prepareTraining(table('x1,y\n1,\n2,NA\n'), opts());
    assert.ok(!noLabel.ok);
    assert.equal(noLabel.error.code, 'train-label');
    const many = prepareTraining(table(csv(MAX_CLASSES + 500, (i) => `id-${i}`)), opts());
    assert.ok(!many.ok);
    assert.equal(many.error.code, 'train-too-many-classes');
    assert.match(many.error.message, /has 1500 classes; the built-in trainer takes at most 1000/);
    assert.match(many.error.fix!, /set `task: regression`/);
  });

  it('the holdout split stratifies a class label and not a continuous one, as sextant/evaluate does', () => {
    const classes = Array.from({ length: 100 }, (_, i) => (i < 90 ? 'a' : 'b'));
    const s = holdoutSplit(100, 0.2, 3, classes);
    assert.equal([...s.test].filter((r) => classes[r] === 'b').length, 2, 'stratified: 20% of the 10 "b" rows');
    const values = Array.from({ length: 100 }, (_, i) => `${i}.5`);
    assert.equal(holdoutSplit(100, 0.2, 3, values).test.length, 20);
  });
});

describe('train data: sextant/train in a pipeline', function () {
  this.timeout(60_000);

  function pipeline(data: string, train: Record<string, unknown>): string {
    const dir = tempDir('sextant-train-data-');
    writeFileSync(join(dir, 'data.csv'), data);
    writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, datasets: { d: { path: 'data.csv', label: 'y' } }, stages: { train: { uses: 'sextant/train', with: { dataset: 'd', out: 'model.onnx', ...train } } } }));
    return dir;
  }

  it('a continuous label trains a regression (gbt) and logs the task, why, and the excluded column', async () => {
    const dir = pipeline(csv(300, (_, x1, x2) => (2 * x1 + x2).toFixed(2), (i) => ({ city: i % 7 === 3 ? 'Oslo' : String(i) })), { model: 'gbt' });
    const r = await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [] });
    assert.ok(r.ok);
    const train = r.value.stages[0]!;
    assert.equal(train.status, 'ran', train.reason);
    const log = readFileSync(join(dir, train.log!), 'utf8');
    assert.match(log, /Training gbt \(regression: "y" holds numbers with a fractional part/);
    assert.match(log, /excluded column "city": "Oslo" on line 5 is not a number/);
    assert.ok(train.metrics!.train_r2! > 0.9, `train_r2 ${train.metrics!.train_r2}`);
    assert.equal(train.metrics!.train_accuracy, undefined);
  });

  it('logistic-regression on a continuous label fails at run time with the reason, never as 300 classes', async () => {
    const dir = pipeline(csv(300, (_, x1) => x1.toFixed(2)), { model: 'logistic-regression' });
    const r = await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [] });
    assert.ok(r.ok);
    const train = r.value.stages[0]!;
    assert.equal(train.status, 'failed');
    assert.match(train.reason!, /data\.csv: logistic-regression cannot do regression \("y" holds numbers with a fractional part/);
  });

  function capture(cwd: string): CliIo & { stdout: string[] } {
    const stdout: string[] = [];
    return { stdout, out: (t) => stdout.push(t), err: () => undefined, json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
  }

  it('lint: `task: regression` with logistic-regression is an error; without `task`, a continuous label is a warning', async () => {
    const explicit = pipeline(csv(30, (i) => (i % 2 ? 'a' : 'b')), { model: 'logistic-regression', task: 'regression' });
    const io = capture(explicit);
    assert.equal(await main(['lint', 'sextant.yaml', '--json'], io), 1);
    const report = LintReportSchema.parse(JSON.parse(io.stdout[0]!));
    const err = report.diagnostics.find((d) => d.code === 'train-task');
    assert.equal(err?.severity, 'error');
    assert.equal(err?.message, 'logistic-regression cannot do regression; use linear, mlp, gbt.');
    const guessed = pipeline(csv(80, (_, x1) => x1.toFixed(2)), { model: 'logistic-regression' });
    const io2 = capture(guessed);
    await main(['lint', 'sextant.yaml', '--json'], io2);
    const warn = LintReportSchema.parse(JSON.parse(io2.stdout[0]!)).diagnostics.find((d) => d.code === 'train-task-guess');
    assert.equal(warn?.severity, 'warning');
    assert.match(warn!.message, /Dataset "d" looks like regression in its first 50 rows \("y" holds numbers with a fractional part .*\), which logistic-regression cannot do: use linear, mlp, gbt, or set `task: classification`/);
    const fine = pipeline(csv(80, (_, x1) => x1.toFixed(2)), { model: 'gbt' });
    const io3 = capture(fine);
    assert.equal(await main(['lint', 'sextant.yaml', '--json'], io3), 0);
    assert.ok(!LintReportSchema.parse(JSON.parse(io3.stdout[0]!)).diagnostics.some((d) => d.code.startsWith('train-task')));
  });
});
