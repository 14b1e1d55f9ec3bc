// The Datasets view: each dataset the pipeline declares, its file (size, rows), its columns and the
// expectations on each column. Data comes from the engine; nothing here reads the store.
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { formatBytes } from '../engine/format';
import { loadEngine } from '../engineLoader';
import type { Dataset, Pipeline } from '../engine/pipeline/schema';
import { codeSpan, md } from './markdown';
import type { PipelineEntry, WorkspaceState } from './workspaceState';

type Node =
  | { kind: 'pipeline'; entry: PipelineEntry }
  | { kind: 'dataset'; name: string; dataset: Dataset; pipeline: Pipeline; file: string; pipelineFile: string }
  | { kind: 'column'; name: string; dataset: string; pipeline: Pipeline; isLabel: boolean }
  | { kind: 'problem'; message: string; uri?: vscode.Uri; line?: number };

function expectationText(e: Record<string, unknown>): string {
  return Object.entries(e)
    .filter(([k]) => k !== 'column')
    .map(([k, v]) => (v === true ? k : `${k} ${JSON.stringify(v)}`))
    .join(', ');
}

class DatasetsTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly state: WorkspaceState) {
    state.onDidChange(() => this.changed.fire(undefined));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      const entries = this.state.entries;
      if (entries.length === 1) return this.pipelineChildren(entries[0]!);
      return entries.map((entry) => ({ kind: 'pipeline', entry }));
    }
    if (node.kind === 'pipeline') return this.pipelineChildren(node.entry);
    if (node.kind === 'dataset') {
      const { inspectDatasetFile } = await loadEngine();
      const info = await inspectDatasetFile(node.file);
      if (!info.ok) return [{ kind: 'problem', message: info.error.message }];
      return info.value.columns.map((name) => ({ kind: 'column', name, dataset: node.name, pipeline: node.pipeline, isLabel: name === node.dataset.label }));
    }
    return [];
  }

  private pipelineChildren(entry: PipelineEntry): Node[] {
    if (entry.error) {
      const where = entry.error.line !== undefined ? `line ${entry.error.line}: ` : '';
      return [{ kind: 'problem', message: `${vscode.workspace.asRelativePath(entry.uri)}: ${where}${entry.error.message}`, uri: entry.uri, ...(entry.error.line !== undefined ? { line: entry.error.line } : {}) }];
    }
    const pipeline = entry.pipeline!;
    return Object.entries(pipeline.datasets ?? {}).map(([name, dataset]) => ({ kind: 'dataset', name, dataset, pipeline, file: join(dirname(entry.uri.fsPath), dataset.path), pipelineFile: entry.uri.fsPath }));
  }

  async getTreeItem(node: Node): Promise<vscode.TreeItem> {
    switch (node.kind) {
      case 'pipeline': {
        const item = new vscode.TreeItem(vscode.workspace.asRelativePath(node.entry.uri), vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon(node.entry.error ? 'warning' : 'symbol-namespace');
        item.resourceUri = node.entry.uri;
        item.contextValue = 'pipeline';
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
        item.tooltip = node.message;
        if (node.uri) {
          const line = Math.max(0, (node.line ?? 1) - 1);
          item.command = { command: 'vscode.open', title: 'Open', arguments: [node.uri, { selection: new vscode.Range(line, 0, line, 0) }] };
        }
        return item;
      }
      case 'column': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
        const checks = (node.pipeline.expectations?.[node.dataset] ?? []).filter((e) => e.column === node.name).map((e) => expectationText(e));
        item.description = [node.isLabel ? 'label' : '', ...checks].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon(node.isLabel ? 'target' : checks.length > 0 ? 'pass' : 'symbol-field');
        item.contextValue = 'column';
        return item;
      }
      case 'dataset': {
        const { inspectDatasetFile } = await loadEngine();
        const info = await inspectDatasetFile(node.file);
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
        // two pipeline files may declare the same dataset file under the same name: the id names the pipeline too
        item.id = `dataset:${node.pipelineFile}:${node.name}`;
        item.resourceUri = vscode.Uri.file(node.file);
        item.contextValue = info.ok ? 'dataset' : 'dataset-missing';
        const tooltip = new vscode.MarkdownString(undefined, true);
        tooltip.appendMarkdown(`**${md(node.name)}** — ${codeSpan(node.dataset.path)}\n\n`);
        if (node.dataset.description) tooltip.appendMarkdown(`${md(node.dataset.description)}\n\n`);
        if (info.ok) {
          item.description = `${info.value.rows.toLocaleString('en-US')} rows · ${info.value.columns.length} columns · ${formatBytes(info.value.sizeBytes)}`;
          item.iconPath = new vscode.ThemeIcon('database');
          tooltip.appendMarkdown(`${info.value.rows.toLocaleString('en-US')} rows, ${formatBytes(info.value.sizeBytes)}, modified ${md(String(info.value.modifiedAt))}\n\n`);
          tooltip.appendMarkdown(`Columns: ${info.value.columns.map((c) => codeSpan(c)).join(', ')}`);
          if (node.dataset.label) tooltip.appendMarkdown(`\n\nLabel: ${codeSpan(node.dataset.label)}`);
        } else {
          item.description = 'file missing';
          item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
          item.collapsibleState = vscode.TreeItemCollapsibleState.None;
          tooltip.appendMarkdown(md(info.error.message));
        }
        item.tooltip = tooltip;
        item.command = info.ok ? { command: 'sextant.openDataset', title: 'Open Dataset File', arguments: [node] } : undefined;
        return item;
      }
    }
  }
}

export function registerDatasetsView(ctx: Ctx, state: WorkspaceState): DatasetsTree {
  const tree = new DatasetsTree(state);
  const view = vscode.window.createTreeView('sextant.datasets', { treeDataProvider: tree, showCollapseAll: true });
  ctx.push(view);
  return tree;
}
