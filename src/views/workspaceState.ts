// What the sidebar shows depends on the workspace's state, published as context keys for the
// manifest's `when` clauses (welcome content, menus):
//   sextant.state       noWorkspace | noPipeline | ready | pipelineError
//   sextant.storeState  missing | ok | error
// Computed off the activation path and kept current by file watchers. Reading it never writes. A change of
// the store file (every commit of a training script) re-reads only the store's header, not the pipelines,
// and tells listeners only when the store's state changed.
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { onSettingsChanged } from '../config';
import type { Ctx } from '../ctx';
import type { Pipeline } from '../engine/pipeline/schema';
import type { EngineError } from '../engine/result';
import { PIPELINE_GLOB, PIPELINE_SEARCH_EXCLUDE } from '../engine/workspace/layout';
import { loadEngine } from '../engineLoader';

export interface PipelineEntry {
  uri: vscode.Uri;
  pipeline?: Pipeline;
  error?: EngineError;
}

export type StoreState = { kind: 'missing' } | { kind: 'ok' } | { kind: 'error'; error: EngineError };

export class WorkspaceState implements vscode.Disposable {
  private pipelines: PipelineEntry[] = [];
  private storeState: StoreState = { kind: 'missing' };
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private refreshing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: Ctx) {
    const pipelineWatcher = vscode.workspace.createFileSystemWatcher(PIPELINE_GLOB);
    this.disposables.push(pipelineWatcher, ...this.onAnyChange(pipelineWatcher));
    this.watchStore();
    this.disposables.push(
      ctx.onStoreChanged(() => this.scheduleStore()),
      onSettingsChanged(['storePath'], () => this.watchStore()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.watchStore();
        this.schedule();
      }),
      { dispose: () => this.storeWatcher?.dispose() },
    );
  }

  private storeWatcher: vscode.Disposable | undefined;

  /** Watches the store file where ctx.layout() says it is (the setting may put it anywhere). */
  private watchStore(): void {
    this.storeWatcher?.dispose();
    this.storeWatcher = undefined;
    const layout = this.ctx.layout();
    if (!layout) return;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(layout.storePath)), basename(layout.storePath)));
    const store = (): void => this.scheduleStore();
    this.storeWatcher = vscode.Disposable.from(watcher, watcher.onDidCreate(store), watcher.onDidDelete(store), watcher.onDidChange(store));
  }

  private onAnyChange(watcher: vscode.FileSystemWatcher): vscode.Disposable[] {
    return [watcher.onDidCreate(() => this.schedule()), watcher.onDidDelete(() => this.schedule()), watcher.onDidChange(() => this.schedule())];
  }

  get entries(): readonly PipelineEntry[] {
    return this.pipelines;
  }

  get store(): StoreState {
    return this.storeState;
  }

  /** The first pipeline file, the one commands act on by default. */
  primaryPipeline(): PipelineEntry | undefined {
    return this.pipelines[0];
  }

  /** Re-reads pipelines and the store's state soon, coalescing bursts of file events. */
  schedule(delayMs = 150): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  private storeTimer: NodeJS.Timeout | undefined;

  /** Re-reads the store's header soon (bursts of commits coalesce); listeners hear of it only when its state changed. */
  scheduleStore(delayMs = 150): void {
    if (this.storeTimer) clearTimeout(this.storeTimer);
    this.storeTimer = setTimeout(() => void this.refreshStore(), delayMs);
  }

  private async refreshStore(): Promise<void> {
    if (this.refreshing) return void (await this.refreshing);
    const before = this.storeState;
    const engine = await loadEngine();
    const layout = this.ctx.layout();
    if (!layout) return;
    this.storeState = this.readStoreState(engine, layout.storePath);
    if (before.kind === this.storeState.kind && (before.kind !== 'error' || this.storeState.kind !== 'error' || before.error.code === this.storeState.error.code)) return;
    await vscode.commands.executeCommand('setContext', 'sextant.storeState', this.storeState.kind);
    this.changed.fire();
  }

  private readStoreState(engine: Pick<Awaited<ReturnType<typeof loadEngine>>, 'exists' | 'checkHeader'>, storePath: string): StoreState {
    if (!engine.exists(storePath)) return { kind: 'missing' };
    const header = engine.checkHeader(storePath);
    return header.ok ? { kind: 'ok' } : { kind: 'error', error: header.error };
  }

  refresh(): Promise<void> {
    this.refreshing ??= this.ctx.log
      .timeAsync('workspace state', () => this.compute())
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private async compute(): Promise<void> {
    const engine = await loadEngine();
    const { readPipeline } = engine;
    const root = this.ctx.workspaceRoot();
    if (!root) {
      this.pipelines = [];
      this.storeState = { kind: 'missing' };
      await this.publish('noWorkspace');
      return;
    }
    const uris = await vscode.workspace.findFiles(PIPELINE_GLOB, PIPELINE_SEARCH_EXCLUDE, 50);
    uris.sort((a, b) => a.path.split('/').length - b.path.split('/').length || a.path.localeCompare(b.path));
    this.pipelines = uris.map((uri) => {
      const read = readPipeline(uri.fsPath);
      return read.ok ? { uri, pipeline: read.value } : { uri, error: read.error };
    });
    this.storeState = this.readStoreState(engine, this.ctx.layout()!.storePath);
    const state = this.pipelines.length === 0 ? 'noPipeline' : this.pipelines.every((p) => p.error) ? 'pipelineError' : 'ready';
    const datasetCount = this.pipelines.reduce((n, p) => n + Object.keys(p.pipeline?.datasets ?? {}).length, 0);
    await vscode.commands.executeCommand('setContext', 'sextant.datasetCount', datasetCount);
    await this.publish(state);
  }

  /** The Experiments view found the store damaged when opening it (a check beyond the header): say so in the context key, for the welcome content. */
  storeDamaged(error: EngineError): void {
    if (this.storeState.kind === 'error') return;
    this.storeState = { kind: 'error', error };
    void vscode.commands.executeCommand('setContext', 'sextant.storeState', 'error');
  }

  private async publish(state: string): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'sextant.state', state);
    await vscode.commands.executeCommand('setContext', 'sextant.storeState', this.storeState.kind);
    this.changed.fire();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.storeTimer) clearTimeout(this.storeTimer);
    for (const d of this.disposables) d.dispose();
  }
}
