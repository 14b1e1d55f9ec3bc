// Runs `sextant serve REF --port 0 --json` as a child process of the extension host, like the pipeline runner
// (cliProcess.ts): the server lives outside the editor's process and stops with it (the closed stdin pipe).
// `started` resolves with the URL from the CLI's `listening` line, or with the error it printed (or its
// stderr) when it exited before listening.
import { spawn, type ChildProcess } from 'node:child_process';
import type { EngineError } from '../engine/result';
import { cliScript } from './cliProcess';

export interface ServeProcessOptions {
  extensionPath: string;
  /** The workspace folder (its store holds the registry, the tokens and the prediction log). */
  cwd: string;
  /** NAME@ALIAS, NAME@N or a path to an .onnx file. */
  model: string;
  store?: string;
  port?: number;
  onStderr?(line: string): void;
}

export interface ServeListening {
  url: string;
  predict: string;
  auth: 'token' | 'none';
  model: { name: string; version: number | null; alias: string | null; sha256: string };
}

export interface ServeProcess {
  child: ChildProcess;
  started: Promise<{ ok: true; value: ServeListening } | { ok: false; error: EngineError }>;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number>;
  stop(): Promise<number>;
}

export function startServeProcess(options: ServeProcessOptions): ServeProcess {
  const args = [cliScript(options.extensionPath), 'serve', options.model, '--port', String(options.port ?? 0), '--json', '--workspace', options.cwd];
  if (options.store) args.push('--store', options.store);
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', SEXTANT_CANCEL_ON_STDIN_CLOSE: '1', FORCE_COLOR: '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  let settle: (r: Awaited<ServeProcess['started']>) => void = () => undefined;
  const started = new Promise<Awaited<ServeProcess['started']>>((resolve) => (settle = resolve));
  const lines = (stream: NodeJS.ReadableStream, onLine: (line: string) => void): void => {
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) if (p.length > 0) onLine(p);
    });
  };
  lines(child.stdout!, (line) => {
    let event: { event?: string; ok?: boolean; error?: EngineError } & Partial<ServeListening>;
    try {
      event = JSON.parse(line);
    } catch {
      options.onStderr?.(line);
      return;
    }
    if (event.event === 'listening') settle({ ok: true, value: { url: event.url!, predict: event.predict!, auth: event.auth!, model: event.model! } });
    else if (event.ok === false && event.error) settle({ ok: false, error: event.error });
  });
  lines(child.stderr!, (line) => {
    stderr.push(line);
    options.onStderr?.(line);
  });
  const exited = new Promise<number>((resolve) => {
    child.on('error', (err) => {
      settle({ ok: false, error: { code: 'serve-spawn', message: `Could not start the Sextant CLI (${cliScript(options.extensionPath)}): ${err.message}` } });
      resolve(1);
    });
    child.on('close', (code) => {
      settle({ ok: false, error: { code: 'serve-exited', message: `sextant serve exited (code ${code}) before listening${stderr.length ? `: ${stderr.slice(-3).join(' ')}` : ''}.` } });
      resolve(code ?? 1);
    });
  });
  return {
    child,
    started,
    exited,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
