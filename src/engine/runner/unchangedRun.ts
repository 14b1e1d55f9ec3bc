// A pipeline run in which every stage was cached ran nothing: the runner no longer records one
// (storeTracker.ts), and the lists (the Experiments view, `sextant runs list`) leave out those that
// earlier versions recorded, one empty "pipeline <time>" row per run.
import type { Run } from '../tracking/schemas';
import { readStageRecords } from './stageRecord';

/** Whether `run` is a finished pipeline run with no stage run of its own, no metrics, and no stage that was not cached. */
export function isUnchangedPipelineRun(run: Run, stageRuns: readonly Run[]): boolean {
  if (run.parentId !== null || run.tags['sextant.kind'] !== 'pipeline' || run.status !== 'finished') return false;
  if (stageRuns.length > 0 || Object.keys(run.metrics).length > 0) return false;
  return readStageRecords(run.tags)?.every((s) => s.status === 'cached') ?? true;
}
