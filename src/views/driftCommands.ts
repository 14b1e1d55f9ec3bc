// Opening the drift report panel: from the palette (Compare Datasets for Drift…: a reference file, then a
// current one) and from a dataset in the Datasets view (Compare With Reference…: that dataset is the
// current; the reference is picked among the pipeline's other datasets, its monitor's reference first, or
// a file; also on the version row the file holds now). The panel runs the drift engine on the two files
// (src/webviews/drift/panel.ts); from the Datasets view each verdict is kept with the dataset's version
// (registered when new), against the reference's version when it is a pipeline dataset or a registered
// file: the version row's drift badge.
import { basename, dirname, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { DriftPair } from '../webviews/drift/data';
import { openDrift } from '../webviews/register';
import type { PiiRule } from '../engine/data/pii/protect';
import type { DriftReport } from '../engine/drift/report';
import { loadEngine } from '../engineLoader';
import type { DatasetNode } from './datasetsTree';
import { experimentsState } from './experimentsState';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler declares the arguments VS Code passes it (a tree node); unknown[] would reject them
type Handler = (...args: any[]) => unknown;

const DATA_FILTERS = { 'CSV and TSV': ['csv', 'tsv', 'txt'], 'All files': ['*'] };

async function pickFile(title: string, defaultUri: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ title, openLabel: 'Choose', canSelectMany: false, canSelectFolders: false, filters: DATA_FILTERS, ...(defaultUri ? { defaultUri } : {}) });
  return picked?.[0];
}

/** The dataset a node is about: a dataset row, or its version row holding the file's current content. */
function datasetOf(node: unknown): DatasetNode | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const n = node as { kind?: unknown; of?: unknown };
  if (n.kind === 'dataset') return node as DatasetNode;
  if (n.kind === 'version' && typeof n.of === 'object' && n.of !== null && (n.of as { kind?: unknown }).kind === 'dataset') return n.of as DatasetNode;
  return undefined;
}

/** A pipeline dataset as the engine registers it: name, file, `pii:` rules, format. */
function registerInput(node: DatasetNode, name: string, root: string) {
  const d = node.pipeline.datasets?.[name];
  const pii = new Map<string, PiiRule>((node.pipeline.expectations?.[name] ?? []).filter((e) => e.column && e.pii).map((e) => [e.column!, e.pii!]));
  return { name, file: resolve(dirname(node.pipelineFile), d?.path ?? ''), root, pii, salt: process.env.SEXTANT_PII_SALT ?? '', ...(d?.format ? { format: d.format } : {}) };
}

/** The reference for a dataset: the pipeline's other datasets (its monitor's reference first), or a file. */
async function pickReference(node: DatasetNode): Promise<{ file: string; label: string; dataset?: string } | undefined> {
  const root = dirname(node.pipelineFile);
  const monitorReference = node.pipeline.monitor?.current === node.name ? node.pipeline.monitor.reference : undefined;
  const others = Object.entries(node.pipeline.datasets ?? {})
    .filter(([name]) => name !== node.name)
    .sort(([a], [b]) => (a === monitorReference ? -1 : b === monitorReference ? 1 : a.localeCompare(b)));
  const CHOOSE = 'Choose a File…';
  const items: (vscode.QuickPickItem & { file?: string; dataset?: string })[] = [
    ...others.map(([name, d]) => ({ label: name, description: d.path, ...(name === monitorReference ? { detail: "The pipeline monitor's reference for this dataset" } : {}), file: resolve(root, d.path), dataset: name })),
    { label: CHOOSE },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `Compare ${node.name} with which reference?`, placeHolder: 'The reference: the data the model was trained on' });
  if (!picked) return undefined;
  if (picked.file) return { file: picked.file, label: picked.label, ...(picked.dataset ? { dataset: picked.dataset } : {}) };
  const uri = await pickFile(`Reference for ${node.name}`, vscode.Uri.file(root));
  return uri ? { file: uri.fsPath, label: basename(uri.fsPath) } : undefined;
}

export function driftCommands(ctx: Ctx): Record<string, Handler> {
  const open = (pair: DriftPair, onReport?: (report: DriftReport) => Promise<void>): void => {
    ctx.log.info(`drift report: ${pair.current.file} against ${pair.reference.file}`);
    openDrift(ctx, experimentsState(ctx), pair, onReport);
  };

  /** Keeps a report with the dataset's version, against the reference's when it is a dataset or a registered file. */
  const keep = (node: DatasetNode, reference: { file: string; dataset?: string }) => async (report: DriftReport): Promise<void> => {
    const e = await loadEngine();
    const store = ctx.storeForWriting();
    if (!store.ok) return void ctx.log.warn(`drift report: the verdict was not kept: ${e.describeError(store.error)}`);
    const root = ctx.layout()?.root ?? dirname(node.pipelineFile);
    let referenceSide: { register: ReturnType<typeof registerInput> } | { versionId: number } | undefined;
    if (reference.dataset) referenceSide = { register: registerInput(node, reference.dataset, root) };
    else {
      const hashed = await new e.Hasher().path(reference.file);
      const id = hashed.sha256 ? e.versionByContent(store.value, hashed.sha256, { file: reference.file, root }) : undefined;
      if (id !== undefined) referenceSide = { versionId: id };
    }
    const kept = await e.keepDrift(store.value, { current: { register: registerInput(node, node.name, root) }, ...(referenceSide ? { reference: referenceSide } : {}), report });
    if (!kept.ok) return void ctx.log.warn(`drift report: the verdict was not kept: ${e.describeError(kept.error)}`);
    ctx.log.info(`drift report: kept with ${node.name} v${kept.value.version.version}${kept.value.reference ? ` (vs ${kept.value.reference.dataset}@${kept.value.reference.version})` : ''}: ${kept.value.summary}`);
    ctx.notifyStoreChanged();
  };
  return {
    'sextant.drift.compare': async () => {
      const root = ctx.layout()?.root;
      const reference = await pickFile('Reference dataset (the data the model was trained on)', root ? vscode.Uri.file(root) : undefined);
      if (!reference) return;
      const current = await pickFile('Current dataset (recent data to compare with the reference)', vscode.Uri.file(dirname(reference.fsPath)));
      if (!current) return;
      open({ reference: { file: reference.fsPath, label: basename(reference.fsPath) }, current: { file: current.fsPath, label: basename(current.fsPath) } });
    },
    'sextant.datasets.compareWithReference': async (node?: unknown) => {
      const dataset = datasetOf(node);
      if (!dataset) return void vscode.window.showInformationMessage('Choose a dataset in the Datasets view first.');
      const reference = await pickReference(dataset);
      if (reference) open({ reference: { file: reference.file, label: reference.label }, current: { file: dataset.file, label: dataset.name } }, keep(dataset, reference));
    },
  };
}
