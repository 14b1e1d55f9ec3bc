// Sextant's front door: builds the context, the workspace state, the views and the command table.
// Nothing here loads a native module; the store opens on first use (see src/ctx.ts).
import * as vscode from 'vscode';
import { coreCommands, registerCommands } from './commands';
import { Ctx } from './ctx';
import { VERSION } from './engine/version';
import { registerDatasetsView } from './views/datasetsTree';
import { registerModelsView } from './views/modelsTree';
import { WorkspaceState } from './views/workspaceState';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  ctx = new Ctx(context);
  const state = new WorkspaceState(ctx);
  ctx.push(state);
  const datasets = registerDatasetsView(ctx, state);
  const models = registerModelsView(ctx);
  registerCommands(ctx, coreCommands({ ctx, state, refreshViews: () => [datasets, models].forEach((tree) => tree.refresh()) }));
  context.subscriptions.push(ctx);
  void state.refresh();
  const native = Object.keys(require.cache).filter((path) => /better-sqlite3|onnxruntime/.test(path));
  ctx.log.info(`Sextant ${VERSION} activated in ${(performance.now() - started).toFixed(1)} ms (native modules loaded: ${native.length > 0 ? native.join(', ') : 'none'})`);
}

export function deactivate(): void {
  ctx = undefined;
}
