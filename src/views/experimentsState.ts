// The Experiments view's state shared by the tree and its commands: the filter and sort (kept in the
// workspace memento), the Tracker over the workspace store, and the tree view once registered.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { EngineError } from '../engine/result';
import type { PipelineStage } from '../engine/runner/pipelineStages';
import type { RunSort } from '../engine/tracking/runFilter';
import type { Run } from '../engine/tracking/schemas';
import type { Tracker } from '../engine/tracking/tracking';
import { loadEngine } from '../engineLoader';

const FILTER_KEY = 'sextant.experiments.filter';
const SORT_KEY = 'sextant.experiments.sort';

/**
 * The view's nodes. A run: a top-level run with its stages (empty for a run that is not a pipeline run), or
 * a stage's own run under its pipeline run (`stageOf`: that pipeline run's id). A stage without a run of
 * its own in that pipeline run (cached, skipped, or failed before it started) is a `stage` node; a
 * cached one names the run whose outputs it reused (`stage.run`) when that run is still in the store.
 * `more`: the row after an experiment's first runs that shows the next ones (`hidden`: how many are not shown).
 */
export type ExperimentNode =
  | { kind: 'experiment'; name: string; primaryMetric: string | undefined; runs: Run[]; total: number; metricKeys: string[] }
  | { kind: 'run'; run: Run; stages: PipelineStage[]; primaryMetric: string | undefined; stageOf?: string }
  | { kind: 'stage'; stage: PipelineStage; pipelineRunId: string; primaryMetric: string | undefined }
  | { kind: 'more'; experiment: string; hidden: number }
  | { kind: 'error'; message: string; file?: string; fix?: string }
  | { kind: 'note'; message: string; command?: vscode.Command };

type TrackerState = { kind: 'ok'; tracker: Tracker } | { kind: 'missing' } | { kind: 'error'; error: EngineError };

export class ExperimentsState implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the filter or sort changes, or a command changed runs: the tree re-reads. */
  readonly onDidChange = this.changed.event;
  view: vscode.TreeView<ExperimentNode> | undefined;
  private trackers = new WeakMap<object, Tracker>();

  constructor(private readonly ctx: Ctx) {}

  get filterText(): string {
    return this.ctx.extension.workspaceState.get<string>(FILTER_KEY, '');
  }

  get sort(): RunSort {
    const raw = this.ctx.extension.workspaceState.get<Partial<RunSort>>(SORT_KEY);
    const by = raw?.by;
    const direction = raw?.direction;
    if ((by === 'started' || by === 'name' || by === 'metric' || by === 'param') && (direction === 'asc' || direction === 'desc')) {
      return { by, direction, ...(typeof raw?.key === 'string' ? { key: raw.key } : {}) };
    }
    return { by: 'started', direction: 'desc' };
  }

  async setFilter(text: string): Promise<void> {
    await this.ctx.extension.workspaceState.update(FILTER_KEY, text.trim() || undefined);
    await vscode.commands.executeCommand('setContext', 'sextant.experiments.filtered', Boolean(text.trim()));
    this.changed.fire();
  }

  async setSort(sort: RunSort): Promise<void> {
    await this.ctx.extension.workspaceState.update(SORT_KEY, sort);
    this.changed.fire();
  }

  refresh(): void {
    this.changed.fire();
  }

  /** The Tracker over the workspace store, without creating the store. */
  async tracker(): Promise<TrackerState> {
    const engine = await loadEngine();
    const layout = this.ctx.layout();
    if (!layout || !engine.exists(layout.storePath)) return { kind: 'missing' };
    const db = this.ctx.store();
    if (!db.ok) return db.error.code === 'store-missing' ? { kind: 'missing' } : { kind: 'error', error: db.error };
    let tracker = this.trackers.get(db.value);
    if (!tracker) {
      tracker = new engine.Tracker(db.value, { file: layout.storePath, artifactsDir: layout.artifactsDir, onFlushError: (e) => this.ctx.log.error(`metrics: ${e.message}`) });
      this.trackers.set(db.value, tracker);
    }
    return { kind: 'ok', tracker };
  }

  /** The tracker for an action the user asked for: creates the store when missing. */
  async trackerForWriting(): Promise<TrackerState> {
    const engine = await loadEngine();
    const layout = this.ctx.layout();
    if (!layout) return { kind: 'error', error: { code: 'no-workspace', message: 'Open a folder to use Sextant.' } };
    const db = this.ctx.storeForWriting();
    if (!db.ok) return { kind: 'error', error: db.error };
    let tracker = this.trackers.get(db.value);
    if (!tracker) {
      tracker = new engine.Tracker(db.value, { file: layout.storePath, artifactsDir: layout.artifactsDir });
      this.trackers.set(db.value, tracker);
    }
    return { kind: 'ok', tracker };
  }

  dispose(): void {
    this.changed.dispose();
  }
}

const states = new WeakMap<Ctx, ExperimentsState>();

export function experimentsState(ctx: Ctx): ExperimentsState {
  let state = states.get(ctx);
  if (!state) {
    state = new ExperimentsState(ctx);
    states.set(ctx, state);
    ctx.push(state);
  }
  return state;
}
