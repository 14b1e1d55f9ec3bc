// The registry pieces the model card stands on: the ONNX signature read from a model the trainer exports,
// and alias moves (one transaction with their history row; a failure mid-way leaves the old alias).
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { registerModelVersion } from '../../src/engine/builtins/register';
import { aliasHistory, moveAlias } from '../../src/engine/registry/aliases';
import { listModels } from '../../src/engine/registry/list';
import { MIGRATIONS, migrate } from '../../src/engine/store/migrations';
import { loadBetterSqlite3 } from '../../src/engine/native/load';
import { openStore, type Database } from '../../src/engine/store/open';
import { exportOnnx } from '../../src/engine/train/onnx/export';
import { readOnnxSignature } from '../../src/engine/train/onnx/signature';
import { trainClassifier } from '../../src/engine/train/train';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

function tinyModel(kind: 'logistic-regression' | 'gbt') {
  const rows = 60;
  const x = new Float64Array(rows * 3);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    y[i] = i % 3;
    for (let f = 0; f < 3; f++) x[i * 3 + f] = y[i]! * 2 + f * 0.1 + (i % 5) * 0.05;
  }
  const fit = trainClassifier({ x: { rows, cols: 3, data: x }, y, features: ['a', 'b', 'c'], classes: ['p', 'q', 'r'], lines: new Int32Array(rows) }, { kind, label: 'kind', epochs: 20, lr: 0.1, seed: 1 });
  assert.ok(fit.ok, fit.ok ? '' : fit.error.message);
  return fit.value.model;
}

describe('ONNX signature reader', () => {
  for (const kind of ['logistic-regression', 'gbt'] as const) {
    it(`reads the inputs and outputs of a ${kind} model the trainer exports, as onnxruntime sees them`, async () => {
      const bytes = exportOnnx(tinyModel(kind));
      const sig = readOnnxSignature(bytes);
      assert.ok(sig.ok, sig.ok ? '' : sig.error.message);
      assert.deepEqual(sig.value.inputs, [{ name: 'input', type: 'float32', shape: ['N', 3] }], 'weights (initializers) are not inputs');
      assert.deepEqual(sig.value.outputs, [
        { name: 'probabilities', type: 'float32', shape: ['N', 3] },
        { name: 'label_index', type: 'int64', shape: ['N'] },
        { name: 'label', type: 'string', shape: ['N'] },
      ]);
      const session = await ort.InferenceSession.create(bytes);
      assert.deepEqual(sig.value.inputs.map((i) => i.name), [...session.inputNames]);
      assert.deepEqual(sig.value.outputs.map((o) => o.name), [...session.outputNames]);
      await session.release();
    });
  }

  it('says plainly when the bytes are not an ONNX model (truncated, or not protobuf at all)', () => {
    const bytes = exportOnnx(tinyModel('logistic-regression'));
    const truncated = readOnnxSignature(bytes.subarray(0, bytes.length - 40));
    assert.equal(truncated.ok, false);
    assert.match(truncated.ok ? '' : truncated.error.message, /Not an ONNX model/);
    const text = readOnnxSignature(new TextEncoder().encode('definitely not a model\n'));
    assert.equal(text.ok, false);
  });
});

describe('model aliases: moves and their history', () => {
  let root: string;
  let storePath: string;
  let db: Database;
  let runId: string;

  beforeEach(() => {
    root = tempDir('sextant-alias-');
    const layout = workspaceLayout(root);
    storePath = layout.storePath;
    const t = Tracker.open(layout, { create: true });
    assert.ok(t.ok);
    const run = t.value.startRun({ experiment: 'penguins', name: 'register' });
    assert.ok(run.ok);
    runId = run.value.id;
    t.value.close(true);
    const model = join(root, 'model.onnx');
    for (const content of ['one', 'two', 'three']) {
      writeFileSync(model, content);
      assert.ok(registerModelVersion(storePath, { name: 'penguin-species', file: model, runId, alias: 'staging' }).ok);
    }
    const opened = openStore(storePath);
    assert.ok(opened.ok);
    db = opened.value;
  });
  afterEach(() => db.close());

  it('registering with an alias records each move of it (from, to, who, from where)', () => {
    const history = aliasHistory(db, 'penguin-species');
    assert.deepEqual(history.map((h) => [h.alias, h.from, h.to]), [['staging', 2, 3], ['staging', 1, 2], ['staging', null, 1]]);
    assert.ok(history.every((h) => h.source === `pipeline run ${runId.slice(0, 8)}` && h.actor.length > 0));
  });

  it('moves an alias in one transaction, records it, and the Models view sees the new place', () => {
    const t0 = Date.now() + 1000;
    const moved = moveAlias(db, storePath, { name: 'penguin-species', alias: 'production', version: 2, expectedFrom: null, who: { actor: 'ada', source: 'model card' }, now: t0 });
    assert.deepEqual(moved, { ok: true, value: { model: 'penguin-species', alias: 'production', from: null, to: 2, gates: [] } });
    const again = moveAlias(db, storePath, { name: 'penguin-species', alias: 'production', version: 3, expectedFrom: 2, who: { actor: 'ada', source: 'model card' }, now: t0 + 1000 });
    assert.ok(again.ok);
    assert.equal(again.value.from, 2);
    const [latest, previous] = aliasHistory(db, 'penguin-species');
    assert.deepEqual(latest, { alias: 'production', from: 2, to: 3, actor: 'ada', source: 'model card', at: t0 + 1000 });
    assert.deepEqual(previous, { alias: 'production', from: null, to: 2, actor: 'ada', source: 'model card', at: t0 });
    const versions = listModels(db)[0]!.versions;
    assert.deepEqual(versions.map((v) => [v.version, v.aliases]), [[3, ['production', 'staging']], [2, []], [1, []]]);
  });

  it('a failure after the alias row changed (the history insert fails) rolls the whole move back: the old alias stays', () => {
    // A real failure inside the transaction, after the UPDATE of model_aliases: SQLite aborts the history insert.
    db.exec("CREATE TRIGGER fail_history BEFORE INSERT ON model_alias_history BEGIN SELECT RAISE(ABORT, 'history write failed'); END");
    const moved = moveAlias(db, storePath, { name: 'penguin-species', alias: 'staging', version: 1 });
    assert.equal(moved.ok, false);
    assert.match(moved.ok ? '' : moved.error.message, /Could not move the alias "staging" of "penguin-species": history write failed/);
    db.exec('DROP TRIGGER fail_history');
    assert.deepEqual(listModels(db)[0]!.versions.find((v) => v.aliases.includes('staging'))?.version, 3, 'staging still points at v3');
    assert.equal(aliasHistory(db, 'penguin-species').length, 3, 'no history row for the failed move');
  });

  it('refuses, changing nothing: an unknown model or version, a bad alias name, an alias moved since the user looked', () => {
    const before = JSON.stringify([listModels(db), aliasHistory(db, 'penguin-species')]);
    const cases = [
      [moveAlias(db, storePath, { name: 'nope', alias: 'production', version: 1 }), 'model-unknown', /No model named "nope"/],
      [moveAlias(db, storePath, { name: 'penguin-species', alias: 'production', version: 9 }), 'model-version-unknown', /has no version 9/],
      [moveAlias(db, storePath, { name: 'penguin-species', alias: '3', version: 1 }), 'alias-invalid', /start with a letter/],
      [moveAlias(db, storePath, { name: 'penguin-species', alias: 'staging', version: 1, expectedFrom: 2 }), 'alias-moved', /now points at version 3/],
    ] as const;
    for (const [result, code, message] of cases) {
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.equal(result.error.code, code);
        assert.match(result.error.message, message);
      }
    }
    assert.equal(JSON.stringify([listModels(db), aliasHistory(db, 'penguin-species')]), before);
  });

  it('migration 4 starts the history of a store made before it with the aliases it has', () => {
    const path = join(tempDir('sextant-alias-mig-'), 'sextant.db');
    const Driver = loadBetterSqlite3();
    assert.ok(Driver.ok);
    const raw = new Driver.value(path);
    assert.ok(migrate(raw, path, MIGRATIONS.filter((m) => m.version <= 3)).ok);
    raw.exec(`INSERT INTO models (name, created_at) VALUES ('m', 0);
      INSERT INTO model_versions (model_id, version, created_at) VALUES (1, 1, 0), (1, 2, 0);
      INSERT INTO model_aliases (model_id, alias, model_version_id, updated_at) VALUES (1, 'production', 2, 1234);`);
    assert.ok(migrate(raw, path).ok);
    assert.deepEqual(aliasHistory(raw, 'm'), [{ alias: 'production', from: null, to: 2, actor: 'unknown', source: 'before history', at: 1234 }]);
    raw.close();
  });
});
