// The last integrity check that passed, kept beside the store (sextant.db → sextant.db.checked): the store's
// state on disk (fileState.ts) when SQLite's quick_check last found no damage. A store opened in that same state
// is not checked again: any write, checkpoint, copy or restore over it gives another state, and the next open
// checks. On a 2,000-run store the check is 30 ms of `sextant runs list`'s 200 (issue 17). The record is only a
// shortcut: one that cannot be read or written means a check.
import { readFileSync } from 'node:fs';
import { settledSince, type StoreFileState } from './fileState';
import { writeSideFile } from './sideFile';

const recordFile = (storePath: string): string => `${storePath}.checked`;

/** Whether quick_check (of this scope: the whole file, or the tables but the points) passed on the store in this state. */
export function checkedInState(storePath: string, scope: string, state: StoreFileState): boolean {
  try {
    return readFileSync(recordFile(storePath), 'utf8') === `quick_check ok ${scope} ${state.key}\n`;
  } catch {
    return false;
  }
}

/**
 * Records that quick_check passed on the store in state `before`, if the store is still in it and settled
 * (`after`); otherwise nothing (the next open checks). A record that cannot be written is left as it was.
 */
export function recordCheck(storePath: string, scope: string, before: StoreFileState, after: StoreFileState): void {
  if (!settledSince(before, after)) return;
  writeSideFile(recordFile(storePath), `quick_check ok ${scope} ${before.key}\n`);
}
