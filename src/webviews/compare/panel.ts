// The compare panel's host side: opens (or revives after a window reload) a webview that renders what it is
// sent. The host reads the store (buildCompareData), checks every message the page posts against the
// contract (./protocol.ts), and re-sends the data when the store changes (runs still running).
import * as vscode from 'vscode';
import { pageHtml } from '../html';
import type { PanelDeps } from '../panelDeps';
import { buildCompareData, compareTitle } from './data';
import { COMPARE_VIEW_TYPE, PageMessageSchema, PageStateSchema, type HostMessage } from './protocol';

const REFRESH_MS = 500;

/** Scripts on, and local resources from the extension's media/ and dist/ only. No retainContextWhenHidden: the page keeps its state with setState. */
export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist')],
  };
}

export function openComparePanel(deps: PanelDeps, runIds: string[]): void {
  const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, 'Compare runs', vscode.ViewColumn.Active, panelOptions(deps.extensionUri));
  new ComparePanel(deps, panel, runIds);
}

/** After a window reload: the page's saved state names the runs. */
export function reviveComparePanel(deps: PanelDeps, panel: vscode.WebviewPanel, saved: unknown): void {
  // Only the runs are needed: the data is read again (and a state saved by an older page still names its runs).
  const state = PageStateSchema.pick({ runIds: true }).safeParse(saved);
  if (!state.success) deps.log.warn(`compare panel: saved state not usable (${state.error.issues[0]?.message ?? 'invalid'}); showing no runs`);
  panel.webview.options = panelOptions(deps.extensionUri);
  new ComparePanel(deps, panel, state.success ? state.data.runIds : []);
}

class ComparePanel {
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: PanelDeps,
    private readonly panel: vscode.WebviewPanel,
    private readonly runIds: string[],
  ) {
    const webview = panel.webview;
    const dist = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webviews', file)).toString();
    webview.html = pageHtml({ cspSource: webview.cspSource, scriptUri: dist('compare.js'), styleUri: dist('compare.css'), title: 'Compare runs' });
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      deps.onStoreChanged(() => this.scheduleRefresh()),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private receive(raw: unknown): void {
    const parsed = PageMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.deps.log.warn(`compare panel: ignored a message that is not in the contract: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return;
    }
    const message = parsed.data;
    if (message.type === 'ready') void this.send();
    else this.deps.log.warn(`compare panel: the page could not use a message: ${message.message}`);
  }

  private scheduleRefresh(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A hidden page is reloaded when shown again, and asks then (ready).
      if (this.panel.visible) void this.send();
    }, REFRESH_MS);
  }

  private async send(): Promise<void> {
    const message = await this.build();
    if (message.type === 'data') this.panel.title = compareTitle(message.data.runs.map((r) => r.name));
    await this.panel.webview.postMessage(message);
  }

  private async build(): Promise<HostMessage> {
    if (this.runIds.length === 0) return { type: 'error', message: 'No runs to compare: select two or more runs in the Experiments view and choose Compare Selected Runs.' };
    const got = await this.deps.tracker();
    if (got.kind === 'missing') return { type: 'error', message: 'This workspace has no Sextant store yet, so there are no runs to compare.' };
    if (got.kind === 'error') return { type: 'error', message: `The store could not be read: ${got.error.message}` };
    const built = this.deps.log.time(`compare: read ${this.runIds.length} runs`, () => buildCompareData(got.tracker, this.runIds));
    return built.ok ? { type: 'data', data: built.value } : { type: 'error', message: built.message };
  }

  private dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
