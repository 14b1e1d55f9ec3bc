// The Models view: registered models → versions (newest first) with their aliases and the metrics of
// the pipeline run that produced them. Reads the store through the engine; refreshes when the registry
// changes, by this window or by another process.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { ModelSummary, ModelVersionSummary } from '../engine/registry/list';
import { loadEngine } from '../engineLoader';
import { codeSpan, md, table } from './markdown';
import { servedDescription, type Serving } from './serving';
import { watchStoreFiles } from './storeWatch';

/** Store events closer together than this are one look at the registry. */
const LOOK_MS = 300;

export type ModelNode = { kind: 'model'; model: ModelSummary } | { kind: 'version'; model: string; version: ModelVersionSummary } | { kind: 'problem'; message: string };

function metricText(metrics: Record<string, number | null>, max = 3): string {
  const rank = (k: string): number => { const i = ['accuracy', 'f1', 'f1_macro', 'roc_auc', 'log_loss'].indexOf(k); return i === -1 ? 99 : i; };
  return Object.entries(metrics)
    .filter(([, v]) => v !== null)
    .sort((a, b) => rank(a[0]) - rank(b[0]))
    .slice(0, max)
    .map(([k, v]) => `${k} ${Number(v).toFixed(3)}`)
    .join(' · ');
}

class ModelsTree implements vscode.TreeDataProvider<ModelNode> {
  private readonly changed = new vscode.EventEmitter<ModelNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  /** The registry's change number when the models were last read (engine/registry/changes.ts); undefined: not read yet. */
  private drawn: number | undefined;
  private lookTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: Ctx, private readonly serving?: Serving) {
    // This window's writes, and other processes' (`sextant models promote` in a terminal): on a store event the
    // view reads the registry's change number, one row, and reads the models again only when it moved.
    ctx.push(this.changed, ctx.onStoreChanged(() => this.refresh()), watchStoreFiles(ctx, { changed: () => this.lookSoon(), storeDeleted: () => this.refresh() }), {
      dispose: () => clearTimeout(this.lookTimer),
    });
    if (serving) ctx.push(serving.onDidChange(() => this.refresh()));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** Looks at the registry's change number soon (a burst of commits is one look). */
  private lookSoon(): void {
    if (this.drawn === undefined || this.lookTimer) return;
    this.lookTimer = setTimeout(() => {
      this.lookTimer = undefined;
      void this.look();
    }, LOOK_MS);
  }

  private async look(): Promise<void> {
    const store = this.ctx.store();
    if (!store.ok) return;
    const engine = await loadEngine();
    const now = engine.registryChangeNumber(store.value);
    if (now !== undefined && now !== this.drawn) this.refresh();
  }

  async getChildren(node?: ModelNode): Promise<ModelNode[]> {
    if (node?.kind === 'model') return node.model.versions.map((version) => ({ kind: 'version', model: node.model.name, version }));
    if (node) return [];
    const engine = await loadEngine();
    const layout = this.ctx.layout();
    if (!layout || !engine.exists(layout.storePath)) return [];
    const store = this.ctx.store();
    if (!store.ok) return [];
    try {
      this.drawn = engine.registryChangeNumber(store.value) ?? -1;
      const models = this.ctx.log.time('models: list', () => engine.listModels(store.value));
      return models.map((model) => ({ kind: 'model', model }));
    } catch (err) {
      return [{ kind: 'problem', message: `Cannot read the registry: ${(err as Error).message}` }];
    }
  }

  getTreeItem(node: ModelNode): vscode.TreeItem {
    if (node.kind === 'problem') {
      const item = new vscode.TreeItem(node.message);
      item.iconPath = new vscode.ThemeIcon('error');
      return item;
    }
    if (node.kind === 'model') {
      const latest = node.model.versions[0];
      const item = new vscode.TreeItem(node.model.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `model:${node.model.name}`;
      item.iconPath = new vscode.ThemeIcon('package');
      item.description = `${node.model.versions.length} version${node.model.versions.length === 1 ? '' : 's'}${latest ? ` · latest v${latest.version}` : ''}`;
      item.contextValue = 'model';
      return item;
    }
    const v = node.version;
    const item = new vscode.TreeItem(`v${v.version}`, vscode.TreeItemCollapsibleState.None);
    item.id = `model:${node.model}:v${v.version}`;
    item.iconPath = new vscode.ThemeIcon(v.aliases.includes('production') ? 'star-full' : v.aliases.length > 0 ? 'tag' : 'circle-outline');
    item.description = servedDescription(this.serving, node, [v.aliases.map((a) => `@${a}`).join(' '), metricText(v.metrics)].filter(Boolean).join('  '));
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${md(node.model)}** v${v.version}${v.aliases.length ? ` — ${v.aliases.map((a) => codeSpan(`@${a}`)).join(' ')}` : ''}\n\n`);
    tooltip.appendMarkdown(`Registered ${new Date(v.createdAt).toISOString()}${v.runName ? ` by run ${codeSpan(v.runName)} (${codeSpan(v.runUid ?? '')})` : ''}\n\n`);
    if (v.artifactSha256) tooltip.appendMarkdown(`${md(v.format ?? 'model')} ${codeSpan(`sha256:${v.artifactSha256.slice(0, 16)}…`)}\n\n`);
    const metrics = Object.entries(v.metrics);
    if (metrics.length > 0) tooltip.appendMarkdown(table(['metric', 'value'], metrics.map(([k, val]) => [md(k), val === null ? 'NaN' : Number(val).toPrecision(4)])));
    item.tooltip = tooltip;
    item.contextValue = 'modelVersion';
    item.command = { command: 'sextant.models.openCard', title: 'Open Model Card', arguments: [node] };
    return item;
  }
}

export function registerModelsView(ctx: Ctx, serving?: Serving): ModelsTree {
  const tree = new ModelsTree(ctx, serving);
  ctx.push(vscode.window.createTreeView('sextant.models', { treeDataProvider: tree, showCollapseAll: true }));
  return tree;
}
