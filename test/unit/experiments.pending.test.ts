// The Experiments view draws what the change feed names (PendingChanges in src/views/experimentsItems.ts):
// a new run, a status, a name or a deletion at once; runs that only logged points at most every 2 s, so a
// script logging 100 points/s (a commit every 250 ms) does not rebuild the tree model on every commit.
import { strict as assert } from 'node:assert';
import type { StoreChanges } from '../../src/engine/tracking/changes';
import { PendingChanges } from '../../src/views/experimentsItems';

const none = { added: [], status: [], updated: [], metrics: [], removed: [] };
const points = (...ids: string[]): StoreChanges => ({ ...none, metrics: ids.map((id) => ({ id, keys: ['loss'] })), runs: ids });

describe('Experiments view: what the change feed named, drawn at once or gathered', () => {
  it('points: the first batch at once, then at most one draw per 2 s with every run gathered since', () => {
    let now = 10_000;
    const pending = new PendingChanges(2000, () => now);
    assert.deepEqual(pending.take(points('a')), { ids: ['a'], added: false });
    let draws = 0;
    // A script committing every 250 ms for 10 s, another run once in a while.
    for (let t = 250; t <= 10_000; t += 250) {
      now = 10_000 + t;
      const due = pending.take(points(...(t % 3000 === 0 ? ['a', 'b'] : ['a'])));
      if (due) {
        draws++;
        assert.ok(due.ids.includes('a'));
      }
    }
    assert.equal(draws, 5, 'one draw per 2 s over 10 s (40 commits)');
    assert.equal(pending.take(undefined), undefined, 'nothing gathered since the last draw');
  });

  it('a new run, a status change, a rename are drawn at once, with the points gathered so far', () => {
    let now = 0;
    const pending = new PendingChanges(2000, () => now);
    pending.take(points('a'));
    now = 100;
    assert.equal(pending.take(points('a')), undefined, 'gathered');
    now = 200;
    assert.deepEqual(pending.take({ ...none, added: ['n'], metrics: [{ id: 'n', keys: ['loss'] }], runs: ['n'] }), { ids: ['a', 'n'], added: true });
    now = 300;
    assert.deepEqual(pending.take({ ...none, status: [{ id: 'a', status: 'finished' }], runs: ['a'] }), { ids: ['a'], added: false });
    now = 400;
    assert.deepEqual(pending.take({ ...none, updated: ['b'], runs: ['b'] }), { ids: ['b'], added: false });
  });

  it('gathered points are drawn by the next look after 2 s, even when that look finds nothing new', () => {
    let now = 0;
    const pending = new PendingChanges(2000, () => now);
    pending.take(points('a'));
    now = 500;
    assert.equal(pending.take(points('b')), undefined);
    now = 2100;
    assert.deepEqual(pending.take(undefined), { ids: ['b'], added: false });
    pending.take(points('c'));
    pending.clear();
    now = 9000;
    assert.equal(pending.take(undefined), undefined, 'cleared (the view read everything again)');
  });
});
