// The Datasets view: each dataset the pipeline declares, its file (size, rows), then its registered
// versions newest first (datasetsItems.ts: when, rows, validation and drift badges, which one the file
// holds now, which one the pipeline pins) and each version's columns from its stored profile (type,
// missing share, one line of figures). A dataset with no version yet lists its file's columns with their
// expectations. Data comes from the engine and the store; nothing here reads the store itself.
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { DatasetVersion } from '../engine/data/versions/schema';
import { formatBytes } from '../engine/format';
import type { Hasher } from '../engine/runner/hash';
import { engine, loadEngine } from '../engineLoader';
import type { Dataset, Pipeline } from '../engine/pipeline/schema';
import { columnRow, versionRow, type Row } from './datasetsItems';
import { codeSpan, md } from './markdown';
import type { PipelineEntry, WorkspaceState } from './workspaceState';

export type DatasetNode = { kind: 'dataset'; name: string; dataset: Dataset; pipeline: Pipeline; file: string; pipelineFile: string };

type Node =
  | { kind: 'pipeline'; entry: PipelineEntry }
  | DatasetNode
  | { kind: 'version'; of: DatasetNode; version: DatasetVersion; row: Row }
  | { kind: 'row'; id: string; row: Row }
  | { kind: 'column'; name: string; dataset: string; pipeline: Pipeline; isLabel: boolean }
  | { kind: 'problem'; message: string; uri?: vscode.Uri; line?: number };

function expectationText(e: Record<string, unknown>): string {
  return Object.entries(e)
    .filter(([k]) => k !== 'column')
    .map(([k, v]) => (v === true ? k : `${k} ${JSON.stringify(v)}`))
    .join(', ');
}

const checksOf = (pipeline: Pipeline, dataset: string, column: string): string[] => (pipeline.expectations?.[dataset] ?? []).filter((e) => e.column === column).map((e) => expectationText(e));

class DatasetsTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** One hasher for the session: its stat cache means an unchanged file is hashed once. */
  private hasher: Hasher | undefined;

  constructor(
    private readonly ctx: Ctx,
    private readonly state: WorkspaceState,
  ) {
    state.onDidChange(() => this.changed.fire(undefined));
    ctx.onStoreChanged(() => this.changed.fire(undefined));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** The registered versions of a dataset, newest first; none when the store is missing or unreadable. */
  private versionsOf(name: string): DatasetVersion[] {
    const layout = this.ctx.layout();
    if (!layout || !engine().exists(layout.storePath)) return [];
    const store = this.ctx.store();
    if (!store.ok) return [];
    return this.ctx.log.time(`datasets: versions of ${name}`, () => engine().listDatasets(store.value).find((d) => d.name === name)?.versions ?? []);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      const entries = this.state.entries;
      if (entries.length === 1) return this.pipelineChildren(entries[0]!);
      return entries.map((entry) => ({ kind: 'pipeline', entry }));
    }
    if (node.kind === 'pipeline') return this.pipelineChildren(node.entry);
    if (node.kind === 'dataset') {
      const e = await loadEngine();
      const versions = this.versionsOf(node.name);
      if (versions.length > 0) {
        this.hasher ??= new e.Hasher();
        const hasher = this.hasher;
        const current = await this.ctx.log.timeAsync(`datasets: hash ${node.file}`, () => hasher.path(node.file));
        const context = { ...(current.sha256 ? { currentHash: current.sha256 } : {}), ...(node.dataset.version !== undefined ? { pin: node.dataset.version } : {}), now: Date.now() };
        return versions.map((version) => ({ kind: 'version', of: node, version, row: versionRow(version, context) }));
      }
      const info = await e.inspectDatasetFile(node.file);
      if (!info.ok) return [{ kind: 'problem', message: info.error.message }];
      return info.value.columns.map((name) => ({ kind: 'column', name, dataset: node.name, pipeline: node.pipeline, isLabel: name === node.dataset.label }));
    }
    if (node.kind === 'version') {
      const store = this.ctx.store();
      if (!store.ok) return [{ kind: 'problem', message: store.error.message }];
      const shown = engine().showDatasetVersion(store.value, node.of.name, node.version.version);
      if (!shown.ok) return [{ kind: 'problem', message: shown.error.message }];
      if (!shown.value.profile) return [{ kind: 'problem', message: `v${node.version.version} has no profile (a folder, or a file the readers could not read when it was registered).` }];
      const { name, pipeline, dataset, pipelineFile } = node.of;
      return engine()
        .versionColumns(shown.value.profile)
        .map((c) => ({ kind: 'row', id: `column:${pipelineFile}:${name}:${node.version.version}:${c.name}`, row: columnRow(c, { isLabel: c.name === dataset.label, checks: checksOf(pipeline, name, c.name) }) }));
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
        const checks = checksOf(node.pipeline, node.dataset, node.name);
        item.description = [node.isLabel ? 'label' : '', ...checks].filter(Boolean).join(' · ');
        item.iconPath = new vscode.ThemeIcon(node.isLabel ? 'target' : checks.length > 0 ? 'pass' : 'symbol-field');
        item.contextValue = 'column';
        return item;
      }
      case 'version':
        return rowItem(node.row, `version:${node.of.pipelineFile}:${node.of.name}:${node.version.version}`, vscode.TreeItemCollapsibleState.Collapsed);
      case 'row':
        return rowItem(node.row, node.id, vscode.TreeItemCollapsibleState.None);
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
          const versions = this.versionsOf(node.name).length;
          item.description = `${info.value.rows.toLocaleString('en-US')} rows · ${info.value.columns.length} columns · ${formatBytes(info.value.sizeBytes)}${versions ? ` · ${versions} version${versions === 1 ? '' : 's'}` : ''}`;
          item.iconPath = new vscode.ThemeIcon('database');
          tooltip.appendMarkdown(`${info.value.rows.toLocaleString('en-US')} rows, ${formatBytes(info.value.sizeBytes)}, modified ${md(String(info.value.modifiedAt))}\n\n`);
          tooltip.appendMarkdown(`Columns: ${info.value.columns.map((c) => codeSpan(c)).join(', ')}`);
          if (node.dataset.label) tooltip.appendMarkdown(`\n\nLabel: ${codeSpan(node.dataset.label)}`);
          tooltip.appendMarkdown(versions ? `\n\n${versions} registered version${versions === 1 ? '' : 's'}${node.dataset.version !== undefined ? `; the pipeline pins v${node.dataset.version}` : ''}.` : '\n\nNo version registered yet: *Register Version* keeps its hash, rows, schema and profile.');
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

function rowItem(row: Row, id: string, state: vscode.TreeItemCollapsibleState): vscode.TreeItem {
  const item = new vscode.TreeItem(row.label, state);
  item.id = id;
  item.description = row.description;
  item.tooltip = new vscode.MarkdownString(row.tooltip);
  item.iconPath = new vscode.ThemeIcon(row.icon, row.iconColor ? new vscode.ThemeColor(row.iconColor) : undefined);
  item.contextValue = row.contextValue;
  return item;
}

export function registerDatasetsView(ctx: Ctx, state: WorkspaceState): DatasetsTree {
  const tree = new DatasetsTree(ctx, state);
  const view = vscode.window.createTreeView('sextant.datasets', { treeDataProvider: tree, showCollapseAll: true });
  ctx.push(view);
  return tree;
}
