// One run of a workspace at a time. A run holds `.sextant/run.lock` from before it plans until it
// ends: the file is created atomically (O_CREAT|O_EXCL) and names its owner (pid, host, start time).
// Another run waits for it (saying for whom) or, told not to wait, fails with `runner-busy`.
//
// A lock whose owner is gone (its pid no longer runs on this host, or runs a different process now;
// or a file that is still unreadable after a while) is stale and taken over: under a short-lived guard
// file, the taker checks the lock is still the very file it judged stale and renames it aside. Only the
// guard's holder removes a lock, and nobody can create one while it exists, so two takers never both
// win. The lock is released when the run ends, and on process exit and on SIGINT/SIGTERM/SIGHUP when
// nobody else handles those signals (the CLI handles them: it cancels the run, which then releases).
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { fail, ok, type Result } from '../result';
import { isProcessAlive } from '../tracking/liveness';
import { STORE_DIR } from '../workspace/layout';

const LockOwnerSchema = z.object({
  pid: z.number().int(),
  host: z.string(),
  /** When the run started (ms since 1970). */
  startedAt: z.number(),
  /** Tells this lock from another one of the same process. */
  token: z.string(),
  /** The process's start time in clock ticks (Linux), so a reused pid is not mistaken for the owner. */
  processStart: z.string().optional(),
  /** The pipeline file the run is for. */
  file: z.string().optional(),
});
type LockOwner = z.infer<typeof LockOwnerSchema>;

/** A lock file that cannot be read this long after it was written is left over from a crash. */
const UNREADABLE_STALE_MS = 10_000;
const RELEASE_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Tokens of the locks this process holds: a lock naming this pid with another token is left over. */
const heldTokens = new Set<string>();

export function runLockPath(root: string): string {
  return join(root, STORE_DIR, 'run.lock');
}

export interface RunLock {
  release(): void;
}

export interface AcquireRunLockOptions {
  /** Wait while another run holds the lock (default), or fail at once with `runner-busy`. */
  wait?: boolean;
  /** Stops waiting (the result is then `runner-cancelled`). */
  signal?: AbortSignal;
  /** How often a waiting run looks again (default 200 ms). */
  pollMs?: number;
  /** Told once per owner waited for, with a sentence for the user. */
  onWaiting?(message: string): void;
  /** Told when a stale lock is taken over, with a sentence for the user. */
  onStale?(message: string): void;
  /** The pipeline file the run is for (recorded in the lock, named in errors). */
  file?: string;
}

/** Takes the lock at `path`, waiting for its owner unless told not to. */
export async function acquireRunLock(path: string, options: AcquireRunLockOptions = {}): Promise<Result<RunLock>> {
  const token = randomBytes(8).toString('hex');
  let waitingFor: string | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    for (;;) {
      if (options.signal?.aborted) return fail({ code: 'runner-cancelled', file: options.file ?? path, message: `Cancelled while waiting for another run of this workspace${waitingFor ? ` (${waitingFor})` : ''} to finish.` });
      if (create(path, token, options.file)) return ok(holdLock(path, token));
      const seen = inspect(path);
      if (seen.kind === 'absent') continue;
      if (seen.kind === 'stale') {
        if (removeStale(path, seen.identity)) options.onStale?.(`Took over the ${seen.reason}.`);
        else await sleep(10);
        continue;
      }
      const who = seen.owner ? describeOwner(seen.owner) : 'a run that is starting (its lock file is not written yet)';
      if (options.wait === false) {
        return fail({ code: 'runner-busy', file: options.file ?? path, message: `Another run of this workspace is in progress: ${who}.`, fix: `Wait for it to finish (without --no-wait, sextant run waits), or stop it. The lock is ${path}.` });
      }
      const key = seen.owner?.token ?? 'unknown';
      if (waitingFor !== key) {
        waitingFor = key;
        options.onWaiting?.(seen.owner ? `Another run of this workspace is in progress; waiting for run pid ${seen.owner.pid} (started ${when(seen.owner.startedAt)}${seen.owner.host !== hostname() ? ` on ${seen.owner.host}` : ''}) to finish.` : `Waiting for ${who} to finish.`);
      }
      await sleep(options.pollMs ?? 200, options.signal);
    }
  } catch (err) {
    return fail({ code: 'runner-lock-failed', file: path, message: `Could not take the run lock: ${(err as Error).message}`, fix: 'Check that the .sextant folder is writable.' });
  }
}

/** Creates the lock; false when it exists. */
function create(path: string, token: string, file: string | undefined): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    const start = processStart(process.pid);
    const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: Date.now(), token, ...(start ? { processStart: start } : {}), ...(file ? { file } : {}) };
    writeSync(fd, JSON.stringify(owner));
    closeSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(path);
    throw err;
  }
  heldTokens.add(token);
  return true;
}

function holdLock(path: string, token: string): RunLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    heldTokens.delete(token);
    process.off('exit', release);
    for (const s of RELEASE_SIGNALS) process.off(s, onSignal);
    try {
      // Only our own file: had we been judged gone, a newer run's lock would be there now.
      if (readOwner(readFileSync(path, 'utf8'))?.token === token) unlinkSync(path);
    } catch {
      /* already gone */
    }
  };
  // Attached only where nobody handles the signal: the default would end the process without `exit`.
  const onSignal = (signal: NodeJS.Signals): void => {
    release();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.on('exit', release);
  for (const s of RELEASE_SIGNALS) if (process.listenerCount(s) === 0) process.once(s, onSignal);
  return { release };
}

/** What makes a file the same file: a new lock at the same path differs in at least one. */
interface Identity {
  ino: number;
  size: number;
  mtimeMs: number;
  text: string;
}

type Seen = { kind: 'absent' } | { kind: 'held'; owner?: LockOwner } | { kind: 'stale'; identity: Identity; reason: string };

function identityOf(path: string): Identity | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, text: readFileSync(fd, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

function sameFile(a: Identity, b: Identity): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.text === b.text;
}

function inspect(path: string): Seen {
  const identity = identityOf(path);
  if (!identity) return { kind: 'absent' };
  const owner = readOwner(identity.text);
  if (!owner) {
    const age = Date.now() - identity.mtimeMs;
    return age > UNREADABLE_STALE_MS ? { kind: 'stale', identity, reason: `unreadable lock left ${Math.round(age / 1000)} s ago` } : { kind: 'held' };
  }
  // Another host's process cannot be checked from here: its lock holds until it is removed by hand.
  if (owner.host !== hostname()) return { kind: 'held', owner };
  if (owner.pid === process.pid) return heldTokens.has(owner.token) ? { kind: 'held', owner } : { kind: 'stale', identity, reason: `stale lock of pid ${owner.pid} (this process, from a run that did not release it)` };
  const start = owner.processStart === undefined ? undefined : processStart(owner.pid);
  if (!isProcessAlive(owner.pid) || (start !== undefined && start !== owner.processStart)) {
    return { kind: 'stale', identity, reason: `stale lock of pid ${owner.pid} (started ${when(owner.startedAt)}, no longer running)` };
  }
  return { kind: 'held', owner };
}

/** Removes the lock if it is still the file judged stale; false when another process is at it. */
function removeStale(path: string, stale: Identity): boolean {
  const guard = `${path}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    clearAbandonedGuard(guard);
    return false;
  }
  try {
    const now = identityOf(path);
    if (!now || !sameFile(now, stale)) return false;
    const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    renameSync(path, aside);
    unlinkSync(aside);
    return true;
  } finally {
    closeSync(fd);
    unlinkSync(guard);
  }
}

/** The guard is held for microseconds: one older than that was left by a process that died holding it. */
function clearAbandonedGuard(guard: string): void {
  try {
    if (Date.now() - statSync(guard).mtimeMs < UNREADABLE_STALE_MS) return;
    const aside = `${guard}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
    renameSync(guard, aside);
    unlinkSync(aside);
  } catch {
    /* gone, or another process cleared it */
  }
}

function readOwner(text: string): LockOwner | undefined {
  try {
    const parsed = LockOwnerSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/PID/stat (the start time in clock ticks since boot); undefined off Linux. */
function processStart(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function describeOwner(owner: LockOwner): string {
  return `pid ${owner.pid} on ${owner.host}, started ${when(owner.startedAt)}${owner.file ? `, running ${owner.file}` : ''}`;
}

function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
