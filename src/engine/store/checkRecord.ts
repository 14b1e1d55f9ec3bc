// The last integrity check that passed: the state of the store file and of its write-ahead log (device,
// inode, size, change times in ns: storeFileState) when SQLite's quick_check last found no damage, kept
// beside the store (sextant.db → sextant.db.checked). A store opened in that same state is not checked again:
// any write, a checkpoint, a copy or a restore over it (`cp -p` too: it moves the status-change time) gives
// another state, and the next open checks. On a 2,000-run store the check is 30 ms of `sextant runs list`'s
// 200 (issue 17). The record is only a shortcut: one that cannot be read or written means a check.
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';

const recordFile = (storePath: string): string => `${storePath}.checked`;

/**
 * The store's state: its file's identity, size and change times, and its WAL's identity, size and
 * modification time ("-" for no WAL). Not the WAL's status-change time: SQLite, run as root, gives the WAL
 * its database's owner on every open, which moves it; what the WAL holds moves its size or modification time.
 */
export function storeFileState(storePath: string): string {
  const stat = (file: string): import('node:fs').BigIntStats | undefined => {
    try {
      return statSync(file, { bigint: true });
    } catch {
      return undefined;
    }
  };
  const db = stat(storePath);
  const wal = stat(`${storePath}-wal`);
  return [db ? `${db.dev}:${db.ino}:${db.size}:${db.mtimeNs}:${db.ctimeNs}` : '-', wal ? `${wal.dev}:${wal.ino}:${wal.size}:${wal.mtimeNs}` : '-'].join(' ');
}

/** Whether quick_check passed on the store in exactly this state. */
export function checkedInState(storePath: string, state: string): boolean {
  try {
    return readFileSync(recordFile(storePath), 'utf8') === `quick_check ok ${state}\n`;
  } catch {
    return false;
  }
}

/** Records that quick_check passed on the store in this state (a new file renamed over the old; nothing when it cannot be written). */
export function recordCheck(storePath: string, state: string): void {
  const file = recordFile(storePath);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `quick_check ok ${state}\n`);
    renameSync(temp, file);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      /* the folder is not writable: there is no temporary file either */
    }
  }
}
