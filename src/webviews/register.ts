// Registers the webview panels at activation, cheaply: the serializer that revives a panel after a window
// reload (package.json activationEvents `onWebviewPanel:<viewType>`), and the function the commands call.
// Everything else (zod, the data building) loads with the first panel (src/webviewLoader.ts).
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { loadWebviewHost } from '../webviewLoader';
import type { ExperimentsState } from '../views/experimentsState';
import type { DriftReport } from '../engine/drift/report';
import type { DriftPair } from './drift/data';
import type { PanelDeps } from './panelDeps';
import { MODEL_VIEW_TYPE } from './viewTypes';
import { COMPARE_VIEW_TYPE, DRIFT_VIEW_TYPE, RUN_VIEW_TYPE, TABLE_VIEW_TYPE } from './viewTypes';

export function panelDeps(ctx: Ctx, state: ExperimentsState): PanelDeps {
  return {
    extensionUri: ctx.extension.extensionUri,
    log: ctx.log,
    tracker: () => state.tracker(),
    onStoreChanged: ctx.onStoreChanged,
  };
}

export function registerWebviews(ctx: Ctx, state: ExperimentsState): void {
  ctx.push(
    vscode.window.registerWebviewPanelSerializer(MODEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, saved: unknown) => loadWebviewHost().reviveModelCardPanel(panelDeps(ctx, state), panel, saved),
    }),
  );
  ctx.push(
    vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, saved: unknown) => loadWebviewHost().reviveComparePanel(panelDeps(ctx, state), panel, saved),
    }),
    vscode.window.registerWebviewPanelSerializer(TABLE_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, saved: unknown) => loadWebviewHost().reviveTablePanel(panelDeps(ctx, state), panel, saved),
    }),
    vscode.window.registerWebviewPanelSerializer(RUN_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, saved: unknown) => loadWebviewHost().reviveRunPanel(panelDeps(ctx, state), panel, saved),
    }),
    vscode.window.registerWebviewPanelSerializer(DRIFT_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, saved: unknown) => loadWebviewHost().reviveDriftPanel(panelDeps(ctx, state), panel, saved),
    }),
  );
}

export function openCompare(ctx: Ctx, state: ExperimentsState, runIds: string[]): void {
  loadWebviewHost().openComparePanel(panelDeps(ctx, state), runIds);
}

export function openModelCard(ctx: Ctx, state: ExperimentsState, model: string, version: number): void {
  loadWebviewHost().openModelCardPanel(panelDeps(ctx, state), { model, version });
}

export function openTable(ctx: Ctx, state: ExperimentsState, experiment: string): void {
  loadWebviewHost().openTablePanel(panelDeps(ctx, state), experiment);
}

/** A run's details panel; `reuse`: in the tab the last click in the Experiments view opened. */
export function openRunDetails(ctx: Ctx, state: ExperimentsState, runId: string, reuse = false): void {
  loadWebviewHost().openRunPanel(panelDeps(ctx, state), runId, { reuse });
}

/** The drift report of a current file against a reference (labels: what the user calls them); `onReport` gets each report computed. */
export function openDrift(ctx: Ctx, state: ExperimentsState, pair: DriftPair, onReport?: (report: DriftReport) => Promise<void>): void {
  loadWebviewHost().openDriftPanel(panelDeps(ctx, state), pair, onReport);
}
