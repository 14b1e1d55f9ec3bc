// Write transactions that never surface SQLITE_BUSY: BEGIN IMMEDIATE takes the write lock up front
// (so a reader's snapshot can never need upgrading), the connection's busy timeout waits for another
// writer, and when even that runs out the whole transaction is retried with backoff. The function
// passed in must only touch the database (it may run more than once); compute everything else first.
import type { Database } from './open';
import type { EngineError } from '../result';

export interface RetryOptions {
  /** Retries after the busy timeout ran out (default 20, so with a 10 s timeout: minutes). */
  attempts?: number;
  /** First backoff in ms, doubled each time up to 1 s (default 20). */
  backoffMs?: number;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for ms (better-sqlite3 is synchronous, so a retry loop is too). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

export function isBusy(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Runs fn inside BEGIN IMMEDIATE … COMMIT, retrying the whole transaction while the store is busy. */
export function writeTx<T>(db: Database, fn: () => T, options: RetryOptions = {}): T {
  const attempts = options.attempts ?? 20;
  let backoff = options.backoffMs ?? 20;
  const tx = db.transaction(fn);
  for (let attempt = 0; ; attempt++) {
    try {
      return tx.immediate();
    } catch (err) {
      if (!isBusy(err) || attempt >= attempts) throw err;
      sleepSync(backoff + Math.random() * backoff);
      backoff = Math.min(backoff * 2, 1000);
    }
  }
}

/** Turns an exception from SQLite (or our own validation) into an EngineError naming the store and a fix. */
export function storeError(err: unknown, file: string, action: string): EngineError {
  const code = sqliteCode(err);
  const message = err instanceof Error ? err.message : String(err);
  switch (code?.split('_').slice(0, 2).join('_')) {
    case 'SQLITE_FULL':
      return { code: 'store-full', file, message: `Could not ${action}: the disk (or the store's size limit) is full. Nothing from this write was saved; earlier data is intact.`, fix: 'Free disk space, then log again.' };
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return { code: 'store-locked', file, message: `Could not ${action}: another process kept the store locked for too long.`, fix: 'Wait for the other writer (a run or an import) to finish, or stop it.' };
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return { code: 'store-corrupt', file, message: `Could not ${action}: SQLite reports the store is damaged (${message}).`, fix: 'Move the store aside (`sextant doctor --move-store-aside`) and re-import.' };
    case 'SQLITE_READONLY':
      return { code: 'store-readonly', file, message: `Could not ${action}: the store is read-only (${message}).`, fix: 'Make the store and its folder writable (chmod u+w), or record into a workspace you can write.' };
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_IOERR':
      return { code: 'store-io', file, message: `Could not ${action}: ${message}`, fix: 'Check that the store and its folder are writable and the disk is healthy.' };
    default:
      return { code: code ? 'store-error' : 'internal', file, message: `Could not ${action}: ${message}` };
  }
}
