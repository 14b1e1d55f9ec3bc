// `sextant audit verify`: walks the audit log's chain and says which entry is wrong and how. An entry whose
// content no longer gives its hash was edited; one chained after another entry than the one before it was
// moved (reordered); a gap in the entry numbers, or a chain that points at no entry present, means entries were
// removed. The head recorded in `meta` catches a removed tail; a head hash kept outside the store
// (`expectHead`) also catches an attacker who rewrote the log and the head record together. What a chain
// cannot catch: someone who rewrites every hash from the edited entry on and the head record, when no head was
// kept elsewhere.
import { z } from 'zod';
import type { Database } from '../store/open';
import { entryHash, GENESIS_HASH, hasAuditLog, listAudit, recordedHead } from './log';

export const AuditProblemSchema = z.object({
  /** The entry number the problem was found at (for a removed tail: the last entry present, 0 when none). */
  entry: z.number().int(),
  kind: z.enum(['edited', 'reordered', 'removed', 'truncated', 'head-mismatch']),
  message: z.string(),
});
export type AuditProblem = z.infer<typeof AuditProblemSchema>;

export const AuditVerdictSchema = z.object({
  ok: z.boolean(),
  entries: z.number().int(),
  /** The last entry present. */
  head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  /** The head recorded in the store's meta table. */
  recordedHead: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  problems: z.array(AuditProblemSchema),
});
export type AuditVerdict = z.infer<typeof AuditVerdictSchema>;

export function verifyAudit(db: Database, options: { expectHead?: string } = {}): AuditVerdict {
  const entries = hasAuditLog(db) ? listAudit(db) : [];
  const problems: AuditProblem[] = [];
  const seqOfHash = new Map(entries.map((e) => [e.hash, e.seq]));
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  for (const e of entries) {
    let gap = false;
    if (e.seq !== prevSeq + 1) {
      gap = true;
      const missing = e.seq - prevSeq - 1;
      problems.push({ entry: e.seq, kind: 'removed', message: missing === 1 ? `entry ${prevSeq + 1} is missing (removed).` : `entries ${prevSeq + 1} to ${e.seq - 1} are missing (removed).` });
    }
    if (entryHash(e, e.prevHash) !== e.hash) {
      problems.push({ entry: e.seq, kind: 'edited', message: `entry ${e.seq} (${e.kind} of ${e.subject}) was changed after it was written: its content no longer gives its hash ${e.hash.slice(0, 12)}….` });
    }
    if (e.prevHash !== prevHash && !gap) {
      const follows = e.prevHash === GENESIS_HASH ? 0 : seqOfHash.get(e.prevHash);
      if (follows !== undefined) {
        problems.push({ entry: e.seq, kind: 'reordered', message: `entry ${e.seq} was written after ${follows === 0 ? 'nothing (as the first entry)' : `entry ${follows}`}, not after entry ${prevSeq}: entries were reordered.` });
      } else {
        problems.push({
          entry: e.seq,
          kind: 'removed',
          message: `entry ${e.seq} was written after an entry that is not in the log (previous hash ${e.prevHash.slice(0, 12)}…): ${prevSeq === 0 ? 'the entries before it were removed' : `an entry between ${prevSeq} and ${e.seq} was removed, or entry ${prevSeq} was changed and its hash recomputed`}.`,
        });
      }
    }
    prevHash = e.hash;
    prevSeq = e.seq;
  }
  const last = entries.at(-1);
  const head = last ? { seq: last.seq, hash: last.hash } : null;
  const recorded = hasAuditLog(db) ? recordedHead(db) : null;
  if (recorded === 'unreadable') {
    problems.push({ entry: prevSeq, kind: 'head-mismatch', message: "the head recorded in the store's meta table (audit.head) is not readable: it was changed." });
  } else if (recorded && (!head || recorded.seq !== head.seq || recorded.hash !== head.hash)) {
    const inLog = seqOfHash.get(recorded.hash);
    if (recorded.seq > prevSeq && inLog === undefined) {
      problems.push({ entry: prevSeq, kind: 'truncated', message: `the log ends at entry ${prevSeq}, but the store recorded entry ${recorded.seq} (hash ${recorded.hash.slice(0, 12)}…) as its last: entries ${prevSeq + 1} to ${recorded.seq} were removed.` });
    } else {
      problems.push({ entry: prevSeq, kind: 'head-mismatch', message: `the store recorded entry ${recorded.seq} (hash ${recorded.hash.slice(0, 12)}…) as the last, but the log ends at entry ${prevSeq}${head ? ` (hash ${head.hash.slice(0, 12)}…)` : ''}: the log or the head record was changed.` });
    }
  } else if (!recorded && head) {
    problems.push({ entry: prevSeq, kind: 'head-mismatch', message: "the store has audit entries but no head record (audit.head in the meta table): it was removed." });
  }
  if (options.expectHead !== undefined) {
    const expected = options.expectHead.trim().toLowerCase();
    const at = entries.find((e) => e.hash === expected || (expected.length >= 12 && e.hash.startsWith(expected)));
    if (!at) problems.push({ entry: prevSeq, kind: 'truncated', message: `the head you expected (${expected.slice(0, 12)}…) is not in the log: entries up to it were removed or rewritten.` });
  }
  return { ok: problems.length === 0, entries: entries.length, head, recordedHead: recorded === 'unreadable' ? null : recorded, problems };
}
