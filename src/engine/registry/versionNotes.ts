// What a user may add to a registered version without changing it: a description and tags (key = value). The
// artifact, number and gates of a version never change (a store trigger refuses it); these are notes about it,
// each change written to the audit log in the same transaction.
import { z } from 'zod';
import { appendAudit, hasAuditLog, listAudit, type AuditEntry } from '../audit/log';
import { PromotionGateSchema } from '../pipeline/builtins';
import { fail, ok, type Result } from '../result';
import type { Database } from '../store/open';
import { storeError, writeTx } from '../store/tx';
import { currentUser, type AliasActor } from './aliases';
import { storedGates } from './gates';

export const VersionNotesSchema = z.object({
  description: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  /** The promotion gates its register stage declared. */
  gates: z.array(PromotionGateSchema),
});
export type VersionNotes = z.infer<typeof VersionNotesSchema>;

const TAG_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

function unavailable(file: string): Result<never> {
  return fail({ code: 'registry-unavailable', file, message: 'This store keeps no version descriptions or tags yet (schema before version 7).', fix: 'Open it with this Sextant once (it migrates the store), then try again.' });
}

export function versionNotes(db: Database, versionId: number): VersionNotes {
  if (!hasAuditLog(db)) return { description: null, tags: {}, gates: [] };
  const description = db.prepare('SELECT description FROM model_versions WHERE id = ?').pluck().get(versionId) as string | null;
  const tags = Object.fromEntries((db.prepare('SELECT key, value FROM model_version_tags WHERE model_version_id = ? ORDER BY key').all(versionId) as { key: string; value: string }[]).map((t) => [t.key, t.value]));
  return { description, tags, gates: storedGates(db, versionId) };
}

/** The audit entries about one version (registered, promotions blocked, notes) and the model's alias moves to it. */
export function versionEvents(db: Database, name: string, version: number): AuditEntry[] {
  return listAudit(db, { subject: `model:${name}` }).filter((e) => e.subject === `model:${name}@${version}` || (e.kind === 'alias-moved' && (e.detail.to === version || e.detail.from === version)));
}

export function describeVersion(db: Database, file: string, input: { name: string; version: number; versionId: number; text: string; who?: Partial<AliasActor> }): Result<{ description: string | null }> {
  if (!hasAuditLog(db)) return unavailable(file);
  const text = input.text.trim() || null;
  try {
    writeTx(db, () => {
      db.prepare('UPDATE model_versions SET description = ? WHERE id = ?').run(text, input.versionId);
      appendAudit(db, { kind: 'model-version-described', actor: input.who?.actor ?? currentUser(), source: input.who?.source ?? 'sextant', subject: `model:${input.name}@${input.version}`, detail: { description: text } });
    });
    return ok({ description: text });
  } catch (err) {
    return fail(storeError(err, file, `describe ${input.name} version ${input.version}`));
  }
}

/** Sets tags (`value` null removes the tag). */
export function tagVersion(db: Database, file: string, input: { name: string; version: number; versionId: number; tags: Record<string, string | null>; who?: Partial<AliasActor> }): Result<{ tags: Record<string, string> }> {
  if (!hasAuditLog(db)) return unavailable(file);
  const bad = Object.keys(input.tags).find((k) => !TAG_KEY.test(k));
  if (bad !== undefined) return fail({ code: 'tag-invalid', message: `"${bad}" is not a tag name: start with a letter, then letters, digits, '_', '.' or '-' (at most 64).` });
  try {
    writeTx(db, () => {
      for (const [key, value] of Object.entries(input.tags)) {
        if (value === null) db.prepare('DELETE FROM model_version_tags WHERE model_version_id = ? AND key = ?').run(input.versionId, key);
        else db.prepare('INSERT INTO model_version_tags (model_version_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_version_id, key) DO UPDATE SET value = excluded.value').run(input.versionId, key, value);
      }
      appendAudit(db, { kind: 'model-version-tagged', actor: input.who?.actor ?? currentUser(), source: input.who?.source ?? 'sextant', subject: `model:${input.name}@${input.version}`, detail: { tags: input.tags } });
    });
    return ok({ tags: versionNotes(db, input.versionId).tags });
  } catch (err) {
    return fail(storeError(err, file, `tag ${input.name} version ${input.version}`));
  }
}
