// The model card follows the registry (src/webviews/registryRefresh.ts, wired by panelHost.ts): it reads the
// store again when the registry's change number moved, by whichever process, and not while runs are logged.
import { strict as assert } from 'node:assert';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { registryChangeNumber } from '../../src/engine/registry/changes';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { RegistryRefresh } from '../../src/webviews/registryRefresh';
import { tempDir } from './tempDir';

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('the model card re-reads the store when the registry changed, by any process; not while runs log', function () {
  this.timeout(120_000);

  it('a promotion by the CLI, then a store replaced, each ask for a read; a run logging does not', async () => {
    const root = tempDir('sextant-registry-refresh-');
    const sextant = async (...argv: string[]): Promise<void> => {
      const out: string[] = [];
      const io: CliIo = { out: (t) => out.push(t), err: (t) => out.push(t), json: (v) => out.push(JSON.stringify(v)), isTty: false, cwd: root, env: {} };
      assert.equal(await main(argv, io), 0, out.join('\n'));
    };
    await sextant('init', root);
    await sextant('run');
    const layout = workspaceLayout(root);
    // The window's connection.
    let reader = must(Tracker.open(layout, { flushMs: -1 }));
    const refresh = new RegistryRefresh({ tracker: async () => ({ kind: 'ok', tracker: reader }), changeNumber: async () => registryChangeNumber });
    await refresh.sync();
    assert.equal(await refresh.check(), false, 'nothing changed');

    const script = must(Tracker.open(layout, { flushMs: -1 }));
    const run = must(script.startRun({ experiment: 'penguins', name: 'tuning', params: { lr: '0.1' } })).id;
    must(script.logMetrics(run, Array.from({ length: 100 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), step: i }))));
    must(script.finishRun(run, 'finished', 0));
    assert.equal(await refresh.check(), false, 'a run logging leaves the registry');

    await sextant('models', 'promote', 'penguin-species@1', '--alias', 'production');
    assert.equal(await refresh.check(), true, 'a promotion in another connection');
    await refresh.sync();
    assert.equal(await refresh.check(), false, 'read once');

    must(script.close(true));
    const before = reader;
    reader = must(Tracker.open(layout, { flushMs: -1 }));
    assert.equal(await refresh.check(), true, 'another connection (the store opened again): read again');
    must(before.close(true));
    must(reader.close(true));
  });
});
