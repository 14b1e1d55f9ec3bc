// The compare panel's host side: opens (or revives after a window reload) a webview that renders what it is
// sent. The host reads the store (buildCompareData) and re-sends when the store changes (runs still
// running); src/webviews/panelHost.ts does the rest, as for every panel.
import * as vscode from 'vscode';
import type { PanelDeps } from '../panelDeps';
import { panelOptions, PanelHost } from '../panelHost';
import { buildCompareData, compareShown, compareTitle } from './data';
import { exportContent } from './exportContent';
import { COMPARE_VIEW_TYPE, PageMessageSchema, PageStateSchema, type ExportRequest, type HostMessage } from './protocol';

export function openComparePanel(deps: PanelDeps, runIds: string[]): void {
  const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, 'Compare runs', vscode.ViewColumn.Active, panelOptions(deps.extensionUri));
  attach(deps, panel, runIds);
}

/** After a window reload: the page's saved state names the runs. */
export function reviveComparePanel(deps: PanelDeps, panel: vscode.WebviewPanel, saved: unknown): void {
  // Only the runs are needed: the data is read again (and a state saved by an older page still names its runs).
  const state = PageStateSchema.pick({ runIds: true }).safeParse(saved);
  if (!state.success) deps.log.warn(`compare panel: saved state not usable (${state.error.issues[0]?.message ?? 'invalid'}); showing no runs`);
  attach(deps, panel, state.success ? state.data.runIds : []);
}

function attach(deps: PanelDeps, panel: vscode.WebviewPanel, runIds: string[]): void {
  /** What the page was last sent: the panel re-reads the store only when one of these runs (or a stage of one) changed. */
  let shown = compareShown(runIds, undefined);
  new PanelHost<HostMessage, ExportRequest>(deps, panel, {
    bundle: 'compare',
    name: 'compare panel',
    pageMessages: PageMessageSchema,
    build: async () => {
      const message = await build(deps, runIds);
      shown = compareShown(runIds, message.type === 'data' ? message.data : undefined);
      return message;
    },
    shown: () => shown,
    titleOf: (message) => (message.type === 'data' ? compareTitle(message.data.runs.map((r) => r.name)) : undefined),
    handle: async (request, host) => host.post(await exportFile(deps, runIds, request)),
  });
}

/** Asks where to save what the page asked to export, and writes it; the answer tells the page (nothing when cancelled). */
async function exportFile(deps: PanelDeps, runIds: string[], request: ExportRequest): Promise<HostMessage> {
  const got = await deps.tracker();
  if (got.kind !== 'ok') return { type: 'exported', error: got.kind === 'missing' ? 'This workspace has no Sextant store.' : `The store could not be read: ${got.error.message}` };
  const content = deps.log.time(`compare: export ${request.format}`, () => exportContent(got.tracker, runIds, request));
  if (!content.ok) return { type: 'exported', error: content.message };
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: `Export ${request.format === 'csv' ? 'the data' : 'the chart'} as ${request.format.toUpperCase()}`,
    defaultUri: folder ? vscode.Uri.joinPath(folder, content.value.fileName) : undefined,
    filters: content.value.filters,
  });
  if (!target) return { type: 'exported' };
  try {
    await vscode.workspace.fs.writeFile(target, content.value.bytes);
  } catch (err) {
    return { type: 'exported', error: `Could not write ${target.fsPath}: ${(err as Error).message}` };
  }
  deps.log.info(`compare: exported ${content.value.bytes.length} bytes to ${target.fsPath}`);
  return { type: 'exported', file: target.fsPath };
}

async function build(deps: PanelDeps, runIds: string[]): Promise<HostMessage> {
  if (runIds.length === 0) return { type: 'error', message: 'No runs to compare: select two or more runs in the Experiments view and choose Compare Selected Runs.' };
  const got = await deps.tracker();
  if (got.kind === 'missing') return { type: 'error', message: 'This workspace has no Sextant store yet, so there are no runs to compare.' };
  if (got.kind === 'error') return { type: 'error', message: `The store could not be read: ${got.error.message}` };
  const built = deps.log.time(`compare: read ${runIds.length} runs`, () => buildCompareData(got.tracker, runIds));
  return built.ok ? { type: 'data', data: built.value } : { type: 'error', message: built.message };
}
