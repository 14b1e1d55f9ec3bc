// One row per experiment attempt: a pipeline run logs its metrics (and some params) in its stages, so the
// panels that show runs side by side (compare, the experiments table) merge its stages' params and metrics
// into it. Stages apply in the order they started (a later stage's value wins), the run's own last.
import type { Run } from '../engine/tracking/schemas';

/** The run with its stages' params and metrics merged in (the run itself is not changed). */
export function mergeStages(run: Run, stages: readonly Run[]): Run {
  if (stages.length === 0) return run;
  const started = (r: Run): number => r.startedAt ?? r.createdAt;
  // Reversed first: the store lists newest first, so runs that started together keep the store's order reversed.
  const ordered = [...stages].reverse().sort((a, b) => started(a) - started(b));
  const params: Run['params'] = {};
  const metrics: Run['metrics'] = {};
  for (const source of [...ordered, run]) {
    Object.assign(params, source.params);
    Object.assign(metrics, source.metrics);
  }
  return { ...run, params, metrics };
}
