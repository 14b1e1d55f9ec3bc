// API tokens of `sextant serve`, with a role: `predict` (POST predict and feedback) or `admin` (also
// GET /metrics). A token is `sxt_` and 43 base64url characters (256 random bits), shown once when made;
// the store keeps only its SHA-256 (see store/servingSchema.ts for why not scrypt). A presented token is
// hashed and compared with every active digest by crypto.timingSafeEqual (equal-length digests, no early
// exit), so how long a check takes says nothing about how close a guess was.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { appendAudit, hasAuditLog } from '../audit/log';
import { currentUser } from '../registry/aliases';
import { fail, ok, type Result } from '../result';
import type { Database } from '../store/open';
import { storeError, writeTx } from '../store/tx';

const TOKEN_ROLES = ['predict', 'admin'] as const;
export const TokenRoleSchema = z.enum(TOKEN_ROLES);
export type TokenRole = z.infer<typeof TokenRoleSchema>;

export const TokenInfoSchema = z.object({
  name: z.string(),
  role: TokenRoleSchema,
  createdAt: z.number().int(),
  createdBy: z.string(),
  lastUsedAt: z.number().int().nullable(),
  revokedAt: z.number().int().nullable(),
});
export type TokenInfo = z.infer<typeof TokenInfoSchema>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const PREFIX = 'sxt_';

const digestOf = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** Whether the store has the serving tables (a store migrated by this Sextant). */
function hasServingTables(db: Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'serve_tokens'").get() !== undefined;
}

/** Makes a token: the raw token (shown once, never stored) and what is stored of it. */
export function addToken(db: Database, file: string, input: { name: string; role: TokenRole; now?: number }): Result<{ token: string; info: TokenInfo }> {
  if (!NAME.test(input.name)) return fail({ code: 'token-name', message: `"${input.name}" is not a token name: letters, digits, '_', '.' or '-', starting with a letter or digit (at most 64).` });
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  const info: TokenInfo = { name: input.name, role: input.role, createdAt: input.now ?? Date.now(), createdBy: currentUser(), lastUsedAt: null, revokedAt: null };
  try {
    return writeTx(db, () => {
      if (db.prepare('SELECT 1 FROM serve_tokens WHERE name = ?').get(input.name)) return fail({ code: 'token-exists', file, message: `A token named "${input.name}" exists already.`, fix: `Pick another name, or revoke it first: sextant serve token revoke ${input.name}` });
      db.prepare('INSERT INTO serve_tokens (name, role, digest, created_at, created_by) VALUES (?, ?, ?, ?, ?)').run(info.name, info.role, digestOf(token).toString('hex'), info.createdAt, info.createdBy);
      if (hasAuditLog(db)) appendAudit(db, { kind: 'token-created', actor: info.createdBy, source: 'CLI', subject: `token:${info.name}`, detail: { role: info.role }, at: info.createdAt });
      return ok({ token, info });
    });
  } catch (err) {
    return fail(storeError(err, file, `add the token "${input.name}"`));
  }
}

export function listTokens(db: Database): TokenInfo[] {
  if (!hasServingTables(db)) return [];
  return db.prepare('SELECT name, role, created_at AS createdAt, created_by AS createdBy, last_used_at AS lastUsedAt, revoked_at AS revokedAt FROM serve_tokens ORDER BY name').all() as TokenInfo[];
}

/** Revokes a token by name: it stops working at once (a running server re-reads tokens when the store changes). */
export function revokeToken(db: Database, file: string, name: string, now = Date.now()): Result<TokenInfo> {
  try {
    return writeTx(db, () => {
      const row = db.prepare('SELECT id, revoked_at FROM serve_tokens WHERE name = ?').get(name) as { id: number; revoked_at: number | null } | undefined;
      if (!row) return fail({ code: 'token-unknown', file, message: `No token named "${name}".`, fix: 'See `sextant serve token list`.' });
      if (row.revoked_at === null) {
        db.prepare('UPDATE serve_tokens SET revoked_at = ? WHERE id = ?').run(now, row.id);
        if (hasAuditLog(db)) appendAudit(db, { kind: 'token-revoked', actor: currentUser(), source: 'CLI', subject: `token:${name}`, at: now });
      }
      return ok(listTokens(db).find((t) => t.name === name)!);
    });
  } catch (err) {
    return fail(storeError(err, file, `revoke the token "${name}"`));
  }
}

type TokenCheck = { ok: true; id: number; name: string; role: TokenRole } | { ok: false; reason: 'missing' | 'invalid' };

/**
 * Checks presented tokens against the store's active ones. The digests are read once and again whenever
 * another connection changed the store (SQLite's data_version), so `token revoke` and `token add` from the
 * CLI apply to a running server at its next request.
 */
export class TokenVerifier {
  private active: { id: number; name: string; role: TokenRole; digest: Buffer }[] = [];
  private seen = -1;

  constructor(private readonly db: Database | undefined) {}

  /** Whether any token is active (else the server runs without authentication, on loopback only). */
  get required(): boolean {
    this.refresh();
    return this.active.length > 0;
  }

  private refresh(): void {
    if (!this.db || !hasServingTables(this.db)) return;
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version === this.seen) return;
    this.seen = version;
    const rows = this.db.prepare('SELECT id, name, role, digest FROM serve_tokens WHERE revoked_at IS NULL').all() as { id: number; name: string; role: TokenRole; digest: string }[];
    this.active = rows.map((r) => ({ id: r.id, name: r.name, role: r.role, digest: Buffer.from(r.digest, 'hex') }));
  }

  check(presented: string | undefined): TokenCheck {
    this.refresh();
    if (!presented) return { ok: false, reason: 'missing' };
    const digest = digestOf(presented);
    let found: (typeof this.active)[number] | undefined;
    for (const t of this.active) {
      // Every active digest is compared, found or not: the time taken does not depend on which matched.
      if (t.digest.length === digest.length && timingSafeEqual(t.digest, digest) && !found) found = t;
    }
    return found ? { ok: true, id: found.id, name: found.name, role: found.role } : { ok: false, reason: 'invalid' };
  }
}
