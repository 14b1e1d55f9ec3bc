// Checks against the outside world: an ONNX model's inputs vs the dataset's columns (onnxruntime-node),
// and `name@alias` against the workspace store.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, withFindings } from '../../src/engine/pipeline/analyze';
import { FsHost } from '../../src/engine/pipeline/host';
import { liveFindings } from '../../src/engine/pipeline/liveChecks';
import { openStore } from '../../src/engine/store/open';
import { exportOnnx } from '../../src/engine/train/onnx/export';
import type { FittedModel } from '../../src/engine/train/model';
import { tempDir } from './tempDir';

const model: FittedModel = {
  kind: 'logistic-regression',
  features: ['a', 'b'],
  label: 'y',
  classes: ['no', 'yes'],
  scaler: { mean: [0, 0], scale: [1, 1] },
  layers: [{ inputs: 2, outputs: 2, weights: [1, -1, 0.5, 0.5], bias: [0, 0], activation: 'softmax' }],
  training: { seed: 0, rows: 2, droppedRows: 0, holdout: null, epochs: 1, lr: 0.1, batchSize: 2, l2: 0, finalLoss: 0.5 },
};

function workspace(csv: string): string {
  const dir = tempDir('sextant-live-');
  mkdirSync(join(dir, 'models'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'models', 'm.onnx'), exportOnnx(model));
  writeFileSync(join(dir, 'data', 'd.csv'), csv);
  return dir;
}

const pipeline = (modelRef = 'models/m.onnx') => `version: 1
datasets:
  d: { path: data/d.csv, label: y }
stages:
  ev:
    uses: sextant/evaluate
    with: { model: ${modelRef}, dataset: d }
`;

async function lintLive(dir: string, text: string) {
  const host = new FsHost(dir);
  const a = analyzeText(text, host);
  return withFindings(a, await liveFindings(a, host));
}

describe('pipeline live checks', function () {
  this.timeout(30_000);

  it('accepts a model whose features are the dataset columns', async () => {
    const dir = workspace('a,b,y\n1,2,yes\n3,4,no\n');
    assert.deepEqual(await lintLive(dir, pipeline()), []);
  });

  it('reports an ONNX model trained on a column the dataset lacks, at the model value', async () => {
    const dir = workspace('a,c,y\n1,2,yes\n3,4,no\n');
    const ds = await lintLive(dir, pipeline());
    assert.deepEqual(ds.map((d) => d.code), ['onnx-signature']);
    assert.deepEqual(ds[0]!.range, { start: { line: 6, character: 19 }, end: { line: 6, character: 32 } });
    assert.match(ds[0]!.message, /trained on "b", which dataset "d".*does not have/);
  });

  it('reports a file that is not ONNX', async () => {
    const dir = workspace('a,b,y\n1,2,yes\n');
    writeFileSync(join(dir, 'models', 'm.onnx'), 'not a model');
    assert.deepEqual((await lintLive(dir, pipeline())).map((d) => d.code), ['onnx-unreadable']);
  });

  it('checks name@alias against the workspace store', async () => {
    const dir = workspace('a,b,y\n1,2,yes\n');
    const storePath = join(dir, '.sextant', 'sextant.db');
    mkdirSync(join(dir, '.sextant'));
    const db = openStore(storePath, { create: true });
    assert.ok(db.ok, db.ok ? '' : db.error.message);
    const now = Date.now();
    db.value.prepare('INSERT INTO models (id, name, created_at) VALUES (1, ?, ?)').run('churn', now);
    db.value.prepare('INSERT INTO model_versions (id, model_id, version, created_at) VALUES (1, 1, 1, ?)').run(now);
    db.value.prepare('INSERT INTO model_aliases (model_id, alias, model_version_id, updated_at) VALUES (1, ?, 1, ?)').run('staging', now);
    db.value.close();
    assert.deepEqual(await lintLive(dir, pipeline('churn@staging')), []);
    const missingAlias = await lintLive(dir, pipeline('churn@production'));
    assert.deepEqual(missingAlias.map((d) => d.code), ['unknown-model-alias']);
    assert.match(missingAlias[0]!.message, /no version with alias "production" \(aliases: staging\)/);
    assert.match((await lintLive(dir, pipeline('other@production')))[0]!.message, /No registered model is named "other"/);
    assert.deepEqual(await lintLive(dir, pipeline('churn@1')), []);
    assert.match((await lintLive(dir, pipeline('churn@7')))[0]!.message, /no version 7 \(versions 1 to 1\)/);
  });
});
