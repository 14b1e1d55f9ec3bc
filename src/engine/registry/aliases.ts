// Model aliases (name@production) and their history: moving an alias is one write transaction that points
// the alias at the version and records the move (who, from where, when) in model_alias_history, so the
// alias and its history never disagree; a failure anywhere leaves the alias where it was.
import { currentUser } from '../audit/currentUser';
import { z } from 'zod';
import { appendAudit, hasAuditLog } from '../audit/log';
import type { Database } from '../store/open';
import { storeError, writeTx } from '../store/tx';
import { fail, ok, type Result } from '../result';
import { blockedReason, checkGates, GateResultSchema, storedGates } from './gates';
import { metricsOf } from './versionMetrics';

/** Who moved an alias, and from where (the model card, the CLI, a pipeline's register stage). */
export const AliasActorSchema = z.object({ actor: z.string().min(1), source: z.string().min(1) });
export type AliasActor = z.infer<typeof AliasActorSchema>;

export const AliasMoveSchema = z.object({
  model: z.string(),
  alias: z.string(),
  /** The version it pointed at before; null when the alias is new. */
  from: z.number().int().nullable(),
  to: z.number().int(),
  /** The version's promotion gates and how each went (empty when it has none, or for a rollback). */
  gates: z.array(GateResultSchema),
});
export type AliasMove = z.infer<typeof AliasMoveSchema>;

export const AliasHistoryEntrySchema = z.object({
  alias: z.string(),
  from: z.number().int().nullable(),
  /** null when the alias was removed. */
  to: z.number().int().nullable(),
  actor: z.string(),
  source: z.string(),
  at: z.number().int().describe('Milliseconds since the Unix epoch.'),
});
export type AliasHistoryEntry = z.infer<typeof AliasHistoryEntrySchema>;

export { currentUser };

/** Why an alias name cannot be used, or undefined when it can. A number would read as a version (name@3). */
export function aliasProblem(alias: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(alias)) return `"${alias}" is not an alias name: start with a letter, then letters, digits, '_', '.' or '-' (at most 64).`;
  return undefined;
}

/** The confirmation asked before a move: names the model, the version, the alias and where it points now. */
export function aliasMoveQuestion(model: string, version: number, alias: string, current: number | null): string {
  const now = current === null ? `"${alias}" is not set yet.` : `It now points at version ${current}.`;
  return `Move the alias "${alias}" of model "${model}" to version ${version}? ${now}`;
}

/**
 * Points `alias` of a model at the row `versionId`, recording the move (alias history, and the audit log when the
 * store has one), inside the caller's write transaction (registering a version with an alias calls it too).
 * Returns the version it pointed at before.
 */
export function pointAlias(db: Database, modelId: number, alias: string, versionId: number, who: AliasActor, now: number, rollback = false): number | null {
  const before = db.prepare('SELECT v.version FROM model_aliases a JOIN model_versions v ON v.id = a.model_version_id WHERE a.model_id = ? AND a.alias = ?').pluck().get(modelId, alias) as number | undefined;
  const to = db.prepare('SELECT version FROM model_versions WHERE id = ?').pluck().get(versionId) as number;
  db.prepare('INSERT INTO model_aliases (model_id, alias, model_version_id, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (model_id, alias) DO UPDATE SET model_version_id = excluded.model_version_id, updated_at = excluded.updated_at').run(modelId, alias, versionId, now);
  db.prepare('INSERT INTO model_alias_history (model_id, alias, from_version, to_version, actor, source, at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(modelId, alias, before ?? null, to, who.actor, who.source, now);
  if (hasAuditLog(db)) {
    const name = db.prepare('SELECT name FROM models WHERE id = ?').pluck().get(modelId) as string;
    appendAudit(db, { kind: 'alias-moved', actor: who.actor, source: who.source, subject: `model:${name}`, detail: { alias, from: before ?? null, to, ...(rollback ? { rollback: true } : {}) }, at: now });
  }
  return before ?? null;
}

/** Whether this store keeps alias history (schema version 4 and later). */
export function hasAliasHistory(db: Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'model_alias_history'").get() !== undefined;
}

/**
 * Moves `alias` of model `name` to `version`, as one transaction (the alias, its history row and its audit
 * entry together). `expectedFrom`: the version the user was shown the alias at (null: not set); when another
 * process moved it since, nothing changes and the error says where it is now. The version's promotion gates
 * are checked first (not for a rollback): when one blocks, the alias stays, the block and its reason are
 * written to the audit log, and the error (`gate-blocked`) names each gate that blocked.
 */
export function moveAlias(db: Database, file: string, input: { name: string; alias: string; version: number; expectedFrom?: number | null; who?: Partial<AliasActor>; now?: number; rollback?: boolean }): Result<AliasMove> {
  const problem = aliasProblem(input.alias);
  if (problem) return fail({ code: 'alias-invalid', message: problem });
  const who: AliasActor = { actor: input.who?.actor ?? currentUser(), source: input.who?.source ?? 'sextant' };
  if (!hasAliasHistory(db)) return fail({ code: 'registry-unavailable', file, message: 'This store has no alias history table yet.', fix: 'Open it with this Sextant once (it migrates the store), then try again.' });
  try {
    return writeTx(db, (): Result<AliasMove> => {
      const model = db.prepare('SELECT id FROM models WHERE name = ?').pluck().get(input.name) as number | undefined;
      if (model === undefined) return fail({ code: 'model-unknown', file, message: `No model named "${input.name}" is registered.` });
      const versionId = db.prepare('SELECT id FROM model_versions WHERE model_id = ? AND version = ?').pluck().get(model, input.version) as number | undefined;
      if (versionId === undefined) return fail({ code: 'model-version-unknown', file, message: `Model "${input.name}" has no version ${input.version}.` });
      if (input.expectedFrom !== undefined) {
        const now = db.prepare('SELECT v.version FROM model_aliases a JOIN model_versions v ON v.id = a.model_version_id WHERE a.model_id = ? AND a.alias = ?').pluck().get(model, input.alias) as number | undefined;
        if ((now ?? null) !== input.expectedFrom) {
          return fail({ code: 'alias-moved', file, message: `The alias "${input.alias}" of "${input.name}" was moved meanwhile: it now ${now === undefined ? 'is not set' : `points at version ${now}`}. Nothing was changed.`, fix: 'Look at the model card again and repeat the move if it still applies.' });
        }
      }
      const now = input.now ?? Date.now();
      const gates = input.rollback ? [] : storedGates(db, versionId);
      const verdict = checkGates(db, model, input.version, gates, metricsOf(db, db.prepare('SELECT run_id FROM model_versions WHERE id = ?').pluck().get(versionId) as number | null));
      if (!verdict.passed) {
        const reason = blockedReason(verdict);
        if (hasAuditLog(db)) appendAudit(db, { kind: 'promotion-blocked', actor: who.actor, source: who.source, subject: `model:${input.name}@${input.version}`, detail: { alias: input.alias, reason, gates: verdict.results }, at: now });
        return fail({ code: 'gate-blocked', file, message: `The alias "${input.alias}" of "${input.name}" was not moved to version ${input.version}: a promotion gate blocked it: ${reason}.`, fix: 'The block is recorded in the audit log (sextant audit list). Register a version that passes, or change the gates in the pipeline.' });
      }
      const from = pointAlias(db, model, input.alias, versionId, who, now, input.rollback === true);
      return ok({ model: input.name, alias: input.alias, from, to: input.version, gates: verdict.results });
    });
  } catch (err) {
    return fail(storeError(err, file, `move the alias "${input.alias}" of "${input.name}"`));
  }
}

/** Every recorded move of the model's aliases, newest first. */
export function aliasHistory(db: Database, name: string): AliasHistoryEntry[] {
  if (!hasAliasHistory(db)) return [];
  const rows = db
    .prepare(
      `SELECT h.alias, h.from_version AS "from", h.to_version AS "to", h.actor, h.source, h.at FROM model_alias_history h JOIN models m ON m.id = h.model_id
       WHERE m.name = ? ORDER BY h.at DESC, h.id DESC`,
    )
    .all(name) as AliasHistoryEntry[];
  return rows;
}

/** The confirmation asked before a rollback: names the model, the alias, the version it leaves and the one it goes back to. */
export function rollbackQuestion(model: string, alias: string, current: number | null, previous: number): string {
  return `Roll back the alias "${alias}" of model "${model}" from ${current === null ? 'no version' : `version ${current}`} to version ${previous}, where it pointed before its last move?`;
}

/** Where a rollback of `alias` would move it: the version it pointed at before its last move. */
export function rollbackTarget(db: Database, name: string, alias: string): Result<{ current: number | null; previous: number }> {
  const last = aliasHistory(db, name).find((h) => h.alias === alias);
  if (!last) return fail({ code: 'alias-no-history', message: `The alias "${alias}" of "${name}" has no recorded move to roll back.` });
  if (last.from === null) return fail({ code: 'alias-no-previous', message: `The alias "${alias}" of "${name}" pointed at no version before its last move (to version ${last.to ?? 'none'}), so there is nothing to roll back to.` });
  return ok({ current: last.to, previous: last.from });
}

/**
 * Moves `alias` back to the version it pointed at before its last move: one alias move (history row and audit
 * entry marked as a rollback), refused when the alias was moved since `expectedFrom`. Gates are not checked:
 * the version passed them when it was promoted, and a rollback must work when the new version misbehaves.
 * Rolling back twice undoes the rollback.
 */
export function rollbackAlias(db: Database, file: string, input: { name: string; alias: string; expectedFrom?: number | null; who?: Partial<AliasActor>; now?: number }): Result<AliasMove> {
  const target = rollbackTarget(db, input.name, input.alias);
  if (!target.ok) return fail({ ...target.error, file });
  return moveAlias(db, file, { ...input, version: target.value.previous, expectedFrom: input.expectedFrom === undefined ? target.value.current : input.expectedFrom, rollback: true });
}
