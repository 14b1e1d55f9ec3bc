// The run details panel's host side: opens (or revives after a window reload) a webview showing one run,
// titled by its name. The host reads the store (buildRunData) and re-sends when the store changes, so a
// running run's panel follows it; src/webviews/panelHost.ts does the rest, as for every panel. The page's
// requests (open or reveal an artifact, open the log, open a stage's run) name things the host checks
// against the store first: a path that is not one of this run's artifacts is refused and logged.
import { dirname, relative, isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import { loadEngine } from '../../engineLoader';
import { openRunLog } from '../../views/openRunLog';
import type { Shown as ShownRuns } from '../liveRefresh';
import type { PanelDeps } from '../panelDeps';
import { panelOptions, PanelHost } from '../panelHost';
import { buildRunData, checkArtifactRequest, checkRunRequest, runShown } from './data';
import { PageMessageSchema, PageStateSchema, RUN_VIEW_TYPE, type HostMessage, type PageMessage, type PageRequest } from './protocol';

/** A panel and the run it shows (a click in the Experiments view may point it at another run). */
interface Shown {
  panel: vscode.WebviewPanel;
  host: PanelHost<HostMessage, PageMessage>;
  target: { runId: string | undefined };
}

const open = new Map<string, Shown>();
/** The panel the last click in the Experiments view opened: the next click shows its run there, like an editor's preview tab. */
let preview: Shown | undefined;

/** Shows a run's details: its panel if one is open; with `reuse` (a click in the Experiments view), in the tab the last click opened. */
export function openRunPanel(deps: PanelDeps, runId: string, options: { reuse?: boolean } = {}): void {
  const existing = open.get(runId);
  if (existing) {
    existing.panel.reveal(undefined, options.reuse);
    return;
  }
  if (options.reuse && preview) {
    const shown = preview;
    if (shown.target.runId) open.delete(shown.target.runId);
    shown.target.runId = runId;
    open.set(runId, shown);
    shown.panel.reveal(undefined, true);
    void shown.host.send();
    return;
  }
  const panel = vscode.window.createWebviewPanel(RUN_VIEW_TYPE, 'Run', { viewColumn: vscode.ViewColumn.Active, preserveFocus: options.reuse === true }, panelOptions(deps.extensionUri));
  const shown = attach(deps, panel, runId);
  if (options.reuse) preview = shown;
}

/** After a window reload: the page's saved state names the run. */
export function reviveRunPanel(deps: PanelDeps, panel: vscode.WebviewPanel, saved: unknown): void {
  const state = PageStateSchema.pick({ runId: true }).safeParse(saved);
  if (!state.success) deps.log.warn(`run details: saved state not usable (${state.error.issues[0]?.message ?? 'invalid'})`);
  attach(deps, panel, state.success ? state.data.runId : undefined);
}

function attach(deps: PanelDeps, panel: vscode.WebviewPanel, runId: string | undefined): Shown {
  const target = { runId };
  /** What the page was last sent: the panel re-reads the store only when one of these runs changed. */
  let watched: ShownRuns | undefined;
  const host = new PanelHost<HostMessage, PageMessage>(deps, panel, {
    bundle: 'run',
    name: 'run details',
    pageMessages: PageMessageSchema,
    build: async () => {
      const message = await build(deps, target.runId);
      watched = target.runId ? runShown(target.runId, message.type === 'data' ? message.data : undefined) : undefined;
      return message;
    },
    shown: () => watched,
    titleOf: (message) => (message.type === 'data' ? message.data.run.name : undefined),
    handle: (message) => (target.runId ? handle(deps, target.runId, message as PageRequest) : undefined),
  });
  const shown: Shown = { panel, host, target };
  if (runId) open.set(runId, shown);
  panel.onDidDispose(() => {
    if (target.runId && open.get(target.runId) === shown) open.delete(target.runId);
    if (preview === shown) preview = undefined;
  });
  return shown;
}

async function build(deps: PanelDeps, runId: string | undefined): Promise<HostMessage> {
  if (!runId) return { type: 'error', message: 'This panel lost track of its run. Open the run again from the Experiments view.' };
  const got = await deps.tracker();
  if (got.kind === 'missing') return { type: 'error', message: 'This workspace has no Sextant store, so there is no run to show.' };
  if (got.kind === 'error') return { type: 'error', message: `The store could not be read: ${got.error.message}` };
  const engine = await loadEngine();
  const built = deps.log.time(`run details: read ${runId.slice(0, 8)}`, () => buildRunData(got.tracker, engine, runId, { root: workspaceRoot(got.tracker.file) }));
  return built.ok ? { type: 'data', data: built.value } : { type: 'error', message: built.message };
}

async function handle(deps: PanelDeps, runId: string, message: PageRequest): Promise<void> {
  const got = await deps.tracker();
  if (got.kind !== 'ok') return;
  const tracker = got.tracker;
  const engine = await loadEngine();
  switch (message.type) {
    case 'openArtifact':
    case 'revealArtifact': {
      const checked = checkArtifactRequest(tracker, engine, runId, message);
      if (!checked.ok) {
        deps.log.warn(`run details: ${message.type} ${JSON.stringify(message.path.slice(0, 200))}: ${checked.message}`);
        void vscode.window.showWarningMessage(`Sextant: cannot ${message.type === 'openArtifact' ? 'open' : 'reveal'} that artifact: ${checked.message}`);
        return;
      }
      const uri = vscode.Uri.file(checked.value.file);
      if (message.type === 'openArtifact') await vscode.commands.executeCommand('vscode.open', uri);
      else await vscode.commands.executeCommand(insideWorkspace(checked.value.file) ? 'revealInExplorer' : 'revealFileInOS', uri);
      return;
    }
    case 'openLog': {
      const run = tracker.listRuns({ ids: [runId] });
      if (run.ok && run.value[0]) await openRunLog(tracker, run.value[0], workspaceRoot(tracker.file), deps.log);
      return;
    }
    case 'openRun': {
      const checked = checkRunRequest(tracker, engine, runId, message.runId);
      if (!checked.ok) {
        deps.log.warn(`run details: openRun: ${checked.message}`);
        return;
      }
      openRunPanel(deps, checked.value.runId);
      return;
    }
  }
}

/** The folder a relative log path is read from: the workspace folder holding the store, else the store's folder's parent. */
function workspaceRoot(storeFile: string): string {
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(storeFile))?.uri.fsPath ?? dirname(dirname(storeFile));
}

function insideWorkspace(file: string): boolean {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
  if (!folder) return false;
  const rel = relative(folder.uri.fsPath, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
