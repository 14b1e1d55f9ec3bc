// The task's terminal: streams the stages' logs with colours, keeps a progress line, reports the
// result, and on failure offers "Show logs". Closing the terminal cancels the run.
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { Ctx } from '../ctx';
import type { PipelineResult, RunnerEvent, StageResult } from '../engine/runner/types';
import { startCliRun, type CliRun } from './cliProcess';
import type { RunnerStatusBar } from './statusBar';

const C = { reset: '\x1b[0m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m', bold: '\x1b[1m' };
const MARK: Record<StageResult['status'], string> = { ran: `${C.green}✓`, cached: `${C.green}=`, failed: `${C.red}✗`, skipped: `${C.yellow}-` };

function ms(n: number): string {
  return n < 1000 ? `${Math.round(n)} ms` : n < 60_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.floor(n / 60_000)} min ${Math.round((n % 60_000) / 1000)} s`;
}

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
  private result: PipelineResult | undefined;

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
    const now = performance.now();
    const names = [...this.running.entries()].map(([n, r]) => `${n}${r.devices?.length ? ` (GPU ${r.devices.join(',')})` : ''} ${ms(now - r.started)}`).join(', ');
    this.write(`\r\x1b[2K${C.cyan}▶ [${this.finished}/${this.total}]${C.reset} ${names}`);
    this.progressShown = true;
  }

  open(): void {
    const config = vscode.workspace.getConfiguration('sextant');
    const { file, root } = this.request;
    this.line(`${C.bold}Sextant${C.reset} ${vscode.workspace.asRelativePath(file)}${this.request.stage ? ` → ${this.request.stage}` : ''}${this.request.force ? ' (force)' : ''}`);
    this.timer = setInterval(() => {
      this.clearProgress();
      this.drawProgress();
    }, 500);
    const started = performance.now();
    this.run = startCliRun({
      extensionPath: this.ctx.extension.extensionPath,
      cwd: root,
      file,
      ...(this.request.stage ? { stage: this.request.stage } : {}),
      ...(this.request.force ? { force: true } : {}),
      gpu: config.get<'auto' | 'never'>('runner.gpu', 'auto'),
      maxParallel: config.get<number>('runner.maxParallel', 0),
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
      this.ctx.log.info(`run ${file} ended with ${code} (${ms(performance.now() - started)})`);
      this.ctx.notifyStoreChanged();
      this.closeEmitter.fire(code);
    });
  }

  private onEvent(e: RunnerEvent): void {
    switch (e.type) {
      case 'pipeline-start':
        this.total = e.stages.length;
        this.line(`${C.dim}stages: ${e.stages.join(' → ')}${e.run_id ? ` (run ${e.run_id.slice(0, 8)})` : ''}`);
        break;
      case 'stage-start':
        this.running.set(e.stage, { started: performance.now(), ...(e.devices ? { devices: e.devices } : {}) });
        this.statusBar.running(e.stage, e.devices);
        this.line(`${C.cyan}▶ ${e.stage}${e.devices?.length ? ` on GPU ${e.devices.join(',')}` : ''}`);
        break;
      case 'stage-log':
        this.line(`${C.dim}${e.stage.padEnd(10)}│${C.reset} ${e.stream === 'stderr' ? C.yellow : e.stream === 'sextant' ? C.cyan : ''}${e.line}`);
        break;
      case 'warning':
        this.line(`${C.yellow}! ${e.message}`);
        break;
      case 'stage-end': {
        this.running.delete(e.result.name);
        this.finished++;
        const r = e.result;
        const next = [...this.running.keys()][0];
        if (next) this.statusBar.running(next, this.running.get(next)?.devices);
        this.line(`${MARK[r.status]} ${r.name}${C.reset} ${r.status} ${C.dim}${ms(r.duration_ms)}${r.restored?.length ? ` (restored ${r.restored.join(', ')})` : ''}${C.reset}${r.reason ? `\n    ${C.red}${r.reason}` : ''}`);
        break;
      }
      case 'pipeline-end':
        this.result = e.result;
        this.finishMessage(e.result);
        break;
    }
  }

  private finishMessage(r: PipelineResult): void {
    const counts = (['ran', 'cached', 'failed', 'skipped'] as const).map((s) => [s, r.stages.filter((x) => x.status === s).length] as const).filter(([, n]) => n > 0);
    const tone = r.status === 'succeeded' ? C.green : r.status === 'cancelled' ? C.yellow : C.red;
    this.line(`${tone}${C.bold}Pipeline ${r.status}${C.reset} in ${ms(r.duration_ms)}: ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}`);
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
