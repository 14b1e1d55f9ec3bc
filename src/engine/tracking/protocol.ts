// The stdout line protocol: a script in any language logs by printing lines that start with
// `::sextant` (documented in docs/tracking.md). Every other line is ordinary output.
//
//   ::sextant metric loss=0.25 acc=0.91 step=10     (step= and timestamp= are optional and apply to the line)
//   ::sextant param lr=0.01 optimizer=adam "run note"="two words"
//   ::sextant tag stage=train
//   ::sextant artifact models/model.onnx            (a path, relative to the run's folder)
//
// Keys and values may be double-quoted (JSON string escapes). Metric values are numbers, or NaN,
// inf, +inf, -inf (any case). A malformed line is reported with the reason and skipped; it never
// stops the run.
import { z } from 'zod';
import { fail, ok, type Result } from '../result';
import { MetricValueSchema, type Rejection } from './schemas';
import { checkKey } from './validate';

const PROTOCOL_PREFIX = '::sextant';

export const ProtocolEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('metric'), values: z.record(z.string(), MetricValueSchema), step: z.number().int().optional(), timestamp: z.number().int().nonnegative().optional() }),
  z.object({ kind: z.literal('param'), values: z.record(z.string(), z.string()) }),
  z.object({ kind: z.literal('tag'), values: z.record(z.string(), z.string()) }),
  z.object({ kind: z.literal('artifact'), path: z.string().min(1) }),
]);
type ProtocolEvent = z.infer<typeof ProtocolEventSchema>;

/** Numbers as scripts print them, including Python's `nan`/`inf` and JavaScript's `NaN`/`Infinity`. */
export function parseMetricNumber(text: string): number | undefined {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  return Number(t);
}

/** Splits `a=1 "b c"="x y"` into pairs; quoted parts use JSON string syntax. */
function tokenizePairs(text: string): { pairs: [string, string][] } | { error: string } {
  const pairs: [string, string][] = [];
  let i = 0;
  const readPart = (): string | { error: string } => {
    if (text[i] === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return { error: `unterminated quote at column ${i + 1}` };
      try {
        const s = JSON.parse(text.slice(i, j + 1)) as string;
        i = j + 1;
        return s;
      } catch {
        return { error: `bad escape in the quoted text at column ${i + 1}` };
      }
    }
    const start = i;
    while (i < text.length && text[i] !== '=' && !/\s/.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const key = readPart();
    if (typeof key !== 'string') return key;
    if (text[i] !== '=') return { error: `expected key=value, found "${key}" without "="` };
    i++;
    const value = readPart();
    if (typeof value !== 'string') return value;
    if (i < text.length && !/\s/.test(text[i]!)) return { error: `unexpected "${text[i]}" after the value of "${key}" (quote values with spaces)` };
    pairs.push([key, value]);
  }
  return { pairs };
}

/**
 * Parses one line of output. Returns undefined for ordinary output, an event for a protocol line,
 * or an error saying what is wrong with a protocol line. Keys that cannot be stored are rejected
 * one by one (the rest of the line still counts).
 */
export function parseProtocolLine(line: string): Result<{ event: ProtocolEvent; rejected: Rejection[] }> | undefined {
  const trimmed = line.replace(/\r?\n?$/, '').trimStart();
  if (!trimmed.startsWith(PROTOCOL_PREFIX)) return undefined;
  const rest = trimmed.slice(PROTOCOL_PREFIX.length);
  if (rest.length > 0 && !/^\s/.test(rest)) return undefined; // e.g. "::sextantfoo": not ours
  const body = rest.trim();
  const space = body.search(/\s/);
  const verb = space < 0 ? body : body.slice(0, space);
  const args = space < 0 ? '' : body.slice(space + 1).trim();
  const bad = (message: string): Result<never> => fail({ code: 'protocol-malformed', message: `${message}: ${truncate(trimmed)}`, fix: 'See docs/tracking.md for the line format, e.g. `::sextant metric loss=0.25 step=10`.' });
  if (verb === 'artifact') {
    if (!args) return bad('an artifact line needs a path');
    const path = args.startsWith('"') ? safeJson(args) : args;
    if (typeof path !== 'string' || !path) return bad('the artifact path is not valid quoted text');
    return ok({ event: { kind: 'artifact', path }, rejected: [] });
  }
  if (verb !== 'metric' && verb !== 'param' && verb !== 'tag') return bad(`unknown kind "${verb}" (expected metric, param, tag or artifact)`);
  const tokens = tokenizePairs(args);
  if ('error' in tokens) return bad(tokens.error);
  if (tokens.pairs.length === 0) return bad(`a ${verb} line needs at least one key=value`);
  const rejected: Rejection[] = [];
  if (verb === 'metric') {
    const values: Record<string, number> = {};
    let step: number | undefined;
    let timestamp: number | undefined;
    for (const [rawKey, rawValue] of tokens.pairs) {
      if (rawKey === 'step' || rawKey === 'timestamp') {
        const n = /^[+-]?\d+$/.test(rawValue) ? Number(rawValue) : NaN;
        if (!Number.isSafeInteger(n) || (rawKey === 'timestamp' && n < 0)) return bad(`${rawKey} must be a whole number, not "${rawValue}"`);
        if (rawKey === 'step') step = n;
        else timestamp = n;
        continue;
      }
      const key = checkKey(rawKey);
      if (!key.ok) {
        rejected.push({ key: rawKey, reason: key.reason });
        continue;
      }
      const value = parseMetricNumber(rawValue);
      if (value === undefined) {
        rejected.push({ key: key.key, reason: `"${truncate(rawValue, 40)}" is not a number (use digits, NaN, inf or -inf)` });
        continue;
      }
      values[key.key] = value;
    }
    if (Object.keys(values).length === 0 && rejected.length === 0) return bad('a metric line needs at least one metric besides step/timestamp');
    return ok({ event: { kind: 'metric', values, ...(step !== undefined ? { step } : {}), ...(timestamp !== undefined ? { timestamp } : {}) }, rejected });
  }
  const values: Record<string, string> = {};
  for (const [rawKey, rawValue] of tokens.pairs) {
    const key = checkKey(rawKey);
    if (!key.ok) rejected.push({ key: rawKey, reason: key.reason });
    else values[key.key] = rawValue;
  }
  return ok({ event: { kind: verb, values }, rejected });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function truncate(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

