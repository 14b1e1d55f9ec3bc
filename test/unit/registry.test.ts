import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerModelVersion } from '../../src/engine/builtins/register';
import { listModels } from '../../src/engine/registry/list';
import { openStore } from '../../src/engine/store/open';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

describe('registry: listing models for the Models view', () => {
  it('lists models, versions newest first, aliases, and the pipeline run metrics', () => {
    const root = tempDir('sextant-registry-');
    const layout = workspaceLayout(root);
    const tracker = Tracker.open(layout, { create: true });
    assert.ok(tracker.ok);
    const t = tracker.value;
    const pipeline = t.startRun({ experiment: 'penguins', name: 'pipeline' });
    assert.ok(pipeline.ok);
    const evaluate = t.startRun({ experiment: 'penguins', name: 'evaluate', parentId: pipeline.value.id });
    const register = t.startRun({ experiment: 'penguins', name: 'register', parentId: pipeline.value.id });
    assert.ok(evaluate.ok && register.ok);
    t.logMetrics(evaluate.value.id, [{ key: 'accuracy', value: 0.97, step: 0 }]);
    t.finishRun(evaluate.value.id, 'finished', 0);
    t.close();

    const model = join(root, 'model.onnx');
    writeFileSync(model, 'first');
    assert.ok(registerModelVersion(layout.storePath, { name: 'penguin-species', file: model, runId: register.value.id, alias: 'staging' }).ok);
    writeFileSync(model, 'second');
    assert.ok(registerModelVersion(layout.storePath, { name: 'penguin-species', file: model, runId: register.value.id, alias: 'staging' }).ok);

    const db = openStore(layout.storePath);
    assert.ok(db.ok);
    const models = listModels(db.value);
    db.value.close();
    assert.equal(models.length, 1);
    assert.equal(models[0]!.name, 'penguin-species');
    assert.deepEqual(models[0]!.versions.map((v) => v.version), [2, 1]);
    assert.deepEqual(models[0]!.versions[0]!.aliases, ['staging'], 'the alias moved to the newest version');
    assert.deepEqual(models[0]!.versions[1]!.aliases, []);
    assert.equal(models[0]!.versions[0]!.runUid, register.value.id);
    assert.equal(models[0]!.versions[0]!.metrics.accuracy, 0.97, 'metrics of the sibling evaluate stage');
  });
});
