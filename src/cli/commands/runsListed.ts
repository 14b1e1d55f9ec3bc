// `sextant runs list` with --filter or --sort, or as a table: the runs read as objects (engine/tracking/
// queries.ts), filtered and sorted as the Experiments view does. Loaded by ./runsList.ts only for these.
import { formatDuration } from '../../engine/format';
import { hasNoEnd } from '../../engine/mlflow/noEnd';
import type { Database } from '../../engine/store/open';
import { runListJson } from '../../engine/tracking/jsonShapes';
import { listRuns } from '../../engine/tracking/queries';
import { parseRunFilter, parseRunSort, runMatches, sortRuns, type FilterTerm, type RunSort } from '../../engine/tracking/runFilter';
import type { Run, RunStatus } from '../../engine/tracking/schemas';
import { isUnchangedPipelineRun } from '../../engine/runner/unchangedRun';
import { UsageError } from '../args';
import type { CliIo } from '../command';
import { table } from '../storeAccess';
import { formatValue } from './runs';

export { runListJson };

/** Whether a run is an unchanged pipeline run (left out of lists) when none of its stage runs is listed. */
export const isUnchangedAlone = (run: Run): boolean => isUnchangedPipelineRun(run, []);

export interface RunQuery {
  filter: FilterTerm[];
  sort?: RunSort;
}

/** --filter and --sort, parsed; a UsageError naming the option when one does not parse. */
export function parseQuery(filterText: string, sortText: string | undefined): RunQuery {
  const filter = parseRunFilter(filterText);
  if (!filter.ok) throw new UsageError(`--filter: ${filter.error.message}`);
  const sort = sortText === undefined ? undefined : parseRunSort(sortText);
  if (sort && !sort.ok) throw new UsageError(`--sort: ${sort.error.message}`);
  return { filter: filter.value, sort: sort?.value };
}

function listLine(run: Run): string[] {
  const started = run.startedAt === null ? '-' : new Date(run.startedAt).toISOString().slice(0, 16).replace('T', ' ');
  const duration = hasNoEnd(run) ? 'no end recorded' : run.startedAt === null ? '-' : formatDuration((run.endedAt ?? Date.now()) - run.startedAt);
  const metrics = Object.values(run.metrics)
    .slice(0, 3)
    .map((m) => `${m.key}=${formatValue(m.last)}`)
    .join(' ');
  return [run.id.slice(0, 8), run.experiment, run.name, run.status, started, duration, metrics];
}

/** Prints the runs of `options` that match `query`, sorted, as JSON (the documented shape) or as a table. Throws on store errors. */
export function printRuns(db: Database, options: { experiment?: string; status: RunStatus[]; limit?: number }, query: RunQuery, io: CliIo, json: boolean): void {
  const all = listRuns(db, { experiment: options.experiment, status: options.status.length ? options.status : undefined });
  // A finished pipeline run in which every stage was cached (earlier versions recorded one each time) is left out.
  const stagesOf = new Map<string, Run[]>();
  for (const r of all) if (r.parentId) (stagesOf.get(r.parentId) ?? stagesOf.set(r.parentId, []).get(r.parentId)!).push(r);
  let runs = all.filter((r) => !isUnchangedPipelineRun(r, stagesOf.get(r.id) ?? []) && runMatches(r, query.filter));
  if (query.sort) runs = sortRuns(runs, query.sort);
  if (options.limit !== undefined) runs = runs.slice(0, options.limit);
  if (json) io.json(runs.map(runListJson));
  else if (runs.length === 0) io.err('No runs match.');
  else io.out(table([['ID', 'EXPERIMENT', 'NAME', 'STATUS', 'STARTED (UTC)', 'DURATION', 'METRICS'], ...runs.map(listLine)]));
}
