// Params and tags written with their keys exactly as MLflow wrote them: MLflow allows a trailing
// space ("Avg Losing Trade "), and the tracking API's key check (which trims and NFC-normalizes what a
// script logs) would merge two keys that differ only there. Only what MLflow itself refuses or the
// store cannot hold is rejected: an empty key, control characters, more than 250 characters.
import type { Database } from '../store/open';
import { checkValue } from '../tracking/validate';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_KEY_LENGTH = 250;

/** undefined when MLflow's key can be stored as it is, else why not. */
export function exactKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'a key cannot be empty';
  if (key.length > MAX_KEY_LENGTH) return `the key is ${key.length} characters long; the limit is ${MAX_KEY_LENGTH}`;
  if (CONTROL.test(key)) return 'a key cannot contain control characters (newlines, tabs, NUL)';
  return undefined;
}

/** Upserts params or tags with exact keys; returns what was refused and why. */
export function upsertExact(db: Database, table: 'params' | 'tags', runId: number, values: Record<string, string>): { key: string; reason: string }[] {
  const refused: { key: string; reason: string }[] = [];
  const stmt = db.prepare(`INSERT INTO ${table} (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`);
  for (const [key, raw] of Object.entries(values)) {
    const bad = exactKeyProblem(key);
    if (bad) {
      refused.push({ key, reason: bad });
      continue;
    }
    const value = checkValue(raw, table === 'params' ? 'param' : 'tag');
    if (!value.ok) {
      refused.push({ key, reason: value.reason });
      continue;
    }
    stmt.run(runId, key, value.value);
  }
  return refused;
}
