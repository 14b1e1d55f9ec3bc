// One Experiments-view feed look and one tree-model rebuild on a big store, in plain Node:
//   npx tsx bench/feedLook.ts /tmp/bigws-k     (a writable copy: the store is migrated when opened)
// Two connections, as in the extension: a writer (the logging script) and the view's reader with its feed.
// Prints medians over 20 looks after one point is logged, and of an idle look.
import { join } from 'node:path';
import * as engine from '../src/engine/api';
import { ChangeFeed } from '../src/engine/tracking/changes';
import { Tracker } from '../src/engine/tracking/tracking';
import { ExperimentNodes, experimentsModel, mergeChangedRuns } from '../src/views/experimentsItems';

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ws = process.argv[2] ?? '/tmp/bigws-k';
const paths = { storePath: join(ws, '.sextant', 'sextant.db'), artifactsDir: join(ws, '.sextant', 'artifacts') };
const writer = must(Tracker.open(paths, { flushMs: -1 }));
const reader = must(Tracker.open(paths, { flushMs: -1 }));
const feed = new ChangeFeed(reader.db);
let t = performance.now();
feed.next();
console.log(`first look ${(performance.now() - t).toFixed(1)} ms`);
const runs = new Map(must(reader.listRuns()).map((r) => [r.id, r]));
const experiments = must(reader.listExperiments());
console.log(`${runs.size} runs`);
const VIEW = { filter: [], sort: { by: 'started' as const, direction: 'desc' as const }, primaryMetric: undefined };
const nodes = new ExperimentNodes(engine.metricDirection);
nodes.apply(experimentsModel({ experiments, runs: [...runs.values()] }, engine, VIEW));
const id = must(writer.startRun({ experiment: 'feed-bench', name: 'live' })).id;
must(writer.flush());
feed.next();
const looks: number[] = [];
const idle: number[] = [];
const rebuilds: number[] = [];
for (let i = 0; i < 21; i++) {
  must(writer.logMetric(id, 'loss', 1 / (i + 1), i));
  must(writer.flush());
  t = performance.now();
  const changes = feed.next();
  looks.push(performance.now() - t);
  if (!changes || changes.runs.join() !== id) throw new Error(`the look missed the point: ${JSON.stringify(changes)}`);
  t = performance.now();
  if (feed.next() !== undefined) throw new Error('an idle look reported changes');
  idle.push(performance.now() - t);
  t = performance.now();
  mergeChangedRuns(runs, changes.runs, must(reader.listRuns({ ids: changes.runs })));
  nodes.apply(experimentsModel({ experiments: must(reader.listExperiments()), runs: [...runs.values()] }, engine, VIEW));
  rebuilds.push(performance.now() - t);
}
console.log(`feed look after one point: median ${median(looks).toFixed(3)} ms; idle look ${median(idle).toFixed(3)} ms; rebuild (read run + model + nodes) ${median(rebuilds).toFixed(1)} ms`);
writer.close(true);
reader.close(true);
