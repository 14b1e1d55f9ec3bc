// Deleting from the registry: removing an alias, deleting a version, deleting a whole model. Each is one write
// transaction with its audit entry (and, for aliases, the alias-history row), so the action and its record
// commit together or not at all. A version an alias points at is not deleted unless the caller says so
// (`withAliases`): then its aliases are removed in the same transaction, each recorded. Artifact files stay in
// the content-addressed artifact folder (another version or run may hold the same bytes). Version numbers are
// never reused: registering after a deletion continues after the highest number ever registered
// (nextVersionNumber), so `name@3` in the audit log and the alias history always means one artifact.
import { z } from 'zod';
import { appendAudit, hasAuditLog } from '../audit/log';
import { fail, ok, type Result } from '../result';
import type { Database } from '../store/open';
import { storeError, writeTx } from '../store/tx';
import { aliasProblem, currentUser, hasAliasHistory, type AliasActor } from './aliases';

export const AliasRemovalSchema = z.object({ model: z.string(), alias: z.string(), from: z.number().int() });
export type AliasRemoval = z.infer<typeof AliasRemovalSchema>;

export const VersionDeletionSchema = z.object({
  model: z.string(),
  version: z.number().int(),
  sha256: z.string().nullable(),
  /** Aliases that pointed at it and were removed with it (only with `withAliases`). */
  aliasesRemoved: z.array(z.string()),
});
export type VersionDeletion = z.infer<typeof VersionDeletionSchema>;

export const ModelDeletionSchema = z.object({
  model: z.string(),
  versions: z.array(z.number().int()),
  aliasesRemoved: z.array(z.string()),
});
export type ModelDeletion = z.infer<typeof ModelDeletionSchema>;

interface Who {
  who?: Partial<AliasActor>;
  now?: number;
}

function actor(input: Who): AliasActor {
  return { actor: input.who?.actor ?? currentUser(), source: input.who?.source ?? 'sextant' };
}

function unavailable(file: string): Result<never> {
  return fail({ code: 'registry-unavailable', file, message: 'This store cannot record deletions yet (no audit log: schema before version 7).', fix: 'Open it with this Sextant once (it migrates the store), then try again.' });
}

function modelId(db: Database, name: string): number | undefined {
  return db.prepare('SELECT id FROM models WHERE name = ?').pluck().get(name) as number | undefined;
}

/** Removes one alias row inside the caller's transaction, with its history row and audit entry. */
function dropAlias(db: Database, model: { id: number; name: string }, alias: string, from: number, who: AliasActor, now: number, reason?: string): void {
  db.prepare('DELETE FROM model_aliases WHERE model_id = ? AND alias = ?').run(model.id, alias);
  if (hasAliasHistory(db)) db.prepare('INSERT INTO model_alias_history (model_id, alias, from_version, to_version, actor, source, at) VALUES (?, ?, ?, NULL, ?, ?, ?)').run(model.id, alias, from, who.actor, who.source, now);
  appendAudit(db, { kind: 'alias-removed', actor: who.actor, source: who.source, subject: `model:${model.name}`, detail: { alias, from, ...(reason ? { reason } : {}) }, at: now });
}

/**
 * The number the next registered version of `name` gets: one past the highest ever registered, deleted versions
 * included (the audit log keeps every registration; the table only the versions that are left).
 */
export function nextVersionNumber(db: Database, modelIdOrNull: number | null, name: string): number {
  const inTable = modelIdOrNull === null ? 0 : ((db.prepare('SELECT max(version) FROM model_versions WHERE model_id = ?').pluck().get(modelIdOrNull) as number | null) ?? 0);
  if (!hasAuditLog(db)) return inTable + 1;
  const prefix = `model:${name}@`;
  const subjects = db.prepare("SELECT subject FROM audit_log WHERE kind = 'model-registered' AND substr(subject, 1, ?) = ?").pluck().all(prefix.length, prefix) as string[];
  let highest = inTable;
  for (const s of subjects) {
    const n = Number(s.slice(prefix.length));
    if (Number.isInteger(n) && n > highest) highest = n;
  }
  return highest + 1;
}

/** Removes `alias` of model `name` (refused, changing nothing, when it is not set or was moved since `expectedFrom`). */
export function removeAlias(db: Database, file: string, input: { name: string; alias: string; expectedFrom?: number } & Who): Result<AliasRemoval> {
  const problem = aliasProblem(input.alias);
  if (problem) return fail({ code: 'alias-invalid', message: problem });
  if (!hasAuditLog(db)) return unavailable(file);
  const who = actor(input);
  try {
    return writeTx(db, (): Result<AliasRemoval> => {
      const id = modelId(db, input.name);
      if (id === undefined) return fail({ code: 'model-unknown', file, message: `No model named "${input.name}" is registered.`, fix: 'See `sextant models list`.' });
      const from = db.prepare('SELECT v.version FROM model_aliases a JOIN model_versions v ON v.id = a.model_version_id WHERE a.model_id = ? AND a.alias = ?').pluck().get(id, input.alias) as number | undefined;
      if (from === undefined) return fail({ code: 'model-alias-unknown', file, message: `Model "${input.name}" has no alias "${input.alias}". Nothing was changed.`, fix: `See \`sextant models show ${input.name}\`.` });
      if (input.expectedFrom !== undefined && input.expectedFrom !== from) {
        return fail({ code: 'alias-moved', file, message: `The alias "${input.alias}" of "${input.name}" was moved meanwhile: it now points at version ${from}. Nothing was changed.` });
      }
      dropAlias(db, { id, name: input.name }, input.alias, from, who, input.now ?? Date.now());
      return ok({ model: input.name, alias: input.alias, from });
    });
  } catch (err) {
    return fail(storeError(err, file, `remove the alias "${input.alias}" of "${input.name}"`));
  }
}

/**
 * Deletes version `version` of model `name`: its row, tags, evaluations, explanations and run links (the store's
 * cascades), with a `model-version-deleted` audit entry. Refused, changing nothing, while an alias points at it,
 * unless `withAliases` (then those aliases are removed first, each recorded as `alias-removed`).
 */
export function deleteModelVersion(db: Database, file: string, input: { name: string; version: number; withAliases?: boolean } & Who): Result<VersionDeletion> {
  if (!hasAuditLog(db)) return unavailable(file);
  const who = actor(input);
  try {
    return writeTx(db, (): Result<VersionDeletion> => {
      const id = modelId(db, input.name);
      if (id === undefined) return fail({ code: 'model-unknown', file, message: `No model named "${input.name}" is registered.`, fix: 'See `sextant models list`.' });
      const row = db.prepare('SELECT id, artifact_sha256 AS sha256 FROM model_versions WHERE model_id = ? AND version = ?').get(id, input.version) as { id: number; sha256: string | null } | undefined;
      if (!row) return fail({ code: 'model-version-unknown', file, message: `Model "${input.name}" has no version ${input.version}. Nothing was changed.`, fix: `See \`sextant models show ${input.name}\`.` });
      const aliases = db.prepare('SELECT alias FROM model_aliases WHERE model_version_id = ? ORDER BY alias').pluck().all(row.id) as string[];
      if (aliases.length && !input.withAliases) {
        return fail({
          code: 'model-version-aliased',
          file,
          message: `Version ${input.version} of "${input.name}" is where ${aliases.map((a) => `"${a}"`).join(', ')} ${aliases.length === 1 ? 'points' : 'point'}: it was not deleted.`,
          fix: 'Move or remove the alias first (sextant models promote / models unalias), or delete with --with-aliases to remove them too.',
        });
      }
      const now = input.now ?? Date.now();
      for (const alias of aliases) dropAlias(db, { id, name: input.name }, alias, input.version, who, now, `version ${input.version} deleted`);
      db.prepare('DELETE FROM model_versions WHERE id = ?').run(row.id);
      appendAudit(db, { kind: 'model-version-deleted', actor: who.actor, source: who.source, subject: `model:${input.name}@${input.version}`, detail: { sha256: row.sha256, aliases_removed: aliases }, at: now });
      return ok({ model: input.name, version: input.version, sha256: row.sha256, aliasesRemoved: aliases });
    });
  } catch (err) {
    return fail(storeError(err, file, `delete version ${input.version} of "${input.name}"`));
  }
}

/**
 * Deletes model `name` with every version and alias (and, through the store's cascades, their tags, evaluations,
 * explanations, run links and alias history), with one `model-deleted` audit entry naming the versions and
 * aliases that went. Refused while it has aliases, unless `withAliases`. Re-registering the name later continues
 * the version numbers (the audit log keeps them).
 */
export function deleteModel(db: Database, file: string, input: { name: string; withAliases?: boolean } & Who): Result<ModelDeletion> {
  if (!hasAuditLog(db)) return unavailable(file);
  const who = actor(input);
  try {
    return writeTx(db, (): Result<ModelDeletion> => {
      const id = modelId(db, input.name);
      if (id === undefined) return fail({ code: 'model-unknown', file, message: `No model named "${input.name}" is registered. Nothing was changed.`, fix: 'See `sextant models list`.' });
      const aliases = db.prepare('SELECT a.alias, v.version FROM model_aliases a JOIN model_versions v ON v.id = a.model_version_id WHERE a.model_id = ? ORDER BY a.alias').all(id) as { alias: string; version: number }[];
      if (aliases.length && !input.withAliases) {
        return fail({
          code: 'model-aliased',
          file,
          message: `Model "${input.name}" still has ${aliases.map((a) => `@${a.alias} (v${a.version})`).join(', ')}: it was not deleted.`,
          fix: 'Remove the aliases first (sextant models unalias), or delete with --with-aliases to remove them too.',
        });
      }
      const versions = db.prepare('SELECT version FROM model_versions WHERE model_id = ? ORDER BY version').pluck().all(id) as number[];
      db.prepare('DELETE FROM models WHERE id = ?').run(id);
      appendAudit(db, {
        kind: 'model-deleted',
        actor: who.actor,
        source: who.source,
        subject: `model:${input.name}`,
        detail: { versions, aliases_removed: Object.fromEntries(aliases.map((a) => [a.alias, a.version])) },
        at: input.now ?? Date.now(),
      });
      return ok({ model: input.name, versions, aliasesRemoved: aliases.map((a) => a.alias) });
    });
  } catch (err) {
    return fail(storeError(err, file, `delete the model "${input.name}"`));
  }
}
