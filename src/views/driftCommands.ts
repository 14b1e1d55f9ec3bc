// Opening the drift report panel: from the palette (Compare Datasets for Drift…: a reference file, then a
// current one) and from a dataset in the Datasets view (Compare With Reference…: that dataset is the
// current; the reference is picked among the pipeline's other datasets, its monitor's reference first, or
// a file). The panel runs the drift engine on the two files (src/webviews/drift/panel.ts).
import { basename, dirname, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { DriftPair } from '../webviews/drift/data';
import { openDrift } from '../webviews/register';
import type { DatasetNode } from './datasetsTree';
import { experimentsState } from './experimentsState';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler declares the arguments VS Code passes it (a tree node); unknown[] would reject them
type Handler = (...args: any[]) => unknown;

const DATA_FILTERS = { 'CSV and TSV': ['csv', 'tsv', 'txt'], 'All files': ['*'] };

async function pickFile(title: string, defaultUri: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ title, openLabel: 'Choose', canSelectMany: false, canSelectFolders: false, filters: DATA_FILTERS, ...(defaultUri ? { defaultUri } : {}) });
  return picked?.[0];
}

function isDataset(node: unknown): node is DatasetNode {
  return typeof node === 'object' && node !== null && (node as { kind?: unknown }).kind === 'dataset';
}

/** The reference for a dataset: the pipeline's other datasets (its monitor's reference first), or a file. */
async function pickReference(node: DatasetNode): Promise<{ file: string; label: string } | undefined> {
  const root = dirname(node.pipelineFile);
  const monitorReference = node.pipeline.monitor?.current === node.name ? node.pipeline.monitor.reference : undefined;
  const others = Object.entries(node.pipeline.datasets ?? {})
    .filter(([name]) => name !== node.name)
    .sort(([a], [b]) => (a === monitorReference ? -1 : b === monitorReference ? 1 : a.localeCompare(b)));
  const CHOOSE = 'Choose a File…';
  const items: (vscode.QuickPickItem & { file?: string })[] = [
    ...others.map(([name, d]) => ({ label: name, description: d.path, ...(name === monitorReference ? { detail: "The pipeline monitor's reference for this dataset" } : {}), file: resolve(root, d.path) })),
    { label: CHOOSE },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `Compare ${node.name} with which reference?`, placeHolder: 'The reference: the data the model was trained on' });
  if (!picked) return undefined;
  if (picked.file) return { file: picked.file, label: picked.label };
  const uri = await pickFile(`Reference for ${node.name}`, vscode.Uri.file(root));
  return uri ? { file: uri.fsPath, label: basename(uri.fsPath) } : undefined;
}

export function driftCommands(ctx: Ctx): Record<string, Handler> {
  const open = (pair: DriftPair): void => {
    ctx.log.info(`drift report: ${pair.current.file} against ${pair.reference.file}`);
    openDrift(ctx, experimentsState(ctx), pair);
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
      if (!isDataset(node)) return void vscode.window.showInformationMessage('Choose a dataset in the Datasets view first.');
      const reference = await pickReference(node);
      if (reference) open({ reference, current: { file: node.file, label: node.name } });
    },
  };
}
