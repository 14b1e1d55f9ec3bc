// The Experiments view's header (viewHeader in src/views/experimentsItems.ts): the filter is the view's
// message, above the rows, not its description (beside the title, where the toolbar hides it).
import { strict as assert } from 'node:assert';
import { viewHeader } from '../../src/views/experimentsItems';

describe("Experiments view header: the filter above the rows, where the toolbar cannot hide it", () => {
  const newest = { by: 'started' as const, direction: 'desc' as const };

  it('a filter is the message, with how many runs it shows and how to clear it; the description does not carry it', () => {
    const h = viewHeader('loss<0.3 model=mlp', newest, { shown: 12, total: 2000 });
    assert.equal(h.message, 'Filter: loss<0.3 model=mlp · 12 of 2,000 runs · Clear Run Filter (toolbar) shows all');
    assert.equal(h.description, undefined);
  });

  it('no filter: no message; the sort stays the description', () => {
    assert.deepEqual(viewHeader('', newest, { shown: 5, total: 5 }), { message: undefined, description: undefined });
    assert.deepEqual(viewHeader('', { by: 'metric', key: 'accuracy', direction: 'desc' }, { shown: 5, total: 5 }), { message: undefined, description: 'sorted by accuracy ↓' });
    assert.equal(viewHeader('x', { by: 'started', direction: 'asc' }, { shown: 1, total: 1 }).description, 'oldest first');
  });

  it('a filter that does not parse: the message names it without counts (the row under it says why); an empty store: no message (the welcome shows)', () => {
    assert.equal(viewHeader('loss<', newest, undefined).message, 'Filter: loss< · Clear Run Filter (toolbar) shows all');
    assert.equal(viewHeader('loss<0.3', newest, { shown: 0, total: 0 }).message, undefined);
    assert.equal(viewHeader('name~a', newest, { shown: 1, total: 1 }).message, 'Filter: name~a · 1 of 1 run · Clear Run Filter (toolbar) shows all');
  });
});
