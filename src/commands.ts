// The extension's commands, in one table: id → handler. Domain modules (experiments, runner) contribute
// their own tables, merged here; package.json declares every id with its title, icon and menus.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { demoOverwriteQuestion, overwriteAnswer } from './demoOverwrite';
import { loadEngine } from './engineLoader';
import type { WorkspaceState } from './views/workspaceState';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler declares the arguments VS Code passes it (a tree node, a URI); unknown[] would reject them
export type CommandTable = Record<string, (...args: any[]) => unknown>;

export interface Services {
  ctx: Ctx;
  state: WorkspaceState;
  refreshViews(): void;
}

async function openPipeline({ state }: Services): Promise<void> {
  const entries = state.entries;
  if (entries.length === 0) {
    const pick = await vscode.window.showInformationMessage('This workspace has no pipeline (sextant.yaml).', 'Create Demo Pipeline');
    if (pick) await vscode.commands.executeCommand('sextant.initPipeline');
    return;
  }
  const uri =
    entries.length === 1
      ? entries[0]!.uri
      : (await vscode.window.showQuickPick(entries.map((e) => ({ label: vscode.workspace.asRelativePath(e.uri), uri: e.uri })), { placeHolder: 'Which pipeline?' }))?.uri;
  if (uri) await vscode.window.showTextDocument(uri);
}

async function initPipeline({ ctx, state }: Services): Promise<void> {
  const root = ctx.workspaceRoot();
  if (!root) {
    void vscode.window.showErrorMessage('Open a folder first: the demo pipeline is written into it.');
    return;
  }
  const { createDemoWorkspace, describeError } = await loadEngine();
  let result = createDemoWorkspace(root);
  if (!result.ok && result.error.code === 'init-would-overwrite') {
    // The dialog's default button opens what is there: Enter never overwrites (src/demoOverwrite.ts).
    const existing = result.error.file ?? `${root}/sextant.yaml`;
    const question = demoOverwriteQuestion(result.error.message, existing);
    const answer = overwriteAnswer(question, await vscode.window.showWarningMessage(question.message, question.options, ...question.buttons));
    if (answer === 'open') await vscode.window.showTextDocument(vscode.Uri.file(existing));
    if (answer !== 'overwrite') return;
    result = createDemoWorkspace(root, { overwrite: true });
  }
  if (!result.ok) {
    void vscode.window.showErrorMessage(`Sextant: ${describeError(result.error)}`);
    return;
  }
  ctx.log.info(`demo pipeline written to ${root}: ${result.value.written.join(', ')}`);
  await state.refresh();
  await vscode.window.showTextDocument(vscode.Uri.file(`${root}/sextant.yaml`));
}

async function createDemoFolder({ ctx }: Services): Promise<void> {
  const picked = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Create Demo Here', title: 'Choose an empty folder for the Sextant demo workspace' });
  const folder = picked?.[0];
  if (!folder) return;
  const { createDemoWorkspace, describeError } = await loadEngine();
  const result = createDemoWorkspace(folder.fsPath);
  if (!result.ok) {
    void vscode.window.showErrorMessage(`Sextant: ${describeError(result.error)}`);
    return;
  }
  ctx.log.info(`demo workspace created in ${folder.fsPath}`);
  const open = await vscode.window.showInformationMessage(`Created the Sextant demo in ${folder.fsPath}.`, 'Open Folder');
  if (open) await vscode.commands.executeCommand('vscode.openFolder', folder);
}

async function doctor({ ctx }: Services): Promise<void> {
  const { runDoctor } = await loadEngine();
  const storePath = ctx.layout()?.storePath;
  const python = ctx.pythonEnv().SEXTANT_PYTHON;
  const report = await ctx.log.timeAsync('doctor', () => runDoctor({ ...(storePath ? { storePath } : {}), ...(python ? { python } : {}) }));
  const mark = { ok: '✓', warn: '!', fail: '✗' } as const;
  ctx.log.info(`doctor:\n${report.checks.map((c) => `  ${mark[c.status]} ${c.name}: ${c.detail}${c.fix ? `\n      fix: ${c.fix}` : ''}`).join('\n')}`);
  const warnings = report.checks.filter((c) => c.status === 'warn').length;
  const failures = report.checks.filter((c) => c.status === 'fail');
  const summary = failures.length > 0 ? `Sextant doctor: ${failures.map((c) => `${c.name}: ${c.detail}`).join('; ')}` : `Sextant doctor: all required checks passed${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}.`;
  const show = failures.length > 0 ? await vscode.window.showErrorMessage(summary, 'Show Report') : await vscode.window.showInformationMessage(summary, 'Show Report');
  if (show) ctx.log.show();
}

async function moveAside({ ctx, state }: Services): Promise<void> {
  await loadEngine();
  const layout = ctx.layout();
  if (!layout) return;
  const choice = await vscode.window.showWarningMessage(`Move ${vscode.workspace.asRelativePath(layout.storePath)} aside? It is renamed, not deleted, and a new store is created on the next run.`, { modal: true }, 'Move Aside');
  if (choice !== 'Move Aside') return;
  const { moveStoreAside, describeError } = await loadEngine();
  ctx.resetStore();
  const moved = moveStoreAside(layout.storePath);
  if (!moved.ok) {
    void vscode.window.showErrorMessage(`Sextant: ${describeError(moved.error)}`);
    return;
  }
  ctx.log.info(`store moved aside to ${moved.value}`);
  void vscode.window.showInformationMessage(`The store was moved to ${vscode.workspace.asRelativePath(moved.value)}.`);
  await state.refresh();
}

function datasetUri(node: { file?: string } | vscode.Uri | undefined): vscode.Uri | undefined {
  if (!node) return undefined;
  if (node instanceof vscode.Uri) return node;
  return node.file ? vscode.Uri.file(node.file) : undefined;
}

export function coreCommands(services: Services): CommandTable {
  const { ctx, state } = services;
  return {
    'sextant.refresh': async () => {
      ctx.resetStore();
      await state.refresh();
      services.refreshViews();
    },
    'sextant.openPipeline': () => openPipeline(services),
    'sextant.initPipeline': () => initPipeline(services),
    'sextant.createDemoWorkspace': () => createDemoFolder(services),
    'sextant.doctor': () => doctor(services),
    'sextant.showOutput': () => ctx.log.show(),
    'sextant.moveStoreAside': () => moveAside(services),
    'sextant.openDataset': (node?: { file?: string }) => {
      const uri = datasetUri(node);
      if (uri) return vscode.commands.executeCommand('vscode.open', uri);
      return undefined;
    },
    'sextant.revealDataset': (node?: { file?: string }) => {
      const uri = datasetUri(node);
      if (uri) return vscode.commands.executeCommand('revealInExplorer', uri);
      return undefined;
    },
    'sextant.openSettings': () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:sextant.sextant'),
  };
}

/** Registers every command of the table, logging failures with the command's id. */
export function registerCommands(ctx: Ctx, table: CommandTable): void {
  for (const [id, handler] of Object.entries(table)) {
    ctx.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (err) {
          ctx.log.error(`${id}: ${(err as Error).stack ?? String(err)}`);
          const pick = await vscode.window.showErrorMessage(`Sextant: ${(err as Error).message}`, 'Show Output');
          if (pick) ctx.log.show();
          return undefined;
        }
      }),
    );
  }
}
