// The Experiments view: experiments → runs (→ pipeline stages), with status icons (spinning while a
// run runs), the primary metric beside each run, a rich tooltip, multi-select and context values for
// menus (`experiment`, `run`, `run-running`). It re-reads the store when it changes: the context's
// onStoreChanged and a file watcher on the store and its -wal file, throttled so a training loop
// committing every few milliseconds refreshes the view at most every 400 ms (longer when reading the
// store takes long: reads stay under ~10% of the time), and not at all while the view is hidden.
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { formatDuration } from '../engine/format';
import type { Run, RunStatus } from '../engine/tracking/schemas';
import { loadEngine } from '../engineLoader';
import { experimentsState, type ExperimentNode, type ExperimentsState } from './experimentsState';

export const EXPERIMENTS_VIEW_ID = 'sextant.experiments';
export const RUN_SCHEME = 'sextant-run';
const REFRESH_MS = 400;
const REAP_EVERY_MS = 5000;

const STATUS_ICON: Record<RunStatus, vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  queued: new vscode.ThemeIcon('clock'),
  finished: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  killed: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
};

export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '-∞';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

function ago(ms: number): string {
  const d = Date.now() - ms;
  if (d < 60_000) return 'just now';
  if (d < 3_600_000) return `${Math.floor(d / 60_000)}m ago`;
  if (d < 86_400_000) return `${Math.floor(d / 3_600_000)}h ago`;
  return new Date(ms).toISOString().slice(0, 10);
}

const md = (text: string): string => text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');

function primaryMetricFor(run: Run, preferred: string | undefined): string | undefined {
  if (preferred && run.metrics[preferred]) return preferred;
  return Object.keys(run.metrics)[0];
}

export function runTooltip(run: Run): vscode.MarkdownString {
  const t = new vscode.MarkdownString(undefined, true);
  const duration = run.startedAt !== null ? formatDuration((run.endedAt ?? Date.now()) - run.startedAt) : undefined;
  t.appendMarkdown(`**${md(run.name)}** · ${run.status}${run.exitCode !== null && run.exitCode !== 0 ? ` (exit ${run.exitCode})` : ''}${duration ? ` · ${duration}` : ''}\n\n`);
  t.appendMarkdown(`\`${run.id}\` · ${md(run.experiment)}${run.startedAt !== null ? ` · started ${new Date(run.startedAt).toLocaleString()}` : ''}\n\n`);
  if (run.gitCommit) t.appendMarkdown(`$(git-commit) \`${run.gitCommit.slice(0, 10)}\`${run.gitDirty ? ' with uncommitted changes' : ''}\n\n`);
  if (run.gpu) t.appendMarkdown(`$(circuit-board) GPU ${md(run.gpu)}\n\n`);
  const metrics = Object.values(run.metrics).slice(0, 8);
  if (metrics.length) {
    t.appendMarkdown('| metric | last | min | max | step |\n|---|---:|---:|---:|---:|\n');
    for (const m of metrics) t.appendMarkdown(`| ${md(m.key)} | ${formatValue(m.last)} | ${m.min === null ? '' : formatValue(m.min)} | ${m.max === null ? '' : formatValue(m.max)} | ${m.step} |\n`);
    t.appendMarkdown('\n');
  }
  const params = Object.entries(run.params).slice(0, 12);
  if (params.length) {
    t.appendMarkdown('| param | value |\n|---|---|\n');
    for (const [k, v] of params) t.appendMarkdown(`| ${md(k)} | ${md(v.length > 60 ? `${v.slice(0, 60)}…` : v)} |\n`);
    t.appendMarkdown('\n');
  }
  if (run.command) t.appendMarkdown(`\`${run.command.replace(/`/g, "'").slice(0, 200)}\``);
  return t;
}

export class ExperimentsTree implements vscode.TreeDataProvider<ExperimentNode> {
  private readonly changed = new vscode.EventEmitter<ExperimentNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private lastReap = 0;
  /** Runs shown and total, for the view's message. */
  counts = { shown: 0, total: 0 };

  constructor(
    private readonly ctx: Ctx,
    private readonly state: ExperimentsState,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: ExperimentNode): Promise<ExperimentNode[]> {
    if (node?.kind === 'experiment') return node.runs.map((run) => this.runNode(run, node.primaryMetric));
    if (node?.kind === 'run') return node.children.map((run) => this.runNode(run, node.primaryMetric));
    if (node) return [];
    const got = await this.state.tracker();
    if (got.kind === 'missing') return [];
    if (got.kind === 'error') {
      const file = got.error.file ?? this.ctx.layout()?.storePath;
      return [{ kind: 'error', message: `${file ? `${basename(file)}: ` : ''}${got.error.message}`, ...(file ? { file } : {}), ...(got.error.fix ? { fix: got.error.fix } : {}) }];
    }
    const tracker = got.tracker;
    if (Date.now() - this.lastReap > REAP_EVERY_MS) {
      this.lastReap = Date.now();
      const reaped = tracker.reapDeadRuns();
      if (reaped.ok && reaped.value.length) this.ctx.log.info(`experiments: marked ${reaped.value.length} run(s) killed (their process is gone): ${reaped.value.join(', ')}`);
    }
    const engine = await loadEngine();
    const started = performance.now();
    const read = this.ctx.log.time('experiments: list runs', () => {
      const experiments = tracker.listExperiments();
      const runs = tracker.listRuns();
      return experiments.ok && runs.ok ? { experiments: experiments.value, runs: runs.value } : { error: !experiments.ok ? experiments.error : !runs.ok ? runs.error : undefined };
    });
    this.lastReadMs = performance.now() - started;
    if ('error' in read) return [{ kind: 'error', message: read.error?.message ?? 'Cannot read runs', ...(read.error?.file ? { file: read.error.file } : {}), ...(read.error?.fix ? { fix: read.error.fix } : {}) }];
    const filter = engine.parseRunFilter(this.state.filterText);
    if (!filter.ok) return [{ kind: 'note', message: `Filter: ${filter.error.message}`, command: { command: 'sextant.experiments.filter', title: 'Edit Filter' } }];
    const byParent = new Map<string, Run[]>();
    for (const r of read.runs) if (r.parentId) (byParent.get(r.parentId) ?? byParent.set(r.parentId, []).get(r.parentId)!).push(r);
    const sort = this.state.sort;
    const setting = vscode.workspace.getConfiguration('sextant').get<string>('experiments.primaryMetric') || undefined;
    const nodes: ExperimentNode[] = [];
    let shown = 0;
    let total = 0;
    for (const e of read.experiments) {
      const top = read.runs.filter((r) => r.experimentId === e.id && !r.parentId);
      total += top.length;
      if (top.length === 0) continue;
      const kept = top.filter((r) => engine.runMatches(r, filter.value) || (byParent.get(r.id) ?? []).some((c) => engine.runMatches(c, filter.value)));
      if (kept.length === 0) continue;
      shown += kept.length;
      const primaryMetric = setting ?? e.primaryMetric ?? Object.keys(kept[0]!.metrics)[0];
      nodes.push({ kind: 'experiment', name: e.name, primaryMetric, runs: engine.sortRuns(kept, sort), total: top.length });
    }
    this.runChildren = byParent;
    this.counts = { shown, total };
    this.running = read.runs.some((r) => r.status === 'running');
    this.updateMessage();
    if (nodes.length === 0 && total > 0) return [{ kind: 'note', message: `No runs match "${this.state.filterText}"`, command: { command: 'sextant.experiments.clearFilter', title: 'Clear Filter' } }];
    return nodes;
  }

  private runChildren = new Map<string, Run[]>();
  private running = false;
  /** How long the last read of the store took (the refresh throttle keeps reads under ~10% of the time). */
  lastReadMs = 0;

  /** Whether the last read found a running run (its elapsed time needs ticking). */
  hasRunning(): boolean {
    return this.running;
  }

  private runNode(run: Run, primaryMetric: string | undefined): ExperimentNode {
    return { kind: 'run', run, children: this.runChildren.get(run.id) ?? [], primaryMetric };
  }

  private updateMessage(): void {
    const view = this.state.view;
    if (!view) return;
    const engine = (): string => {
      const s = this.state.sort;
      if (s.by === 'started') return s.direction === 'desc' ? '' : 'oldest first';
      return `sorted by ${s.by === 'name' ? 'name' : s.key} ${s.direction === 'asc' ? '↑' : '↓'}`;
    };
    const parts = [this.state.filterText ? `filter: ${this.state.filterText} (${this.counts.shown} of ${this.counts.total})` : '', engine()].filter(Boolean);
    view.description = parts.join(' · ') || undefined;
  }

  getTreeItem(node: ExperimentNode): vscode.TreeItem {
    switch (node.kind) {
      case 'error': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        item.tooltip = new vscode.MarkdownString(`${md(node.message)}${node.file ? `\n\n\`${node.file}\`` : ''}${node.fix ? `\n\nFix: ${md(node.fix)}` : ''}\n\nSextant has not changed the file. Click to move it aside.`);
        item.command = { command: 'sextant.moveStoreAside', title: 'Move Store Aside' };
        item.contextValue = 'store-error';
        return item;
      }
      case 'note': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('filter');
        if (node.command) item.command = node.command;
        return item;
      }
      case 'experiment': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `experiment:${node.name}`;
        item.iconPath = new vscode.ThemeIcon('beaker');
        const running = node.runs.filter((r) => r.status === 'running').length;
        item.description = `${node.runs.length === node.total ? node.total : `${node.runs.length}/${node.total}`} run${node.total === 1 ? '' : 's'}${running ? ` · ${running} running` : ''}${node.primaryMetric ? ` · ${node.primaryMetric}` : ''}`;
        item.contextValue = 'experiment';
        return item;
      }
      case 'run': {
        const run = node.run;
        const item = new vscode.TreeItem(run.name, node.children.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `run:${run.id}`;
        item.iconPath = STATUS_ICON[run.status];
        const key = primaryMetricFor(run, node.primaryMetric);
        const metric = key ? `${key} ${formatValue(run.metrics[key]!.last)}` : '';
        const when = run.status === 'running' && run.startedAt !== null ? formatDuration(Date.now() - run.startedAt) : ago(run.startedAt ?? run.createdAt);
        item.description = [metric, when].filter(Boolean).join(' · ');
        item.contextValue = run.status === 'running' || run.status === 'queued' ? 'run-running' : 'run';
        item.command = { command: 'sextant.experiments.showRun', title: 'Show Run', arguments: [node] };
        item.accessibilityInformation = { label: `${run.name}, ${run.status}${metric ? `, ${metric}` : ''}` };
        return item;
      }
    }
  }

  resolveTreeItem(item: vscode.TreeItem, node: ExperimentNode): vscode.TreeItem {
    if (node.kind === 'run') item.tooltip = runTooltip(node.run);
    return item;
  }
}

/** Read-only documents `sextant-run:/<id>.md` with a run's details (the view's click target). */
class RunDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  constructor(private readonly state: ExperimentsState) {}

  /** Re-renders the open run documents (their runs may have logged more). */
  refreshOpen(): void {
    for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === RUN_SCHEME) this.changed.fire(doc.uri);
  }

  dispose(): void {
    this.changed.dispose();
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const id = basename(uri.path).replace(/\.md$/, '');
    const got = await this.state.tracker();
    if (got.kind !== 'ok') return `# Run ${id}\n\nThe store is not available.`;
    if (uri.path.startsWith('/compare/')) return compareDocument(got.tracker.listRuns({ ids: id.split(',') }), id.split(','));
    const run = got.tracker.getRun(id);
    if (!run.ok) return `# Run ${id}\n\n${run.error.message}`;
    const r = run.value;
    const lines = [`# ${r.name}`, '', `- id: \`${r.id}\``, `- experiment: ${r.experiment}`, `- status: ${r.status}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}`];
    if (r.startedAt !== null) lines.push(`- started: ${new Date(r.startedAt).toISOString()}`, `- duration: ${formatDuration((r.endedAt ?? Date.now()) - r.startedAt)}`);
    if (r.gitCommit) lines.push(`- commit: \`${r.gitCommit}\`${r.gitDirty ? ' (uncommitted changes)' : ''}`);
    if (r.command) lines.push(`- command: \`${r.command}\``);
    for (const [label, value] of [['host', r.host], ['Python', r.pythonVersion], ['Node', r.nodeVersion], ['GPU', r.gpu], ['parent run', r.parentId]] as const) if (value) lines.push(`- ${label}: ${value}`);
    if (r.children.length) lines.push(`- stages: ${r.children.map((c) => `\`${c.slice(0, 8)}\``).join(', ')}`);
    const table = (title: string, head: string, rows: string[][]): void => {
      if (rows.length === 0) return;
      lines.push('', `## ${title}`, '', head, head.replace(/[^|]+/g, '---'), ...rows.map((row) => `| ${row.join(' | ')} |`));
    };
    table('Metrics', '| metric | last | min | max | step | points |', Object.values(r.metrics).map((m) => [m.key, formatValue(m.last), m.min === null ? '' : formatValue(m.min), m.max === null ? '' : formatValue(m.max), String(m.step), String(r.history[m.key]?.length ?? 0)]));
    table('Params', '| param | value |', Object.entries(r.params).map(([k, v]) => [k, v.replace(/\|/g, '\\|').slice(0, 500)]));
    table('Tags', '| tag | value |', Object.entries(r.tags).map(([k, v]) => [k, v.replace(/\|/g, '\\|').slice(0, 500)]));
    table('Artifacts', '| path | size | type | sha256 |', r.artifacts.map((a) => [a.path, String(a.size), a.mediaType, `\`${a.sha256.slice(0, 12)}\``]));
    return `${lines.join('\n')}\n`;
  }
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 120);

/** A side-by-side table of runs: params that differ first (in bold), then last metric values (best in bold). */
function compareDocument(result: ReturnType<import('../engine/tracking/tracking').Tracker['listRuns']>, order: string[]): string {
  if (!result.ok) return `# Compare runs\n\n${result.error.message}`;
  const runs = order.map((id) => result.value.find((r) => r.id === id)).filter((r): r is Run => Boolean(r));
  if (runs.length === 0) return '# Compare runs\n\nNone of these runs is in the store any more.';
  const head = `| | ${runs.map((r) => `${cell(r.name)} \`${r.id.slice(0, 8)}\``).join(' | ')} |`;
  const rule = `|---|${runs.map(() => '---').join('|')}|`;
  const lines = ['# Compare runs', '', head, rule, `| status | ${runs.map((r) => r.status).join(' | ')} |`, `| experiment | ${runs.map((r) => cell(r.experiment)).join(' | ')} |`];
  lines.push(`| duration | ${runs.map((r) => (r.startedAt !== null ? formatDuration((r.endedAt ?? Date.now()) - r.startedAt) : '')).join(' | ')} |`);
  lines.push(`| commit | ${runs.map((r) => (r.gitCommit ? `\`${r.gitCommit.slice(0, 8)}\`${r.gitDirty ? ' (dirty)' : ''}` : '')).join(' | ')} |`);
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const differs = (k: string): boolean => new Set(runs.map((r) => r.params[k] ?? '∅')).size > 1;
  const ordered = [...paramKeys.filter(differs), ...paramKeys.filter((k) => !differs(k))];
  if (ordered.length) {
    lines.push('', '## Params', '', `Params that differ come first, in bold.`, '', head, rule);
    for (const k of ordered) {
      const d = differs(k);
      lines.push(`| ${d ? `**${cell(k)}**` : cell(k)} | ${runs.map((r) => (r.params[k] === undefined ? '–' : d ? `**${cell(r.params[k]!)}**` : cell(r.params[k]!))).join(' | ')} |`);
    }
  }
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))];
  if (metricKeys.length) {
    lines.push('', '## Metrics (last value; lowest and highest in bold)', '', head, rule);
    for (const k of metricKeys) {
      const values = runs.map((r) => r.metrics[k]?.last);
      const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
      const lo = Math.min(...finite);
      const hi = Math.max(...finite);
      lines.push(`| ${cell(k)} | ${values.map((v) => (v === undefined ? '–' : finite.length > 1 && (v === lo || v === hi) ? `**${formatValue(v)}**` : formatValue(v))).join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Calls fn at most once per `ms()`, trailing, and only while `active()`; otherwise once it becomes active. */
function throttle(fn: () => void, ms: () => number, active: () => boolean): { fire(): void; flushIfPending(): void; dispose(): void } {
  let timer: NodeJS.Timeout | undefined;
  let pending = false;
  return {
    fire() {
      pending = true;
      if (timer || !active()) return;
      timer = setTimeout(() => {
        timer = undefined;
        if (!active()) return;
        pending = false;
        fn();
      }, ms());
    },
    flushIfPending() {
      if (pending) this.fire();
    },
    dispose() {
      if (timer) clearTimeout(timer);
    },
  };
}

export function registerExperimentsView(ctx: Ctx): void {
  const state = experimentsState(ctx);
  const tree = new ExperimentsTree(ctx, state);
  const view = vscode.window.createTreeView(EXPERIMENTS_VIEW_ID, { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  state.view = view;
  const documents = new RunDocuments(state);
  const refresh = throttle(
    () => {
      tree.refresh();
      documents.refreshOpen();
    },
    () => Math.max(REFRESH_MS, 10 * tree.lastReadMs),
    () => view.visible,
  );
  ctx.push(view, refresh, documents, state.onDidChange(() => tree.refresh()), ctx.onStoreChanged(() => refresh.fire()), view.onDidChangeVisibility(() => refresh.flushIfPending()));
  ctx.push(vscode.workspace.registerTextDocumentContentProvider(RUN_SCHEME, documents));
  void vscode.commands.executeCommand('setContext', 'sextant.experiments.filtered', Boolean(state.filterText));

  // Watch the store and its write-ahead log: every commit by any process touches the -wal file.
  let watcher: vscode.FileSystemWatcher | undefined;
  const watch = (): void => {
    watcher?.dispose();
    const layout = ctx.layout();
    if (!layout) return;
    watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(layout.storePath)), `${basename(layout.storePath)}*`));
    watcher.onDidChange(() => refresh.fire());
    watcher.onDidCreate(() => refresh.fire());
    watcher.onDidDelete((uri) => {
      if (uri.fsPath === layout.storePath) ctx.resetStore();
      refresh.fire();
    });
  };
  watch();
  ctx.push(
    { dispose: () => watcher?.dispose() },
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('sextant.storePath')) watch();
      if (e.affectsConfiguration('sextant.storePath') || e.affectsConfiguration('sextant.experiments.primaryMetric')) refresh.fire();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => {
      watch();
      refresh.fire();
    }),
  );
  // Running runs show their elapsed time: tick while any is visible and running.
  const ticker = setInterval(() => {
    if (view.visible && tree.hasRunning()) refresh.fire();
  }, 5000);
  ctx.push({ dispose: () => clearInterval(ticker) });
}
