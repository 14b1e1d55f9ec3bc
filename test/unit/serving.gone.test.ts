// A served version deleted from the registry (src/views/servedGone.ts, used by src/views/serving.ts): on a real
// store, deleting v2 through the engine (as the Models view and `sextant models delete` do) makes goneServed name
// the server of v2 and keep the others; deleting the model names all of its served versions.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerModelVersion } from '../../src/engine/builtins/register';
import { deleteModel, deleteModelVersion } from '../../src/engine/registry/deletion';
import { listModels } from '../../src/engine/registry/list';
import { openStore, type Database } from '../../src/engine/store/open';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { goneServed } from '../../src/views/servedGone';
import { tempDir } from './tempDir';

describe('served versions the registry no longer has (plain Node, real store)', function () {
  this.timeout(60_000);
  let storePath: string;
  let db: Database;
  const served = [
    { model: 'penguins', version: 1, url: 'http://127.0.0.1:1001' },
    { model: 'penguins', version: 2, url: 'http://127.0.0.1:1002' },
    { model: 'iris', version: 1, url: 'http://127.0.0.1:1003' },
  ];

  beforeEach(() => {
    const root = tempDir('sextant-served-gone-');
    const layout = workspaceLayout(root);
    storePath = layout.storePath;
    const t = Tracker.open(layout, { create: true });
    assert.ok(t.ok);
    const run = t.value.startRun({ experiment: 'models', name: 'register' });
    assert.ok(run.ok);
    t.value.close(true);
    const model = join(root, 'model.onnx');
    for (const [name, content] of [['penguins', 'one'], ['penguins', 'two'], ['iris', 'three']] as const) {
      writeFileSync(model, content);
      const r = registerModelVersion(storePath, { name, file: model, runId: run.value.id });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
    }
    const opened = openStore(storePath);
    assert.ok(opened.ok);
    db = opened.value;
  });
  afterEach(() => db.close());

  it('none while every served version is registered', () => {
    assert.deepEqual(goneServed(served, listModels(db)), []);
  });

  it('a deleted version: its server only', () => {
    const r = deleteModelVersion(db, storePath, { name: 'penguins', version: 2, who: { source: 'test' } });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.deepEqual(goneServed(served, listModels(db)), [served[1]]);
  });

  it('a deleted model: every served version of it', () => {
    const r = deleteModel(db, storePath, { name: 'penguins', who: { source: 'test' } });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.deepEqual(goneServed(served, listModels(db)), [served[0], served[1]]);
  });
});
