// Opening the workspace store: checks the file before handing it to SQLite, so that a corrupt, empty or
// foreign file is reported by name and never overwritten, a missing one is not created unless asked, and a
// read-only one is reported as read-only. Readers open it read-only and never wait for a writer.
import { accessSync, closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { loadBetterSqlite3 } from '../native/load';
import { checkedInState, recordCheck } from './checkRecord';
import { storeFileState } from './fileState';
import { fail, ok, type EngineError, type Result } from '../result';
import { latestSchemaVersion, migrate, schemaVersion } from './migrations';
import { isBusy, sleepSync, sqliteCode } from './tx';

export type Database = BetterSqlite3.Database;

const SQLITE_HEADER = 'SQLite format 3\u0000';

export interface OpenOptions {
  /** Create the file (and its folder) when it does not exist. Off for anything the user did not ask for. */
  create?: boolean;
  /** Read only (the file must exist): no write, no wait; a store of an older schema is upgraded only if that needs no waiting. */
  readonly?: boolean;
  /** How long a writer waits for another writer's lock before SQLITE_BUSY, in ms. */
  busyTimeoutMs?: number;
  /** Files up to this size get a whole-file quick_check on open (default FULL_CHECK_MAX_BYTES). */
  fullCheckMaxBytes?: number;
}

/** A file another process is creating right now is 0 bytes until SQLite writes its header (microseconds later). */
const CREATING_GRACE_MS = 2000;
const CREATING_WAIT_MS = 300;

/**
 * Reads the first 16 bytes, which must be SQLite's header. An empty (0-byte) file is not a store: it is
 * reported, never taken for a fresh database (one being created this instant gets a moment to be written).
 */
export function checkHeader(path: string): Result<'sqlite'> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return fail({ code: 'store-unreadable', file: path, message: `Cannot read the store: ${(err as Error).message}`, fix: 'Check the file permissions.' });
  }
  try {
    const buf = Buffer.alloc(16);
    let n = readSync(fd, buf, 0, 16, 0);
    if (n === 0 && Date.now() - fstatSync(fd).mtimeMs < CREATING_GRACE_MS) {
      for (let waited = 0; n === 0 && waited < CREATING_WAIT_MS; waited += 20) {
        sleepSync(20);
        n = readSync(fd, buf, 0, 16, 0);
      }
    }
    if (n === 0) {
      return fail({
        code: 'store-empty',
        file: path,
        message: `${basename(path)} is empty (0 bytes): not a Sextant store. Sextant will not re-create it over a file it did not write.`,
        fix: 'Delete it or move it aside (`sextant doctor --move-store-aside`); a new store is created on the next run.',
      });
    }
    if (n < 16 || buf.toString('latin1') !== SQLITE_HEADER) {
      return fail({
        code: 'store-corrupt',
        file: path,
        message: 'This file is not a SQLite database (its header is wrong), so Sextant will not open or overwrite it.',
        fix: 'Move it aside (Sextant: Move Store Aside, or `sextant doctor --move-store-aside`) and a new store is created on the next run.',
      });
    }
    return ok('sqlite');
  } finally {
    closeSync(fd);
  }
}

/** Why a store cannot be written, or undefined when the file and its folder are writable (by this user). */
function readOnlyReason(path: string): EngineError | undefined {
  const dir = dirname(path);
  const writable = (p: string): boolean => {
    try {
      accessSync(p, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (!writable(path)) {
    return {
      code: 'store-readonly',
      file: path,
      message: 'The store is read-only (its file mode does not let you write it): runs can be listed, but nothing new can be recorded.',
      fix: `Make it writable: chmod u+w ${path}`,
    };
  }
  if (!writable(dir)) return readOnlyFolder(path);
  return undefined;
}

function readOnlyFolder(path: string): EngineError {
  const dir = dirname(path);
  return {
    code: 'store-readonly',
    file: path,
    message: `The store's folder ${dir} is not writable, and SQLite must create ${basename(path)}-wal and ${basename(path)}-shm beside the store to use it (even to read it).`,
    fix: `Make the folder writable: chmod u+w ${dir} (or copy the workspace somewhere writable).`,
  };
}

export function openStore(path: string, options: OpenOptions = {}): Result<Database> {
  const fileExists = existsSync(path);
  if (!fileExists && !options.create) {
    return fail({ code: 'store-missing', file: path, message: 'No store yet: nothing has been recorded in this workspace.', fix: 'Run a pipeline or `sextant init` to create it.' });
  }
  if (fileExists) {
    const header = checkHeader(path);
    if (!header.ok) return header;
    const readOnly = options.readonly ? undefined : readOnlyReason(path);
    if (readOnly) return fail(readOnly);
  }
  const driver = loadBetterSqlite3();
  if (!driver.ok) return driver;
  let db: Database;
  try {
    if (!fileExists) mkdirSync(dirname(path), { recursive: true });
    db = options.readonly
      ? new driver.value(path, { readonly: true, fileMustExist: true, timeout: options.busyTimeoutMs ?? 10_000 })
      : new driver.value(path, { timeout: options.busyTimeoutMs ?? 10_000 });
  } catch (err) {
    return fail({ code: 'store-open-failed', file: path, message: `SQLite could not open the store: ${(err as Error).message}` });
  }
  try {
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    const integrity = quickCheck(db, path, options.fullCheckMaxBytes ?? FULL_CHECK_MAX_BYTES);
    if (integrity !== 'ok') {
      db.close();
      return fail({ code: 'store-corrupt', file: path, message: `SQLite reports the store is damaged: ${String(integrity)}`, fix: 'Move it aside and re-import, or restore a backup.' });
    }
    if (!options.readonly) {
      const migrated = migrate(db, path);
      if (!migrated.ok) {
        db.close();
        return migrated;
      }
    } else if (schemaVersion(db) < latestSchemaVersion()) {
      const upgraded = upgradeWithoutWaiting(path);
      if (!upgraded.ok) {
        db.close();
        return upgraded;
      }
    }
    return ok(db);
  } catch (err) {
    try {
      db.close();
    } catch {
      /* already failing */
    }
    if (sqliteCode(err)?.startsWith('SQLITE_READONLY')) return fail(readOnlyReason(path) ?? readOnlyFolder(path));
    const message = (err as Error).message;
    const code = /not a database|malformed|file is encrypted/i.test(message) ? 'store-corrupt' : /locked|busy/i.test(message) ? 'store-locked' : 'store-open-failed';
    return fail({ code, file: path, message: `SQLite: ${message}`, fix: code === 'store-locked' ? 'Another process holds the store; wait for it or stop it.' : 'Move the store aside to start a new one.' });
  }
}

/** Above this size, opening checks every table but the metric points (checking those is O(points)). */
export const FULL_CHECK_MAX_BYTES = 16 * 1024 * 1024;
const POINT_TABLES = new Set(['metrics', 'metric_buckets']);

/**
 * SQLite's quick_check on open, unless it passed on the store as it is now: the whole file when it is
 * small; on a big store the tables except the point tables (a 1M-point store, 36 MB, takes 130-250 ms to check whole here). Damage in the points still surfaces
 * as SQLITE_CORRUPT when they are read, which store/tx.ts reports as `store-corrupt` with the file.
 */
function quickCheck(db: Database, path: string, fullCheckMaxBytes: number): string {
  // A store unchanged since a check passed is not checked again (checkRecord.ts); a store that changes
  // while it is checked is checked again on the next open.
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    /* checked below */
  }
  const scope = size <= fullCheckMaxBytes ? 'whole' : 'tables';
  // A first read opens the write-ahead log (a reader may create it), so the state read next is the one checked.
  db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
  const state = storeFileState(path);
  if (checkedInState(path, scope, state)) return 'ok';
  const result = scope === 'whole' ? String(db.pragma('quick_check', { simple: true })) : checkTables(db);
  if (result === 'ok') recordCheck(path, scope, state, storeFileState(path));
  return result;
}

function checkTables(db: Database): string {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  for (const table of tables) {
    if (POINT_TABLES.has(table)) continue;
    const result = String(db.pragma(`quick_check("${table.replace(/"/g, '""')}")`, { simple: true }));
    if (result !== 'ok') return result;
  }
  return 'ok';
}

/**
 * A second connection for a short write that must never wait (a reader marking dead runs as killed):
 * no busy timeout, so a held write lock fails at once with SQLITE_BUSY. The caller closes it.
 */
export function openWriterNoWait(path: string): Result<Database> {
  const driver = loadBetterSqlite3();
  if (!driver.ok) return driver;
  try {
    return ok(new driver.value(path, { fileMustExist: true, timeout: 0 }));
  } catch (err) {
    return fail({ code: 'store-open-failed', file: path, message: `SQLite could not open the store: ${(err as Error).message}` });
  }
}

/**
 * A store made by an older Sextant, opened by a reader: it is upgraded once, on a connection that does not
 * wait. When another process holds the write lock (or the store is read-only) the reader is told, not held.
 */
function upgradeWithoutWaiting(path: string): Result<number> {
  const writer = openWriterNoWait(path);
  if (!writer.ok) return writer;
  try {
    return migrate(writer.value, path, undefined, { attempts: 0 });
  } catch (err) {
    if (sqliteCode(err)?.startsWith('SQLITE_READONLY')) return fail(readOnlyReason(path) ?? readOnlyFolder(path));
    const busy = isBusy(err);
    return fail({
      code: busy ? 'store-locked' : 'store-open-failed',
      file: path,
      message: `The store was made by an older Sextant and needs a schema upgrade before it can be read${busy ? ', but another process is writing it right now' : `: ${(err as Error).message}`}.`,
      fix: busy ? 'Try again when the other run or import is done.' : 'Check that the store is writable.',
    });
  } finally {
    writer.value.close();
  }
}
