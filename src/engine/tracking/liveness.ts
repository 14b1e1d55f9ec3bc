// Runs whose process died without saying so (SIGKILL, a crash, a closed laptop): a run still marked
// `running` (or `queued`, waiting in a runner that died) on this host whose pid no longer exists (or is
// a zombie) is marked `killed`, ended at its last logged point (or now). Views and the CLI call this when they list runs; it is cheap (a
// partial index on active runs) and never waits: while another process holds the write lock, marking is
// skipped until the next look.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { openWriterNoWait, type Database } from '../store/open';
import { isBusy, sqliteCode, writeTx } from '../store/tx';

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform === 'linux') {
    try {
      // "pid (comm) S ...": a zombie (Z) or dead (X) process has exited and is only waiting to be reaped.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') return false;
    } catch {
      return false;
    }
  }
  return true;
}

interface DeadRun {
  id: number;
  uid: string;
  pid: number;
}

/** Runs of this host still marked queued/running whose process is gone (a read: no lock). */
function findDeadRuns(db: Database, options: { host?: string; alive?: (pid: number) => boolean } = {}): DeadRun[] {
  const host = options.host ?? hostname();
  const alive = options.alive ?? isProcessAlive;
  const candidates = db.prepare("SELECT id, uid, pid FROM runs WHERE status IN ('queued', 'running') AND pid IS NOT NULL AND host = ?").all(host) as DeadRun[];
  return candidates.filter((r) => !alive(r.pid));
}

/**
 * Marks the given dead runs as killed in one transaction that never waits: when another process holds
 * the write lock (a run logging, an import) or the store is read-only, nothing is marked and the next
 * look tries again. Returns the public ids marked.
 */
function markRunsKilled(db: Database, dead: readonly DeadRun[], now: number): string[] {
  if (dead.length === 0) return [];
  const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    writeTx(
      db,
      () => {
        const lastTs = db.prepare('SELECT max(ts) FROM latest_metrics WHERE run_id = ?').pluck();
        const mark = db.prepare("UPDATE runs SET status = 'killed', ended_at = ? WHERE id = ? AND status IN ('running', 'queued')");
        for (const r of dead) mark.run((lastTs.get(r.id) as number | null) ?? now, r.id);
      },
      { attempts: 0 },
    );
  } catch (err) {
    if (isBusy(err) || sqliteCode(err)?.startsWith('SQLITE_READONLY')) return [];
    throw err;
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
  }
  return dead.map((r) => r.uid);
}

/**
 * Marks the runs of this host whose process is gone as killed; returns their ids. Never waits: while
 * another process holds the write lock, or the store is read-only, nothing is marked (the next look tries
 * again). A read-only connection looks with itself and marks through a short-lived one on `file`.
 */
export function reapDeadRuns(db: Database, file: string, now: () => number, options: { alive?: (pid: number) => boolean } = {}): string[] {
  const dead = findDeadRuns(db, options);
  if (dead.length === 0) return [];
  if (!db.readonly) return markRunsKilled(db, dead, now());
  const writer = openWriterNoWait(file);
  if (!writer.ok) return [];
  try {
    return markRunsKilled(writer.value, dead, now());
  } finally {
    writer.value.close();
  }
}
