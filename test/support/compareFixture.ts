// A store with runs to compare, written through the real Tracker (shared by the unit test of the compare
// panel's data and the browser test that renders it): two training runs with different params and 2,000
// steps of loss each, and a pipeline run whose metrics live in its stages.
import { join } from 'node:path';
import { Tracker } from '../../src/engine/tracking/tracking';

export interface CompareFixture {
  tracker: Tracker;
  ids: { baseline: string; wide: string; pipeline: string; stage: string };
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

export function compareFixture(dir: string): CompareFixture {
  const tracker = must(Tracker.open({ storePath: join(dir, '.sextant', 'sextant.db'), artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true }));
  // Logged as a training loop would: one step every `msPerStep`, the second run starting after the first.
  const started = Date.now() - 3_600_000;
  const train = (name: string, params: Record<string, unknown>, rate: number, acc: number, offset: number, msPerStep: number): string => {
    const { id } = must(tracker.startRun({ experiment: 'churn', name, params }));
    const points = [];
    const timestamp = (step: number): number => started + offset + step * msPerStep;
    for (let step = 0; step < 2000; step++) points.push({ key: 'loss', step, value: Math.exp(-rate * step) + 0.05, timestamp: timestamp(step) });
    for (let step = 0; step < 2000; step += 100) points.push({ key: 'val_acc', step, value: acc * (1 - Math.exp(-step / 400)), timestamp: timestamp(step) });
    must(tracker.logMetrics(id, points));
    must(tracker.finishRun(id, 'finished', 0));
    return id;
  };
  const baseline = train('baseline', { lr: 0.01, layers: 2, seed: 7 }, 0.002, 0.86, 0, 400);
  const wide = train('wide-lr', { lr: 0.1, layers: 2, seed: 7 }, 0.006, 0.91, 300_000, 600);
  const { id: pipeline } = must(tracker.startRun({ experiment: 'penguins', name: 'pipeline 12:00', params: { max_depth: 4 } }));
  const { id: stage } = must(tracker.startRun({ experiment: 'penguins', name: 'train', parentId: pipeline, params: { lr: 0.05 } }));
  must(tracker.logMetrics(stage, [0, 1, 2, 3].map((step) => ({ key: 'loss', step, value: 1 / (step + 1) }))));
  must(tracker.logMetrics(stage, [{ key: 'score', step: 3, value: NaN }]));
  must(tracker.finishRun(stage, 'finished', 0));
  must(tracker.finishRun(pipeline, 'finished', 0));
  return { tracker, ids: { baseline, wide, pipeline, stage } };
}

/** Runs that are hard to compare, in a store of their own: `noisy` logs loss with NaN and ±Infinity among its points, `other` logs only acc (no metric in common with noisy), `silent` logs nothing. */
export function awkwardFixture(dir: string): { tracker: Tracker; ids: { noisy: string; other: string; silent: string } } {
  const tracker = must(Tracker.open({ storePath: join(dir, '.sextant', 'sextant.db'), artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true }));
  const { id: noisy } = must(tracker.startRun({ experiment: 'odd', name: 'noisy', params: { lr: 0.1 } }));
  const odd = [NaN, Infinity, -Infinity];
  must(tracker.logMetrics(noisy, Array.from({ length: 40 }, (_, step) => ({ key: 'loss', step, value: step % 10 === 5 ? odd[Math.floor(step / 10) % 3]! : 1 / (step + 1) }))));
  must(tracker.finishRun(noisy, 'finished', 0));
  const { id: other } = must(tracker.startRun({ experiment: 'odd', name: 'other', params: { lr: 0.2 } }));
  must(tracker.logMetrics(other, Array.from({ length: 10 }, (_, step) => ({ key: 'acc', step, value: step / 10 }))));
  must(tracker.finishRun(other, 'finished', 0));
  const { id: silent } = must(tracker.startRun({ experiment: 'odd', name: 'silent', params: { lr: 0.3 } }));
  must(tracker.finishRun(silent, 'failed', 1));
  return { tracker, ids: { noisy, other, silent } };
}
