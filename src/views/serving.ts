// Serving a model version from the Models view: *Serve Model* starts `sextant serve NAME@N --port 0` as a child
// process (src/runner/serveProcess.ts, the bundled CLI, as the runner does), the version's row shows its URL,
// a status bar item shows what is served while a server runs (a click offers to open /health, copy the
// URL or stop it), and a progress notification names the URL for as long as the server runs. *Stop Serving* (or closing the window) stops it. One server per model version.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { loadEngine } from '../engineLoader';
import { startServeProcess, type ServeListening, type ServeProcess } from '../runner/serveProcess';
import { goneServed } from './servedGone';
import type { ModelNode } from './modelsTree';

interface Served {
  model: string;
  version: number;
  listening: ServeListening;
  proc: ServeProcess;
}

const keyOf = (model: string, version: number): string => `${model}@${version}`;

/** The model version a command was invoked on: a Models view node, or { model, version }. */
function versionOf(arg: unknown): { model: string; version: number } | undefined {
  const a = arg as { kind?: string; model?: unknown; version?: unknown } | undefined;
  if (!a || typeof a !== 'object' || typeof a.model !== 'string') return undefined;
  if (a.kind === 'version' && typeof (a.version as { version?: unknown })?.version === 'number') return { model: a.model, version: (a.version as { version: number }).version };
  return typeof a.version === 'number' ? { model: a.model, version: a.version } : undefined;
}

export class Serving implements vscode.Disposable {
  private readonly servers = new Map<string, Served>();
  private readonly starting = new Set<string>();
  private looking = false;
  /** The registry's change number at the last look for deleted versions; undefined: look (a server started or stopped since). */
  private registrySeen: number | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a server starts or stops (the Models view redraws its rows). */
  readonly onDidChange = this.changed.event;
  private readonly item = vscode.window.createStatusBarItem('sextant.serving', vscode.StatusBarAlignment.Left, 49);

  constructor(private readonly ctx: Ctx) {
    this.item.name = 'Sextant Serving';
    this.item.command = 'sextant.models.servingMenu';
    // A served version deleted from the registry (this window, the CLI, another process): stop its server. Deletions
    // in this window fire onStoreChanged; another process's are seen by a look at the registry's change number every
    // 2 s while something is served (one row; the registry is read when it moved; nothing runs while nothing is served).
    const look = setInterval(() => void this.stopDeleted(), 2000);
    ctx.push(ctx.onStoreChanged(() => void this.stopDeleted()), { dispose: () => clearInterval(look) });
  }

  /** Stops the servers of versions the registry no longer has, saying why. */
  private async stopDeleted(): Promise<void> {
    if (this.servers.size === 0 || this.looking) return;
    this.looking = true;
    try {
      await this.stopDeletedNow();
    } finally {
      this.looking = false;
    }
  }

  private async stopDeletedNow(): Promise<void> {
    const engine = await loadEngine();
    const store = this.ctx.store();
    if (!store.ok) return;
    // The registry is read only when its change number moved since the last look (one row; engine/registry/changes.ts).
    const number = engine.registryChangeNumber(store.value);
    if (number !== undefined && number === this.registrySeen) return;
    this.registrySeen = number;
    for (const gone of goneServed([...this.servers.values()], engine.listModels(store.value))) {
      if (this.servers.get(keyOf(gone.model, gone.version)) !== gone) continue;
      this.ctx.log.info(`serve ${keyOf(gone.model, gone.version)}: the version was deleted from the registry; stopping its server at ${gone.listening.url}`);
      await this.stop(gone.model, gone.version);
      void vscode.window.showWarningMessage(`Sextant: ${gone.model} v${gone.version} was deleted from the registry, so its server at ${gone.listening.url} was stopped.`);
    }
  }

  /** The URL a version is served at, while it is. */
  urlOf(model: string, version: number): string | undefined {
    return this.servers.get(keyOf(model, version))?.listening.url;
  }

  private update(): void {
    this.registrySeen = undefined;
    const all = [...this.servers.values()];
    void vscode.commands.executeCommand('setContext', 'sextant.serving', all.length > 0);
    if (all.length === 0) this.item.hide();
    else {
      const first = all[0]!;
      this.item.text = all.length === 1 ? `$(radio-tower) ${first.model} v${first.version} ${first.listening.url.replace(/^http:\/\//, '')}` : `$(radio-tower) ${all.length} models served`;
      this.item.tooltip = `Sextant is serving:\n${all.map((s) => `${s.model} v${s.version} at ${s.listening.url} (${s.listening.auth === 'none' ? 'no token, loopback only' : 'tokens required'})`).join('\n')}\nClick to open, copy or stop.`;
      this.item.show();
    }
    this.changed.fire();
  }

  async start(model: string, version: number): Promise<void> {
    const key = keyOf(model, version);
    const running = this.servers.get(key);
    if (running) return void vscode.window.showInformationMessage(`${model} v${version} is already served at ${running.listening.url}.`);
    const root = this.ctx.workspaceRoot();
    const layout = this.ctx.layout();
    if (!root || !layout) return void vscode.window.showErrorMessage('Sextant: open the workspace folder of the model first.');
    if (this.starting.has(key)) return;
    this.starting.add(key);
    const proc = startServeProcess({ extensionPath: this.ctx.extension.extensionPath, cwd: root, model: key, store: layout.storePath, onStderr: (line) => this.ctx.log.info(`serve ${key}: ${line}`) });
    const started = await this.ctx.log.timeAsync(`serve: start ${key}`, () => proc.started);
    this.starting.delete(key);
    if (!started.ok) {
      this.ctx.log.error(`serve ${key}: ${started.error.message}`);
      void proc.stop();
      return void vscode.window.showErrorMessage(`Sextant: could not serve ${model} v${version}: ${started.error.message}${started.error.fix ? ` ${started.error.fix}` : ''}`);
    }
    this.servers.set(key, { model, version, listening: started.value, proc });
    this.ctx.log.info(`serve ${key}: listening at ${started.value.url} (${started.value.auth === 'none' ? 'no token configured: without authentication, on loopback only' : 'tokens required'})`);
    void proc.exited.then((code) => {
      if (this.servers.get(key)?.proc !== proc) return;
      this.servers.delete(key);
      this.ctx.log.info(`serve ${key}: stopped (exit ${code})`);
      this.update();
    });
    this.update();
    // A progress notification that lasts as long as the server: it goes when the server stops (Stop Serving, the
    // status bar menu, the process exiting); its Cancel stops it. A plain message would stay after the stop.
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Serving ${model} v${version} at ${started.value.url}`, cancellable: true },
      (progress, cancel) => {
        progress.report({ message: 'the status bar item opens /health or copies the predict URL; Cancel stops the server.' });
        cancel.onCancellationRequested(() => void this.stop(model, version));
        return proc.exited.then(() => undefined);
      },
    );
  }

  async stop(model: string, version: number): Promise<void> {
    const served = this.servers.get(keyOf(model, version));
    if (!served) return void vscode.window.showInformationMessage(`${model} v${version} is not being served.`);
    this.servers.delete(keyOf(model, version));
    const code = await served.proc.stop();
    this.ctx.log.info(`serve ${keyOf(model, version)}: stopped (exit ${code})`);
    this.update();
  }

  /** The status bar item's menu: open, copy or stop a running server. */
  async menu(): Promise<void> {
    const items = [...this.servers.values()].flatMap((s) => [
      { label: `$(link-external) Open ${s.model} v${s.version} /health`, run: () => vscode.env.openExternal(vscode.Uri.parse(`${s.listening.url}/health`)) },
      { label: `$(copy) Copy predict URL of ${s.model} v${s.version}`, detail: s.listening.predict, run: () => vscode.env.clipboard.writeText(s.listening.predict) },
      { label: `$(debug-stop) Stop serving ${s.model} v${s.version}`, run: () => this.stop(s.model, s.version) },
    ]);
    if (items.length === 0) return;
    const picked = await vscode.window.showQuickPick(items, { title: 'Sextant: served models' });
    await picked?.run();
  }

  commands(): Record<string, (arg?: unknown) => unknown> {
    const pickFirst = (): void => void vscode.window.showInformationMessage('Choose a model version in the Models view first.');
    return {
      'sextant.models.serve': (arg?: unknown) => {
        const v = versionOf(arg);
        return v ? this.start(v.model, v.version) : pickFirst();
      },
      'sextant.models.stopServing': (arg?: unknown) => {
        const v = versionOf(arg);
        if (v) return this.stop(v.model, v.version);
        return this.servers.size > 0 ? this.menu() : pickFirst();
      },
      'sextant.models.servingMenu': () => this.menu(),
    };
  }

  dispose(): void {
    for (const s of this.servers.values()) void s.proc.stop();
    this.servers.clear();
    this.item.dispose();
    this.changed.dispose();
  }
}

/** The description of a served version's row: its URL first. */
export function servedDescription(serving: Serving | undefined, node: Extract<ModelNode, { kind: 'version' }>, rest: string): string {
  const url = serving?.urlOf(node.model, node.version.version);
  return url ? `● ${url}${rest ? `  ${rest}` : ''}` : rest;
}
