// The experiments table's host side without VS Code: its message contract (src/webviews/table/protocol.ts),
// the rows it is sent, built from a real store (src/webviews/table/data.ts), and its filter, evaluated by the
// engine's filter language (src/engine/tracking/runFilter.ts, as `sextant runs list --filter`).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineStages } from '../../src/engine/runner/pipelineStages';
import * as runFilter from '../../src/engine/tracking/runFilter';
import type { Run } from '../../src/engine/tracking/schemas';
import { buildCompareData } from '../../src/webviews/compare/data';
import { buildTableData, filterRows, tableTitle, type BuiltTable } from '../../src/webviews/table/data';
import { HostMessageSchema, PageMessageSchema, PageStateSchema, TABLE_VIEW_TYPE, type TableData } from '../../src/webviews/table/protocol';
import { T0, tableFixture, type TableFixture } from '../support/tableFixture';
import { tempDir } from './tempDir';

describe('experiments table: the message contract', () => {
  const data: TableData = {
    experiment: 'penguins',
    rows: [{ id: 'a'.repeat(32), name: 'small', status: 'failed', reason: 'exit code 2', startedAt: 1, endedAt: 2, stages: 0, params: { lr: '0.1' }, metrics: { loss: 0.3, acc: 'NaN', top: 'Infinity' } }],
    params: ['lr'],
    metrics: ['acc', 'loss', 'top'],
    readAt: 3,
  };

  it('accepts what the host sends, and it survives JSON (NaN and Infinity travel by name)', () => {
    const sent = JSON.parse(JSON.stringify({ type: 'data', data })) as unknown;
    assert.deepEqual(HostMessageSchema.parse(sent), { type: 'data', data });
    assert.ok(HostMessageSchema.safeParse({ type: 'filtered', text: 'loss<', error: { message: 'no value', column: 1 } }).success);
    assert.ok(HostMessageSchema.safeParse({ type: 'filtered', text: 'loss<1', ids: ['a'] }).success);
    assert.equal(HostMessageSchema.safeParse({ type: 'data', data: { ...data, rows: [{ ...data.rows[0], metrics: { loss: '0.3' } }] } }).success, false);
    assert.equal(HostMessageSchema.safeParse({ type: 'rows', data }).success, false);
  });

  it("the page's requests: filter text, compare two or more runs, open one; nothing else", () => {
    assert.ok(PageMessageSchema.safeParse({ type: 'ready' }).success);
    assert.ok(PageMessageSchema.safeParse({ type: 'filter', text: 'loss<0.3' }).success);
    assert.ok(PageMessageSchema.safeParse({ type: 'compare', runIds: ['a', 'b'] }).success);
    assert.ok(PageMessageSchema.safeParse({ type: 'open', runId: 'a' }).success);
    assert.equal(PageMessageSchema.safeParse({ type: 'compare', runIds: ['a'] }).success, false, 'one run is not a comparison');
    assert.equal(PageMessageSchema.safeParse({ type: 'open' }).success, false);
    assert.equal(PageMessageSchema.safeParse({ type: 'sql', text: 'DROP TABLE runs' }).success, false);
  });

  it('the saved state names the experiment; filter, hidden columns and selection default to none', () => {
    assert.deepEqual(PageStateSchema.parse({ experiment: 'penguins' }), { experiment: 'penguins', filter: '', hidden: [], selected: [] });
    assert.equal(PageStateSchema.safeParse({}).success, false);
  });
});

describe('experiments table: the rows, from a real store', () => {
  let fx: TableFixture;
  let built: BuiltTable;
  before(() => {
    fx = tableFixture(tempDir('sextant-table-'));
    const b = buildTableData(fx.tracker, { pipelineStages }, 'penguins', T0 + 3_600_000);
    assert.ok(b.ok, b.ok ? '' : b.message);
    built = b.value;
  });
  after(() => fx.tracker.close());
  const row = (id: string) => built.data.rows.find((r) => r.id === id)!;

  it('one row per top-level run of the experiment, newest first: stages and other experiments are not rows', () => {
    const { ids } = fx;
    assert.deepEqual(built.data.rows.map((r) => r.id), [ids.noInput, ids.failedPipeline, ids.pipeline, ids.silent, ids.broken, ids.large, ids.small]);
    assert.equal(built.data.experiment, 'penguins');
    assert.deepEqual(built.data.params, ['lr', 'max_depth', 'optimizer', 'test_size']);
    assert.deepEqual(built.data.metrics, ['accuracy', 'loss', 'rows']);
    assert.ok(HostMessageSchema.safeParse({ type: 'data', data: built.data }).success, 'what the host builds passes the contract');
  });

  it("start, end and status as the store has them; a failed run says why (the runner's stage record, the stage run that failed, its exit code)", () => {
    const large = row(fx.ids.large);
    assert.equal(large.endedAt! - large.startedAt!, 95_000);
    assert.equal(large.status, 'finished');
    assert.equal(large.reason, undefined);
    assert.equal(row(fx.ids.broken).status, 'failed');
    assert.equal(row(fx.ids.broken).reason, 'exit code 2');
    assert.equal(row(fx.ids.failedPipeline).reason, 'stage train failed (exit code 1)');
    assert.equal(row(fx.ids.noInput).reason, 'stage prepare failed: Missing input: data/penguins.csv (listed in deps, or read by the stage).');
    assert.equal(row(fx.ids.noInput).stages, 0, 'no stage ran');
  });

  it("a pipeline run's row merges its stages' params and metrics (the run's own params win), as the compare panel does", () => {
    const p = row(fx.ids.pipeline);
    assert.equal(p.stages, 2);
    assert.deepEqual(p.params, { lr: '0.05', max_depth: '8', test_size: '0.2' });
    assert.deepEqual(p.metrics, { accuracy: 0.97, loss: 0.08, rows: 344 });
    // One merge for both panels (src/webviews/mergedRun.ts): the compare panel's column is the same.
    const compared = buildCompareData(fx.tracker, [fx.ids.pipeline], { maxPoints: 10 });
    assert.ok(compared.ok);
    assert.deepEqual(compared.value.runs[0]!.params, p.params);
    assert.deepEqual(compared.value.runs[0]!.metrics, p.metrics);
  });

  it('NaN and Infinity travel by name; a run with no metric has none', () => {
    assert.deepEqual(row(fx.ids.broken).metrics, { accuracy: 'NaN', loss: 'Infinity' });
    assert.deepEqual(row(fx.ids.silent).metrics, {});
    assert.deepEqual(row(fx.ids.silent).params, { max_depth: '5' });
  });

  it('an experiment with no runs is an empty table, not an error', () => {
    const none = buildTableData(fx.tracker, { pipelineStages }, 'nothing-here');
    assert.ok(none.ok);
    assert.deepEqual(none.value.data.rows, []);
    assert.deepEqual(none.value.data.metrics, []);
  });

  it('the title names the experiment', () => {
    assert.equal(tableTitle('penguins'), 'Runs: penguins');
  });
});

describe('experiments table: the filter is the engine filter language (as sextant runs list --filter)', () => {
  let fx: TableFixture;
  let built: BuiltTable;
  before(() => {
    fx = tableFixture(tempDir('sextant-table-filter-'));
    const b = buildTableData(fx.tracker, { pipelineStages }, 'penguins');
    assert.ok(b.ok);
    built = b.value;
  });
  after(() => fx.tracker.close());
  const names = (text: string): string[] => {
    const answer = filterRows(built.runs, text, runFilter);
    assert.equal(answer.error, undefined, answer.error?.message);
    assert.equal(answer.text, text);
    return answer.ids!.map((id) => built.data.rows.find((r) => r.id === id)!.name);
  };

  it('metrics, params, status and names; a pipeline run matches by its stages\' metrics', () => {
    assert.deepEqual(names('loss<0.2'), ['pipeline 10:00', 'large-trees']);
    assert.deepEqual(names('metrics.accuracy>=0.95'), ['pipeline 10:00', 'large-trees']);
    assert.deepEqual(names('params.optimizer=adam'), ['small-trees']);
    assert.deepEqual(names('status=failed'), ['pipeline 12:00', 'pipeline 11:00', 'diverged']);
    assert.deepEqual(names('trees, max_depth>5'), ['large-trees']);
    assert.deepEqual(names(''), built.data.rows.map((r) => r.name));
  });

  it('a NaN metric is neither above nor below a number (it was compared as the text "NaN"); loss=NaN finds it; Infinity compares as a number', () => {
    assert.deepEqual(names('accuracy>=0.95'), ['pipeline 10:00', 'large-trees']);
    assert.deepEqual(names('accuracy<0.95'), ['small-trees']);
    assert.deepEqual(names('accuracy=NaN'), ['diverged']);
    assert.deepEqual(names('loss>1000'), ['diverged']);
  });

  it('the same text picks the same plain runs as sextant runs list --filter does (runMatches over the store)', () => {
    const listed = fx.tracker.listRuns({ experiment: 'penguins', parentId: null });
    if (!listed.ok) throw new Error(listed.error.message);
    // Runs without stages: for them the CLI (which does not merge stages) and the table must agree exactly.
    const plain: Run[] = listed.value.filter((r) => built.data.rows.find((x) => x.id === r.id)!.stages === 0 && r.tags['sextant.kind'] === undefined);
    assert.equal(plain.length, 4);
    for (const text of ['lr<0.05', 'optimizer!=sgd', 'name~trees status=finished', 'loss>=0.3']) {
      const terms = runFilter.parseRunFilter(text);
      if (!terms.ok) throw new Error(terms.error.message);
      const cli = plain.filter((r) => runFilter.runMatches(r, terms.value)).map((r) => r.id);
      const table = filterRows(built.runs, text, runFilter).ids!.filter((id) => plain.some((r) => r.id === id));
      assert.deepEqual(table, cli, text);
    }
  });

  it("a text that is not a filter: the parser's message and the column of the term at fault", () => {
    const noValue = filterRows(built.runs, 'lr=0.1  loss<', runFilter);
    assert.equal(noValue.ids, undefined);
    assert.equal(noValue.error?.message, '"loss<" has no value after <');
    assert.equal(noValue.error?.column, 9);
    assert.match(noValue.error?.fix ?? '', /loss<0.3/);
    const badOp = filterRows(built.runs, 'status>3', runFilter);
    assert.equal(badOp.error?.message, '"status>3": status can only be compared with =, != or ~');
    assert.equal(badOp.error?.column, 1);
    const quoted = runFilter.parseRunFilter('name~fold, "lr="');
    assert.ok(!quoted.ok);
    assert.equal(quoted.error.column, 12, 'a quoted term: the column of its quote');
  });
});

describe('experiments table: how VS Code reaches it', () => {
  const ROOT = join(__dirname, '..', '..');
  type Menu = { command: string; when?: string; group?: string };
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    activationEvents: string[];
    contributes: { commands: { command: string; title: string }[]; menus: Record<string, Menu[]> };
  };
  const COMMAND = 'sextant.experiments.openTable';

  it('Open Experiment Table: on an experiment in the Experiments view (inline and in its context menu), and in the palette when a store exists', () => {
    assert.equal(manifest.contributes.commands.find((c) => c.command === COMMAND)?.title, 'Open Experiment Table');
    const onItem = manifest.contributes.menus['view/item/context']!.filter((m) => m.command === COMMAND);
    assert.deepEqual(onItem.map((m) => m.when), ['view == sextant.experiments && viewItem == experiment', 'view == sextant.experiments && viewItem == experiment']);
    assert.deepEqual(onItem.map((m) => m.group?.split('@')[0]).sort(), ['1_experiment', 'inline']);
    assert.equal(manifest.contributes.menus.commandPalette!.find((m) => m.command === COMMAND)?.when, 'sextant.storeState == ok');
    assert.ok(/'sextant\.experiments\.openTable': async/.test(readFileSync(join(ROOT, 'src', 'views', 'experimentsCommands.ts'), 'utf8')), 'the command table handles it');
  });

  it('a table open when the window reloads comes back: the activation event and the serializer for its view type', () => {
    assert.equal(TABLE_VIEW_TYPE, 'sextant.table');
    assert.ok(manifest.activationEvents.includes(`onWebviewPanel:${TABLE_VIEW_TYPE}`));
    assert.match(readFileSync(join(ROOT, 'src', 'webviews', 'register.ts'), 'utf8'), /registerWebviewPanelSerializer\(TABLE_VIEW_TYPE, \{\s*deserializeWebviewPanel: async \(panel, saved: unknown\) => loadWebviewHost\(\)\.reviveTablePanel\(/);
  });
});
