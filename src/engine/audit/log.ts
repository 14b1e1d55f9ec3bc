// The audit log: who registered, promoted, deleted, served or used a token for what, and when. Append-only (the
// store's triggers refuse UPDATE and DELETE of its rows) and hash-chained: entry n holds entry n-1's hash, and
// its own hash is sha256 over the canonical JSON of its content with that previous hash, so changing, moving or
// removing one entry breaks the chain where it happened (src/engine/audit/verify.ts finds it). The head (last
// entry number and hash) is kept in `meta` too, written in the same transaction, so a cut-off tail shows.
//
// appendAudit runs inside the caller's write transaction when there is one (the registry calls it in the
// transaction that moves the alias or adds the version, so the action and its record commit together), or in
// one of its own.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../store/open';
import { writeTx } from '../store/tx';
import { canonicalJson, type Json } from './canonical';

export const AUDIT_KINDS = [
  'model-registered',
  'alias-moved',
  'promotion-blocked',
  'model-version-described',
  'model-version-tagged',
  'alias-removed',
  'model-deleted',
  'model-version-deleted',
  'run-deleted',
  'run-restored',
  'run-purged',
  'experiment-deleted',
  'experiment-restored',
  'serving-started',
  'serving-stopped',
  'token-created',
  'token-revoked',
  'token-used',
] as const;

const JsonSchema: z.ZodType<Json> = z.lazy(() => z.union([z.null(), z.boolean(), z.number().finite(), z.string(), z.array(JsonSchema), z.record(z.string(), JsonSchema)]));

/** What a caller appends. `subject` names what it is about: `model:churn@3`, `model:churn`, `server:churn@production`, `run:UID`, `experiment:NAME`. */
export const AuditEventSchema = z.object({
  kind: z.enum(AUDIT_KINDS),
  actor: z.string().min(1).describe('Who: a user name, or a token id for token use.'),
  source: z.string().min(1).describe('From where: the CLI, VS Code, a pipeline run, the server.'),
  subject: z.string().min(1),
  detail: z.record(z.string(), JsonSchema).default({}),
  at: z.number().int().optional().describe('Milliseconds since the Unix epoch; default now.'),
});
export type AuditEvent = z.input<typeof AuditEventSchema>;

export const AuditEntrySchema = z.object({
  seq: z.number().int().describe('Entry number, from 1.'),
  at: z.number().int(),
  kind: z.string(),
  actor: z.string(),
  source: z.string(),
  subject: z.string(),
  detail: z.record(z.string(), JsonSchema),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** The previous hash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);
/** The `meta` key holding the chain's head: {"seq": n, "hash": "…"}. */
export const AUDIT_HEAD_KEY = 'audit.head';

/** An entry's hash: sha256 (hex) over the canonical JSON of its content and the previous entry's hash. */
export function entryHash(entry: Pick<AuditEntry, 'at' | 'kind' | 'actor' | 'source' | 'subject' | 'detail'>, prevHash: string): string {
  const content: Json = { at: entry.at, kind: entry.kind, actor: entry.actor, source: entry.source, subject: entry.subject, detail: entry.detail, prev: prevHash };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** Whether this store has the audit log (schema version 7 and later). */
export function hasAuditLog(db: Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").get() !== undefined;
}

interface AuditRow {
  seq: number;
  at: number;
  kind: string;
  actor: string;
  source: string;
  subject: string;
  detail_json: string;
  prev_hash: string;
  hash: string;
}

export function rowToEntry(row: AuditRow): AuditEntry {
  let detail: Record<string, Json>;
  try {
    const parsed = JSON.parse(row.detail_json) as unknown;
    detail = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, Json>) : { value: parsed as Json };
  } catch {
    detail = { unreadable: row.detail_json };
  }
  return { seq: row.seq, at: row.at, kind: row.kind, actor: row.actor, source: row.source, subject: row.subject, detail, prevHash: row.prev_hash, hash: row.hash };
}

/**
 * Appends one event to the audit log and moves the head, inside the caller's transaction when one is open
 * (else its own). Throws when the event does not parse or the store has no audit log: a caller that must
 * record an action lets that abort the action's transaction. Returns the entry written.
 */
export function appendAudit(db: Database, event: AuditEvent): AuditEntry {
  const e = AuditEventSchema.parse(event);
  const write = (): AuditEntry => {
    const last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    const prevHash = last?.hash ?? GENESIS_HASH;
    const at = e.at ?? Date.now();
    const content = { at, kind: e.kind, actor: e.actor, source: e.source, subject: e.subject, detail: e.detail };
    const hash = entryHash(content, prevHash);
    const seq = (last?.seq ?? 0) + 1;
    db.prepare('INSERT INTO audit_log (seq, at, kind, actor, source, subject, detail_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(seq, at, e.kind, e.actor, e.source, e.subject, canonicalJson(e.detail), prevHash, hash);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(AUDIT_HEAD_KEY, JSON.stringify({ seq, hash }));
    return { seq, ...content, prevHash, hash };
  };
  return db.inTransaction ? write() : writeTx(db, write);
}

/** Entries in order (oldest first), optionally only those about a subject or its sub-subjects (`model:churn` takes `model:churn@3`). */
export function listAudit(db: Database, filter: { subject?: string; kind?: string; limit?: number } = {}): AuditEntry[] {
  if (!hasAuditLog(db)) return [];
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.subject) {
    where.push('(subject = ? OR subject LIKE ? ESCAPE \'\\\')');
    params.push(filter.subject, `${filter.subject.replace(/[\\%_]/g, (c) => `\\${c}`)}@%`);
  }
  if (filter.kind) {
    where.push('kind = ?');
    params.push(filter.kind);
  }
  const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`;
  const rows = (db.prepare(sql).all(...params) as AuditRow[]).map(rowToEntry);
  return filter.limit !== undefined ? rows.slice(-filter.limit) : rows;
}

const HeadSchema = z.object({ seq: z.number().int(), hash: z.string() });

/** The head the store recorded beside the log: null when none was (no entry yet), 'unreadable' when the record is not a head. */
export function recordedHead(db: Database): { seq: number; hash: string } | null | 'unreadable' {
  const raw = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(AUDIT_HEAD_KEY) as string | undefined;
  if (raw === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return 'unreadable';
  }
  const parsed = HeadSchema.safeParse(value);
  return parsed.success ? parsed.data : 'unreadable';
}
