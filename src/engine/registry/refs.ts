// Naming a model version the way users do: `churn` (the latest version), `churn@3` (version 3) or
// `churn@production` (where that alias points now).
import { fail, ok, type Result } from '../result';
import type { Database } from '../store/open';

export interface VersionRef {
  name: string;
  /** A version number, an alias, or undefined for the latest version. */
  which?: number | string;
}

export function parseModelRef(text: string): Result<VersionRef> {
  const at = text.lastIndexOf('@');
  const name = at < 0 ? text : text.slice(0, at);
  const which = at < 0 ? undefined : text.slice(at + 1);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) return fail({ code: 'model-ref-invalid', message: `"${text}" does not name a model: write NAME, NAME@VERSION or NAME@ALIAS.` });
  if (which === undefined) return ok({ name });
  if (/^\d+$/.test(which)) return ok({ name, which: Number(which) });
  if (/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(which)) return ok({ name, which });
  return fail({ code: 'model-ref-invalid', message: `"${text}": after "@" comes a version number or an alias name.` });
}

/** The version a reference names now, with the row id; an error naming what is missing. */
export function resolveModelRef(db: Database, ref: VersionRef): Result<{ name: string; version: number; id: number }> {
  const model = db.prepare('SELECT id FROM models WHERE name = ?').pluck().get(ref.name) as number | undefined;
  if (model === undefined) return fail({ code: 'model-unknown', message: `No model named "${ref.name}" is registered.`, fix: 'See `sextant models list`.' });
  const row = (
    ref.which === undefined
      ? db.prepare('SELECT id, version FROM model_versions WHERE model_id = ? ORDER BY version DESC LIMIT 1').get(model)
      : typeof ref.which === 'number'
        ? db.prepare('SELECT id, version FROM model_versions WHERE model_id = ? AND version = ?').get(model, ref.which)
        : db.prepare('SELECT v.id, v.version FROM model_aliases a JOIN model_versions v ON v.id = a.model_version_id WHERE a.model_id = ? AND a.alias = ?').get(model, ref.which)
  ) as { id: number; version: number } | undefined;
  if (!row) {
    const what = ref.which === undefined ? 'no version' : typeof ref.which === 'number' ? `no version ${ref.which}` : `no alias "${ref.which}"`;
    return fail({ code: typeof ref.which === 'string' ? 'model-alias-unknown' : 'model-version-unknown', message: `Model "${ref.name}" has ${what}.`, fix: `See \`sextant models show ${ref.name}\`.` });
  }
  return ok({ name: ref.name, version: row.version, id: row.id });
}
