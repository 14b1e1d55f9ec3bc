// The extension's one context object: the output-channel log, the workspace, and the store, opened
// lazily and read-only-safe (never created by the extension unless the user acts). Every view, command,
// the task provider and the language client get this; nothing else holds global state.
import * as vscode from 'vscode';
import { onSettingsChanged, readSettings } from './config';
import type { Result } from './engine/result';
import type { Database } from './engine/store/open';
// layout.ts has no dependencies beyond node:fs/path, so it is cheap to load at activation.
import { workspaceLayout, type WorkspaceLayout } from './engine/workspace/layout';
import { engine } from './engineLoader';
import { pythonEnv, resolveSettingPath } from './settings';

export class Log {
  constructor(private readonly channel: vscode.LogOutputChannel) {}
  info(message: string): void {
    this.channel.info(message);
  }
  warn(message: string): void {
    this.channel.warn(message);
  }
  error(message: string): void {
    this.channel.error(message);
  }
  /** Runs a backend action and logs it with its duration (only when it took `quietUnderMs` or more: a line is a message to the window). */
  time<T>(label: string, fn: () => T, quietUnderMs = 0): T {
    const start = performance.now();
    try {
      return fn();
    } finally {
      const ms = performance.now() - start;
      if (ms >= quietUnderMs) this.channel.info(`${label} (${ms.toFixed(1)} ms)`);
    }
  }
  async timeAsync<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.channel.info(`${label} (${(performance.now() - start).toFixed(1)} ms)`);
    }
  }
  show(): void {
    this.channel.show(true);
  }
}

export class Ctx implements vscode.Disposable {
  readonly log: Log;
  private db: Result<Database> | undefined;
  private readonly storeChanged = new vscode.EventEmitter<void>();
  /** Fires when the store file changes on disk (another process wrote to it) or is opened/closed. */
  readonly onStoreChanged = this.storeChanged.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    const channel = vscode.window.createOutputChannel('Sextant', { log: true });
    this.log = new Log(channel);
    this.disposables.push(channel, this.storeChanged);
    // Another store from now on: close the open one; views, the language server and new tasks follow onStoreChanged / layout().
    this.disposables.push(
      onSettingsChanged(['storePath'], () => {
        this.log.info(`store: now ${this.layout()?.storePath ?? '(no workspace)'} (setting sextant.storePath changed)`);
        this.resetStore();
      }),
    );
  }

  /** Registers something to dispose when the extension deactivates. */
  push(...items: vscode.Disposable[]): void {
    this.disposables.push(...items);
  }

  workspaceRoot(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  /** Where the store is: the one place that decides it (the setting `sextant.storePath`, else `.sextant/sextant.db`), for the views, the task runner (`--store`) and the language server. */
  layout(): WorkspaceLayout | undefined {
    const root = this.workspaceRoot();
    if (!root) return undefined;
    const { storePath } = readSettings();
    return workspaceLayout(root, storePath ? resolveSettingPath(storePath, root) : undefined);
  }

  /** The environment additions for a process that may start Python (`sextant.pythonPath`): none when unset. */
  pythonEnv(): Record<string, string> {
    const root = this.workspaceRoot();
    const { pythonPath } = readSettings();
    return pythonPath && root ? pythonEnv(resolveSettingPath(pythonPath, root), process.env) : {};
  }

  /** The workspace store, opened on first use; an error result (missing, corrupt, native module) otherwise.
   * Needs the engine loaded (await loadEngine() first). */
  store(): Result<Database> {
    if (this.db?.ok) return this.db;
    const layout = this.layout();
    if (!layout) return engine().fail({ code: 'no-workspace', message: 'Open a folder to use Sextant.' });
    this.db = this.log.time(`open store ${layout.storePath}`, () => engine().openStore(layout.storePath));
    if (!this.db.ok) this.log.warn(`store: ${this.db.error.message}`);
    return this.db;
  }

  /** The store, created if missing: only for actions the user asked for (run a pipeline, import). */
  storeForWriting(): Result<Database> {
    const layout = this.layout();
    if (!layout) return engine().fail({ code: 'no-workspace', message: 'Open a folder to use Sextant.' });
    if (this.db?.ok) return this.db;
    this.db = this.log.time(`open store ${layout.storePath} (create)`, () => engine().openStore(layout.storePath, { create: true }));
    if (this.db.ok) this.storeChanged.fire();
    return this.db;
  }

  /** Closes the store so the next access re-opens it (after it was moved aside or replaced). */
  resetStore(): void {
    if (this.db?.ok) this.db.value.close();
    this.db = undefined;
    this.storeChanged.fire();
  }

  notifyStoreChanged(): void {
    this.storeChanged.fire();
  }

  dispose(): void {
    if (this.db?.ok) this.db.value.close();
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
