// Tasks of type `sextant`: one per stage and one for the whole pipeline, for each pipeline file in the
// workspace. Definition: { type: 'sextant', stage?, file?, force? } (declared in package.json).
import * as vscode from 'vscode';
import { dirname, isAbsolute, join } from 'node:path';
import type { Ctx } from '../ctx';
import { PIPELINE_GLOB, PIPELINE_SEARCH_EXCLUDE } from '../engine/workspace/layout';
import { findStageLines } from './stageLines';
import { RunnerTerminal } from './terminal';
import type { RunnerStatusBar } from './statusBar';

export const TASK_TYPE = 'sextant';

export interface SextantTaskDefinition extends vscode.TaskDefinition {
  type: typeof TASK_TYPE;
  stage?: string;
  file?: string;
  force?: boolean;
}

function taskName(definition: SextantTaskDefinition, relFile: string): string {
  const where = relFile === 'sextant.yaml' ? '' : ` (${relFile})`;
  return `${definition.stage ? `stage ${definition.stage}` : 'pipeline'}${definition.force ? ' (force)' : ''}${where}`;
}

export class SextantTaskProvider implements vscode.TaskProvider {
  constructor(
    private readonly ctx: Ctx,
    private readonly statusBar: RunnerStatusBar,
  ) {}

  /** Builds the task that runs `definition` in `folder`. */
  task(definition: SextantTaskDefinition, folder: vscode.WorkspaceFolder, scope?: vscode.TaskScope | vscode.WorkspaceFolder): vscode.Task {
    const rel = definition.file ?? 'sextant.yaml';
    const file = isAbsolute(rel) ? rel : join(folder.uri.fsPath, rel);
    const execution = new vscode.CustomExecution(async () => new RunnerTerminal(this.ctx, { root: dirname(file), file, ...(definition.stage ? { stage: definition.stage } : {}), ...(definition.force ? { force: true } : {}) }, this.statusBar));
    const task = new vscode.Task(definition, scope ?? folder, taskName(definition, rel), 'sextant', execution, []);
    task.group = definition.stage ? undefined : vscode.TaskGroup.Build;
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
    task.detail = definition.stage ? `Run stage ${definition.stage} and what it needs (cached stages are skipped)` : 'Run the whole pipeline (cached stages are skipped)';
    return task;
  }

  async provideTasks(): Promise<vscode.Task[]> {
    return this.ctx.log.timeAsync('runner: provide tasks', async () => {
      const tasks: vscode.Task[] = [];
      const files = await vscode.workspace.findFiles(PIPELINE_GLOB, PIPELINE_SEARCH_EXCLUDE, 50);
      for (const uri of files) {
        const folder = vscode.workspace.getWorkspaceFolder(uri);
        if (!folder) continue;
        const rel = vscode.workspace.asRelativePath(uri, false);
        const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
        tasks.push(this.task({ type: TASK_TYPE, file: rel }, folder));
        for (const s of findStageLines(text)) tasks.push(this.task({ type: TASK_TYPE, file: rel, stage: s.name }, folder));
      }
      return tasks;
    });
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const definition = task.definition as SextantTaskDefinition;
    const folder = typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    if (!folder) return undefined;
    return this.task(definition, folder, task.scope as vscode.WorkspaceFolder);
  }
}
