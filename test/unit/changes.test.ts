// The store's change feed (src/engine/tracking/changes.ts) against a real store, with writers in other
// processes (the Python helper media/python/sextant_log.py) and in this one.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ChangeFeed } from '../../src/engine/tracking/changes';
import { Tracker } from '../../src/engine/tracking/tracking';
import { tempDir } from './tempDir';

const PYTHON = '/usr/bin/python3';
const HELPER_DIR = resolve(__dirname, '../../media/python');

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function python(code: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(PYTHON, ['-c', `import sys\nsys.path.insert(0, ${JSON.stringify(HELPER_DIR)})\nimport sextant_log as sx\n${code}`], { env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    p.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    p.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

describe('ChangeFeed (what changed in the store since the last look)', function () {
  this.timeout(30_000);

  function setup(): { storePath: string; tracker: Tracker; feed: ChangeFeed } {
    const dir = tempDir('sextant-changes-');
    const storePath = join(dir, '.sextant', 'sextant.db');
    const tracker = must(Tracker.open({ storePath, artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true, flushMs: -1 }));
    return { storePath, tracker, feed: new ChangeFeed(tracker.db) };
  }

  it('reports a run created by another process (Python helper) with its metric keys, and nothing when idle', async () => {
    const { storePath, tracker, feed } = setup();
    const old = must(tracker.startRun({ experiment: 'e', name: 'old' })).id;
    must(tracker.logMetric(old, 'loss', 1, 0));
    must(tracker.flush());
    assert.equal(feed.next(), undefined, 'the first look reads the state and reports nothing');
    assert.equal(feed.next(), undefined, 'nothing committed since');
    const py = await python('sx.log_metrics({"accuracy": 0.5, "loss": 0.7}, step=1)\nsx.flush()\nprint(sx.run_id())\nsys.stdout.flush()\nimport time\ntime.sleep(0.2)', { SEXTANT_STORE: storePath, SEXTANT_EXPERIMENT: 'e' });
    assert.equal(py.code, 0, py.stderr);
    const newId = py.stdout.trim();
    const changes = feed.next();
    assert.ok(changes, 'the new run is reported');
    assert.deepEqual(changes.added, [newId]);
    assert.deepEqual(changes.metrics, [{ id: newId, keys: ['accuracy', 'loss'] }]);
    assert.deepEqual(changes.removed, []);
    assert.ok(!changes.runs.includes(old), 'the old run did not change');
    assert.equal(feed.sequence, 1);
    // the helper ended its run at exit (finished) in the same process lifetime: the status is new since our read, or part of it
    const status = must(tracker.getRun(newId)).status;
    assert.equal(status, 'finished');
    assert.equal(feed.next(), undefined);
  });

  it('reports points logged to an existing run by another process, only that run and key', async () => {
    const { storePath, tracker, feed } = setup();
    const a = must(tracker.startRun({ experiment: 'e', name: 'a' })).id;
    const b = must(tracker.startRun({ experiment: 'e', name: 'b' })).id;
    must(tracker.logMetric(a, 'loss', 1, 0));
    must(tracker.logMetric(b, 'loss', 1, 0));
    must(tracker.flush());
    feed.next();
    const py = await python('sx.log_metric("loss", 0.5, step=1)\nsx.flush()', { SEXTANT_STORE: storePath, SEXTANT_RUN_ID: b });
    assert.equal(py.code, 0, py.stderr);
    const changes = feed.next();
    assert.ok(changes);
    assert.deepEqual(changes.added, []);
    assert.deepEqual(changes.metrics, [{ id: b, keys: ['loss'] }]);
    assert.deepEqual(changes.runs, [b]);
  });

  it('reports points logged to a finished run by another connection (outside the running runs it watches closely)', () => {
    const { storePath, tracker, feed } = setup();
    const done = must(tracker.startRun({ experiment: 'e', name: 'done' })).id;
    const live = must(tracker.startRun({ experiment: 'e', name: 'live' })).id;
    must(tracker.logMetric(done, 'loss', 1, 0));
    must(tracker.logMetric(live, 'loss', 1, 0));
    must(tracker.finishRun(done, 'finished', 0));
    must(tracker.flush());
    feed.next();
    const other = must(Tracker.open({ storePath, artifactsDir: join(storePath, '..', 'artifacts') }, { flushMs: -1 }));
    must(other.logMetric(done, 'late_metric', 3, 0));
    must(other.logMetric(live, 'loss', 0.5, 1));
    must(other.flush());
    const changes = feed.next();
    assert.deepEqual(changes?.metrics.sort((a, b) => a.id.localeCompare(b.id)), [{ id: done, keys: ['late_metric'] }, { id: live, keys: ['loss'] }].sort((a, b) => a.id.localeCompare(b.id)));
    must(other.logMetric(live, 'loss', 0.25, 2));
    must(other.flush());
    assert.deepEqual(feed.next()?.metrics, [{ id: live, keys: ['loss'] }]);
    must(other.close(true));
  });

  it("reports this connection's own writes: status, rename, delete, purge", () => {
    const { tracker, feed } = setup();
    const a = must(tracker.startRun({ experiment: 'e', name: 'a', status: 'queued' })).id;
    const b = must(tracker.startRun({ experiment: 'e', name: 'b' })).id;
    feed.next();
    must(tracker.markRunning(a));
    must(tracker.renameRun(b, 'bee'));
    let changes = feed.next();
    assert.ok(changes);
    assert.deepEqual(changes.status, [{ id: a, status: 'running' }]);
    assert.deepEqual(changes.updated, [b]);
    must(tracker.finishRun(a, 'failed', 3));
    changes = feed.next();
    assert.deepEqual(changes?.status, [{ id: a, status: 'failed' }]);
    must(tracker.deleteRuns([b]));
    assert.deepEqual(feed.next()?.updated, [b]);
    must(tracker.purgeDeletedRuns(0));
    changes = feed.next();
    assert.deepEqual(changes?.removed, [b]);
    assert.equal(feed.next(), undefined);
  });

  it('a look after one point logged reads only that run (its row and its keys), not every run: the change sequence, by its index', () => {
    const { tracker, feed } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) {
      const id = must(tracker.startRun({ experiment: 'e', name: `r${i}` })).id;
      ids.push(id);
      must(tracker.logMetrics(id, [{ key: 'loss', value: 1, step: 0 }, { key: 'accuracy', value: 0.5, step: 0 }]));
      if (i % 3) must(tracker.finishRun(id, 'finished', 0));
    }
    must(tracker.flush());
    feed.next();
    const before = feed.rowsRead;
    const finished = ids[1]!;
    must(tracker.logMetric(finished, 'loss', 0.5, 1));
    must(tracker.flush());
    const changes = feed.next();
    assert.deepEqual(changes?.metrics, [{ id: finished, keys: ['loss'] }]);
    assert.deepEqual(changes?.runs, [finished]);
    assert.equal(feed.rowsRead - before, 3, 'one run row and its two latest_metrics rows, of 300 runs and 600 rows');
    const plan = (tracker.db.prepare('EXPLAIN QUERY PLAN SELECT run_id, seq FROM run_changes WHERE seq > ? ORDER BY seq').all(0) as { detail: string }[]).map((p) => p.detail).join('; ');
    assert.match(plan, /USING (COVERING )?INDEX run_changes_by_seq/, plan);
  });

  it('an idle look reads no table (only the two pragmas): 1,000 looks on an idle store stay cheap', () => {
    const { tracker, feed } = setup();
    for (let i = 0; i < 200; i++) must(tracker.startRun({ experiment: 'e', name: `r${i}` }));
    feed.next();
    const started = performance.now();
    for (let i = 0; i < 1000; i++) assert.equal(feed.next(), undefined);
    const ms = performance.now() - started;
    console.log(`      1,000 idle looks: ${ms.toFixed(1)} ms`);
  });
});
