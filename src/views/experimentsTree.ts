// The Experiments view: experiments → runs (→ pipeline stages in execution order, cached ones marked),
// with status icons (spinning while a run runs), the primary metric (a pipeline run's from its stages) or
// why a run failed beside each run (experimentsItems.ts: what each row says), a rich tooltip,
// multi-select and context values for menus (`experiment`, `run`, `run-running`, `stage`). It re-reads the store when it changes: the context's
// onStoreChanged and a file watcher on the store and its -wal file, throttled so a training loop
// committing every few milliseconds refreshes the view at most every 400 ms (longer when reading the
// store takes long: reads stay under ~10% of the time), and not at all while the view is hidden.
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { onSettingsChanged, readSettings } from '../config';
import type { Ctx } from '../ctx';
import type { PipelineStage } from '../engine/runner/pipelineStages';
import type { MetricDirection } from '../engine/tracking/direction';
import type { Run, RunStatus } from '../engine/tracking/schemas';
import { loadEngine } from '../engineLoader';
import { experimentsModel, failureOf, runMetrics, runRow, stageNodes, stageRow } from './experimentsItems';
import { experimentsState, type ExperimentNode, type ExperimentsState } from './experimentsState';
import { codeSpan, md } from './markdown';
import type { WorkspaceState } from './workspaceState';
import { runTooltip } from './runMarkdown';

export const EXPERIMENTS_VIEW_ID = 'sextant.experiments';
const REFRESH_MS = 400;
const REAP_EVERY_MS = 5000;
/** Store errors that Move Store Aside is the answer to: the view shows its welcome content for them. */
const DAMAGED = new Set(['store-corrupt', 'store-empty']);

const STATUS_ICON: Record<RunStatus, vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  queued: new vscode.ThemeIcon('clock'),
  finished: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  killed: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
};

/** A stage without a run of its own in its pipeline run. */
const STAGE_ICON: Record<PipelineStage['status'], vscode.ThemeIcon> = {
  cached: new vscode.ThemeIcon('history', new vscode.ThemeColor('testing.iconPassed')),
  skipped: new vscode.ThemeIcon('debug-step-over', new vscode.ThemeColor('disabledForeground')),
  failed: STATUS_ICON.failed,
  ran: STATUS_ICON.finished,
  running: STATUS_ICON.running,
  queued: STATUS_ICON.queued,
  killed: STATUS_ICON.killed,
};

export class ExperimentsTree implements vscode.TreeDataProvider<ExperimentNode> {
  private readonly changed = new vscode.EventEmitter<ExperimentNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private lastReap = 0;
  /** Runs shown and total, for the view's message. */
  counts = { shown: 0, total: 0 };

  constructor(
    private readonly ctx: Ctx,
    private readonly state: ExperimentsState,
    private readonly workspace: WorkspaceState,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: ExperimentNode): Promise<ExperimentNode[]> {
    if (node?.kind === 'experiment') return node.runs.map((run) => this.runNode(run, node.primaryMetric));
    if (node?.kind === 'run') return stageNodes(node);
    if (node) return [];
    const got = await this.state.tracker();
    if (got.kind === 'missing') return [];
    if (got.kind === 'error') {
      if (DAMAGED.has(got.error.code)) {
        // No children, so the view's welcome content (package.json viewsWelcome, `sextant.storeState == error`)
        // shows, with its Move Store Aside button: VS Code shows no welcome in a view that has a child.
        this.workspace.storeDamaged(got.error);
        return [];
      }
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
    const model = experimentsModel(read, engine, { filter: filter.value, sort: this.state.sort, primaryMetric: readSettings().primaryMetric });
    this.stagesOf = model.stagesOf;
    this.direction = engine.metricDirection;
    const { shown, total } = model;
    const nodes: ExperimentNode[] = model.experiments;
    this.counts = { shown, total };
    this.running = read.runs.some((r) => r.status === 'running');
    this.updateMessage();
    if (nodes.length === 0 && total > 0) return [{ kind: 'note', message: `No runs match "${this.state.filterText}"`, command: { command: 'sextant.experiments.clearFilter', title: 'Clear Filter' } }];
    return nodes;
  }

  private stagesOf = new Map<string, PipelineStage[]>();
  private direction: (key: string) => MetricDirection | undefined = () => undefined;
  private running = false;
  /** How long the last read of the store took (the refresh throttle keeps reads under ~10% of the time). */
  lastReadMs = 0;

  /** Whether the last read found a running run (its elapsed time needs ticking). */
  hasRunning(): boolean {
    return this.running;
  }

  private runNode(run: Run, primaryMetric: string | undefined): ExperimentNode {
    return { kind: 'run', run, stages: this.stagesOf.get(run.id) ?? [], primaryMetric };
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
        item.tooltip = new vscode.MarkdownString(`${md(node.message)}${node.file ? `\n\n${codeSpan(node.file)}` : ''}${node.fix ? `\n\nFix: ${md(node.fix)}` : ''}\n\nSextant has not changed the file. Click to run the doctor.`);
        item.command = { command: 'sextant.doctor', title: 'Run Doctor' };
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
      case 'stage': {
        const { stage } = node;
        const item = new vscode.TreeItem(stage.name, vscode.TreeItemCollapsibleState.None);
        item.id = `stage:${node.pipelineRunId}:${stage.name}`;
        item.iconPath = STAGE_ICON[stage.status];
        const row = stageRow(stage, node.pipelineRunId, node.primaryMetric, this.direction, Date.now());
        item.description = row.description;
        item.accessibilityInformation = { label: row.accessibility };
        item.contextValue = 'stage';
        const reused = stage.status === 'cached' ? stage.run : undefined;
        item.tooltip = new vscode.MarkdownString(
          stage.status === 'cached'
            ? `**${md(stage.name)}** · cached: its inputs and outputs were unchanged, so it did not run${reused ? `; its outputs and metrics are those of run ${codeSpan(reused.id)} (click to show it)` : ' (the run it reused is no longer in the store)'}.`
            : `**${md(stage.name)}** · ${stage.status}${stage.reason ? `\n\n${md(stage.reason)}` : ''}`,
        );
        if (reused) item.command = { command: 'sextant.experiments.showRun', title: 'Show Run', arguments: [{ kind: 'run', run: reused, stages: [], primaryMetric: node.primaryMetric } satisfies ExperimentNode] };
        return item;
      }
      case 'run': {
        const run = node.run;
        const item = new vscode.TreeItem(run.name, node.stages.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `run:${run.id}`;
        item.iconPath = STATUS_ICON[run.status];
        const stage = node.stageOf ? this.stagesOf.get(node.stageOf)?.find((s) => s.run?.id === run.id) : undefined;
        const row = stage && node.stageOf ? stageRow(stage, node.stageOf, node.primaryMetric, this.direction, Date.now()) : runRow(run, node.stages, node.primaryMetric, this.direction, Date.now());
        item.description = row.description;
        item.contextValue = run.status === 'running' || run.status === 'queued' ? 'run-running' : 'run';
        item.command = { command: 'sextant.experiments.showRun', title: 'Show Run', arguments: [node] };
        item.accessibilityInformation = { label: row.accessibility };
        return item;
      }
    }
  }

  resolveTreeItem(item: vscode.TreeItem, node: ExperimentNode): vscode.TreeItem {
    if (node.kind === 'run') {
      const failure = failureOf(node.run, node.stages);
      const why = failure ? `$(error) ${failure.stage ? `stage ${codeSpan(failure.stage)} failed: ` : ''}${md(failure.line)}\n\n` : '';
      item.tooltip = new vscode.MarkdownString(`${why}${runTooltip({ ...node.run, metrics: runMetrics(node.run, node.stages) })}`, true);
    }
    return item;
  }
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

export function registerExperimentsView(ctx: Ctx, workspace: WorkspaceState): void {
  const state = experimentsState(ctx);
  const tree = new ExperimentsTree(ctx, state, workspace);
  const view = vscode.window.createTreeView(EXPERIMENTS_VIEW_ID, { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  state.view = view;
  const refresh = throttle(
    () => tree.refresh(),
    () => Math.max(REFRESH_MS, 10 * tree.lastReadMs),
    () => view.visible,
  );
  ctx.push(view, refresh, state.onDidChange(() => tree.refresh()), ctx.onStoreChanged(() => refresh.fire()), view.onDidChangeVisibility(() => refresh.flushIfPending()));
  // the workspace state re-read the store's header (and may have cleared a damage only the open found): look again
  ctx.push(workspace.onDidChange(() => refresh.fire()));
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
    // a store elsewhere: watch it (Ctx re-opens it and fires onStoreChanged, which refreshes)
    onSettingsChanged(['storePath'], watch),
    onSettingsChanged(['primaryMetric'], () => refresh.fire()),
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
