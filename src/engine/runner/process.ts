// Runs a `run:` stage as a real process: `/bin/sh -c COMMAND` in its own process group (detached), so
// that a timeout or a cancellation ends the whole tree (SIGTERM to the group, SIGKILL after a grace
// period). Output is split into lines for the log and the metric protocol. The outcome says why a
// process ended in words a user can act on: a missing command, a signal, an OOM kill, a timeout.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { formatDuration } from '../format';

interface ProcessOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called with each line of output (without the newline). */
  onLine(stream: 'stdout' | 'stderr', line: string): void;
  /** Called once the process has started, with its process group id. */
  onStart?(pgid: number): void;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

interface ProcessOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  reason: 'exit' | 'timeout' | 'cancelled' | 'spawn-error';
  /** A sentence for a failure; undefined when the command exited with 0. */
  error?: string;
  durationMs: number;
}

const SIGNAL_NAMES = Object.fromEntries(Object.entries(constants.signals).map(([name, n]) => [n, name])) as Record<number, string>;

/** Explains a non-zero ending; undefined for success. */
function describeExit(exitCode: number | null, signal: NodeJS.Signals | null, lastStderr: string[]): string | undefined {
  if (signal) {
    if (signal === 'SIGKILL') return 'Killed by SIGKILL (the kernel OOM killer sends this when the machine runs out of memory; check `dmesg` or lower the batch size).';
    return `Killed by signal ${signal}.`;
  }
  if (exitCode === 0 || exitCode === null) return undefined;
  if (exitCode === 127) {
    const hint = lastStderr.find((l) => /not found|No such file/i.test(l));
    return `Command not found (exit 127)${hint ? `: ${hint.trim()}` : ''}. Check that the program is installed and on PATH.`;
  }
  if (exitCode === 126) return 'Command found but not executable (exit 126): check its permissions (chmod +x).';
  if (exitCode > 128 && SIGNAL_NAMES[exitCode - 128]) {
    const name = SIGNAL_NAMES[exitCode - 128]!;
    return name === 'SIGKILL'
      ? `Exited with ${exitCode}: a process in the stage was killed by SIGKILL (often the OOM killer: the machine ran out of memory).`
      : `Exited with ${exitCode}: a process in the stage was killed by ${name}.`;
  }
  return `Exited with code ${exitCode}.`;
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
}

export function runProcess(options: ProcessOptions): Promise<ProcessOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    if (options.signal?.aborted) {
      resolve({ exitCode: null, signal: null, reason: 'cancelled', error: 'Cancelled before it started.', durationMs: 0 });
      return;
    }
    const child = spawn('/bin/sh', ['-c', options.command], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const stderrTail: string[] = [];
    let reason: ProcessOutcome['reason'] = 'exit';
    let killTimer: NodeJS.Timeout | undefined;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let spawnError: Error | undefined;
    let settled = false;

    const stop = (why: 'timeout' | 'cancelled'): void => {
      if (child.pid === undefined || child.exitCode !== null || reason !== 'exit') return;
      reason = why;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), options.killGraceMs ?? 3000);
    };
    const onAbort = (): void => stop('cancelled');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.timeoutMs && options.timeoutMs > 0) timeoutTimer = setTimeout(() => stop('timeout'), options.timeoutMs);
    if (child.pid !== undefined) options.onStart?.(child.pid);

    const lineSplitter = (stream: 'stdout' | 'stderr') => {
      let rest = '';
      return {
        data(chunk: Buffer): void {
          const text = rest + chunk.toString('utf8');
          const lines = text.split('\n');
          rest = lines.pop() ?? '';
          for (const raw of lines) emit(raw);
        },
        end(): void {
          if (rest.length > 0) emit(rest);
          rest = '';
        },
      };
      function emit(raw: string): void {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (stream === 'stderr') {
          stderrTail.push(line);
          if (stderrTail.length > 20) stderrTail.shift();
        }
        options.onLine(stream, line);
      }
    };
    const out = lineSplitter('stdout');
    const err = lineSplitter('stderr');
    child.stdout.on('data', out.data);
    child.stderr.on('data', err.data);
    child.on('error', (e) => {
      spawnError = e;
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      out.end();
      err.end();
      if (killTimer) clearTimeout(killTimer);
      if (timeoutTimer) clearTimeout(timeoutTimer);
      options.signal?.removeEventListener('abort', onAbort);
      // Whatever the shell left behind in its group goes too.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      const durationMs = performance.now() - started;
      if (spawnError) {
        resolve({ exitCode: null, signal: null, reason: 'spawn-error', error: `Could not start /bin/sh: ${spawnError.message}`, durationMs });
        return;
      }
      let error: string | undefined;
      if (reason === 'timeout') error = `Timed out after ${formatDuration(options.timeoutMs ?? 0)}; the stage's processes were stopped.`;
      else if (reason === 'cancelled') error = "Cancelled; the stage's processes were stopped.";
      else error = describeExit(code, signal, stderrTail);
      resolve({ exitCode: code, signal, reason, ...(error ? { error } : {}), durationMs });
    });
  });
}

/** Parses `30m`, `10s`, `500ms`, `2h`. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
}
