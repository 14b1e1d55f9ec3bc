// The experiments table's host side: one panel per experiment (opening it again shows the same panel), revived
// after a window reload from the page's saved state. The host reads the store (buildTableData), re-sends when
// the store changes, evaluates the page's filter with the engine's filter language, and acts on the page's
// requests: compare the selected runs (the compare panel), open a run (the Show Run Details command).
import * as vscode from 'vscode';
import { loadEngine } from '../../engineLoader';
import type { Run } from '../../engine/tracking/schemas';
import { openComparePanel } from '../compare/panel';
import type { PanelDeps } from '../panelDeps';
import { panelOptions, PanelHost } from '../panelHost';
import { buildTableData, filterRows, tableShown, tableTitle } from './data';
import { PageMessageSchema, PageStateSchema, TABLE_VIEW_TYPE, type HostMessage, type TableRequest } from './protocol';

const open = new Map<string, vscode.WebviewPanel>();

export function openTablePanel(deps: PanelDeps, experiment: string): void {
  const existing = open.get(experiment);
  if (existing) return existing.reveal();
  const panel = vscode.window.createWebviewPanel(TABLE_VIEW_TYPE, tableTitle(experiment), vscode.ViewColumn.Active, panelOptions(deps.extensionUri));
  attach(deps, panel, experiment);
}

/** After a window reload: the page's saved state names the experiment. */
export function reviveTablePanel(deps: PanelDeps, panel: vscode.WebviewPanel, saved: unknown): void {
  const state = PageStateSchema.pick({ experiment: true }).safeParse(saved);
  if (!state.success) {
    deps.log.warn(`experiments table: saved state not usable (${state.error.issues[0]?.message ?? 'invalid'}); closing the panel`);
    panel.dispose();
    return;
  }
  attach(deps, panel, state.data.experiment);
}

function attach(deps: PanelDeps, panel: vscode.WebviewPanel, experiment: string): void {
  open.set(experiment, panel);
  panel.onDidDispose(() => {
    if (open.get(experiment) === panel) open.delete(experiment);
  });
  /** The rows' runs as the filter sees them, from the last build. */
  let runs: Run[] | undefined;
  const build = async (): Promise<HostMessage> => {
    const got = await deps.tracker();
    if (got.kind === 'missing') return { type: 'error', message: 'This workspace has no Sextant store yet, so there are no runs to show.' };
    if (got.kind === 'error') return { type: 'error', message: `The store could not be read: ${got.error.message}` };
    const engine = await loadEngine();
    const built = deps.log.time(`experiments table: read "${experiment}"`, () => buildTableData(got.tracker, engine, experiment));
    if (!built.ok) return { type: 'error', message: built.message };
    runs = built.value.runs;
    return { type: 'data', data: built.value.data };
  };
  new PanelHost<HostMessage, TableRequest>(deps, panel, {
    bundle: 'table',
    name: 'experiments table',
    pageMessages: PageMessageSchema,
    build,
    // Re-read only when a run of this experiment changed (or a new one started in it).
    shown: () => tableShown(experiment),
    titleOf: () => tableTitle(experiment),
    handle: async (message, host) => {
      if (message.type === 'filter') {
        if (!runs) await build();
        const language = await loadEngine();
        await host.post(deps.log.time(`experiments table: filter "${message.text}"`, () => filterRows(runs ?? [], message.text, language)));
      } else if (message.type === 'compare') {
        openComparePanel(deps, message.runIds);
      } else if (message.type === 'open') {
        // The run details command takes a run id (from the Experiments view it takes the clicked node).
        await vscode.commands.executeCommand('sextant.experiments.showRun', message.runId);
      }
    },
  });
}
