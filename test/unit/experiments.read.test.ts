// The Experiments view's held read (src/views/experimentsRead.ts), in plain Node on a real store: the full
// read takes experiments and runs with the change feed's first look before it, so a run written after the
// read is the feed's next change; the read in hand stays when the workspace state reports that same store
// "ok" (its first report after activation, which used to make the view read 2,000 runs twice), and goes for
// another store, a missing or a damaged one.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { ChangeFeed } from '../../src/engine/tracking/changes';
import { Tracker } from '../../src/engine/tracking/tracking';
import { keepsRead, readAll } from '../../src/views/experimentsRead';
import { tempDir } from './tempDir';

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function store(): Tracker {
  const dir = tempDir('sextant-read-');
  return must(Tracker.open({ storePath: join(dir, '.sextant', 'sextant.db'), artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true, flushMs: -1 }));
}

describe('Experiments view: the read it holds', () => {
  it('reads experiments and runs whole; a run written afterwards is the change feed’s next change', () => {
    const tracker = store();
    const a = must(tracker.startRun({ experiment: 'e', name: 'a' })).id;
    must(tracker.logMetric(a, 'loss', 1, 0));
    must(tracker.flush());
    const read = readAll(tracker, new ChangeFeed(tracker.db));
    assert.ok(!('error' in read));
    assert.deepEqual(read.experiments.map((e) => e.name), ['e']);
    assert.deepEqual([...read.runs.keys()], [a]);
    assert.equal(read.runs.get(a)?.metrics.loss?.last, 1);
    assert.equal(read.feed.next(), undefined, 'the first look came before the read: nothing new');
    const b = must(tracker.startRun({ experiment: 'e', name: 'b' })).id;
    assert.deepEqual(read.feed.next()?.added, [b]);
  });

  it('stays when the store it read is reported "ok"; goes for another store, a missing or a damaged one', () => {
    const tracker = store();
    const read = readAll(tracker, new ChangeFeed(tracker.db));
    assert.ok(!('error' in read));
    assert.equal(keepsRead(read, 'ok', tracker), true, 'the same store: no second full read');
    assert.equal(keepsRead(read, 'ok', store()), false, 'another store is read whole');
    assert.equal(keepsRead(read, 'missing', tracker), false);
    assert.equal(keepsRead(read, 'error', tracker), false);
    assert.equal(keepsRead(undefined, 'ok', tracker), false, 'nothing read yet');
  });
});
