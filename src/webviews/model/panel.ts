// The model card's host side: opens (or revives after a window reload) a webview showing one model version.
// The host reads the card (engine: modelCard, through the loader) and re-sends it when the store changes;
// the page's actions run the Models view's commands (the alias move asks for confirmation there, in a modal).
import * as vscode from 'vscode';
import { loadEngine } from '../../engineLoader';
import type { PanelDeps } from '../panelDeps';
import { panelOptions, PanelHost } from '../panelHost';
import { modelCardData, modelCardTitle } from './data';
import { MODEL_VIEW_TYPE, PageMessageSchema, PageStateSchema, type HostMessage, type PageMessage } from './protocol';

/** The version the card shows, as the Models view's commands take it. */
export interface ModelVersionRef {
  model: string;
  version: number;
}

const open = new Map<string, vscode.WebviewPanel>();

export function openModelCardPanel(deps: PanelDeps, ref: ModelVersionRef): void {
  const key = `${ref.model}@${ref.version}`;
  const existing = open.get(key);
  if (existing) {
    existing.reveal();
    return;
  }
  const panel = vscode.window.createWebviewPanel(MODEL_VIEW_TYPE, modelCardTitle(ref.model, ref.version), vscode.ViewColumn.Active, panelOptions(deps.extensionUri));
  attach(deps, panel, ref);
}

/** After a window reload: the page's saved state names the model and version. */
export function reviveModelCardPanel(deps: PanelDeps, panel: vscode.WebviewPanel, saved: unknown): void {
  const state = PageStateSchema.pick({ model: true, version: true }).safeParse(saved);
  if (!state.success) {
    deps.log.warn(`model card: saved state not usable (${state.error.issues[0]?.message ?? 'invalid'})`);
    attach(deps, panel, undefined);
    return;
  }
  attach(deps, panel, state.data);
}

function attach(deps: PanelDeps, panel: vscode.WebviewPanel, ref: ModelVersionRef | undefined): void {
  if (ref) {
    const key = `${ref.model}@${ref.version}`;
    open.set(key, panel);
    panel.onDidDispose(() => open.get(key) === panel && open.delete(key));
  }
  new PanelHost<HostMessage, PageMessage>(deps, panel, {
    bundle: 'model',
    name: 'model card',
    registry: true,
    pageMessages: PageMessageSchema,
    build: () => build(deps, ref),
    titleOf: (message) => (message.type === 'data' ? modelCardTitle(message.data.name, message.data.version) : undefined),
    handle: async (message) => {
      if (!ref) return;
      if (message.type === 'moveAlias') await vscode.commands.executeCommand('sextant.models.setAlias', { ...ref, alias: message.alias, expectedFrom: message.expectedFrom });
      else if (message.type === 'revealFile') await vscode.commands.executeCommand('sextant.models.revealFile', ref);
      else if (message.type === 'openSourceRun') await vscode.commands.executeCommand('sextant.models.openSourceRun', ref);
    },
  });
}

async function build(deps: PanelDeps, ref: ModelVersionRef | undefined): Promise<HostMessage> {
  if (!ref) return { type: 'error', message: 'This model card lost track of its model version. Open it again from the Models view.' };
  const got = await deps.tracker();
  if (got.kind === 'missing') return { type: 'error', message: 'This workspace has no Sextant store, so there is no registered model to show.' };
  if (got.kind === 'error') return { type: 'error', message: `The store could not be read: ${got.error.message}` };
  const { modelCard } = await loadEngine();
  const card = deps.log.time(`model card: read ${ref.model} v${ref.version}`, () => modelCard(got.tracker.db, got.tracker.artifactsDir, ref.model, ref.version));
  if (!card.ok) return { type: 'error', message: `${card.error.message} It may have been deleted; the Models view lists what is registered.` };
  return { type: 'data', data: modelCardData(card.value) };
}
