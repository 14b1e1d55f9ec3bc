// The Models view's deletions in plain Node, on a real store (src/views/modelsDeletion.ts, shown by
// src/views/modelsCommands.ts): the modal's question from the registry as it is (an aliased version or model
// offers only "Delete with Aliases", naming the aliases); the answer's action goes through the engine's deletion
// functions, the ones the CLI calls, recorded in the audit log with source "VS Code"; Cancel changes nothing;
// an alias set after the question makes the deletion refused, changing nothing. The commands are declared with
// their menus on the right rows and hidden from the palette.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listAudit } from '../../src/engine/audit/log';
import { registerModelVersion } from '../../src/engine/builtins/register';
import * as engine from '../../src/engine/api';
import { listModels } from '../../src/engine/registry/list';
import { openStore, type Database } from '../../src/engine/store/open';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { aliasRemovalQuestion, DELETE_MODEL, DELETE_VERSION, DELETE_WITH_ALIASES, deletionAnswer, modelDeletionQuestion, performDeletion, REMOVE_ALIAS, versionDeletionQuestion } from '../../src/views/modelsDeletion';
import { tempDir } from './tempDir';

const ROOT = join(__dirname, '..', '..');

describe('Models view deletions (plain Node, real store)', function () {
  this.timeout(60_000);
  let storePath: string;
  let db: Database;

  /** Three versions of "penguins": v1 @production, v3 @staging, v2 without an alias. */
  beforeEach(() => {
    const root = tempDir('sextant-models-del-view-');
    const layout = workspaceLayout(root);
    storePath = layout.storePath;
    const t = Tracker.open(layout, { create: true });
    assert.ok(t.ok);
    const run = t.value.startRun({ experiment: 'penguins', name: 'register' });
    assert.ok(run.ok);
    t.value.close(true);
    const model = join(root, 'model.onnx');
    ['one', 'two', 'three'].forEach((content, i) => {
      writeFileSync(model, content);
      const alias = i === 0 ? 'production' : i === 2 ? 'staging' : undefined;
      const r = registerModelVersion(storePath, { name: 'penguins', file: model, runId: run.value.id, ...(alias ? { alias } : {}) });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
    });
    const opened = openStore(storePath);
    assert.ok(opened.ok);
    db = opened.value;
  });
  afterEach(() => db.close());

  const penguins = () => listModels(db).find((m) => m.name === 'penguins')!;
  const versionAliases = (v: number): string[] => penguins().versions.find((x) => x.version === v)!.aliases;
  const lastAudit = () => listAudit(db).at(-1)!;

  it('a version no alias points at: "Delete Version"; pressing it deletes through the engine, audited as VS Code', () => {
    const q = versionDeletionQuestion('penguins', 2, versionAliases(2));
    assert.equal(q.message, 'Delete version 2 of model "penguins"?');
    assert.deepEqual(q.buttons, [DELETE_VERSION]);
    assert.equal(q.options.modal, true);
    assert.match(q.options.detail, /model file stays in the artifact store/);
    assert.equal(deletionAnswer(q, undefined), undefined, 'Cancel / Escape does nothing');
    const action = deletionAnswer(q, DELETE_VERSION);
    assert.deepEqual(action, { kind: 'version', name: 'penguins', version: 2, withAliases: false });
    const done = performDeletion(engine, db, storePath, action!);
    assert.deepEqual(done, { ok: true, value: 'Deleted penguins v2' });
    assert.deepEqual(penguins().versions.map((v) => v.version), [3, 1]);
    const entry = lastAudit();
    assert.deepEqual([entry.kind, entry.subject, entry.source], ['model-version-deleted', 'model:penguins@2', 'VS Code']);
  });

  it('an aliased version offers only "Delete with Aliases", naming the alias; pressing it removes the alias and the version, each audited', () => {
    const before = listAudit(db).length;
    const q = versionDeletionQuestion('penguins', 1, versionAliases(1));
    assert.equal(q.message, 'Version 1 of model "penguins" is where the alias "production" points. Delete it with its alias?');
    assert.deepEqual(q.buttons, [DELETE_WITH_ALIASES]);
    assert.equal(deletionAnswer(q, DELETE_VERSION), undefined, 'only the offered button acts');
    const done = performDeletion(engine, db, storePath, deletionAnswer(q, DELETE_WITH_ALIASES)!);
    assert.deepEqual(done, { ok: true, value: 'Deleted penguins v1; aliases removed: production' });
    assert.deepEqual(penguins().versions.map((v) => [v.version, v.aliases]), [[3, ['staging']], [2, []]]);
    const added = listAudit(db).slice(before);
    assert.deepEqual(added.map((e) => [e.kind, e.subject, e.source]), [['alias-removed', 'model:penguins', 'VS Code'], ['model-version-deleted', 'model:penguins@1', 'VS Code']]);
  });

  it('an alias set after the question: the plain deletion is refused and changes nothing', () => {
    const q = versionDeletionQuestion('penguins', 2, versionAliases(2));
    const moved = engine.moveAlias(db, storePath, { name: 'penguins', alias: 'canary', version: 2, expectedFrom: null, who: { source: 'CLI' } });
    assert.ok(moved.ok, moved.ok ? '' : moved.error.message);
    const before = listAudit(db).length;
    const done = performDeletion(engine, db, storePath, deletionAnswer(q, DELETE_VERSION)!);
    assert.equal(done.ok, false);
    assert.match(done.ok ? '' : done.error.message, /where "canary" points: it was not deleted/);
    assert.deepEqual(versionAliases(2), ['canary']);
    assert.equal(listAudit(db).length, before, 'nothing written');
  });

  it('Delete Registered Model… names every version and alias; "Delete with Aliases" deletes the model, one model-deleted entry', () => {
    const q = modelDeletionQuestion(penguins());
    assert.equal(q.message, 'Model "penguins" still has @production (v1), @staging (v3). Delete it, its 3 versions (v1, v2, v3) and its aliases?');
    assert.deepEqual(q.buttons, [DELETE_WITH_ALIASES]);
    const done = performDeletion(engine, db, storePath, deletionAnswer(q, DELETE_WITH_ALIASES)!);
    assert.deepEqual(done, { ok: true, value: 'Deleted model penguins (v1, v2, v3); aliases removed: production, staging' });
    assert.equal(listModels(db).length, 0);
    const entry = lastAudit();
    assert.deepEqual([entry.kind, entry.subject, entry.source, entry.detail], ['model-deleted', 'model:penguins', 'VS Code', { versions: [1, 2, 3], aliases_removed: { production: 1, staging: 3 } }]);
    // A model without aliases gets the plain button.
    assert.deepEqual(modelDeletionQuestion({ name: 'm', versions: [] }).buttons, [DELETE_MODEL]);
    assert.equal(modelDeletionQuestion({ name: 'm', versions: [] }).message, 'Delete model "m"? It has no versions.');
  });

  it('Remove Alias: the version stays; recorded with VS Code; an alias moved since the question is refused', () => {
    const q = aliasRemovalQuestion('penguins', 'staging', 3);
    assert.equal(q.message, 'Remove the alias "staging" of model "penguins"? It points at version 3.');
    assert.deepEqual(q.buttons, [REMOVE_ALIAS]);
    const stale = aliasRemovalQuestion('penguins', 'production', 2);
    const refused = performDeletion(engine, db, storePath, deletionAnswer(stale, REMOVE_ALIAS)!);
    assert.equal(refused.ok, false, 'production points at v1, not v2 as the question said');
    assert.deepEqual(versionAliases(1), ['production']);
    const done = performDeletion(engine, db, storePath, deletionAnswer(q, REMOVE_ALIAS)!);
    assert.deepEqual(done, { ok: true, value: 'Removed penguins@staging (it pointed at v3)' });
    assert.deepEqual(penguins().versions.map((v) => [v.version, v.aliases]), [[3, []], [2, []], [1, ['production']]]);
    const entry = lastAudit();
    assert.deepEqual([entry.kind, entry.source, entry.detail], ['alias-removed', 'VS Code', { alias: 'staging', from: 3 }]);
  });

  it('the commands: declared with their titles, on version / model rows, in the one command table, not in the palette', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; title: string }[]; menus: Record<string, { command: string; when?: string }[]> } };
    const title = (id: string): string | undefined => manifest.contributes.commands.find((c) => c.command === id)?.title;
    assert.deepEqual(['deleteVersion', 'deleteModel', 'removeAlias'].map((c) => title(`sextant.models.${c}`)), ['Delete Model Version…', 'Delete Registered Model…', 'Remove Alias']);
    const when = (id: string): (string | undefined)[] => manifest.contributes.menus['view/item/context']!.filter((m) => m.command === id).map((m) => m.when);
    assert.deepEqual(when('sextant.models.deleteVersion'), ['view == sextant.models && viewItem == modelVersion']);
    assert.deepEqual(when('sextant.models.deleteModel'), ['view == sextant.models && viewItem == model']);
    assert.deepEqual(when('sextant.models.removeAlias'), ['view == sextant.models && (viewItem == modelVersion || viewItem == model)']);
    for (const c of ['deleteVersion', 'deleteModel', 'removeAlias']) assert.equal(manifest.contributes.menus.commandPalette!.find((m) => m.command === `sextant.models.${c}`)?.when, 'false', `${c} needs a node`);
    const table = readFileSync(join(ROOT, 'src/views/modelsCommands.ts'), 'utf8');
    for (const c of ['deleteVersion', 'deleteModel', 'removeAlias']) assert.match(table, new RegExp(`'sextant\\.models\\.${c}': async`));
  });
});
