// The task's terminal: streams the stages' logs with colours, keeps a progress line, reports the
// result, and on failure offers "Show logs". Closing the terminal cancels the run.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readSettings } from '../config';
import type { Ctx } from '../ctx';
import type { PipelineResult, RunnerEvent } from '../engine/runner/types';
import { formatDuration } from '../engine/format';
import { ANSI, renderEvent, renderProgress } from '../engine/runner/render';
import { startCliRun, type CliRun } from './cliProcess';
import type { RunnerStatusBar } from './statusBar';

const C = ANSI;

export interface RunRequest {
  root: string;
  file: string;
  stage?: string;
  force?: boolean;
}

export class RunnerTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private run: CliRun | undefined;
  private total = 0;
  private finished = 0;
  private readonly running = new Map<string, { started: number; devices?: number[] }>();
  private progressShown = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: Ctx,
    private readonly request: RunRequest,
    private readonly statusBar: RunnerStatusBar,
  ) {}

  private write(text: string): void {
    this.writeEmitter.fire(text.replace(/\r?\n/g, '\r\n'));
  }

  private line(text: string): void {
    this.clearProgress();
    this.write(`${text}${C.reset}\n`);
    this.drawProgress();
  }

  private clearProgress(): void {
    if (this.progressShown) this.write('\r\x1b[2K');
    this.progressShown = false;
  }

  private drawProgress(): void {
    if (this.running.size === 0) return;
    this.write(`\r\x1b[2K${renderProgress(this.finished, this.total, this.running, performance.now())}`);
    this.progressShown = true;
  }

  open(): void {
    const settings = readSettings(vscode.Uri.file(this.request.file));
    const { file, root } = this.request;
    this.line(`${C.bold}Sextant${C.reset} ${vscode.workspace.asRelativePath(file)}${this.request.stage ? ` → ${this.request.stage}` : ''}${this.request.force ? ' (force)' : ''}`);
    this.timer = setInterval(() => {
      this.clearProgress();
      this.drawProgress();
    }, 500);
    const started = performance.now();
    // Read now, so a changed setting applies to the next task at once.
    const store = this.ctx.layout()?.storePath;
    const env = this.ctx.pythonEnv();
    if (env.SEXTANT_PYTHON && !existsSync(env.SEXTANT_PYTHON)) this.line(`${C.yellow}! sextant.pythonPath: ${env.SEXTANT_PYTHON} does not exist`);
    this.run = startCliRun({
      extensionPath: this.ctx.extension.extensionPath,
      cwd: root,
      file,
      ...(this.request.stage ? { stage: this.request.stage } : {}),
      ...(this.request.force ? { force: true } : {}),
      gpu: settings.gpu,
      maxParallel: settings.maxParallel,
      ...(store ? { store } : {}),
      env,
      onEvent: (e) => this.onEvent(e),
      onError: (err) => {
        this.line(`${C.red}✗ ${err.file ? `${err.file}${err.line ? `:${err.line}` : ''}: ` : ''}${err.message}${err.fix ? `\n  fix: ${err.fix}` : ''}`);
        void vscode.window.showErrorMessage(`Sextant: ${err.message}`, 'Open Pipeline').then((pick) => {
          if (pick) void vscode.window.showTextDocument(vscode.Uri.file(err.file ?? file));
        });
      },
      onStderr: (l) => this.line(`${C.yellow}${l}`),
    });
    this.ctx.log.info(`run ${file}${this.request.stage ? ` ${this.request.stage}` : ''} (pid ${this.run.child.pid ?? '?'})`);
    void this.run.done.then((code) => {
      if (this.timer) clearInterval(this.timer);
      this.running.clear();
      this.clearProgress();
      this.statusBar.idle();
      this.ctx.log.info(`run ${file} ended with ${code} (${formatDuration(performance.now() - started)})`);
      this.ctx.notifyStoreChanged();
      this.closeEmitter.fire(code);
    });
  }

  private onEvent(e: RunnerEvent): void {
    if (e.type === 'pipeline-start') this.total = e.stages.length;
    if (e.type === 'stage-start') {
      this.running.set(e.stage, { started: performance.now(), ...(e.devices ? { devices: e.devices } : {}) });
      this.statusBar.running(e.stage, e.devices);
    }
    if (e.type === 'stage-end') {
      this.running.delete(e.result.name);
      this.finished++;
      const next = [...this.running.keys()][0];
      if (next) this.statusBar.running(next, this.running.get(next)?.devices);
    }
    for (const line of renderEvent(e)) this.line(line);
    if (e.type === 'pipeline-end') this.notify(e.result);
  }

  private notify(r: PipelineResult): void {
    const failed = r.stages.find((s) => s.status === 'failed');
    if (r.status === 'failed' && failed) {
      const log = failed.log ? join(this.request.root, failed.log) : undefined;
      void vscode.window.showErrorMessage(`Sextant: stage "${failed.name}" failed: ${(failed.reason ?? '').split('\n')[0]}`, ...(log ? ['Show Logs'] : [])).then((pick) => {
        if (pick && log) void vscode.window.showTextDocument(vscode.Uri.file(log), { preview: true });
      });
    }
  }

  close(): void {
    // The terminal was closed (or the task terminated): cancel the run.
    this.run?.cancel();
  }
}
