// The Experiments view at scale, in plain Node on a real store: after the first full read, a change in the
// store (a run created by another process, points logged) reaches the tree through the change feed, which
// names the nodes to refresh — the same objects VS Code was given, not the root; experiments start
// collapsed but for the active or newest one; an experiment lists 50 runs and a "show more" row; its row
// sums it up; refreshes run one at a time.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import * as engine from '../../src/engine/api';
import { ChangeFeed } from '../../src/engine/tracking/changes';
import type { Run } from '../../src/engine/tracking/schemas';
import { Tracker } from '../../src/engine/tracking/tracking';
import { writeFileSync } from 'node:fs';
import { readPipeline } from '../../src/engine/pipeline/read';
import { expandedByDefault, experimentOverview, experimentsModel, ExperimentNodes, gateMetrics, mergeChangedRuns, ModelMemo, oneAtATime, RUNS_PER_PAGE } from '../../src/views/experimentsItems';
import type { ExperimentNode } from '../../src/views/experimentsState';
import { tempDir } from './tempDir';

const PYTHON = '/usr/bin/python3';
const HELPER_DIR = resolve(__dirname, '../../media/python');

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const VIEW = { filter: [], sort: { by: 'started' as const, direction: 'desc' as const }, primaryMetric: undefined };

/** What the tree holds: the runs in hand, the feed, and the nodes. */
class Harness {
  readonly feed: ChangeFeed;
  runs: Map<string, Run>;
  readonly nodes = new ExperimentNodes(engine.metricDirection);
  roots: Extract<ExperimentNode, { kind: 'experiment' }>[];

  constructor(readonly tracker: Tracker) {
    this.feed = new ChangeFeed(tracker.db);
    this.feed.next();
    this.runs = new Map(must(tracker.listRuns()).map((r) => [r.id, r]));
    this.roots = this.nodes.apply(this.model()).roots;
  }

  model(): ReturnType<typeof experimentsModel> {
    return experimentsModel({ experiments: must(this.tracker.listExperiments()), runs: [...this.runs.values()] }, engine, VIEW);
  }

  /** What the tree does on a store change; returns what it would fire, and how many runs it read. */
  update(): { changed: ExperimentNode[] | 'root' | 'nothing'; read: number } {
    const changes = this.feed.next();
    if (!changes) return { changed: 'nothing', read: 0 };
    const fresh = must(this.tracker.listRuns({ ids: changes.runs }));
    mergeChangedRuns(this.runs, changes.runs, fresh);
    const applied = this.nodes.apply(this.model());
    this.roots = applied.roots;
    return { changed: applied.changed, read: fresh.length };
  }
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

describe('Experiments view at scale (incremental refresh, defaults)', function () {
  this.timeout(30_000);

  function store(): { storePath: string; tracker: Tracker } {
    const dir = tempDir('sextant-scale-');
    const storePath = join(dir, '.sextant', 'sextant.db');
    return { storePath, tracker: must(Tracker.open({ storePath, artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true, flushMs: -1 })) };
  }

  it('a run created by another process refreshes its (expanded) experiment node, the same object, and reads only that run', async () => {
    const { storePath, tracker } = store();
    for (let i = 0; i < 5; i++) {
      const id = must(tracker.startRun({ experiment: 'train', name: `r${i}` })).id;
      must(tracker.logMetric(id, 'accuracy', 0.5 + i / 100, 0));
      must(tracker.finishRun(id, 'finished', 0));
    }
    must(tracker.startRun({ experiment: 'other', name: 'o' }));
    must(tracker.flush());
    const h = new Harness(tracker);
    const train = h.roots.find((e) => e.name === 'train')!;
    const before = h.nodes.children(train);
    assert.equal(before.length, 5);
    assert.deepEqual(h.update(), { changed: 'nothing', read: 0 });

    const py = await python('sx.log_metric("accuracy", 0.99, step=0)\nsx.flush()\nprint(sx.run_id())', { SEXTANT_STORE: storePath, SEXTANT_EXPERIMENT: 'train', SEXTANT_RUN_NAME: 'fresh' });
    assert.equal(py.code, 0, py.stderr);
    const newId = py.stdout.trim();
    const { changed, read } = h.update();
    assert.equal(read, 1, 'only the new run is read again');
    assert.ok(Array.isArray(changed), 'not the whole tree');
    assert.ok(changed.includes(train), 'the experiment node VS Code holds is refreshed');
    assert.equal(h.roots.find((e) => e.name === 'train'), train, 'same object');
    const after = h.nodes.children(train);
    assert.equal(after.length, 6);
    const first = after[0]!;
    assert.equal(first.kind === 'run' && first.run.id, newId, 'the new run is listed first');
    assert.equal(after[1], before[0], 'the other run nodes are the same objects');
    assert.match(experimentOverview(train, h.nodes.stagesOf, engine.metricDirection), /^6 runs · best accuracy 0\.99$/);
  });

  it('points logged to a shown run refresh that run node only; a new experiment refreshes the root', () => {
    const { tracker } = store();
    const a = must(tracker.startRun({ experiment: 'e', name: 'a' })).id;
    const b = must(tracker.startRun({ experiment: 'e', name: 'b' })).id;
    must(tracker.logMetric(a, 'loss', 1, 0));
    must(tracker.logMetric(b, 'loss', 1, 0));
    must(tracker.flush());
    const h = new Harness(tracker);
    const e = h.roots[0]!;
    const nodes = h.nodes.children(e);
    const nodeA = nodes.find((n) => n.kind === 'run' && n.run.id === a)!;
    must(tracker.logMetric(a, 'loss', 0.5, 1));
    must(tracker.flush());
    const { changed } = h.update();
    assert.ok(Array.isArray(changed));
    assert.ok(changed.includes(nodeA), 'run a is refreshed');
    assert.ok(!changed.some((n) => n.kind === 'run' && n.run.id === b), 'run b is not');
    assert.equal(nodeA.kind === 'run' && nodeA.run.metrics.loss?.last, 0.5, 'the node holds the new value');
    must(tracker.startRun({ experiment: 'new one', name: 'x' }));
    assert.equal(h.update().changed, 'root');
  });

  it("points logged to a running run redraw its row at once, its experiment's best-metric summary at most every 10 s; a new run in it at once", () => {
    const { tracker } = store();
    const live = must(tracker.startRun({ experiment: 'e', name: 'live' })).id;
    must(tracker.logMetric(live, 'loss', 1, 0));
    must(tracker.flush());
    let now = 1_000_000;
    const nodes = new ExperimentNodes(engine.metricDirection, () => now);
    const feed = new ChangeFeed(tracker.db);
    feed.next();
    const runs = new Map(must(tracker.listRuns()).map((r) => [r.id, r]));
    const apply = (): ReturnType<ExperimentNodes['apply']> => {
      const changes = feed.next();
      if (changes) mergeChangedRuns(runs, changes.runs, must(tracker.listRuns({ ids: changes.runs })));
      return nodes.apply(experimentsModel({ experiments: must(tracker.listExperiments()), runs: [...runs.values()] }, engine, VIEW));
    };
    const e = apply().roots[0]!;
    const liveNode = nodes.children(e)[0]!;
    const overview = (): string => experimentOverview(e, nodes.stagesOf, engine.metricDirection);
    assert.match(overview(), /best loss 1$/);

    now += 2000;
    must(tracker.logMetric(live, 'loss', 0.5, 1));
    must(tracker.flush());
    const changed = apply().changed;
    assert.ok(Array.isArray(changed));
    assert.ok(changed.includes(liveNode), "the run's row is drawn with its new loss");
    assert.ok(!changed.includes(e), 'the experiment row (its best loss moved) waits: its refresh would send all its runs again');
    assert.deepEqual(nodes.dueSummaries(), [], 'not yet due');
    assert.match(overview(), /best loss 0\.5$/, 'the node itself holds the new summary, for when it is drawn');

    now += 8000;
    const due = nodes.dueSummaries();
    assert.deepEqual(due, [e], '10 s after it was drawn, the summary is due');
    assert.deepEqual(nodes.dueSummaries(), [], 'once');

    now += 1000;
    must(tracker.logMetric(live, 'loss', 0.25, 2));
    must(tracker.flush());
    const again = apply().changed;
    assert.ok(Array.isArray(again) && !again.includes(e), 'drawn 1 s ago: waits again');
    must(tracker.startRun({ experiment: 'e', name: 'second' }));
    const added = apply().changed;
    assert.ok(Array.isArray(added) && added.includes(e), 'a new run in it refreshes the experiment at once');
    assert.equal(nodes.children(e).length, 2);
  });

  it('a rebuild with the memo rebuilds only the experiment whose run changed, and equals a rebuild without it', () => {
    const { tracker } = store();
    for (let i = 0; i < 6; i++) {
      const id = must(tracker.startRun({ experiment: `e${i % 3}`, name: `r${i}`, startedAt: 1000 + i })).id;
      must(tracker.logMetric(id, 'loss', 1 - i / 10, 0));
    }
    must(tracker.flush());
    const feed = new ChangeFeed(tracker.db);
    feed.next();
    const runs = new Map(must(tracker.listRuns()).map((r) => [r.id, r]));
    const experiments = must(tracker.listExperiments());
    const memo = new ModelMemo();
    const first = experimentsModel({ experiments, runs: [...runs.values()] }, engine, VIEW, memo);
    const live = first.experiments.find((e) => e.name === 'e1')!.runs[0]!.id;
    must(tracker.logMetric(live, 'loss', 0.01, 1));
    must(tracker.flush());
    const changes = feed.next()!;
    mergeChangedRuns(runs, changes.runs, must(tracker.listRuns({ ids: changes.runs })));
    const second = experimentsModel({ experiments, runs: [...runs.values()] }, engine, VIEW, memo);
    const byName = (m: typeof first, name: string) => m.experiments.find((e) => e.name === name)!;
    assert.equal(byName(second, 'e0'), byName(first, 'e0'), 'unchanged experiment: its entry is reused');
    assert.equal(byName(second, 'e2'), byName(first, 'e2'));
    assert.notEqual(byName(second, 'e1'), byName(first, 'e1'), 'the experiment whose run logged is rebuilt');
    assert.equal(byName(second, 'e1').runs[0]!.metrics.loss?.last, 0.01);
    assert.deepEqual(second, experimentsModel({ experiments, runs: [...runs.values()] }, engine, VIEW), 'the same model as a full rebuild');
    const sorted = experimentsModel({ experiments, runs: [...runs.values()] }, engine, { ...VIEW, sort: { by: 'name', direction: 'asc' } }, memo);
    assert.notEqual(byName(sorted, 'e0'), byName(first, 'e0'), 'another sort: rebuilt');
    assert.deepEqual(byName(sorted, 'e0').runs.map((r) => r.name), ['r0', 'r3']);
  });

  it('collapsed by default but for the experiment with a running run, else the newest', () => {
    const { tracker } = store();
    const old = must(tracker.startRun({ experiment: 'old', name: 'o', startedAt: 1000 })).id;
    must(tracker.finishRun(old, 'finished', 0));
    const recent = must(tracker.startRun({ experiment: 'recent', name: 'r' })).id;
    must(tracker.finishRun(recent, 'finished', 0));
    const h = new Harness(tracker);
    assert.deepEqual([...expandedByDefault(h.roots)], ['recent']);
    must(tracker.startRun({ experiment: 'old', name: 'live' }));
    h.update();
    assert.deepEqual([...expandedByDefault(h.roots)], ['old']);
  });

  it('an experiment lists 50 runs and a "show more" row; show more adds 50', () => {
    const { tracker } = store();
    for (let i = 0; i < 120; i++) {
      const id = must(tracker.startRun({ experiment: 'big', name: `r${i}`, startedAt: 1_000_000 + i })).id;
      must(tracker.logMetric(id, 'val_loss', 1 / (i + 1), 0));
      if (i < 119) must(tracker.finishRun(id, 'finished', 0));
    }
    must(tracker.flush());
    const h = new Harness(tracker);
    const big = h.roots[0]!;
    let rows = h.nodes.children(big);
    assert.equal(rows.length, RUNS_PER_PAGE + 1);
    assert.deepEqual(rows.at(-1), { kind: 'more', experiment: 'big', hidden: 70 });
    assert.equal(h.nodes.showMore('big'), big);
    rows = h.nodes.children(big);
    assert.equal(rows.length, 2 * RUNS_PER_PAGE + 1);
    assert.deepEqual(rows.at(-1), { kind: 'more', experiment: 'big', hidden: 20 });
    assert.equal(big.primaryMetric, 'val_loss');
    assert.equal(experimentOverview(big, h.nodes.stagesOf, engine.metricDirection), '120 runs · 1 running · best val_loss 0.008333');
  });

  it("the primary metric defaults to a metric the pipeline gates on, before a score's name, else an accuracy/f1-like name", () => {
    const { storePath, tracker } = store();
    const id = must(tracker.startRun({ experiment: 'e', name: 'r' })).id;
    must(tracker.logMetrics(id, [{ key: 'aaa_first', value: 1 }, { key: 'accuracy', value: 0.9 }, { key: 'macro_score', value: 0.7 }, { key: 'val_loss', value: 0.3 }]));
    must(tracker.flush());
    const file = join(storePath, '..', '..', 'sextant.yaml');
    writeFileSync(file, ['version: 1', 'stages:', '  train:', '    run: echo hi', '  check:', '    needs: [train]', '    uses: sextant/gate', '    with:', '      require: { macro_score: ">= 0.5" }', ''].join('\n'));
    const pipeline = must(readPipeline(file));
    assert.deepEqual(gateMetrics([pipeline]), ['macro_score']);
    const read = { experiments: must(tracker.listExperiments()), runs: must(tracker.listRuns()) };
    assert.equal(experimentsModel(read, engine, { ...VIEW, gateMetrics: gateMetrics([pipeline]) }).experiments[0]!.primaryMetric, 'macro_score');
    assert.equal(experimentsModel(read, engine, VIEW).experiments[0]!.primaryMetric, 'accuracy');
    assert.equal(experimentsModel(read, engine, { ...VIEW, gateMetrics: ['not_logged'] }).experiments[0]!.primaryMetric, 'accuracy');
  });

  it('refreshes run one at a time; requests meanwhile make one more run, never dropped', async () => {
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    const q = oneAtATime(async () => {
      calls++;
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 20));
      active--;
    });
    const first = q.request();
    assert.equal(q.inFlight, true);
    const second = q.request();
    const third = q.request();
    await Promise.all([first, second, third]);
    assert.equal(maxActive, 1);
    assert.equal(calls, 2, 'the two pending requests are served by one more refresh');
    assert.equal(q.inFlight, false);
    await q.request();
    assert.equal(calls, 3);
  });
});
