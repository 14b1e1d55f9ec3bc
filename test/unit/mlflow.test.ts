import { strict as assert } from 'node:assert';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadBetterSqlite3 } from '../../src/engine/native/load';
import { importMlflow } from '../../src/engine/mlflow/importer';
import { Tracker } from '../../src/engine/tracking/tracking';
import { assertRollupsMatchPoints } from './trackingHelpers';
import { tempDir } from './tempDir';

const FIXTURES = resolve(__dirname, '../fixtures/mlflow');

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function fresh(): Tracker {
  const dir = tempDir('sextant-mlflow-');
  return must(Tracker.open({ storePath: join(dir, 'sextant.db'), artifactsDir: join(dir, 'artifacts') }, { create: true }));
}

function counts(t: Tracker): Record<string, number> {
  const out: Record<string, number> = {};
  for (const table of ['experiments', 'experiment_tags', 'runs', 'params', 'tags', 'metrics', 'latest_metrics', 'metric_keys', 'metric_buckets']) out[table] = t.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  out.latestCount = t.db.prepare('SELECT coalesce(sum(count), 0) FROM latest_metrics').pluck().get() as number;
  return out;
}

function buildMlflowDb(): string {
  const dir = tempDir('sextant-mlflowdb-');
  const file = join(dir, 'mlflow.db');
  const Driver = must(loadBetterSqlite3());
  const db = new Driver(file);
  db.exec(readFileSync(join(FIXTURES, 'mlflow-db.sql'), 'utf8'));
  db.close();
  return dir;
}

describe('MLflow import: file store (mlruns/)', () => {
  it('imports experiments, runs, params, tags and metric histories, keeping MLflow ids', () => {
    const t = fresh();
    const report = must(importMlflow(t, FIXTURES));
    assert.deepEqual(report.sources.map((s) => s.kind), ['file-store']);
    assert.equal(report.experiments, 2);
    assert.equal(report.runsCreated, 3);
    assert.equal(report.runsUpdated, 0);
    assert.equal(report.skippedDeleted, 1);
    assert.deepEqual(
      report.problems.map((p) => [p.file.endsWith('0f1e2d3c4b5a69788796a5b4c3d2e1f0/metrics/loss'), p.line]),
      [[true, 3]],
    );

    const parent = must(t.getRun('a1b2c3d4e5f60718293a4b5c6d7e8f90'));
    assert.equal(parent.experiment, 'churn-mlflow');
    assert.equal(parent.name, 'gentle-owl-42');
    assert.equal(parent.status, 'finished');
    assert.equal(parent.startedAt, 1700000200000);
    assert.equal(parent.endedAt, 1700000200500);
    assert.equal(parent.gitCommit, '3f2c1a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a');
    assert.equal(parent.command, 'train.py');
    assert.deepEqual(parent.params, { epochs: '20', lr: '0.01', optimizer: 'adam' });
    assert.equal(parent.tags['mlflow.runId'], 'a1b2c3d4e5f60718293a4b5c6d7e8f90');
    assert.equal(parent.tags['mlflow.experimentId'], '417');
    assert.equal(parent.tags['mlflow.user'], 'ada');
    assert.deepEqual(parent.history.loss!.slice(0, 3).map((p) => [p.step, p.timestamp, p.value]), [[0, 1700000200100, 0.9], [1, 1700000200200, 0.6], [2, 1700000200300, 0.4]]);
    assert.ok(Number.isNaN(parent.history.loss![3]!.value));
    assert.deepEqual(parent.history['val/loss']!.map((p) => p.value), [0.95, 0.55]);
    assert.deepEqual(parent.history.accuracy!.map((p) => [p.step, p.value]), [[0, 0.91]]);
    assert.equal(parent.metrics.loss!.step, 3);
    assert.deepEqual(parent.children, ['0f1e2d3c4b5a69788796a5b4c3d2e1f0']);

    const child = must(t.getRun('0f1e2d3c4b5a69788796a5b4c3d2e1f0'));
    assert.equal(child.status, 'failed');
    assert.equal(child.name, 'fold-2');
    assert.equal(child.parentId, 'a1b2c3d4e5f60718293a4b5c6d7e8f90');
    assert.deepEqual(child.history.loss!.map((p) => p.value), [1.5, Infinity, 2.5]);

    const quick = must(t.getRun('5555aaaa5555aaaa5555aaaa5555aaaa'));
    assert.equal(quick.experiment, 'Default');
    assert.equal(quick.status, 'killed');
    assert.deepEqual(quick.params, { 'città': 'Kraków' });
    assert.equal(t.getRun('deadbeefdeadbeefdeadbeefdeadbeef').ok, false);
    const experimentTags = t.db.prepare("SELECT key, value FROM experiment_tags ORDER BY key").all();
    assert.deepEqual(experimentTags, [{ key: 'mlflow.experimentId', value: '0' }, { key: 'mlflow.experimentId', value: '417' }, { key: 'mlflow.note.content', value: 'Churn experiments from the old notebook' }]);
  });

  it('is idempotent: a second import updates the same runs and adds nothing', () => {
    const t = fresh();
    must(importMlflow(t, join(FIXTURES, 'mlruns')));
    const before = counts(t);
    const again = must(importMlflow(t, join(FIXTURES, 'mlruns')));
    assert.equal(again.runsCreated, 0);
    assert.equal(again.runsUpdated, 3);
    assert.deepEqual(counts(t), before);
    assert.equal(before.runs, 3);
    assert.equal(before.metrics, 4 + 2 + 1 + 3);
    assert.equal(before.latestCount, before.metrics);
    assertRollupsMatchPoints(t);
  });

  it('picks up a run added in MLflow since the last import', () => {
    const t = fresh();
    const copy = join(tempDir('sextant-mlruns-'), 'mlruns');
    cpSync(join(FIXTURES, 'mlruns'), copy, { recursive: true });
    must(importMlflow(t, copy));
    const dir = join(copy, '417', 'a1b2c3d4e5f60718293a4b5c6d7e8f90', 'metrics', 'loss');
    writeFileSync(dir, `${readFileSync(dir, 'utf8')}1700000200500 0.2 4\n`);
    const report = must(importMlflow(t, copy));
    assert.equal(report.runsCreated, 0);
    const run = must(t.getRun('a1b2c3d4e5f60718293a4b5c6d7e8f90'));
    assert.equal(run.history.loss!.length, 5);
    assert.equal(run.metrics.loss!.last, 0.2);
    assert.equal(run.metrics.loss!.count, 5);
    assertRollupsMatchPoints(t);
  });
});

describe('MLflow import: SQLite database (mlflow.db)', () => {
  it('imports runs, params, tags and metrics (is_nan, several values at one step)', () => {
    const t = fresh();
    const dir = buildMlflowDb();
    const report = must(importMlflow(t, dir));
    assert.deepEqual(report.sources.map((s) => s.kind), ['sqlite']);
    assert.equal(report.experiments, 2);
    assert.equal(report.runsCreated, 3);
    assert.equal(report.skippedDeleted, 2); // the deleted experiment and the deleted run
    assert.deepEqual(report.problems, []);
    const a = must(t.getRun('11112222333344445555666677778888'));
    assert.equal(a.experiment, 'fraud-detector');
    assert.equal(a.name, 'xgb-depth-6');
    assert.equal(a.status, 'finished');
    assert.equal(a.gitCommit, '0123456789abcdef0123456789abcdef01234567');
    assert.deepEqual(a.params, { eta: '0.3', max_depth: '6' });
    assert.equal(a.tags.model, 'xgboost');
    assert.deepEqual(a.history.auc!.map((p) => p.value), [0.81, 0.86, 0.89]);
    assert.ok(Number.isNaN(a.history.logloss![1]!.value));
    assert.equal(a.metrics.logloss!.last, 0.3);
    const b = must(t.getRun('99990000aaaabbbbccccddddeeeeffff'));
    assert.equal(b.status, 'running');
    assert.equal(b.parentId, '11112222333344445555666677778888');
    assert.deepEqual(b.history.auc!.map((p) => [p.step, p.value]), [[0, 0.7], [0, 0.75]]);
    assert.equal(b.metrics.auc!.last, 0.75);
    assert.equal(b.tags.empty, '');
    assert.equal(must(t.getRun('00001111222233334444555566667777')).status, 'queued');
    assert.equal(t.db.prepare("SELECT value FROM experiment_tags WHERE key = 'team'").pluck().get(), 'risk');
  });

  it('is idempotent, and reads the database file itself too', () => {
    const t = fresh();
    const dir = buildMlflowDb();
    must(importMlflow(t, join(dir, 'mlflow.db')));
    const before = counts(t);
    const again = must(importMlflow(t, join(dir, 'mlflow.db')));
    assert.equal(again.runsCreated, 0);
    assert.equal(again.runsUpdated, 3);
    assert.deepEqual(counts(t), before);
  });

  it('says clearly when the path holds no MLflow data', () => {
    const t = fresh();
    const empty = tempDir('sextant-nomlflow-');
    const none = importMlflow(t, empty);
    assert.equal(none.ok, false);
    if (!none.ok) {
      assert.equal(none.error.code, 'mlflow-not-found');
      assert.equal(none.error.file, empty);
    }
    const other = join(empty, 'other.db');
    const Driver = must(loadBetterSqlite3());
    const db = new Driver(other);
    db.exec('CREATE TABLE notes (x)');
    db.close();
    const wrong = importMlflow(t, other);
    assert.equal(wrong.ok, false);
    if (!wrong.ok) assert.equal(wrong.error.code, 'mlflow-not-recognized');
    writeFileSync(join(empty, 'mlflow.db'), 'not sqlite at all');
    const garbage = importMlflow(t, empty);
    assert.equal(garbage.ok, false);
    if (!garbage.ok) assert.match(garbage.error.message, /not an MLflow SQLite database/);
  });
});
