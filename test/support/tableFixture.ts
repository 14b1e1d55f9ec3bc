// A store for the experiments table, written through the real Tracker (shared by the unit test of the table's
// data and the browser test that renders it). Experiment "penguins": three plain training runs with
// different params (one failed with exit code 2, one that logged NaN and Infinity, one that logged no
// metric), a pipeline run whose metrics live in its stages (prepare, then train), a pipeline run whose
// train stage failed, and one whose first stage never started (the runner's stage record says why). The clock is the fixture's, so start times and durations are known.
import { join } from 'node:path';
import { stageRecordTag } from '../../src/engine/runner/stageRecord';
import { Tracker } from '../../src/engine/tracking/tracking';

export interface TableFixture {
  tracker: Tracker;
  ids: { small: string; large: string; broken: string; silent: string; pipeline: string; prepare: string; train: string; failedPipeline: string; noInput: string };
}

export const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A tracker on a new store in `dir`, with its clock in `clock.now` (advanced by the fixture). */
export function openTracker(dir: string): { tracker: Tracker; clock: { now: number } } {
  const clock = { now: T0 };
  const tracker = must(Tracker.open({ storePath: join(dir, '.sextant', 'sextant.db'), artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true, clock: () => clock.now }));
  return { tracker, clock };
}

export function tableFixture(dir: string): TableFixture {
  const { tracker, clock } = openTracker(dir);
  const run = (name: string, params: Record<string, unknown>, metrics: Record<string, number>, seconds: number, status: 'finished' | 'failed' = 'finished', exitCode = 0, parentId?: string): string => {
    const { id } = must(tracker.startRun({ experiment: 'penguins', name, params, ...(parentId ? { parentId } : {}), startedAt: clock.now }));
    const points = Object.entries(metrics).map(([key, value]) => ({ key, value, step: 0, timestamp: clock.now }));
    if (points.length) must(tracker.logMetrics(id, points));
    clock.now += seconds * 1000;
    must(tracker.finishRun(id, status, exitCode));
    clock.now += 60_000;
    return id;
  };
  const small = run('small-trees', { max_depth: 3, lr: 0.1, optimizer: 'adam' }, { accuracy: 0.91, loss: 0.31 }, 12);
  const large = run('large-trees', { max_depth: 12, lr: 0.01, optimizer: 'sgd' }, { accuracy: 0.95, loss: 0.12 }, 95);
  const broken = run('diverged', { max_depth: 6, lr: 1 }, { accuracy: NaN, loss: Infinity }, 3, 'failed', 2);
  const silent = run('no-metrics', { max_depth: 5 }, {}, 1);
  // A pipeline run: params of its own, its stages log the metrics (train after prepare).
  const { id: pipeline } = must(tracker.startRun({ experiment: 'penguins', name: 'pipeline 10:00', params: { max_depth: 8 }, startedAt: clock.now }));
  const prepare = run('prepare', { test_size: 0.2 }, { rows: 344 }, 2, 'finished', 0, pipeline);
  const train = run('train', { lr: 0.05 }, { accuracy: 0.97, loss: 0.08 }, 30, 'finished', 0, pipeline);
  must(tracker.finishRun(pipeline, 'finished', 0));
  clock.now += 60_000;
  const { id: failedPipeline } = must(tracker.startRun({ experiment: 'penguins', name: 'pipeline 11:00', params: { max_depth: 9 }, startedAt: clock.now }));
  run('prepare', { test_size: 0.2 }, { rows: 344 }, 2, 'finished', 0, failedPipeline);
  run('train', { lr: 0.5 }, {}, 4, 'failed', 1, failedPipeline);
  must(tracker.finishRun(failedPipeline, 'failed', 1));
  clock.now += 60_000;
  // The runner's record of a pipeline run whose prepare stage could not start: no stage run, the reason in the tag.
  const { id: noInput } = must(tracker.startRun({ experiment: 'penguins', name: 'pipeline 12:00', params: { max_depth: 9 }, startedAt: clock.now }));
  must(tracker.setTags(noInput, { 'sextant.kind': 'pipeline', 'sextant.stages': stageRecordTag([
    { stage: 'prepare', status: 'failed', run: null, reason: 'Missing input: data/penguins.csv (listed in deps, or read by the stage).' },
    { stage: 'train', status: 'skipped', run: null, reason: 'Not run: it needs "prepare", which failed.' },
  ]) }));
  clock.now += 1000;
  must(tracker.finishRun(noInput, 'failed', null));
  // Another experiment's run never shows in penguins' table.
  must(tracker.startRun({ experiment: 'churn', name: 'other', params: { lr: 0.1 } }));
  return { tracker, ids: { small, large, broken, silent, pipeline, prepare, train, failedPipeline, noInput } };
}

/** `count` runs in experiment "big", each with a few params and metrics (the browser test's large table). */
export function bigExperiment(tracker: Tracker, clock: { now: number }, count: number): void {
  for (let i = 0; i < count; i++) {
    const { id } = must(tracker.startRun({ experiment: 'big', name: `trial-${String(i).padStart(4, '0')}`, params: { lr: (i % 17) / 100, depth: i % 11, seed: i, optimizer: i % 3 ? 'adam' : 'sgd' }, startedAt: clock.now }));
    must(tracker.logMetrics(id, [
      { key: 'loss', value: i % 97 === 0 ? NaN : ((i * 7919) % 1000) / 1000, step: 0 },
      { key: 'accuracy', value: ((i * 104729) % 1000) / 1000, step: 0 },
    ]));
    clock.now += 1000 + (i % 13) * 100;
    must(tracker.finishRun(id, i % 50 === 0 ? 'failed' : 'finished', i % 50 === 0 ? 1 : 0));
  }
}
