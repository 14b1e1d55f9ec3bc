// Opening the workspace store: checks the file before handing it to SQLite, so that a corrupt or
// foreign file is reported by name and never overwritten, and a missing one is not created unless asked.
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { loadBetterSqlite3 } from '../native/load';
import { fail, ok, type Result } from '../result';
import { migrate } from './migrations';

export type Database = BetterSqlite3.Database;

const SQLITE_HEADER = 'SQLite format 3\u0000';

export interface OpenOptions {
  /** Create the file (and its folder) when it does not exist. Off for anything the user did not ask for. */
  create?: boolean;
  readonly?: boolean;
  /** How long a writer waits for another writer's lock before SQLITE_BUSY, in ms. */
  busyTimeoutMs?: number;
  /** Files up to this size get a whole-file quick_check on open (default FULL_CHECK_MAX_BYTES). */
  fullCheckMaxBytes?: number;
}

/** Reads the first 16 bytes: an empty file is a fresh database, anything else must be SQLite's header. */
export function checkHeader(path: string): Result<'empty' | 'sqlite'> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return fail({ code: 'store-unreadable', file: path, message: `Cannot read the store: ${(err as Error).message}`, fix: 'Check the file permissions.' });
  }
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    if (n === 0) return ok('empty');
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

export function openStore(path: string, options: OpenOptions = {}): Result<Database> {
  const fileExists = existsSync(path);
  if (!fileExists && !options.create) {
    return fail({ code: 'store-missing', file: path, message: 'No store yet: nothing has been recorded in this workspace.', fix: 'Run a pipeline or `sextant init` to create it.' });
  }
  if (fileExists) {
    const header = checkHeader(path);
    if (!header.ok) return header;
  }
  const driver = loadBetterSqlite3();
  if (!driver.ok) return driver;
  let db: Database;
  try {
    if (!fileExists) mkdirSync(dirname(path), { recursive: true });
    db = new driver.value(path, { readonly: options.readonly ?? false, timeout: options.busyTimeoutMs ?? 10_000 });
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
    }
    return ok(db);
  } catch (err) {
    try {
      db.close();
    } catch {
      /* already failing */
    }
    const message = (err as Error).message;
    const code = /not a database|malformed|file is encrypted/i.test(message) ? 'store-corrupt' : /locked|busy/i.test(message) ? 'store-locked' : 'store-open-failed';
    return fail({ code, file: path, message: `SQLite: ${message}`, fix: code === 'store-locked' ? 'Another process holds the store; wait for it or stop it.' : 'Move the store aside to start a new one.' });
  }
}

/** Above this size, opening checks every table but the metric points (checking those is O(points)). */
export const FULL_CHECK_MAX_BYTES = 16 * 1024 * 1024;
const POINT_TABLES = new Set(['metrics', 'metric_buckets']);

/**
 * SQLite's quick_check on open: the whole file when it is small; on a big store the tables except the
 * point tables (a 1M-point store, 36 MB, takes 130-250 ms to check whole here). Damage in the points still surfaces
 * as SQLITE_CORRUPT when they are read, which store/tx.ts reports as `store-corrupt` with the file.
 */
function quickCheck(db: Database, path: string, fullCheckMaxBytes: number): string {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    /* checked below */
  }
  if (size <= fullCheckMaxBytes) return String(db.pragma('quick_check', { simple: true }));
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  for (const table of tables) {
    if (POINT_TABLES.has(table)) continue;
    const result = String(db.pragma(`quick_check("${table.replace(/"/g, '""')}")`, { simple: true }));
    if (result !== 'ok') return result;
  }
  return 'ok';
}

/** Renames a damaged store (and its -wal/-shm files) to `<name>.corrupt-<time>`; never deletes. */
export function moveStoreAside(path: string, now = new Date()): Result<string> {
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
