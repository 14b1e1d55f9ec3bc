// `sextant runs list` and `sextant runs show ID`: the runs recorded in the workspace store.
import { resolve } from 'node:path';
import { formatDuration } from '../../engine/format';
import { hasNoEnd } from '../../engine/mlflow/noEnd';
import { describeError, type EngineError } from '../../engine/result';
import { isUnchangedPipelineRun } from '../../engine/runner/unchangedRun';
import { storeError } from '../../engine/store/tx';
import { runDetailJson, runListJson } from '../../engine/tracking/jsonShapes';
import { writeRunListJson } from '../../engine/tracking/runListText';
import { parseRunFilter, parseRunSort, runMatches, sortRuns } from '../../engine/tracking/runFilter';
import { RUN_STATUSES, RunStatusSchema, type Run } from '../../engine/tracking/schemas';
import { Tracker } from '../../engine/tracking/tracking';
import { workspaceLayout } from '../../engine/workspace/layout';
import { UsageError, value, type ParsedArgs } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../command';

const WORKSPACE = { name: 'workspace', alias: 'w', type: 'string' as const, description: 'Workspace folder (default: the current folder).' };

function openForReading(args: ParsedArgs, io: CliIo): { tracker?: Tracker; missing?: boolean; error?: EngineError } {
  const layout = workspaceLayout(resolve(io.cwd, value(args, 'workspace') ?? '.'));
  // Read-only: listing never writes the store and never waits for a writer.
  const opened = Tracker.open(layout, { readonly: true });
  if (opened.ok) {
    // Runs whose process died without a word are marked killed before anyone reads them, unless another
    // process holds the write lock right now (then the next look marks them).
    opened.value.reapDeadRuns();
    return { tracker: opened.value };
  }
  return opened.error.code === 'store-missing' ? { missing: true } : { error: opened.error };
}

function fail(io: CliIo, args: ParsedArgs, command: string, error: EngineError): number {
  if (args.flags.json) io.json({ ok: false, error });
  else io.err(`sextant ${command}: ${describeError(error)}`);
  return EXIT_FAILURE;
}

export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
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

export const runsListCommand: CliCommand = {
  name: 'runs list',
  summary: 'List recorded runs, newest first, with their params and last metric values.',
  usage: 'sextant runs list [--experiment NAME] [--status STATUS] [--filter EXPR] [--sort KEY] [--limit N] [--workspace DIR] [--json]',
  json: true,
  options: [
    { name: 'experiment', alias: 'e', type: 'string', description: 'Only runs of this experiment.' },
    { name: 'status', alias: 's', type: 'string', multiple: true, description: `Only runs with this status (${RUN_STATUSES.join(', ')}); may be repeated.` },
    { name: 'filter', alias: 'f', type: 'string', description: 'Terms that must all hold, as in the Experiments view: "loss<0.3 lr=0.01 status=failed name~fold".' },
    { name: 'sort', type: 'string', description: 'Sort by a metric (loss: lowest first; -loss: highest first), params.KEY, name or started (default: -started).' },
    { name: 'limit', alias: 'n', type: 'string', description: 'At most N runs (after filtering and sorting).' },
    WORKSPACE,
  ],
  async run(args, io) {
    const statuses = (args.values.status ?? []).map((s) => {
      const parsed = RunStatusSchema.safeParse(s);
      if (!parsed.success) throw new UsageError(`--status must be one of ${RUN_STATUSES.join(', ')}, not "${s}"`);
      return parsed.data;
    });
    const limitText = value(args, 'limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) throw new UsageError('--limit must be a positive whole number');
    const filter = parseRunFilter(value(args, 'filter') ?? '');
    if (!filter.ok) throw new UsageError(`--filter: ${filter.error.message}`);
    const sortText = value(args, 'sort');
    const sort = sortText === undefined ? undefined : parseRunSort(sortText);
    if (sort && !sort.ok) throw new UsageError(`--sort: ${sort.error.message}`);
    const store = openForReading(args, io);
    if (store.error) return fail(io, args, 'runs list', store.error);
    if (!store.tracker) {
      if (args.flags.json) io.json([]);
      else io.err('No runs yet: this workspace has no store (.sextant/sextant.db). Run a pipeline or a script that logs to Sextant.');
      return EXIT_OK;
    }
    if (args.flags.json && filter.value.length === 0 && !sort) {
      // Nothing to evaluate in JS: SQLite writes the list (engine/tracking/runListText.ts).
      const tracker = store.tracker;
      let error: EngineError | undefined;
      try {
        writeRunListJson(tracker.db, {
          experiment: value(args, 'experiment'),
          status: statuses,
          limit,
          drop: (run) => isUnchangedPipelineRun(run, []),
          shape: runListJson,
          write: (text) => io.out(text),
        });
      } catch (err) {
        error = storeError(err, tracker.file, 'list runs');
      }
      tracker.close(true);
      return error ? fail(io, args, 'runs list', error) : EXIT_OK;
    }
    const listed = store.tracker.listRuns({ experiment: value(args, 'experiment'), status: statuses.length ? statuses : undefined });
    store.tracker.close(true);
    if (!listed.ok) return fail(io, args, 'runs list', listed.error);
    // A finished pipeline run in which every stage was cached (earlier versions recorded one each time) is left out.
    const stagesOf = new Map<string, Run[]>();
    for (const r of listed.value) if (r.parentId) (stagesOf.get(r.parentId) ?? stagesOf.set(r.parentId, []).get(r.parentId)!).push(r);
    let runs = listed.value.filter((r) => !isUnchangedPipelineRun(r, stagesOf.get(r.id) ?? []) && runMatches(r, filter.value));
    if (sort?.ok) runs = sortRuns(runs, sort.value);
    if (limit !== undefined) runs = runs.slice(0, limit);
    if (args.flags.json) io.json(runs.map(runListJson));
    else if (runs.length === 0) io.err('No runs match.');
    else io.out(table([['ID', 'EXPERIMENT', 'NAME', 'STATUS', 'STARTED (UTC)', 'DURATION', 'METRICS'], ...runs.map(listLine)]));
    return EXIT_OK;
  },
};

export const runsShowCommand: CliCommand = {
  name: 'runs show',
  summary: 'Show one run: params, tags, environment, artifacts and every metric point.',
  usage: 'sextant runs show ID [--workspace DIR] [--json]',
  json: true,
  options: [WORKSPACE],
  async run(args, io) {
    const id = args.positionals[0];
    if (!id || args.positionals.length > 1) throw new UsageError('give one run id (or its first characters)');
    const store = openForReading(args, io);
    if (store.error) return fail(io, args, 'runs show', store.error);
    if (!store.tracker) return fail(io, args, 'runs show', { code: 'store-missing', message: 'This workspace has no store yet, so no runs.', fix: 'Run a pipeline first.' });
    const run = store.tracker.getRun(id);
    store.tracker.close(true);
    if (!run.ok) return fail(io, args, 'runs show', run.error);
    if (args.flags.json) {
      io.json(runDetailJson(run.value));
      return EXIT_OK;
    }
    const r = run.value;
    const lines = [
      `run ${r.id}  ${r.name}  (${r.experiment})`,
      `status    ${r.status}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}`,
      `started   ${r.startedAt === null ? '-' : new Date(r.startedAt).toISOString()}${hasNoEnd(r) ? '  no end recorded (imported from MLflow as RUNNING; nothing is writing to it)' : r.startedAt !== null ? `  duration ${formatDuration((r.endedAt ?? Date.now()) - r.startedAt)}` : ''}`,
    ];
    if (r.parentId) lines.push(`parent    ${r.parentId}`);
    if (r.children.length) lines.push(`stages    ${r.children.join(', ')}`);
    if (r.gitCommit) lines.push(`commit    ${r.gitCommit}${r.gitDirty ? ' (uncommitted changes)' : ''}`);
    if (r.command) lines.push(`command   ${r.command}`);
    const env = [r.host && `host ${r.host}`, r.pid && `pid ${r.pid}`, r.pythonVersion && `Python ${r.pythonVersion}`, r.nodeVersion && `Node ${r.nodeVersion}`, r.gpu && `GPU ${r.gpu}`].filter(Boolean);
    if (env.length) lines.push(`env       ${env.join(', ')}`);
    const section = (title: string, entries: [string, string][]): void => {
      if (entries.length === 0) return;
      lines.push('', `${title}:`, ...entries.map(([k, v]) => `  ${k} = ${v.length > 100 ? `${v.slice(0, 100)}…` : v}`));
    };
    section('params', Object.entries(r.params));
    section('tags', Object.entries(r.tags));
    section(
      'metrics (last, min…max, points)',
      Object.values(r.metrics).map((m) => [m.key, `${formatValue(m.last)} @ step ${m.step}   ${m.min === null ? '-' : formatValue(m.min)}…${m.max === null ? '-' : formatValue(m.max)}   ${m.count} point${m.count === 1 ? '' : 's'}`]),
    );
    section('artifacts', r.artifacts.map((a) => [a.path, `${a.size} B  ${a.mediaType}  sha256:${a.sha256.slice(0, 12)}`]));
    io.out(lines.join('\n'));
    return EXIT_OK;
  },
};
