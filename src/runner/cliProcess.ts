// Runs `sextant run --events` as a child process of the extension host and hands its NDJSON events
// back. The pipeline runs outside the extension host (a long training never blocks the editor), with
// the same engine and the same behaviour as the CLI. Cancel sends SIGTERM (the CLI stops its stages'
// process groups); if VS Code goes away, the closed stdin pipe cancels the run.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { RunnerEvent } from '../engine/runner/types';
import type { EngineError } from '../engine/result';

export interface CliRunOptions {
  extensionPath: string;
  cwd: string;
  file: string;
  stage?: string;
  force?: boolean;
  gpu: 'auto' | 'never';
  maxParallel: number;
  /** The store to record the run in (`--store`): the one the extension's views read. */
  store?: string;
  /** Added to the CLI's environment, and so to its stages' (e.g. PATH and SEXTANT_PYTHON from `sextant.pythonPath`). */
  env?: Record<string, string>;
  onEvent(event: RunnerEvent): void;
  onError(error: EngineError): void;
  onStderr(line: string): void;
}

export interface CliRun {
  child: ChildProcess;
  done: Promise<number>;
  cancel(): void;
}

export function cliScript(extensionPath: string): string {
  return join(extensionPath, 'dist', 'cli.js');
}

export function startCliRun(options: CliRunOptions): CliRun {
  const args = [cliScript(options.extensionPath), 'run', '--events', '-f', options.file];
  if (options.stage) args.push(options.stage);
  if (options.force) args.push('--force');
  if (options.gpu === 'never') args.push('--cpu');
  if (options.maxParallel > 0) args.push('--jobs', String(options.maxParallel));
  if (options.store) args.push('--store', options.store);
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, ELECTRON_RUN_AS_NODE: '1', SEXTANT_CANCEL_ON_STDIN_CLOSE: '1', FORCE_COLOR: '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines = (stream: NodeJS.ReadableStream, onLine: (line: string) => void): void => {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) if (p.length > 0) onLine(p);
    });
    stream.on('end', () => {
      if (rest) onLine(rest);
    });
  };
  lines(child.stdout!, (line) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      options.onStderr(line);
      return;
    }
    const event = parsed as RunnerEvent | { type: 'error'; error: EngineError };
    if (event.type === 'error') options.onError(event.error);
    else options.onEvent(event);
  });
  lines(child.stderr!, options.onStderr);
  const done = new Promise<number>((resolve) => {
    child.on('error', (err) => {
      options.onError({ code: 'runner-spawn', message: `Could not start the Sextant runner (${cliScript(options.extensionPath)}): ${err.message}` });
      resolve(1);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
  return {
    child,
    done,
    cancel() {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}
