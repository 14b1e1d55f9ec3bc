// Experiments and runs: creating, updating, naming, tagging, deleting. Plain functions over a
// Database that throw on SQLite errors; tracking.ts turns those into Results.
import { randomBytes } from 'node:crypto';
import type { Database } from '../store/open';
import { writeTx } from '../store/tx';
import { appendAudit, hasAuditLog } from '../audit/log';
import { currentUser } from '../audit/currentUser';
import type { Rejection, RunStatus, UpdateRun } from './schemas';
import { checkKey, checkValue } from './validate';
import type { z } from 'zod';
import type { StartRunInputSchema } from './schemas';

type StartRunParsed = z.output<typeof StartRunInputSchema>;

export interface RunRef {
  id: number;
  uid: string;
}

function newRunUid(): string {
  return randomBytes(16).toString('hex');
}

export function getOrCreateExperiment(db: Database, name: string, now: number): number {
  const found = db.prepare('SELECT id FROM experiments WHERE name = ?').pluck().get(name) as number | undefined;
  if (found !== undefined) return found;
  return writeTx(db, () => {
    db.prepare('INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)').run(name, now);
    return db.prepare('SELECT id FROM experiments WHERE name = ?').pluck().get(name) as number;
  });
}

/** Finds a run by its public id or an unambiguous prefix of it (at least 4 characters). */
export function resolveRun(db: Database, idOrPrefix: string): RunRef | 'ambiguous' | undefined {
  const exact = db.prepare('SELECT id, uid FROM runs WHERE uid = ?').get(idOrPrefix) as RunRef | undefined;
  if (exact) return exact;
  if (idOrPrefix.length < 4 || !/^[A-Za-z0-9_-]+$/.test(idOrPrefix)) return undefined;
  const rows = db.prepare("SELECT id, uid FROM runs WHERE uid >= ? AND uid < ? || char(1114111) LIMIT 2").all(idOrPrefix, idOrPrefix) as RunRef[];
  if (rows.length > 1) return 'ambiguous';
  return rows[0];
}

export function createRun(db: Database, input: StartRunParsed, parentId: number | null, now: number): { ref: RunRef; rejected: Rejection[] } {
  const experimentId = getOrCreateExperiment(db, input.experiment, now);
  const uid = input.id ?? newRunUid();
  const rejected: Rejection[] = [];
  const ref = writeTx(db, () => {
    const name = input.name ?? `run-${(db.prepare('SELECT count(*) FROM runs WHERE experiment_id = ?').pluck().get(experimentId) as number) + 1}`;
    const startedAt = input.status === 'running' ? (input.startedAt ?? now) : null;
    const info = db
      .prepare(
        `INSERT INTO runs (uid, experiment_id, parent_id, name, status, created_at, started_at, git_commit, git_dirty, command, cwd, host, pid, python_version, node_version, gpu, log_path)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        uid,
        experimentId,
        parentId,
        name,
        input.status,
        now,
        startedAt,
        input.gitCommit ?? null,
        input.gitDirty === undefined ? null : input.gitDirty ? 1 : 0,
        input.command ?? null,
        input.cwd ?? null,
        input.host ?? null,
        input.pid ?? null,
        input.pythonVersion ?? null,
        input.nodeVersion ?? null,
        input.gpu ?? null,
        input.logPath ?? null,
      );
    const id = Number(info.lastInsertRowid);
    if (input.params) rejected.push(...upsertKeyValues(db, 'params', id, input.params));
    if (input.tags) rejected.push(...upsertKeyValues(db, 'tags', id, input.tags));
    return { id, uid };
  });
  return { ref, rejected };
}

/** Validates and writes params or tags (caller provides the transaction, or one is opened). */
export function upsertKeyValues(db: Database, table: 'params' | 'tags', runId: number, values: Record<string, unknown>): Rejection[] {
  const rejected: Rejection[] = [];
  const rows: [string, string][] = [];
  for (const [rawKey, rawValue] of Object.entries(values)) {
    const key = checkKey(rawKey);
    if (!key.ok) {
      rejected.push({ key: rawKey, reason: key.reason });
      continue;
    }
    const value = checkValue(rawValue, table === 'params' ? 'param' : 'tag');
    if (!value.ok) {
      rejected.push({ key: key.key, reason: value.reason });
      continue;
    }
    rows.push([key.key, value.value]);
  }
  if (rows.length > 0) {
    const stmt = db.prepare(`INSERT INTO ${table} (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`);
    const write = (): void => {
      for (const [k, v] of rows) stmt.run(runId, k, v);
    };
    if (db.inTransaction) write();
    else writeTx(db, write);
  }
  return rejected;
}

export function removeTags(db: Database, runId: number, keys: string[]): void {
  writeTx(db, () => {
    const stmt = db.prepare('DELETE FROM tags WHERE run_id = ? AND key = ?');
    for (const k of keys) stmt.run(runId, k);
  });
}

const UPDATE_COLUMNS: Record<keyof UpdateRun, string> = {
  name: 'name',
  status: 'status',
  pid: 'pid',
  host: 'host',
  command: 'command',
  gpu: 'gpu',
  logPath: 'log_path',
  gitCommit: 'git_commit',
  gitDirty: 'git_dirty',
  pythonVersion: 'python_version',
  nodeVersion: 'node_version',
  startedAt: 'started_at',
  endedAt: 'ended_at',
  exitCode: 'exit_code',
};

export function updateRun(db: Database, runId: number, patch: UpdateRun): void {
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [field, column] of Object.entries(UPDATE_COLUMNS) as [keyof UpdateRun, string][]) {
    const v = patch[field];
    if (v === undefined) continue;
    sets.push(`${column} = ?`);
    values.push(typeof v === 'boolean' ? (v ? 1 : 0) : v);
  }
  if (sets.length === 0) return;
  writeTx(db, () => db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...values, runId));
}

/** Moves a run to `running` (setting started_at) or to a final status (setting ended_at). */
export function setStatus(db: Database, runId: number, status: RunStatus, now: number, exitCode?: number | null): void {
  writeTx(db, () => {
    if (status === 'running') {
      db.prepare("UPDATE runs SET status = 'running', started_at = coalesce(started_at, ?) WHERE id = ?").run(now, runId);
    } else if (status === 'queued') {
      db.prepare("UPDATE runs SET status = 'queued' WHERE id = ?").run(runId);
    } else {
      db.prepare('UPDATE runs SET status = ?, ended_at = ?, exit_code = coalesce(?, exit_code), started_at = coalesce(started_at, ?) WHERE id = ?').run(status, now, exitCode ?? null, now, runId);
    }
  });
}

/** Who deleted, restored or purged runs, for the audit log (default: this user, from "sextant"). */
export interface RunActor {
  actor?: string;
  source?: string;
}

/** One audit entry per run (when the store has the audit log), inside the caller's transaction. */
function auditRuns(db: Database, kind: 'run-deleted' | 'run-restored' | 'run-purged', runIds: number[], who: RunActor, now: number): void {
  if (runIds.length === 0 || !hasAuditLog(db)) return;
  const row = db.prepare('SELECT r.uid, r.name, e.name AS experiment, (SELECT count(*) FROM runs c WHERE c.parent_id = r.id) AS stages FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?');
  const actor = who.actor ?? currentUser();
  const source = who.source ?? 'sextant';
  for (const id of runIds) {
    const r = row.get(id) as { uid: string; name: string; experiment: string; stages: number } | undefined;
    if (r) appendAudit(db, { kind, actor, source, subject: `run:${r.uid}`, detail: { name: r.name, experiment: r.experiment, stages: r.stages }, at: now });
  }
}

/** Hides runs (and their stages) from lists; restoreRuns brings them back, purgeDeletedRuns removes them for good. Each is recorded in the audit log. */
export function softDeleteRuns(db: Database, runIds: number[], now: number, who: RunActor = {}): void {
  writeTx(db, () => {
    const stmt = db.prepare('UPDATE runs SET deleted_at = ? WHERE id = ? OR parent_id = ?');
    for (const id of runIds) stmt.run(now, id, id);
    auditRuns(db, 'run-deleted', runIds, who, now);
  });
}

export function restoreRuns(db: Database, runIds: number[], now = Date.now(), who: RunActor = {}): void {
  writeTx(db, () => {
    const stmt = db.prepare('UPDATE runs SET deleted_at = NULL WHERE id = ? OR parent_id = ?');
    for (const id of runIds) stmt.run(id, id);
    auditRuns(db, 'run-restored', runIds, who, now);
  });
}

/** Deletes runs soft-deleted before `before` (ms), with their points; returns how many runs went. Each top-level run purged is recorded (its stages go with it). */
export function purgeDeletedRuns(db: Database, before: number, who: RunActor = {}, now = Date.now()): number {
  return writeTx(db, () => {
    const ids = db.prepare('SELECT id FROM runs WHERE deleted_at IS NOT NULL AND deleted_at < ?').pluck().all(before) as number[];
    const going = new Set(ids);
    const parentOf = db.prepare('SELECT parent_id FROM runs WHERE id = ?').pluck();
    auditRuns(db, 'run-purged', ids.filter((id) => !going.has(parentOf.get(id) as number)), who, now);
    deleteRunsNow(db, ids);
    return ids.length;
  });
}

/** Deletes runs and everything under them now (inside the caller's transaction). */
function deleteRunsNow(db: Database, runIds: number[]): void {
  const children = db.prepare('SELECT id FROM runs WHERE parent_id = ?').pluck();
  const delMetrics = db.prepare('DELETE FROM metrics WHERE run_id = ?');
  const delBuckets = db.prepare('DELETE FROM metric_buckets WHERE run_id = ?');
  const delRun = db.prepare('DELETE FROM runs WHERE id = ?');
  const visit = (id: number): void => {
    for (const child of children.all(id) as number[]) visit(child);
    delMetrics.run(id);
    delBuckets.run(id);
    delRun.run(id);
  };
  for (const id of runIds) visit(id);
}
