// The drift report panel's host side: one panel per pair of files (opening the same pair again shows it),
// revived after a window reload from the page's saved state. The host runs the drift engine on the two
// files (compareWithHistograms: the report and each tested column's histograms, through the engine loader)
// and sends the result; the page's Compare Again reads the files again. Not live on store changes: it reads
// files, not the store. `onReport` (the Datasets view's Compare With Reference…) is given each report, to
// keep the verdict with the dataset's version; a panel revived after a reload keeps nothing.
import * as vscode from 'vscode';
import { loadEngine } from '../../engineLoader';
import type { PanelDeps } from '../panelDeps';
import { panelOptions, PanelHost } from '../panelHost';
import type { DriftReport } from '../../engine/drift/report';
import { driftPanelData, driftTitle, type DriftPair } from './data';
import { DRIFT_VIEW_TYPE, PageMessageSchema, PageStateSchema, type HostMessage, type PageMessage } from './protocol';

type DriftRequest = Extract<PageMessage, { type: 'refresh' }>;

const open = new Map<string, vscode.WebviewPanel>();
const keyOf = (pair: DriftPair): string => `${pair.reference.file}\u0000${pair.current.file}`;

/** Called with each report the panel computes (after it is sent, errors only logged). */
export type OnDriftReport = (report: DriftReport) => Promise<void>;

export function openDriftPanel(deps: PanelDeps, pair: DriftPair, onReport?: OnDriftReport): void {
  const existing = open.get(keyOf(pair));
  if (existing) return existing.reveal();
  const panel = vscode.window.createWebviewPanel(DRIFT_VIEW_TYPE, driftTitle(pair), vscode.ViewColumn.Active, panelOptions(deps.extensionUri));
  attach(deps, panel, pair, onReport);
}

/** After a window reload: the page's saved state names the two files. */
export function reviveDriftPanel(deps: PanelDeps, panel: vscode.WebviewPanel, saved: unknown): void {
  const state = PageStateSchema.pick({ reference: true, current: true }).safeParse(saved);
  if (!state.success) {
    deps.log.warn(`drift report: saved state not usable (${state.error.issues[0]?.message ?? 'invalid'}); closing the panel`);
    panel.dispose();
    return;
  }
  attach(deps, panel, state.data);
}

function attach(deps: PanelDeps, panel: vscode.WebviewPanel, pair: DriftPair, onReport?: OnDriftReport): void {
  const key = keyOf(pair);
  open.set(key, panel);
  panel.onDidDispose(() => {
    if (open.get(key) === panel) open.delete(key);
  });
  const build = async (): Promise<HostMessage> => {
    const { compareWithHistograms, describeError } = await loadEngine();
    const started = performance.now();
    const compared = deps.log.time(`drift report: ${pair.current.file} against ${pair.reference.file}`, () => compareWithHistograms(pair.reference.file, pair.current.file));
    if (!compared.ok) return { type: 'error', message: describeError(compared.error) };
    const data = driftPanelData(pair, compared.value, performance.now() - started);
    if (onReport) await onReport(compared.value.report).catch((err: unknown) => deps.log.warn(`drift report: the verdict was not kept: ${(err as Error).message}`));
    return { type: 'data', data };
  };
  new PanelHost<HostMessage, DriftRequest>(deps, panel, {
    bundle: 'drift',
    name: 'drift report',
    pageMessages: PageMessageSchema,
    build,
    titleOf: () => driftTitle(pair),
    live: false,
    handle: async (message, host) => {
      if (message.type === 'refresh') await host.send();
    },
  });
}
