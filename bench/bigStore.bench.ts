// A year of experiments (issue 17): a store of 20 experiments, 2,000 runs with 10 params, 4 tags and
// 15 metrics each, ~10M points, generated in a temp folder through the real Tracker (one logMetrics call
// and one flush per run). Measured on it: `sextant runs list --json` (in process, and as a process when
// dist/cli.js is built), the Experiments view's first read and tree model build, the change feed's look
// on an idle store and after another run logged points, and the incremental update (re-read the changed
// runs, rebuild the model, find the nodes to refresh).
// SEXTANT_BENCH_QUICK=1 builds a tenth of it (200 runs, ~1M points) for a busy machine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../src/cli/main';
import * as engine from '../src/engine/api';
import { ChangeFeed } from '../src/engine/tracking/changes';
import type { Run } from '../src/engine/tracking/schemas';
import { Tracker } from '../src/engine/tracking/tracking';
import { workspaceLayout } from '../src/engine/workspace/layout';
import { experimentsModel, ExperimentNodes, mergeChangedRuns } from '../src/views/experimentsItems';
import { fmt, median, timeMs, timeMsAsync, type Bench } from './util';

const QUICK = Boolean(process.env.SEXTANT_BENCH_QUICK);
const RUNS = QUICK ? 200 : 2000;
const EXPERIMENTS = 20;
const METRICS = ['loss', 'val_loss', 'accuracy', 'val_accuracy', 'f1', 'precision', 'recall', 'auc', 'lr', 'grad_norm', 'epoch_time', 'mae', 'rmse', 'throughput', 'memory'];
const STEPS = 333; // × 15 metrics × 2,000 runs ≈ 10M points
const T0 = 1_750_000_000_000;
const VIEW = { filter: [], sort: { by: 'started' as const, direction: 'desc' as const }, primaryMetric: undefined };

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Generates the store in `dir` (the sidebar bench uses it too). */
export function generate(dir: string, print: (line: string) => void): Tracker {
  const tracker = must(Tracker.open(workspaceLayout(dir), { create: true, flushMs: -1, batchSize: 1e9 }));
  let points = 0;
  const ms = timeMs(() => {
    for (let r = 0; r < RUNS; r++) {
      const startedAt = T0 + r * 3_600_000;
      const id = must(tracker.startRun({ experiment: `experiment-${String(r % EXPERIMENTS).padStart(2, '0')}`, name: `run-${r}`, startedAt })).id;
      must(tracker.logParams(id, Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`param_${i}`, (r * 7 + i) % 13]))));
      must(tracker.setTags(id, { model: ['mlp', 'gbt', 'linear'][r % 3], owner: 'me', dataset: `v${r % 5}`, note: `try ${r}` }));
      const batch: { key: string; value: number; step: number; timestamp: number }[] = [];
      for (const [k, key] of METRICS.entries()) for (let s = 0; s < STEPS; s++) batch.push({ key, value: Math.exp(-s / 100) * (1 + k) + 0.01 * Math.sin(s + r), step: s, timestamp: startedAt + s * 1000 });
      must(tracker.logMetrics(id, batch));
      must(tracker.flush());
      must(tracker.finishRun(id, 'finished', 0));
      points += batch.length;
      if ((r + 1) % Math.max(1, RUNS / 10) === 0) print(`  … ${r + 1} runs`);
    }
  });
  // A settled store, as after a day's work: the write-ahead log folded into the database file.
  tracker.db.pragma('wal_checkpoint(TRUNCATE)');
  const mb = statSync(workspaceLayout(dir).storePath).size / 1e6;
  print(`generated ${RUNS} runs, ${EXPERIMENTS} experiments, ${points.toLocaleString('en')} points in ${(ms / 1000).toFixed(1)} s (${Math.round(points / (ms / 1000)).toLocaleString('en')} points/s); store ${mb.toFixed(0)} MB`);
  return tracker;
}

export const bigStoreBench: Bench = {
  name: 'bigStore',
  async run(print) {
    const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-big-'));
    try {
      const tracker = generate(dir, print);
      const sink = { out: () => {}, err: (t: string) => print(t), json: () => {}, isTty: false, cwd: dir, env: process.env };
      const list = [];
      for (let i = 0; i < 3; i++) list.push(await timeMsAsync(async () => void (await main(['runs', 'list', '--json', '--workspace', dir], sink))));
      print(`sextant runs list --json, in process: median ${fmt(median(list))} (target < 200 ms)`);
      const cli = resolve(__dirname, '../bin/sextant.js');
      if (existsSync(resolve(__dirname, '../dist/cli.js'))) {
        const proc = [];
        const bare = [];
        for (let i = 0; i < 5; i++) {
          proc.push(timeMs(() => void spawnSync(process.execPath, [cli, 'runs', 'list', '--json', '--workspace', dir], { maxBuffer: 1 << 30 })));
          bare.push(timeMs(() => void spawnSync(process.execPath, ['-e', '0'])));
        }
        // The anchor, measured alongside: on a busy machine the ratio means more than the milliseconds.
        print(`sextant runs list --json, as a process (dist/cli.js): median ${fmt(median(proc))}; node -e 0: median ${fmt(median(bare))} (${(median(proc) / median(bare)).toFixed(1)}×)`);
      }

      // The view's first read and model build.
      let runs: Run[] = [];
      const read = timeMs(() => {
        must(tracker.listExperiments());
        runs = must(tracker.listRuns());
      });
      const experiments = must(tracker.listExperiments());
      let model = experimentsModel({ experiments, runs }, engine, VIEW);
      const build = median([0, 1, 2].map(() => timeMs(() => (model = experimentsModel({ experiments, runs }, engine, VIEW)))));
      const nodes = new ExperimentNodes(engine.metricDirection);
      const apply = timeMs(() => nodes.apply(model));
      print(`Experiments view first read (experiments + runs with params, tags, latest metrics): ${fmt(read)}; tree model build: median ${fmt(build)}; node registry: ${fmt(apply)}`);

      // The change feed: an idle look, then a look after another connection (a writer) logged points to a new run.
      const feed = new ChangeFeed(tracker.db);
      const firstLook = timeMs(() => feed.next());
      const idle = [];
      for (let i = 0; i < 100; i++) idle.push(timeMs(() => feed.next()));
      const writer = must(Tracker.open(workspaceLayout(dir), { flushMs: -1 }));
      const live = must(writer.startRun({ experiment: 'experiment-00', name: 'live' })).id;
      must(writer.logMetrics(live, Array.from({ length: 100 }, (_, s) => ({ key: 'loss', value: 1 / (s + 1), step: s }))));
      must(writer.flush());
      let changes: ReturnType<ChangeFeed['next']>;
      const changed = timeMs(() => (changes = feed.next()));
      print(`change feed: first look ${fmt(firstLook)}; idle look median ${fmt(median(idle))}; after a new run logged ${fmt(changed)} (${changes?.runs.length ?? 0} run changed)`);

      // The view's update: re-read the changed runs, rebuild the model, find what to refresh.
      const byId = new Map(runs.map((r) => [r.id, r]));
      const out: { fire?: ReturnType<ExperimentNodes['apply']>['changed'] } = {};
      const update = timeMs(() => {
        const fresh = must(tracker.listRuns({ ids: changes!.runs }));
        mergeChangedRuns(byId, changes!.runs, fresh);
        out.fire = nodes.apply(experimentsModel({ experiments, runs: [...byId.values()] }, engine, VIEW)).changed;
      });
      print(`incremental update (read ${changes?.runs.length} run, rebuild, diff): ${fmt(update)}; refreshes ${out.fire === 'root' ? 'the root' : `${out.fire?.length} node(s)`}`);
      must(writer.close(true));
      must(tracker.close(true));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
