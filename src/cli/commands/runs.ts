// `sextant runs show ID`: one run recorded in the workspace store, with every metric point (`runs list` is ./runsList.ts).
import { resolve } from 'node:path';
import { formatDuration } from '../../engine/format';
import { hasNoEnd } from '../../engine/mlflow/noEnd';
import type { EngineError } from '../../engine/result';
import { runDetailJson } from '../../engine/tracking/jsonShapes';
import { Tracker } from '../../engine/tracking/tracking';
import { workspaceLayout } from '../../engine/workspace/layout';
import { UsageError, value, type ParsedArgs } from '../args';
import { EXIT_OK, type CliCommand, type CliIo } from '../command';
import { commandFailure } from '../storeAccess';

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

export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

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
    if (store.error) return commandFailure(io, args, 'runs show', store.error);
    if (!store.tracker) return commandFailure(io, args, 'runs show', { code: 'store-missing', message: 'This workspace has no store yet, so no runs.', fix: 'Run a pipeline first.' });
    const run = store.tracker.getRun(id);
    store.tracker.close(true);
    if (!run.ok) return commandFailure(io, args, 'runs show', run.error);
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
