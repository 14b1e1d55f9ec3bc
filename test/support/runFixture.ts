// A store for the run details panel, written by the real runner and Tracker (shared by the unit test of
// the panel's data and the browser test that renders it): the demo pipeline (Palmer penguins) run once,
// then its evaluate stage forced, so the second pipeline run has validate and train cached and evaluate
// ran (with its confusion matrix and ROC/PR curves); a script run with a NaN in its loss curve, a metric
// that is NaN only, two artifacts (one whose file was then deleted from the artifact store); and a run
// that logged nothing.
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPipeline } from '../../src/engine/runner/executor';
import { StoreTracker } from '../../src/engine/runner/storeTracker';
import type { PipelineResult } from '../../src/engine/runner/types';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';

export interface RunFixture {
  dir: string;
  tracker: Tracker;
  first: PipelineResult;
  second: PipelineResult;
  ids: { first: string; second: string; evaluate: string; script: string; empty: string };
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

export async function runFixture(dir: string): Promise<RunFixture> {
  cpSync(join(__dirname, '..', '..', 'media', 'demo'), dir, { recursive: true });
  const tracker = must(Tracker.open(workspaceLayout(dir), { create: true }));
  const store = new StoreTracker(tracker);
  const file = join(dir, 'sextant.yaml');
  const first = must(await runPipeline({ file, gpus: [], tracker: store }));
  const second = must(await runPipeline({ file, gpus: [], tracker: store, stages: ['evaluate'], force: true }));
  const evaluate = second.stages.find((s) => s.name === 'evaluate')!.run_id!;

  const { id: script } = must(tracker.startRun({ experiment: 'scratch', name: 'train.py lr=0.3', command: 'python train.py --lr 0.3', gitCommit: '0123456789abcdef0123456789abcdef01234567', gitDirty: true, pythonVersion: '3.11.9', gpu: 'NVIDIA H200', params: { lr: 0.3, optimizer: 'adam' }, tags: { owner: 'ada', 'sextant.gpu': '0', 'sextant.resources.gpu': '1' } }));
  const points = [];
  for (let step = 0; step < 300; step++) points.push({ key: 'loss', step, value: step === 150 ? NaN : Math.exp(-step / 80) + 0.1 });
  points.push({ key: 'score', step: 0, value: NaN });
  must(tracker.logMetrics(script, points));
  writeFileSync(join(dir, 'notes.txt'), 'kept\n');
  writeFileSync(join(dir, 'weights.bin'), 'weights that will go missing\n');
  must(tracker.logArtifact(script, join(dir, 'notes.txt'), { path: 'notes.txt' }));
  const gone = must(tracker.logArtifact(script, join(dir, 'weights.bin'), { path: 'model/weights.bin' }));
  rmSync(gone.file);
  must(tracker.finishRun(script, 'finished', 0));

  const { id: empty } = must(tracker.startRun({ experiment: 'scratch', name: 'nothing logged' }));
  must(tracker.finishRun(empty, 'failed', 1));
  return { dir, tracker, first, second, ids: { first: first.run_id!, second: second.run_id!, evaluate, script, empty } };
}
