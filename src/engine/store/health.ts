// Is the store damaged? One answer for `sextant doctor`, `--move-store-aside` and the extension's
// "Move Store Aside": the header, then SQLite's quick_check over the whole file on a read-only
// connection (it reads every page, so a store of several GB takes seconds). Only a damaged store is
// ever moved aside; a read-only, locked or missing one is not damage.
import { existsSync, renameSync } from 'node:fs';
import { loadBetterSqlite3 } from '../native/load';
import { fail, ok, type EngineError, type Result } from '../result';
import { checkHeader } from './open';
import { sqliteCode } from './tx';

export type StoreHealth =
  | { state: 'missing' }
  | { state: 'ok' }
  /** Not a usable store: empty, a foreign file, or pages SQLite reports as corrupt. */
  | { state: 'damaged'; error: EngineError }
  /** Cannot be checked now (permissions, another process, no driver): not damage. */
  | { state: 'unknown'; error: EngineError };

const DAMAGE_FIX = 'Move it aside (`sextant doctor --move-store-aside`, or Sextant: Move Store Aside): it is renamed, not deleted, and a new store is created on the next run.';

export function checkStore(path: string): StoreHealth {
  if (!existsSync(path)) return { state: 'missing' };
  const header = checkHeader(path);
  if (!header.ok) return header.error.code === 'store-unreadable' ? { state: 'unknown', error: header.error } : { state: 'damaged', error: header.error };
  const driver = loadBetterSqlite3();
  if (!driver.ok) return { state: 'unknown', error: driver.error };
  let db;
  try {
    db = new driver.value(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    return { state: 'unknown', error: { code: 'store-open-failed', file: path, message: `SQLite could not open the store: ${(err as Error).message}` } };
  }
  try {
    const problems = db.pragma('quick_check(20)', { simple: false }) as { quick_check: string }[];
    const found = problems.map((p) => p.quick_check).filter((p) => p !== 'ok');
    if (found.length === 0) return { state: 'ok' };
    return { state: 'damaged', error: { code: 'store-corrupt', file: path, message: `SQLite reports the store is damaged: ${found.slice(0, 3).join('; ')}${found.length > 3 ? ` (and ${found.length - 3} more)` : ''}`, fix: DAMAGE_FIX } };
  } catch (err) {
    const code = sqliteCode(err) ?? '';
    const message = (err as Error).message;
    if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) {
      return { state: 'damaged', error: { code: 'store-corrupt', file: path, message: `SQLite reports the store is damaged: ${message}`, fix: DAMAGE_FIX } };
    }
    const readOnly = code.startsWith('SQLITE_READONLY');
    return {
      state: 'unknown',
      error: {
        code: readOnly ? 'store-readonly' : 'store-open-failed',
        file: path,
        message: `Could not check the store: ${message}`,
        fix: readOnly ? 'SQLite must create the -wal and -shm files beside the store: make its folder writable (chmod u+w).' : 'Try again when no other process is writing it.',
      },
    };
  } finally {
    db.close();
  }
}

/**
 * Renames a damaged store (and its -wal/-shm files) to `<name>.corrupt-<time>`; never deletes. A store
 * that is healthy, missing or cannot be checked is left in place, with the reason.
 */
export function moveStoreAside(path: string, now = new Date()): Result<string> {
  const health = checkStore(path);
  switch (health.state) {
    case 'missing':
      return fail({ code: 'store-missing', file: path, message: 'There is no store here, so nothing was moved.' });
    case 'ok':
      return fail({ code: 'store-healthy', file: path, message: 'The store is healthy (SQLite\'s quick_check found no damage), so it was not moved.', fix: 'Nothing to do. To start over on purpose, rename or delete the file yourself.' });
    case 'unknown':
      return fail({ ...health.error, message: `${health.error.message} The store was not moved.` });
    case 'damaged':
      break;
  }
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const target = `${path}.corrupt-${stamp}`;
  try {
    renameSync(path, target);
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
    }
    return ok(target);
  } catch (err) {
    return fail({ code: 'store-move-failed', file: path, message: `Could not move the store aside: ${(err as Error).message}` });
  }
}
