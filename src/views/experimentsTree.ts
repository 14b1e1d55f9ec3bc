// The Experiments view: experiments → runs (→ pipeline stages in execution order, cached ones marked),
// with status icons (spinning while a run runs), the primary metric (a pipeline run's from its stages) or
// why a run failed beside each run (experimentsItems.ts: what each row says), a rich tooltip,
// multi-select and context values for menus (`experiment`, `run`, `run-running`, `stage`). Experiments
// start collapsed but for the one with running runs (else the newest), list 50 runs and a "show more" row,
// and say on their row how many runs they hold, how many run, and the best primary metric.
// It reads the whole store once; afterwards, when the store changes (the context's onStoreChanged, a file
// watcher on the store and its -wal file; at most every 400 ms, one update at a time, none while the view
// is hidden) it asks the store's change feed what changed, re-reads only those runs, and refreshes only
// the rows that changed (the same node objects, so expanded experiments update in place); runs that only
// logged points are drawn at most every 2 s, new runs and status changes at once, an experiment's row whose
// best metric alone moved at most every 10 s (its refresh makes VS Code ask for all its shown runs again).
// After activation (onStartupFinished) it reads the store ahead, so the first click finds the rows built.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { onSettingsChanged, readSettings } from '../config';
import type { Ctx } from '../ctx';
import type { PipelineStage } from '../engine/runner/pipelineStages';
import type { MetricDirection } from '../engine/tracking/direction';
import { hasNoEnd } from '../engine/mlflow/noEnd';
import type { RunStatus } from '../engine/tracking/schemas';
import { loadEngine } from '../engineLoader';
import type { StoreChanges } from '../engine/tracking/changes';
import type { Tracker } from '../engine/tracking/tracking';
import { keepsRead, readAll, type HeldRead } from './experimentsRead';
import { gateMetrics, mergeChangedRuns, ModelMemo, PendingChanges, viewHeader, expandedByDefault, experimentOverview, experimentsModel, ExperimentNodes, failureOf, oneAtATime, runMetrics, runRow, RUNS_PER_PAGE, stageNodes, stageRow } from './experimentsItems';
import { experimentsState, type ExperimentNode, type ExperimentsState } from './experimentsState';
import { codeSpan, md } from './markdown';
import { watchStoreFiles } from './storeWatch';
import type { WorkspaceState } from './workspaceState';
import { runTooltip } from './runMarkdown';

export const EXPERIMENTS_VIEW_ID = 'sextant.experiments';
/** The "show more" row's command (not in the palette: it takes the experiment's name). */
const SHOW_MORE_COMMAND = 'sextant.experiments.showMoreRuns';
const REFRESH_MS = 400;
/**
 * At most this often, the numbers of runs that only logged points are drawn again (a script logging steadily
 * would otherwise rebuild the tree model 2–3 times a second): as often as a running run's elapsed time ticks
 * (tick()), so a running run's row is drawn about twice per 5 s, not three or four times (it was 2 s). Each draw
 * is a model rebuild and VS Code fetching the row again.
 */
const POINTS_MS = 5000;
/** The lines for what the change feed brings in are logged only when they took this long (each line is a message to the window). */
const QUIET_UNDER_MS = 50;
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

/** A run imported from MLflow as RUNNING with no end recorded (src/engine/mlflow/noEnd.ts): shown as running, never as live. */
const NO_END_ICON = new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('charts.blue'));

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
  private readonly changed = new vscode.EventEmitter<ExperimentNode | ExperimentNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private lastReap = 0;
  /** Runs shown and total, for the view's message. */
  counts = { shown: 0, total: 0 };
  /** What the last full read returned, kept current from the store's change feed; undefined: read it all again. */
  private read: HeldRead | undefined;
  /** The root's rows being built (a read ahead, or VS Code's first ask): a second ask waits for the same. */
  private rootsLoading: Promise<ExperimentNode[]> | undefined;
  private nodes = new ExperimentNodes(() => undefined);
  /** What the model build reuses of the previous one (the experiments none of whose runs changed). */
  private memo = new ModelMemo();
  private expanded = new Set<string>();
  /** The root's rows as last built (what VS Code holds). */
  private roots: ExperimentNode[] | undefined;
  private readonly updates = oneAtATime(() => this.applyStoreChanges());
  /** What the change feed named that is not drawn yet. */
  private readonly pending = new PendingChanges(POINTS_MS);

  constructor(
    private readonly ctx: Ctx,
    private readonly state: ExperimentsState,
    private readonly workspace: WorkspaceState,
  ) {}

  /** Reads everything again (the filter, sort or settings changed, or the store was replaced). */
  refresh(): void {
    this.pending.clear();
    this.read = undefined;
    this.roots = undefined;
    this.rootsLoading = undefined;
    this.changed.fire(undefined);
  }

  /** The workspace's store state changed: the read in hand stays when it is of that store (the rows are drawn again), else all is read again. */
  async storeStateChanged(kind: 'ok' | 'missing' | 'error'): Promise<void> {
    const got = this.read ? await this.state.tracker() : undefined;
    if (keepsRead(this.read, kind, got?.kind === 'ok' ? got.tracker : undefined)) return this.redraw();
    this.refresh();
  }

  /**
   * Reads the store and builds the root's rows before the view is shown (after startup), so that the first
   * click finds them built; nothing when they are already, or the store is missing.
   */
  readAhead(): void {
    if (this.read || this.rootsLoading) return;
    // Every window activates after startup: one without a store loads no engine for it.
    const layout = this.ctx.layout();
    if (!layout || !existsSync(layout.storePath)) return;
    this.ctx.log.info(`experiments: reading ahead at ${new Date().toISOString()}`);
    void this.loadRoots().then((rows) => this.ctx.log.info(`experiments: read ahead (${rows.length} rows) at ${new Date().toISOString()}`)).catch((err: Error) => this.ctx.log.error(`experiments: ${err.message}`));
  }

  /** The runs in hand drawn again (the pipelines' gate metrics or the primary-metric setting changed): no store read. */
  redraw(): void {
    if (!this.read) return this.refresh();
    void this.build().then((built) => {
      this.roots = built.roots;
      this.changed.fire(built.changed === 'root' ? undefined : built.changed);
    });
  }

  /** The store changed: re-reads only the runs the change feed names, and refreshes only their rows (one update at a time). */
  storeChanged(): Promise<void> {
    return this.updates.request();
  }

  /** Shows the next page of an experiment's runs. */
  showMore(experiment: string): void {
    const node = this.nodes.showMore(experiment);
    this.changed.fire(node);
  }

  /** Running runs' rows (their elapsed time), and experiments whose summary waited its turn; a run whose process is gone is marked killed (the change feed then shows it). */
  tick(): void {
    const due = this.nodes.dueSummaries();
    const running = this.nodes.running();
    if (running.length && this.read) {
      this.reap(this.read.tracker);
      void this.storeChanged();
    }
    if (running.length || due.length) this.changed.fire([...due, ...running]);
  }

  private async applyStoreChanges(): Promise<void> {
    const read = this.read;
    if (!read) return this.changed.fire(undefined);
    const got = await this.state.tracker();
    if (got.kind !== 'ok' || got.tracker !== read.tracker) return this.refresh();
    this.reap(read.tracker);
    // Not logged: the feed is asked every second while the view is visible (a look at an idle store is two pragmas).
    let changes: { value: StoreChanges | undefined } | { error: Error };
    try {
      changes = { value: read.feed.next() };
    } catch (err) {
      changes = { error: err as Error };
    }
    if ('error' in changes) return this.refresh();
    // Runs that only logged points are drawn at most every POINTS_MS; a new run, a status, a name at once.
    const due = this.pending.take(changes.value);
    if (!due) return;
    const ids = due.ids;
    const fresh = this.ctx.log.time(`experiments: read ${ids.length} changed run(s)`, () => read.tracker.listRuns({ ids }), QUIET_UNDER_MS);
    if (!fresh.ok) return this.refresh();
    mergeChangedRuns(read.runs, ids, fresh.value);
    if (due.added) {
      const experiments = read.tracker.listExperiments();
      if (experiments.ok) read.experiments = experiments.value;
    }
    const before = new Set((this.roots ?? []).flatMap((n) => (n.kind === 'experiment' ? [n.name] : [])));
    const built = await this.build(QUIET_UNDER_MS);
    this.roots = built.roots;
    // A new experiment whose run is running opens, as the active one does at first.
    for (const n of built.roots) if (n.kind === 'experiment' && !before.has(n.name) && n.runs.some((r) => r.status === 'running' || r.status === 'queued')) this.expanded.add(n.name);
    if (built.changed === 'root') this.changed.fire(undefined);
    else if (built.changed.length) this.changed.fire(built.changed);
  }

  /** The root's rows from what was read (a filter that does not parse, or no run matching it, is a note). */
  private async build(quietUnderMs = 0): Promise<{ roots: ExperimentNode[]; changed: ExperimentNode[] | 'root' }> {
    const read = this.read!;
    const engine = await loadEngine();
    const filter = engine.parseRunFilter(this.state.filterText);
    if (!filter.ok) {
      this.updateMessage(undefined);
      return { roots: [{ kind: 'note', message: `Filter: ${filter.error.message}`, command: { command: 'sextant.experiments.filter', title: 'Edit Filter' } }], changed: 'root' };
    }
    const runs = [...read.runs.values()];
    const model = this.ctx.log.time('experiments: tree model', () => experimentsModel({ experiments: read.experiments, runs }, engine, { filter: filter.value, sort: this.state.sort, primaryMetric: readSettings().primaryMetric, gateMetrics: gateMetrics(this.workspace.entries.flatMap((e) => (e.pipeline ? [e.pipeline] : []))) }, this.memo), quietUnderMs);
    this.direction = engine.metricDirection;
    const applied = this.nodes.apply(model);
    this.counts = { shown: model.shown, total: model.total };
    this.updateMessage(this.counts);
    if (applied.roots.length === 0 && model.total > 0) return { roots: [{ kind: 'note', message: `No runs match "${this.state.filterText}"`, command: { command: 'sextant.experiments.clearFilter', title: 'Clear Filter' } }], changed: 'root' };
    return applied;
  }

  private reap(tracker: Tracker): void {
    if (Date.now() - this.lastReap <= REAP_EVERY_MS) return;
    this.lastReap = Date.now();
    const reaped = tracker.reapDeadRuns();
    if (reaped.ok && reaped.value.length) this.ctx.log.info(`experiments: marked ${reaped.value.length} run(s) killed (their process is gone): ${reaped.value.join(', ')}`);
  }

  async getChildren(node?: ExperimentNode): Promise<ExperimentNode[]> {
    if (node?.kind === 'experiment') return this.nodes.children(node);
    if (node?.kind === 'run') return stageNodes(node);
    if (node) return [];
    const first = !this.firstAsked;
    this.firstAsked = true;
    if (first) this.ctx.log.info(`experiments: first rows asked at ${new Date().toISOString()}`);
    const rows = await this.loadRoots();
    if (first) this.ctx.log.info(`experiments: first rows returned (${rows.length}) at ${new Date().toISOString()}`);
    return rows;
  }

  /** The root's rows, one build at a time (the read ahead and VS Code's first ask share it). */
  private loadRoots(): Promise<ExperimentNode[]> {
    if (!this.rootsLoading) {
      const loading = this.rootRows().finally(() => {
        if (this.rootsLoading === loading) this.rootsLoading = undefined;
      });
      this.rootsLoading = loading;
    }
    return this.rootsLoading;
  }

  /** The root's rows: those built, else from the read in hand, else from a full read of the store. */
  private async rootRows(): Promise<ExperimentNode[]> {
    const got = await this.state.tracker();
    if (got.kind !== 'ok') this.clearMessage();
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
    this.reap(tracker);
    const engine = await loadEngine();
    if (!this.read || this.read.tracker !== tracker) {
      const started = performance.now();
      const read = this.ctx.log.time('experiments: list runs', () => readAll(tracker, new engine.ChangeFeed(tracker.db)));
      this.lastReadMs = performance.now() - started;
      if ('error' in read) this.ctx.log.warn(`experiments: cannot read runs: ${read.error?.message ?? 'unknown error'}`);
      if ('error' in read) return [{ kind: 'error', message: read.error?.message ?? 'Cannot read runs', ...(read.error?.file ? { file: read.error.file } : {}), ...(read.error?.fix ? { fix: read.error.fix } : {}) }];
      this.read = read;
      this.nodes = new ExperimentNodes(engine.metricDirection);
      this.memo = new ModelMemo();
    }
    if (this.roots) return this.roots;
    const built = await this.build();
    this.roots = built.roots;
    const experiments = built.roots.filter((n): n is Extract<ExperimentNode, { kind: 'experiment' }> => n.kind === 'experiment');
    this.expanded = expandedByDefault(experiments);
    return built.roots;
  }

  private direction: (key: string) => MetricDirection | undefined = () => undefined;
  /** How long the last full read of the store took. */
  lastReadMs = 0;
  /** Whether the root's rows were asked for once (the first ask and answer are logged: the first paint's split). */
  private firstAsked = false;

  /** The filter above the rows (the view's message), the sort beside the title; none when no rows are shown (the welcome content shows only without a message). */
  private updateMessage(counts: { shown: number; total: number } | undefined): void {
    const view = this.state.view;
    if (!view) return;
    const header = viewHeader(this.state.filterText, this.state.sort, counts);
    view.message = header.message;
    view.description = header.description;
  }

  private clearMessage(): void {
    if (this.state.view) this.state.view.message = undefined;
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
        // Collapsed but for the experiment with running runs or the newest: VS Code keeps what the user opened (the id is stable).
        const item = new vscode.TreeItem(node.name, this.expanded.has(node.name) ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `experiment:${node.name}`;
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.description = experimentOverview(node, this.nodes.stagesOf, this.direction);
        item.tooltip = `${node.name}: ${item.description}`;
        item.contextValue = 'experiment';
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(`Show ${Math.min(node.hidden, RUNS_PER_PAGE)} more…`, vscode.TreeItemCollapsibleState.None);
        item.id = `more:${node.experiment}`;
        item.description = `${node.hidden} not shown`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: SHOW_MORE_COMMAND, title: 'Show More Runs', arguments: [node.experiment] };
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
        // An imported run MLflow still calls RUNNING, with no end: not live, so no spinner and no stop action.
        const noEnd = hasNoEnd(run);
        item.iconPath = noEnd ? NO_END_ICON : STATUS_ICON[run.status];
        const stage = node.stageOf ? this.nodes.stagesOf.get(node.stageOf)?.find((s) => s.run?.id === run.id) : undefined;
        const row = stage && node.stageOf ? stageRow(stage, node.stageOf, node.primaryMetric, this.direction, Date.now()) : runRow(run, node.stages, node.primaryMetric, this.direction, Date.now());
        item.description = row.description;
        item.contextValue = !noEnd && (run.status === 'running' || run.status === 'queued') ? 'run-running' : 'run';
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

/**
 * Calls fn at most once per `ms()`, and only while `active()` (otherwise once it becomes active): at once when
 * the last call is older than that (a new run shows without waiting), else at the end of the window.
 */
function throttle(fn: () => void, ms: () => number, active: () => boolean): { fire(): void; flushIfPending(): void; dispose(): void } {
  let timer: NodeJS.Timeout | undefined;
  let pending = false;
  let last = -Infinity;
  return {
    fire() {
      pending = true;
      if (timer || !active()) return;
      timer = setTimeout(() => {
        timer = undefined;
        if (!active()) return;
        pending = false;
        last = performance.now();
        fn();
      }, Math.max(0, last + ms() - performance.now()));
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
  // A store change asks the change feed (nothing read when nothing was committed) and refreshes the rows it names.
  const refresh = throttle(
    () => void tree.storeChanged().catch((err: unknown) => ctx.log.error(`experiments: ${(err as Error).message}`)),
    () => REFRESH_MS,
    () => view.visible,
  );
  const showMore = vscode.commands.registerCommand(SHOW_MORE_COMMAND, (experiment: unknown) => {
    if (typeof experiment === 'string') tree.showMore(experiment);
  });
  ctx.push(view, refresh, showMore, state.onDidChange(() => tree.refresh()), ctx.onStoreChanged(() => refresh.fire()), view.onDidChangeVisibility(() => refresh.flushIfPending()));
  // the workspace state changed: a store that appeared, vanished or was repaired is read again whole
  let storeKind = workspace.store.kind;
  ctx.push(
    workspace.onDidChange(() => {
      // the same store: the pipelines changed (their gate metrics may name another primary metric)
      if (workspace.store.kind === storeKind) return tree.redraw();
      storeKind = workspace.store.kind;
      void tree.storeStateChanged(storeKind);
    }),
  );
  void vscode.commands.executeCommand('setContext', 'sextant.experiments.filtered', Boolean(state.filterText));

  ctx.push(
    watchStoreFiles(ctx, { changed: () => refresh.fire(), storeDeleted: () => ctx.resetStore() }),
    onSettingsChanged(['primaryMetric'], () => tree.redraw()),
    vscode.workspace.onDidChangeWorkspaceFolders(() => tree.refresh()),
  );
  // While the view is visible, the change feed is asked every second too (a look at an idle store costs
  // microseconds), in case file events are late or missing (remote file systems, code-server); running
  // runs' elapsed time ticks every 5 s.
  let seconds = 0;
  const ticker = setInterval(() => {
    if (!view.visible) return;
    if (++seconds % 5 === 0) tree.tick();
    else refresh.fire();
  }, 1000);
  ctx.push({ dispose: () => clearInterval(ticker) });
  // Read ahead, off the activation path (the extension activates after startup, onStartupFinished): the
  // first click on the view finds its rows built instead of waiting for the store to open and be read.
  const ahead = setTimeout(() => tree.readAhead(), 0);
  ctx.push({ dispose: () => clearTimeout(ahead) });
}
