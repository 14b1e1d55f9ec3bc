// Sextant's front door: builds the context, the workspace state, the views, the runner and the command
// table, and starts the pipeline language client. Nothing here loads a native module, zod or yaml: the
// engine and the language client are separate bundles required on first use (see esbuild.mjs).
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { coreCommands, registerCommands } from './commands';
import { Ctx } from './ctx';
import { VERSION } from './engine/version';
import { isPipelineFileName } from './engine/workspace/layout';
import { registerRunner } from './runner/register';
import { registerDatasetsView } from './views/datasetsTree';
import { datasetsCommands } from './views/datasetsCommands';
import { driftCommands } from './views/driftCommands';
import { exportCommands } from './views/exportCommand';
import { experimentsCommands } from './views/experimentsCommands';
import { registerExperimentsView } from './views/experimentsTree';
import { experimentsState } from './views/experimentsState';
import { modelsCommands } from './views/modelsCommands';
import { registerModelsView } from './views/modelsTree';
import { Serving } from './views/serving';
import { registerWebviews } from './webviews/register';
import { WorkspaceState } from './views/workspaceState';

let ctx: Ctx | undefined;

/** Starts the language server when a pipeline file is open (now or later), not before. */
function startLanguageClientOnDemand(ctx: Ctx): void {
  const isPipeline = (doc: vscode.TextDocument): boolean => doc.languageId === 'sextant-pipeline' || isPipelineFileName(basename(doc.uri.fsPath));
  let started = false;
  const start = (): void => {
    if (started) return;
    started = true;
    listener.dispose();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const client = require('./lsp/client') as typeof import('./lsp/client');
    client.startLanguageClient(ctx).catch((err: Error) => ctx.log.error(`pipeline language server: ${err.message}`));
  };
  const listener = vscode.workspace.onDidOpenTextDocument((doc) => isPipeline(doc) && start());
  ctx.push(listener);
  if (vscode.workspace.textDocuments.some(isPipeline)) start();
}

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  ctx = new Ctx(context);
  ctx.log.info(`activating at ${new Date().toISOString()}`);
  const state = new WorkspaceState(ctx);
  ctx.push(state);
  const datasets = registerDatasetsView(ctx, state);
  const serving = new Serving(ctx);
  ctx.push(serving);
  const models = registerModelsView(ctx, serving);
  registerExperimentsView(ctx, state);
  registerWebviews(ctx, experimentsState(ctx));
  const runnerCommands = registerRunner(ctx);
  registerCommands(ctx, {
    ...coreCommands({
      ctx,
      state,
      refreshViews: () => {
        [datasets, models].forEach((tree) => tree.refresh());
        void vscode.commands.executeCommand('sextant.experiments.refresh');
      },
    }),
    ...experimentsCommands(ctx),
    ...modelsCommands(ctx),
    ...serving.commands(),
    ...datasetsCommands(ctx, () => datasets.refresh()),
    ...driftCommands(ctx),
    ...exportCommands(ctx, state),
    ...runnerCommands,
  });
  startLanguageClientOnDemand(ctx);
  context.subscriptions.push(ctx);
  void state.refresh();
  const native = Object.keys(require.cache).filter((path) => /better-sqlite3|onnxruntime/.test(path));
  ctx.log.info(`Sextant ${VERSION} activated in ${(performance.now() - started).toFixed(1)} ms (native modules loaded: ${native.length > 0 ? native.join(', ') : 'none'})`);
}

export function deactivate(): void {
  ctx = undefined;
}
