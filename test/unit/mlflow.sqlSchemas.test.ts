// `sextant import mlflow` on mlflow.db files at each alembic revision that changed what the importer reads,
// from MLflow 1.0's initial tables to 2.9 (test/fixtures/mlflow/schemas/, made by MLflow's own migrations:
// make_mlflow_dbs.py), and MLflow 3's head with logged models (mlflow-db.sql plus its logged_models table).
// Each holds the same data, in the columns and tables its revision has; each must import, registry and
// dataset inputs included where the schema has them, and problems name the MLflow file.
import { strict as assert } from 'node:assert';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importMlflow } from '../../src/engine/mlflow/importer';
import { NO_END_TAG } from '../../src/engine/mlflow/noEnd';
import { loadBetterSqlite3 } from '../../src/engine/native/load';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

const SCHEMAS = resolve(__dirname, '../fixtures/mlflow/schemas');
const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function fresh(): Tracker {
  return must(Tracker.open(workspaceLayout(tempDir('sextant-mlflow-schemas-')), { create: true }));
}

/** What the fixture's schema has, read from the file itself (so each expectation follows the revision). */
function shape(file: string): { tables: Set<string>; cols: (t: string) => Set<string> } {
  const Driver = must(loadBetterSqlite3());
  const db = new Driver(file, { readonly: true });
  const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
  const cols = new Map([...tables].map((t) => [t, new Set((db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name))]));
  db.close();
  return { tables, cols: (t) => cols.get(t) ?? new Set() };
}

const fixtures = readdirSync(SCHEMAS)
  .filter((f) => f.endsWith('.db'))
  .sort();

describe('MLflow import: mlflow.db at every schema revision since MLflow 1.0', () => {
  it('has the revisions it claims (initial tables through 2.9)', () => {
    assert.deepEqual(fixtures, [
      'mlflow-181f10493468.db',
      'mlflow-2b4d017a5e9b.db',
      'mlflow-3500859a5d39.db',
      'mlflow-451aebb31d03.db',
      'mlflow-7f2a7d5fae7d.db',
      'mlflow-84291f40a231.db',
      'mlflow-97727af70f4d.db',
      'mlflow-acf3f17fdcc7.db',
      'mlflow-base.db',
      'mlflow-cc1f77228345.db',
      'mlflow-df50e92ffc5e.db',
    ]);
    const base = shape(join(SCHEMAS, 'mlflow-base.db'));
    assert.ok(!base.cols('metrics').has('step') && !base.cols('metrics').has('is_nan') && !base.tables.has('experiment_tags') && !base.cols('experiments').has('creation_time'));
  });

  for (const name of fixtures) {
    it(`imports ${name}`, () => {
      const dir = tempDir('sextant-mlflow-rev-');
      const file = join(dir, 'mlflow.db');
      copyFileSync(join(SCHEMAS, name), file);
      const { tables, cols } = shape(file);
      const t = fresh();
      const report = must(importMlflow(t, dir));
      assert.deepEqual(report.problems, [], JSON.stringify(report.problems));
      assert.equal(report.experiments, 2, 'Default and churn');
      assert.equal(report.skippedDeleted, 2, 'the deleted experiment and the deleted run');
      assert.equal(report.runsCreated, 2);
      const a = must(t.getRun(A));
      assert.equal(a.experiment, 'churn');
      assert.equal(a.name, 'baseline', 'the run name from the tag mlflow.runName (runs.name is empty in these versions)');
      assert.equal(a.status, 'finished');
      assert.equal(a.startedAt, 1560000003000);
      assert.equal(a.endedAt, 1560000004000);
      assert.deepEqual(a.params, { depth: '4', lr: '0.01' });
      assert.equal(a.tags['mlflow.user'], 'ana');
      assert.equal(a.gitCommit, null);
      const steps = cols('metrics').has('step');
      assert.deepEqual(
        a.history.loss!.map((p) => [p.step, p.value]),
        steps ? [[0, 0.9], [1, 0.5], [2, 0.3]] : [[0, 0.9], [0, 0.5], [0, 0.3]],
      );
      assert.equal(a.metrics.loss!.last, 0.3);
      if (cols('metrics').has('is_nan')) assert.ok(Number.isNaN(a.history.odd![0]!.value));
      const b = must(t.getRun(B));
      assert.equal(b.status, 'running');
      assert.equal(b.parentId, A);
      assert.equal(b.tags[NO_END_TAG], 'true');
      const exp = t.db.prepare("SELECT id, created_at FROM experiments WHERE name = 'churn'").get() as { id: number; created_at: number };
      if (cols('experiments').has('creation_time')) assert.equal(exp.created_at, 1560000001000);
      const team = t.db.prepare("SELECT value FROM experiment_tags WHERE experiment_id = ? AND key = 'team'").pluck().get(exp.id);
      assert.equal(team, tables.has('experiment_tags') ? 'growth' : undefined);

      if (!tables.has('registered_models')) assert.equal(report.registeredModels, 0);
      else {
        assert.equal(report.registeredModels, 1);
        assert.equal(report.modelVersions, 2, 'version 3 is Deleted_Internal');
        const versions = t.db.prepare("SELECT v.version, r.uid AS run, v.description FROM model_versions v JOIN models m ON m.id = v.model_id LEFT JOIN runs r ON r.id = v.run_id WHERE m.name = 'churn-model' ORDER BY v.version").all();
        assert.deepEqual(versions, [
          { version: 1, run: A, description: null },
          { version: 2, run: B, description: 'retrained' },
        ]);
        const tags = Object.fromEntries((t.db.prepare('SELECT t.key, t.value FROM model_version_tags t JOIN model_versions v ON v.id = t.model_version_id WHERE v.version = 1').all() as { key: string; value: string }[]).map((x) => [x.key, x.value]));
        assert.equal(tags['mlflow.stage'], 'Production');
        assert.equal(tags['mlflow.source'], `./mlruns/1/${A}/artifacts/model`);
        assert.equal(tags.validated, tables.has('model_version_tags') ? 'yes' : undefined);
        const aliases = t.db.prepare('SELECT a.alias, v.version FROM model_aliases a JOIN model_versions v ON v.id = a.model_version_id ORDER BY a.alias').all();
        assert.deepEqual(aliases, tables.has('registered_model_aliases') ? [ { alias: 'challenger', version: 2 }, { alias: 'champion', version: 1 } ] : []);
        assert.equal(t.db.prepare("SELECT description FROM models WHERE name = 'churn-model'").pluck().get(), 'predicts churn');
      }

      if (!tables.has('datasets')) assert.equal(report.datasetInputs, 0);
      else {
        assert.equal(report.datasetInputs, 1);
        const link = t.db.prepare('SELECT r.uid, d.name, dv.content_hash AS hash, dv.row_count FROM run_dataset_versions l JOIN runs r ON r.id = l.run_id JOIN dataset_versions dv ON dv.id = l.dataset_version_id JOIN datasets d ON d.id = dv.dataset_id').all();
        assert.deepEqual(link, [{ uid: A, name: 'customers', hash: 'mlflow:d1g35t', row_count: 120 }]);
      }

      // A second import changes nothing.
      const snapshot = (): string => JSON.stringify(['runs', 'params', 'tags', 'metrics', 'model_versions', 'model_version_tags', 'model_aliases', 'dataset_versions', 'run_dataset_versions'].map((x) => t.db.prepare(`SELECT * FROM ${x} ORDER BY 1, 2`).all()));
      const before = snapshot();
      const again = must(importMlflow(t, dir));
      assert.equal(again.runsUpdated, 2);
      assert.equal(snapshot(), before);
      t.close(true);
    });
  }

  it('MLflow 3 (head schema): logged models are named in the report with the file and revision, the rest imports', () => {
    const dir = tempDir('sextant-mlflow-head-');
    const file = join(dir, 'mlflow.db');
    const Driver = must(loadBetterSqlite3());
    const db = new Driver(file);
    db.exec(readFileSync(resolve(__dirname, '../fixtures/mlflow/mlflow-db.sql'), 'utf8'));
    // logged_models as MLflow 3's migration 400f98739977 creates it.
    db.exec(`CREATE TABLE logged_models (model_id VARCHAR(36) NOT NULL, experiment_id INTEGER NOT NULL, name VARCHAR(500) NOT NULL, artifact_location VARCHAR(1000) NOT NULL, creation_timestamp_ms BIGINT NOT NULL, last_updated_timestamp_ms BIGINT NOT NULL, status INTEGER NOT NULL, lifecycle_stage VARCHAR(32), model_type VARCHAR(500), source_run_id VARCHAR(32), status_message VARCHAR(1000), CONSTRAINT logged_models_pk PRIMARY KEY (model_id));
      INSERT INTO logged_models VALUES ('m-0123', 1, 'xgb', 'mlflow-artifacts:/1/models/m-0123/artifacts', 1710000005000, 1710000005000, 2, 'active', NULL, '11112222333344445555666677778888', NULL);
      INSERT INTO logged_models VALUES ('m-gone', 1, 'old', 'x', 1710000005000, 1710000005000, 2, 'deleted', NULL, NULL, NULL);`);
    db.close();
    const t = fresh();
    const report = must(importMlflow(t, file));
    assert.equal(report.runsCreated, 3);
    assert.deepEqual(
      report.problems.map((p) => [p.file, p.source]),
      [[`${file} (MLflow schema revision 6953534de441): logged_models m-0123`, file]],
    );
    assert.match(report.problems[0]!.message, /^MLflow 3 logged model "xgb" \(m-0123, logged by run 11112222333344445555666677778888\) not imported: Sextant has no logged-model record/);
  });

  it('refuses, naming the file, a database with MLflow table names but not its columns', () => {
    const dir = tempDir('sextant-mlflow-odd-');
    const file = join(dir, 'mlflow.db');
    const Driver = must(loadBetterSqlite3());
    const db = new Driver(file);
    db.exec("CREATE TABLE experiments (experiment_id INTEGER, name TEXT); CREATE TABLE runs (id TEXT); CREATE TABLE params (key, value, run_uuid); CREATE TABLE tags (key, value, run_uuid); CREATE TABLE metrics (key, value, run_uuid); CREATE TABLE alembic_version (version_num TEXT); INSERT INTO alembic_version VALUES ('zzz')");
    db.close();
    const r = importMlflow(fresh(), file);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'mlflow-not-recognized');
      assert.equal(r.error.file, file);
      assert.match(r.error.message, /no runs\.run_uuid, runs\.experiment_id, metrics\.timestamp\); its alembic revision is zzz/);
    }
  });
});
