// Builds what the experiments table is sent, from the store (the host side; the page never reads the store),
// and evaluates the page's filter with the engine's filter language (the one `sextant runs list --filter`
// and the Experiments view use). One row per top-level run; a pipeline run has its stages' params and
// metrics merged in (src/webviews/mergedRun.ts, as the compare panel does), and the filter sees the same
// merged run, so `loss<0.3` finds a pipeline run whose train stage logged the loss.
import type * as EngineApi from '../../engine/api';
import type { Run } from '../../engine/tracking/schemas';
import type { Tracker } from '../../engine/tracking/tracking';
import { toMetricNumber } from '../compare/protocol';
import type { Shown } from '../liveRefresh';
import { mergeStages } from '../mergedRun';
import type { HostMessage, TableData, TableRow } from './protocol';

/** What buildTableData needs of a Tracker (the real one in the extension and the tests). */
export type TableSource = Pick<Tracker, 'listRuns'>;

/** What it needs of the engine (loaded through src/engineLoader.ts by the panel, imported by the tests): a pipeline run's stages, with the runner's reasons. */
export type TableEngine = Pick<typeof EngineApi, 'pipelineStages'>;

/** The filter language, from the engine (loaded through src/engineLoader.ts by the panel, imported by the tests). */
export type FilterLanguage = Pick<typeof EngineApi, 'parseRunFilter' | 'runMatches'>;

export interface BuiltTable {
  data: TableData;
  /** The rows' runs as the filter sees them (stages merged), in the rows' order. */
  runs: Run[];
}

export function buildTableData(tracker: TableSource, engine: TableEngine, experiment: string, now = Date.now()): { ok: true; value: BuiltTable } | { ok: false; message: string } {
  const listed = tracker.listRuns({ experiment });
  if (!listed.ok) return { ok: false, message: listed.error.message };
  const stagesOf = new Map<string, Run[]>();
  for (const r of listed.value) if (r.parentId) stagesOf.set(r.parentId, [...(stagesOf.get(r.parentId) ?? []), r]);
  const runs: Run[] = [];
  const rows: TableRow[] = [];
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const run of listed.value) {
    if (run.parentId) continue;
    const stages = stagesOf.get(run.id) ?? [];
    const merged = mergeStages(run, stages);
    runs.push(merged);
    for (const k of Object.keys(merged.params)) params.add(k);
    for (const k of Object.keys(merged.metrics)) metrics.add(k);
    const reason = failureReason(tracker, engine, run, stages);
    rows.push({
      id: run.id,
      name: run.name,
      status: run.status,
      ...(reason ? { reason } : {}),
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      stages: stages.length,
      params: merged.params,
      metrics: Object.fromEntries(Object.entries(merged.metrics).map(([k, m]) => [k, toMetricNumber(m.last)])),
    });
  }
  const sorted = (s: Set<string>): string[] => [...s].sort((a, b) => a.localeCompare(b));
  return { ok: true, value: { data: { experiment, rows, params: sorted(params), metrics: sorted(metrics), readAt: now }, runs } };
}

/**
 * Why a run failed or was stopped, from what the store holds: the runner's record of a pipeline run's stages
 * (the stage that failed and why, even one that never started), else its failed stage runs, else its exit code.
 */
function failureReason(tracker: TableSource, engine: TableEngine, run: Run, stages: readonly Run[]): string | undefined {
  if (run.status !== 'failed' && run.status !== 'killed') return undefined;
  const exit = (r: Run): string => (r.exitCode !== null && r.exitCode !== 0 ? ` (exit code ${r.exitCode})` : '');
  const recorded = engine.pipelineStages(tracker, run);
  const failed = recorded.ok ? recorded.value.filter((s) => s.status === 'failed' && s.reason) : [];
  if (failed.length > 0) return failed.map((s) => `stage ${s.name} failed: ${s.reason}`).join('; ');
  const broken = stages.filter((s) => s.status === 'failed' || s.status === 'killed');
  if (broken.length === 1) return `stage ${broken[0]!.name} ${broken[0]!.status === 'killed' ? 'was stopped' : 'failed'}${exit(broken[0]!)}`;
  if (broken.length > 1) return `stages ${broken.map((s) => s.name).join(', ')} failed`;
  if (run.exitCode !== null && run.exitCode !== 0) return `exit code ${run.exitCode}`;
  return undefined;
}

/** The page's filter, evaluated by the engine over the rows' runs: the matching ids, or the parser's error. */
export function filterRows(runs: readonly Run[], text: string, language: FilterLanguage): Extract<HostMessage, { type: 'filtered' }> {
  const parsed = language.parseRunFilter(text);
  if (!parsed.ok) {
    const { message, column, fix } = parsed.error;
    return { type: 'filtered', text, error: { message, ...(column !== undefined ? { column } : {}), ...(fix ? { fix } : {}) } };
  }
  return { type: 'filtered', text, ids: runs.filter((r) => language.runMatches(r, parsed.value)).map((r) => r.id) };
}

/** What the experiments table shows of the store (src/webviews/liveRefresh.ts): every run of its experiment, new ones included. */
export function tableShown(experiment: string): Shown {
  return { runs: [], experiment };
}

/** The panel's title. */
export function tableTitle(experiment: string): string {
  return `Runs: ${experiment}`;
}
