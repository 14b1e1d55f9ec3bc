// The stages of a pipeline run as the store knows them, in the order the runner took them up: the
// runner's record on the pipeline run (stageRecord.ts) joined with the stage runs it holds, cached
// stages included (with the earlier run whose outputs they reused, when it is still in the store). A
// pipeline run recorded before that tag existed lists its stage runs by start time.
import { ok, type Result } from '../result';
import type { Run } from '../tracking/schemas';
import type { Tracker } from '../tracking/tracking';
import { readStageRecords, type StageRecord } from './stageRecord';

export interface PipelineStage {
  name: string;
  status: StageRecord['status'] | 'killed' | 'queued';
  /** The stage's run in this pipeline run; for a cached stage, the earlier run it reused (undefined when gone). */
  run: Run | undefined;
  reason?: string;
}

const statusOf = (run: Run): PipelineStage['status'] => (run.status === 'finished' ? 'ran' : run.status);
const started = (r: Run): number => r.startedAt ?? r.createdAt;

/** The stages of `run` (empty for a run with no stages). */
export function pipelineStages(tracker: Pick<Tracker, 'listRuns'>, run: Run): Result<PipelineStage[]> {
  const listed = tracker.listRuns({ parentId: run.id });
  if (!listed.ok) return listed;
  const children = [...listed.value].sort((a, b) => started(a) - started(b));
  const records = readStageRecords(run.tags);
  if (!records) return ok(children.map((c) => ({ name: c.tags['sextant.stage'] ?? c.name, status: statusOf(c), run: c })));
  const reused = records.filter((r) => r.status === 'cached' && r.run).map((r) => r.run!);
  const earlier = reused.length ? tracker.listRuns({ ids: reused }) : ok([] as Run[]);
  if (!earlier.ok) return earlier;
  const used = new Set<string>();
  const stages: PipelineStage[] = records.map((r) => {
    const own = children.find((c) => !used.has(c.id) && (c.id === r.run || (r.status !== 'cached' && (c.tags['sextant.stage'] ?? c.name) === r.stage)));
    if (own) used.add(own.id);
    const reusedRun = r.status === 'cached' ? earlier.value.find((e) => e.id === r.run) : undefined;
    // The record says 'running' until the stage settles; the stage's run knows sooner when it was killed.
    const status = r.status === 'running' && own && own.status !== 'running' ? statusOf(own) : r.status;
    return { name: r.stage, status, run: own ?? reusedRun, ...(r.reason ? { reason: r.reason } : {}) };
  });
  for (const c of children) if (!used.has(c.id)) stages.push({ name: c.tags['sextant.stage'] ?? c.name, status: statusOf(c), run: c });
  return ok(stages);
}
