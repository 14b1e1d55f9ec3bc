// The registry's change number (store/registryChangesSchema.ts, registry/changes.ts): every write to what the
// Models view and a model card show moves it, whichever process makes it, so a window sees `sextant models
// promote` run in a terminal by reading one row; logging to runs does not move it.
import { strict as assert } from 'node:assert';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { registryChangeNumber } from '../../src/engine/registry/changes';
import { openStore } from '../../src/engine/store/open';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

function io(cwd: string): CliIo & { all: string[] } {
  const all: string[] = [];
  return { all, out: (t) => all.push(t), err: (t) => all.push(t), json: (v) => all.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
}

describe('registry change number: moved by every registry write, by any process; not by runs', function () {
  this.timeout(120_000);

  it('register, promote, tag, describe, unalias and delete each move it; a run logging does not', async () => {
    const root = tempDir('sextant-registry-changes-');
    const sextant = async (...argv: string[]): Promise<void> => {
      const out = io(root);
      assert.equal(await main(argv, out), 0, `sextant ${argv.join(' ')}: ${out.all.join('\n')}`);
    };
    await sextant('init', root);
    // A reader that stays open, as a window's: it sees the other connections' writes.
    const layout = workspaceLayout(root);
    let reader: ReturnType<typeof openStore> | undefined;
    const number = (): number | undefined => {
      reader ??= openStore(layout.storePath, { readonly: true });
      assert.ok(reader.ok);
      return registryChangeNumber(reader.value);
    };
    await sextant('run');
    const registered = number();
    assert.ok(registered !== undefined && registered > 0, `the demo's register stage moved it: ${registered}`);
    let last = registered;
    const moves = async (what: string, ...argv: string[]): Promise<void> => {
      await sextant(...argv);
      const now = number()!;
      assert.ok(now > last, `${what} moved the number (${last} → ${now})`);
      last = now;
    };
    await moves('a promotion', 'models', 'promote', 'penguin-species@1', '--alias', 'production');
    await moves('a version tag', 'models', 'tag', 'penguin-species@1', 'owner=me');
    await moves('a description', 'models', 'describe', 'penguin-species@1', 'the first one');
    await moves('an alias removed', 'models', 'unalias', 'penguin-species', '--alias', 'production');

    const tracker = Tracker.open(layout, { flushMs: -1 });
    assert.ok(tracker.ok);
    const run = tracker.value.startRun({ experiment: 'other', name: 'logging', params: { lr: '0.1' }, tags: { a: 'b' } });
    assert.ok(run.ok);
    assert.ok(tracker.value.logMetrics(run.value.id, [{ key: 'loss', value: 0.5, step: 0 }]).ok);
    assert.ok(tracker.value.finishRun(run.value.id, 'finished', 0).ok);
    assert.ok(tracker.value.close(true).ok);
    assert.equal(number(), last, 'a run, its params, tags, metrics and status leave it');

    await moves('a version deleted', 'models', 'delete', 'penguin-species@1', '--with-aliases');
    if (reader?.ok) reader.value.close();
  });

  it('a store from before migration 13, opened read-only and not upgraded, has none', () => {
    const root = tempDir('sextant-registry-changes-old-');
    const layout = workspaceLayout(root);
    const t = Tracker.open(layout, { create: true, flushMs: -1 });
    assert.ok(t.ok);
    t.value.db.exec('DROP TABLE registry_changes');
    assert.equal(registryChangeNumber(t.value.db), undefined);
    assert.ok(t.value.close(true).ok);
  });
});
