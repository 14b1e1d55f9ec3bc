// Panels re-read the store only when a run they show changed (src/webviews/liveRefresh.ts, wired by
// src/webviews/panelHost.ts): the run details, compare and table panels' own `shown` (their data.ts), each
// with its own position in the store's change feed, against a real store that a second connection (another
// process's writer, as a training script is) logs into. A panel here is what PanelHost does: move the feed
// to now, build the data with the panel's real builder, and remember what it shows; a poll asks the feed
// and rebuilds when it says so. Counted: builds (store reads and posts to the page).
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as engine from '../../src/engine/api';
import { ChangeFeed } from '../../src/engine/tracking/changes';
import { Tracker } from '../../src/engine/tracking/tracking';
import { buildCompareData, compareShown } from '../../src/webviews/compare/data';
import { LiveRefresh, touches, type Shown } from '../../src/webviews/liveRefresh';
import { buildRunData, runShown } from '../../src/webviews/run/data';
import { buildTableData, tableShown } from '../../src/webviews/table/data';
import { tempDir } from './tempDir';

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A panel builder's result (its error is a message, not an EngineError). */
function built<T>(r: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

interface Store {
  /** The extension's connection (the panels read through it). */
  reader: Tracker;
  /** Another connection: the training script. */
  writer: Tracker;
}

function store(): Store {
  const dir = tempDir('sextant-live-');
  const layout = { storePath: join(dir, '.sextant', 'sextant.db'), artifactsDir: join(dir, '.sextant', 'artifacts') };
  const writer = must(Tracker.open(layout, { create: true, flushMs: -1 }));
  const reader = must(Tracker.open(layout, { flushMs: -1 }));
  return { reader, writer };
}

/** A panel as PanelHost drives it: `send` moves the feed to now and builds; `poll` asks the feed and sends when told. */
function panel(reader: Tracker, build: () => Shown | undefined): { builds: number; live: LiveRefresh; send(): Promise<void>; poll(): Promise<boolean> } {
  let shown: Shown | undefined;
  const p = {
    builds: 0,
    live: new LiveRefresh({ tracker: async () => ({ kind: 'ok', tracker: reader }), feed: async () => ChangeFeed, shown: () => shown }),
    async send() {
      await p.live.sync();
      p.builds++;
      shown = build();
    },
    async poll() {
      const changed = await p.live.check();
      if (changed) await p.send();
      return changed;
    },
  };
  return p;
}

function log(t: Tracker, runId: string, key: string, from: number, n: number): void {
  must(t.logMetrics(runId, Array.from({ length: n }, (_, i) => ({ key, value: 1 / (from + i + 1), step: from + i }))));
  must(t.flush());
}

describe('webview panels follow the change feed: re-read only when a run they show changed', function () {
  this.timeout(30_000);

  it('a run details panel: no read while another run is logged, one read when its own run logs', async () => {
    const { reader, writer } = store();
    const mine = must(writer.startRun({ experiment: 'churn', name: 'mine' })).id;
    log(writer, mine, 'loss', 0, 10);
    const other = must(writer.startRun({ experiment: 'churn', name: 'other' })).id;
    let count = 0;
    const p = panel(reader, () => {
      const data = built(buildRunData(reader, engine, mine));
      count = data.metrics.find((m) => m.key === 'loss')!.count;
      return runShown(mine, data);
    });
    await p.send();
    assert.equal(p.builds, 1);
    assert.equal(count, 10);

    assert.equal(await p.poll(), false, 'an idle store: nothing to read');
    for (let i = 0; i < 20; i++) {
      log(writer, other, 'loss', i * 5, 5);
      assert.equal(await p.poll(), false, `another run's batch ${i} does not touch this panel`);
    }
    assert.equal(p.builds, 1, 'no read, no post while another run was logged');
    assert.deepEqual(p.live.counts, { idle: 1, elsewhere: 20, mine: 0 });

    log(writer, mine, 'loss', 10, 5);
    assert.equal(await p.poll(), true, 'its own run logged');
    assert.equal(p.builds, 2);
    assert.equal(count, 15, 'the rebuilt data has the new points');

    must(writer.finishRun(mine, 'finished', 0));
    assert.equal(await p.poll(), true, 'its own run finished');
    must(writer.finishRun(other, 'failed', 1));
    assert.equal(await p.poll(), false, 'another run finished');
    assert.equal(p.builds, 3);
  });

  it('a pipeline run details panel: a new stage of it, and its stage logging, are its own; other runs are not', async () => {
    const { reader, writer } = store();
    const pipeline = must(writer.startRun({ experiment: 'churn', name: 'pipeline', tags: { 'sextant.kind': 'pipeline' } })).id;
    const other = must(writer.startRun({ experiment: 'churn', name: 'other' })).id;
    const p = panel(reader, () => runShown(pipeline, built(buildRunData(reader, engine, pipeline))));
    await p.send();
    const train = must(writer.startRun({ experiment: 'churn', name: 'train', parentId: pipeline })).id;
    assert.equal(await p.poll(), true, 'a new stage of the pipeline run');
    log(writer, train, 'loss', 0, 3);
    assert.equal(await p.poll(), true, 'its stage logged');
    log(writer, other, 'loss', 0, 3);
    must(writer.startRun({ experiment: 'churn', name: 'unrelated' }));
    assert.equal(await p.poll(), false, 'another run logged and a run outside the pipeline started');
    assert.equal(p.builds, 3);
  });

  it('a compare panel: its runs and their stages only', async () => {
    const { reader, writer } = store();
    const a = must(writer.startRun({ experiment: 'churn', name: 'a' })).id;
    const b = must(writer.startRun({ experiment: 'churn', name: 'b' })).id;
    const stage = must(writer.startRun({ experiment: 'churn', name: 'train', parentId: b })).id;
    const other = must(writer.startRun({ experiment: 'churn', name: 'other' })).id;
    log(writer, a, 'loss', 0, 2);
    const p = panel(reader, () => {
      return compareShown([a, b], built(buildCompareData(reader, [a, b])));
    });
    await p.send();
    log(writer, other, 'loss', 0, 2);
    assert.equal(await p.poll(), false, 'a run not compared');
    log(writer, a, 'loss', 2, 2);
    assert.equal(await p.poll(), true, 'a compared run');
    log(writer, stage, 'loss', 0, 2);
    assert.equal(await p.poll(), true, "a compared pipeline run's stage");
    assert.equal(p.builds, 3);
  });

  it('an experiments table: any run of its experiment (new ones too), none of another', async () => {
    const { reader, writer } = store();
    const mine = must(writer.startRun({ experiment: 'churn', name: 'a' })).id;
    const elsewhere = must(writer.startRun({ experiment: 'vision', name: 'b' })).id;
    const p = panel(reader, () => {
      built(buildTableData(reader, engine, 'churn'));
      return tableShown('churn');
    });
    await p.send();
    for (let i = 0; i < 5; i++) {
      log(writer, elsewhere, 'loss', i, 1);
      assert.equal(await p.poll(), false, 'a run of another experiment');
    }
    must(writer.startRun({ experiment: 'vision', name: 'c' }));
    assert.equal(await p.poll(), false, 'a new run of another experiment');
    must(writer.startRun({ experiment: 'churn', name: 'd' }));
    assert.equal(await p.poll(), true, 'a new run of its experiment');
    log(writer, mine, 'loss', 0, 1);
    assert.equal(await p.poll(), true, 'a run of its experiment logged');
    assert.equal(p.builds, 3);
  });

  it('another store (the old one moved aside) is read again; a store that goes away is shown once', async () => {
    const first = store();
    const second = store();
    let current: Tracker | undefined = first.reader;
    const shown: Shown = { runs: ['nothing'] };
    const live = new LiveRefresh({ tracker: async () => (current ? { kind: 'ok', tracker: current } : { kind: 'missing' }), feed: async () => ChangeFeed, shown: () => shown });
    await live.sync();
    assert.equal(await live.check(), false);
    current = second.reader;
    assert.equal(await live.check(), true, 'another store');
    assert.equal(await live.check(), false);
    current = undefined;
    assert.equal(await live.check(), true, 'the store went away');
    assert.equal(await live.check(), false, 'and stays away');
  });

  it('touches: a changed run counts when shown, a stage of a shown run, or of the shown experiment', () => {
    const changes = { added: ['n'], status: [], updated: [], metrics: [{ id: 'm', keys: ['loss'] }], removed: [], runs: ['n', 'm'] };
    const origin = (id: string): { parentId: string | null; experiment: string } | undefined => ({ n: { parentId: 'p', experiment: 'x' }, m: { parentId: null, experiment: 'y' } })[id];
    assert.equal(touches({ runs: ['a'] }, changes, origin), false);
    assert.equal(touches({ runs: ['m'] }, changes, origin), true);
    assert.equal(touches({ runs: [], parents: ['p'] }, changes, origin), true);
    assert.equal(touches({ runs: [], parents: ['q'] }, changes, origin), false);
    assert.equal(touches({ runs: [], experiment: 'y' }, changes, origin), true);
    assert.equal(touches({ runs: [], experiment: 'z' }, changes, origin), false);
  });
});
