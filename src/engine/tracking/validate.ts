// What the store accepts as a key, a parameter or tag value, and a metric value. Unicode keys are
// fine; control characters and empty keys are not. Param and tag values are text up to 64 KiB:
// bigger things (a whole config, a dataset) belong in an artifact, and the message says so.
import { formatBytes } from '../format';

const MAX_KEY_LENGTH = 250;
const MAX_VALUE_BYTES = 64 * 1024;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Returns the normalized key, or a reason it cannot be stored. */
export function checkKey(key: unknown): { ok: true; key: string } | { ok: false; reason: string } {
  if (typeof key !== 'string') return { ok: false, reason: `a key must be text, not ${typeof key}` };
  const normalized = key.normalize('NFC').trim();
  if (normalized.length === 0) return { ok: false, reason: 'a key cannot be empty' };
  if (normalized.length > MAX_KEY_LENGTH) return { ok: false, reason: `the key is ${normalized.length} characters long; the limit is ${MAX_KEY_LENGTH}` };
  if (CONTROL.test(normalized)) return { ok: false, reason: 'a key cannot contain control characters (newlines, tabs, NUL)' };
  return { ok: true, key: normalized };
}

/** Turns a param or tag value into the text stored, or says why it is refused. */
export function checkValue(value: unknown, what: 'param' | 'tag'): { ok: true; value: string } | { ok: false; reason: string } {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else if (value === null || value === undefined) text = '';
  else {
    try {
      text = JSON.stringify(value);
    } catch (err) {
      return { ok: false, reason: `the value cannot be written as text (${(err as Error).message})` };
    }
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_VALUE_BYTES) {
    return {
      ok: false,
      reason: `the ${what} value is ${formatBytes(bytes)}; ${what}s are limited to ${formatBytes(MAX_VALUE_BYTES)}. Log it as an artifact instead (log_artifact / logArtifact).`,
    };
  }
  return { ok: true, value: text };
}

export function checkStep(step: unknown): boolean {
  return Number.isSafeInteger(step);
}
