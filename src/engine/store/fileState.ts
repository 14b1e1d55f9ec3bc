// The store's state on disk: the store file's device, inode, size, modification and status-change times (ns),
// and its write-ahead log's device, inode, size and modification time. Any commit, checkpoint, copy or restore
// over the files gives another state (`cp -p` too: it cannot put the status-change time back). Not the WAL's
// status-change time: SQLite, run as root, gives the WAL its database's owner on every open, which moves it.
// Two shortcuts key on it: the integrity check's record (checkRecord.ts) and the whole run list
// (tracking/runListCache.ts). A file system keeps times to its clock tick (a few ms), so a state is trusted
// only once its last change is SETTLED_MS old: a later write cannot then share its times.
import { statSync, type BigIntStats } from 'node:fs';

export interface StoreFileState {
  /** The state as a line: the same line is the same state. */
  key: string;
  /** The newest of the two files' modification times, in ms since the epoch. */
  lastChangeMs: number;
}

const SETTLED_MS = 100;

function stat(file: string): BigIntStats | undefined {
  try {
    return statSync(file, { bigint: true });
  } catch {
    return undefined;
  }
}

export function storeFileState(storePath: string): StoreFileState {
  const db = stat(storePath);
  const wal = stat(`${storePath}-wal`);
  return {
    key: [db ? `${db.dev}:${db.ino}:${db.size}:${db.mtimeNs}:${db.ctimeNs}` : '-', wal ? `${wal.dev}:${wal.ino}:${wal.size}:${wal.mtimeNs}` : '-'].join(' '),
    lastChangeMs: Math.max(db ? Number(db.mtimeNs / 1_000_000n) : 0, wal ? Number(wal.mtimeNs / 1_000_000n) : 0),
  };
}

/** Whether what was read between two readings of the state is what the state names: the same state, settled. */
export function settledSince(before: StoreFileState, after: StoreFileState, nowMs = Date.now()): boolean {
  return before.key === after.key && nowMs - after.lastChangeMs >= SETTLED_MS;
}
