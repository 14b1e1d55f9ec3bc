// The runner in VS Code: the `sextant` task type, the "▶ Run stage" CodeLens, the run commands and the
// status bar item. Runs go through tasks, so they appear in the terminal panel, can be re-run and
// bound to keys like any task.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { CommandTable } from '../commands';
import type { Ctx } from '../ctx';
import { isPipelineFileName, PIPELINE_GLOB, PIPELINE_SEARCH_EXCLUDE } from '../engine/workspace/layout';
import { loadEngine } from '../engineLoader';
import { RUN_WITH_PARAM_COMMAND, type RunWithParamArgs } from '../lsp/protocol';
import { StageCodeLensProvider } from './codeLens';
import { findStageLines } from './stageLines';
import { RunnerStatusBar } from './statusBar';
import { SextantTaskProvider, TASK_TYPE, type SextantTaskDefinition } from './taskProvider';

async function pickPipeline(uri?: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (uri instanceof vscode.Uri) return uri;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && isPipelineFileName(basename(active.fsPath))) return active;
  const files = await vscode.workspace.findFiles(PIPELINE_GLOB, PIPELINE_SEARCH_EXCLUDE, 50);
  if (files.length <= 1) return files[0];
  const pick = await vscode.window.showQuickPick(
    files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f })),
    { placeHolder: 'Which pipeline?' },
  );
  return pick?.uri;
}

/** Registers the task provider and the stage CodeLens; returns the run commands for the command table (src/commands.ts). */
export function registerRunner(ctx: Ctx): CommandTable {
  const statusBar = new RunnerStatusBar();
  const provider = new SextantTaskProvider(ctx, statusBar);
  const codeLens = new StageCodeLensProvider();
  const selector: vscode.DocumentSelector = [{ language: 'sextant-pipeline' }, { pattern: PIPELINE_GLOB }];

  const runTask = async (uri: vscode.Uri | undefined, stage?: string, force?: boolean): Promise<void> => {
    const file = await pickPipeline(uri);
    if (!file) {
      const pick = await vscode.window.showInformationMessage('This workspace has no pipeline (sextant.yaml).', 'Create Demo Pipeline');
      if (pick) await vscode.commands.executeCommand('sextant.initPipeline');
      return;
    }
    const folder = vscode.workspace.getWorkspaceFolder(file) ?? vscode.workspace.workspaceFolders?.[0];
    if (!folder) return;
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
    if (document?.isDirty) await document.save();
    const definition: SextantTaskDefinition = { type: TASK_TYPE, file: vscode.workspace.asRelativePath(file, false), ...(stage ? { stage } : {}), ...(force ? { force: true } : {}) };
    ctx.log.info(`runner: start task ${JSON.stringify(definition)}`);
    await vscode.tasks.executeTask(provider.task(definition, folder));
  };

  ctx.push(statusBar, codeLens, vscode.tasks.registerTaskProvider(TASK_TYPE, provider), vscode.languages.registerCodeLensProvider(selector, codeLens));
  return {
    'sextant.runPipeline': (uri?: vscode.Uri) => runTask(uri),
    'sextant.runPipelineForce': (uri?: vscode.Uri) => runTask(uri, undefined, true),
    'sextant.runStage': async (uri?: vscode.Uri, stage?: string) => {
      if (!stage) {
        const file = await pickPipeline(uri);
        if (!file) return;
        const text = Buffer.from(await vscode.workspace.fs.readFile(file)).toString('utf8');
        stage = await vscode.window.showQuickPick(findStageLines(text).map((s) => s.name), { placeHolder: 'Which stage? (the stages it needs run first)' });
        if (!stage) return;
        uri = file;
      }
      await runTask(uri, stage);
    },
    // The language server's "Run with lr = 0.05" CodeLens (src/lsp/codeLens.ts): writes the value into the
    // pipeline file (one undoable edit; the file says what ran, and the cache sees the change), then runs it.
    [RUN_WITH_PARAM_COMMAND]: async (...[uriText, name, value]: RunWithParamArgs) => {
      const uri = vscode.Uri.parse(uriText);
      const document = await vscode.workspace.openTextDocument(uri);
      const { inlineParamEdit, describeError } = await loadEngine();
      const edit = inlineParamEdit(document.getText(), name, value, uri.fsPath);
      if (!edit.ok) {
        void vscode.window.showErrorMessage(`Sextant: ${describeError(edit.error)}`);
        return;
      }
      const change = new vscode.WorkspaceEdit();
      change.replace(uri, new vscode.Range(document.positionAt(edit.value.start), document.positionAt(edit.value.end)), edit.value.text);
      if (!(await vscode.workspace.applyEdit(change))) return;
      ctx.log.info(`runner: ${name} = ${edit.value.text} in ${uri.fsPath}, then run`);
      vscode.window.setStatusBarMessage(`Sextant: ${name} = ${edit.value.text} (undo to go back); running the pipeline`, 5000);
      await runTask(uri);
    },
  };
}
