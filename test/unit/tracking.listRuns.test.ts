// listRuns and getRun read each run as one JSON object built by SQLite (tracking/queries.ts). These tests
// hold it to what a plain row-by-row reader of the same tables returns (the reader the queries used before),
// on runs with params, tags, NaN, ±Infinity and awkward doubles, unicode and quotes, no params at all,
// running, queued, deleted and child runs, and every filter listRuns takes.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { Database } from '../../src/engine/store/open';
import type { ListRunsFilter, MetricSummary, Run } from '../../src/engine/tracking/schemas';
import { runListJson } from '../../src/engine/tracking/jsonShapes';
import { Tracker } from '../../src/engine/tracking/tracking';
import { tempDir } from './tempDir';

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

interface RunRow {
  id: number;
  uid: string;
  experiment: string;
  experiment_id: number;
  parent_uid: string | null;
  name: string;
  status: Run['status'];
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  git_commit: string | null;
  git_dirty: number | null;
  command: string | null;
  cwd: string | null;
  host: string | null;
  pid: number | null;
  python_version: string | null;
  node_version: string | null;
  gpu: string | null;
  exit_code: number | null;
  log_path: string | null;
  deleted_at: number | null;
}

/** The reference: every run's row, then its params, tags and latest metrics one row at a time, in key order. */
function referenceRuns(db: Database, filter: ListRunsFilter): Run[] {
  const rows = (
    db
      .prepare(
        `SELECT r.id, r.uid, e.name AS experiment, r.experiment_id, p.uid AS parent_uid, r.name, r.status, r.created_at, r.started_at, r.ended_at,
                r.git_commit, r.git_dirty, r.command, r.cwd, r.host, r.pid, r.python_version, r.node_version, r.gpu, r.exit_code, r.log_path, r.deleted_at
         FROM runs r JOIN experiments e ON e.id = r.experiment_id LEFT JOIN runs p ON p.id = r.parent_id
         ORDER BY coalesce(r.started_at, r.created_at) DESC, r.id DESC`,
      )
      .all() as RunRow[]
  ).filter(
    (r) =>
      (filter.includeDeleted || r.deleted_at === null) &&
      (filter.experiment === undefined || r.experiment === filter.experiment) &&
      (!filter.status?.length || filter.status.includes(r.status)) &&
      (filter.parentId === undefined || r.parent_uid === filter.parentId) &&
      (!filter.ids || filter.ids.includes(r.uid)),
  );
  const keyNames = new Map(db.prepare('SELECT id, name FROM metric_keys').raw().all() as [number, string][]);
  return rows.slice(0, filter.limit ?? rows.length).map((row) => {
    const run: Run = {
      id: row.uid,
      experiment: row.experiment,
      experimentId: row.experiment_id,
      name: row.name,
      status: row.status,
      parentId: row.parent_uid,
      createdAt: row.created_at,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      gitCommit: row.git_commit,
      gitDirty: row.git_dirty === null ? null : row.git_dirty === 1,
      command: row.command,
      cwd: row.cwd,
      host: row.host,
      pid: row.pid,
      pythonVersion: row.python_version,
      nodeVersion: row.node_version,
      gpu: row.gpu,
      exitCode: row.exit_code,
      logPath: row.log_path,
      deleted: row.deleted_at !== null,
      params: {},
      tags: {},
      metrics: {},
    };
    for (const table of ['params', 'tags'] as const) {
      for (const [key, value] of db.prepare(`SELECT key, value FROM ${table} WHERE run_id = ? ORDER BY key`).raw().all(row.id) as [string, string][]) run[table][key] = value;
    }
    const latest = db.prepare('SELECT key_id, step, ts, value, min, max, count FROM latest_metrics WHERE run_id = ? ORDER BY key_id').raw().all(row.id) as [number, number, number, number | null, number | null, number | null, number][];
    for (const [keyId, step, ts, value, min, max, count] of latest) {
      const key = keyNames.get(keyId)!;
      const summary: MetricSummary = { key, last: value === null ? NaN : value, step, timestamp: ts, min, max, count };
      run.metrics[key] = summary;
    }
    return run;
  });
}

function fixture(): { tracker: Tracker; ids: Record<string, string> } {
  const dir = tempDir('sextant-listruns-');
  let now = 1_750_000_000_000;
  const tracker = must(Tracker.open({ storePath: join(dir, '.sextant', 'sextant.db'), artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true, flushMs: -1, clock: () => (now += 7) }));
  const ids: Record<string, string> = {};
  ids.full = must(
    tracker.startRun({
      experiment: 'churn',
      name: 'baseline "quoted" \\ run',
      command: 'python train.py --lr 0.01',
      pid: process.pid,
      gitCommit: 'abc123',
      gitDirty: true,
      gpu: '0',
      pythonVersion: '3.11.2',
      params: { zeta: 'last', alpha: 'first', '10': 'ten', '2': 'two', layers: [64, 32], note: 'ünïcødé 🚀 "q" \\ \n\t\u0001 nul:\u0000.', Zed: 'upper' },
      tags: { stage: 'train', owner: 'me' },
    }),
  ).id;
  must(
    tracker.logMetrics(ids.full, [
      { key: 'loss', value: 0.9, step: 0 },
      { key: 'loss', value: 0.1 + 0.2, step: 1 },
      { key: 'acc', value: 5e-324, step: 0 },
      { key: 'acc', value: 1.7976931348623157e308, step: 1 },
      { key: 'nan_last', value: 1, step: 0 },
      { key: 'nan_last', value: NaN, step: 1 },
      { key: 'inf', value: -Infinity, step: 0 },
      { key: 'inf', value: Infinity, step: 1 },
      { key: 'tiny', value: 0.035535734450899942, step: 0 },
      { key: 'negzero', value: -0, step: 0 },
      { key: 'big_int', value: 2 ** 53 - 1, step: 3 },
    ]),
  );
  must(tracker.finishRun(ids.full, 'finished', 0));
  ids.clean = must(tracker.startRun({ experiment: 'churn', name: 'clean tree', gitCommit: 'def456', gitDirty: false })).id;
  must(tracker.finishRun(ids.clean, 'failed', 3));
  ids.running = must(tracker.startRun({ experiment: 'other', name: 'still going', pid: process.pid })).id;
  must(tracker.logMetric(ids.running, 'loss', 0.5, 0));
  ids.queued = must(tracker.startRun({ experiment: 'other', name: 'waiting', status: 'queued' })).id;
  ids.child = must(tracker.startRun({ experiment: 'churn', name: 'stage', parentId: ids.full, tags: { 'sextant.stage': 'fit' } })).id;
  must(tracker.finishRun(ids.child, 'finished', 0));
  ids.deleted = must(tracker.startRun({ experiment: 'churn', name: 'gone', params: { a: '1' } })).id;
  must(tracker.finishRun(ids.deleted, 'killed', null));
  must(tracker.deleteRuns([ids.deleted]));
  must(tracker.flush());
  return { tracker, ids };
}

describe('listRuns and getRun (one JSON object per run from SQLite)', () => {
  it('return exactly what a row-by-row reader of the same tables returns, for every filter', () => {
    const { tracker, ids } = fixture();
    const filters: ListRunsFilter[] = [
      {},
      { includeDeleted: true },
      { experiment: 'churn' },
      { experiment: 'nope' },
      { status: ['running', 'queued'] },
      { parentId: null },
      { parentId: ids.full },
      { ids: [ids.full!, ids.deleted!, ids.queued!] },
      { ids: [ids.deleted!], includeDeleted: true },
      { ids: [] },
      { limit: 2 },
    ];
    for (const filter of filters) assert.deepStrictEqual(must(tracker.listRuns(filter)), referenceRuns(tracker.db, filter), JSON.stringify(filter));
    assert.equal(must(tracker.listRuns({})).length, 5);
    for (const id of Object.values(ids)) {
      const { history: _h, artifacts: _a, children: _c, ...run } = must(tracker.getRun(id));
      assert.deepStrictEqual(run, referenceRuns(tracker.db, { ids: [id], includeDeleted: true })[0]);
    }
    tracker.close(true);
  });

  it('keeps values and key order: NaN, ±Infinity, the smallest and largest doubles, -0, strings with quotes and control characters', () => {
    const { tracker, ids } = fixture();
    const run = must(tracker.listRuns({ ids: [ids.full!] }))[0]!;
    assert.deepEqual(Object.keys(run.params), ['2', '10', 'Zed', 'alpha', 'layers', 'note', 'zeta']);
    assert.equal(run.params.note, 'ünïcødé 🚀 "q" \\ \n\t\u0001 nul:\u0000.');
    assert.equal(run.name, 'baseline "quoted" \\ run');
    assert.deepEqual(Object.keys(run.metrics), ['loss', 'acc', 'nan_last', 'inf', 'tiny', 'negzero', 'big_int']);
    const m = run.metrics;
    assert.equal(m.loss!.last, 0.1 + 0.2);
    assert.equal(m.acc!.min, 5e-324);
    assert.equal(m.acc!.last, 1.7976931348623157e308);
    assert.ok(Number.isNaN(m.nan_last!.last));
    assert.deepEqual([m.nan_last!.min, m.nan_last!.max, m.nan_last!.count], [1, 1, 2]);
    assert.deepEqual([m.inf!.last, m.inf!.min, m.inf!.max], [Infinity, -Infinity, Infinity]);
    assert.equal(m.tiny!.last, 0.035535734450899942);
    assert.ok(Object.is(m.negzero!.last, 0), 'SQLite stores -0 as 0');
    assert.equal(m.big_int!.last, 2 ** 53 - 1);
    assert.deepEqual([run.gitDirty, run.deleted, run.pid], [true, false, process.pid]);
    const empty = must(tracker.listRuns({ ids: [ids.queued!] }))[0]!;
    assert.deepEqual([empty.params, empty.tags, empty.metrics, empty.gitDirty, empty.startedAt], [{}, {}, {}, null, null]);
    assert.equal(must(tracker.listRuns({ ids: [ids.clean!] }))[0]!.gitDirty, false);
    tracker.close(true);
  });
});

describe('listRuns with a param, tag or metric called "__proto__"', () => {
  it('keeps it as an ordinary key (it used to be assigned, which set the object\'s prototype and hid it)', () => {
    const dir = tempDir('sextant-listruns-proto-');
    const tracker = must(Tracker.open({ storePath: join(dir, '.sextant', 'sextant.db'), artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true, flushMs: -1 }));
    const id = must(tracker.startRun({ experiment: 'e', name: 'proto' })).id;
    must(tracker.logParams(id, JSON.parse('{"__proto__": "p", "lr": "0.1"}') as Record<string, string>));
    must(tracker.setTags(id, JSON.parse('{"__proto__": "t"}') as Record<string, string>));
    must(tracker.logMetrics(id, [{ key: '__proto__', value: 2, step: 0 }, { key: 'loss', value: 1, step: 0 }]));
    must(tracker.flush());
    for (const run of [must(tracker.listRuns({}))[0]!, must(tracker.getRun(id))]) {
      assert.equal(Object.getPrototypeOf(run.params), Object.prototype);
      assert.equal(Object.getPrototypeOf(run.metrics), Object.prototype);
      assert.deepEqual(Object.keys(run.params), ['__proto__', 'lr']);
      assert.deepEqual(Object.keys(run.tags), ['__proto__']);
      assert.deepEqual(Object.keys(run.metrics), ['__proto__', 'loss']);
      assert.equal(run.metrics['__proto__']!.last, 2);
      assert.deepEqual(Object.keys(runListJson(run).metrics), ['__proto__', 'loss']);
      assert.match(JSON.stringify(runListJson(run)), /"metrics":\{"__proto__":2,"loss":1\}/);
    }
    tracker.close(true);
  });
});
