// The predict request, validated against the served model's signature with a zod schema built from it:
//   {"inputs": [{"feature": value, …}, …]}   rows as objects by feature name (models that name features)
//   {"instances": [[value, …], …]}          rows as arrays, in the model's feature order
// Numbers for float features (null: missing, fed as NaN, which Sextant's models impute), integers for int
// features, booleans, strings. A problem is answered with the first issue's place and cause
// (`inputs[2].bill_depth_mm: expected a number (float32) or null, got the string "abc"`) and up to 10 more.
import { z } from 'zod';
import type { ServedDtype, ServingSpec } from './spec';

/** Rows in one request at most. */
const MAX_BATCH_ROWS = 10_000;

export type Value = number | string | boolean | null;

/** One validated request: its rows, each the values in feature order. */
export interface PredictRows {
  rows: Value[][];
}

export interface RequestIssue {
  path: string;
  message: string;
}

const INT32 = 2 ** 31;

function valueSchema(dtype: ServedDtype): z.ZodType<Value> {
  switch (dtype) {
    case 'float32':
    case 'float64':
      return z.number().nullable();
    case 'int32':
      return z.number().int().min(-INT32).max(INT32 - 1);
    case 'int64':
      return z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
    case 'bool':
      return z.boolean();
    case 'string':
      return z.string();
  }
}

const expected = (dtype: ServedDtype): string =>
  dtype === 'float32' || dtype === 'float64' ? `a number (${dtype}) or null` : dtype === 'bool' ? 'true or false (bool)' : dtype === 'string' ? 'a string' : `an integer (${dtype})`;

const got = (v: unknown): string =>
  v === undefined ? 'nothing' : v === null ? 'null' : typeof v === 'string' ? `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}` : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;

/** The zod schemas of a model's requests, built once per served model. */
export function requestSchemas(spec: ServingSpec): { inputs: z.ZodType<Record<string, Value>[]>; instances: z.ZodType<Value[][]> } {
  const shape = Object.fromEntries(spec.features.map((f) => [f.name, valueSchema(f.dtype)]));
  const row = z.object(shape).strict() as unknown as z.ZodType<Record<string, Value>>;
  const tuple = z.tuple(spec.features.map((f) => valueSchema(f.dtype)) as [z.ZodType<Value>, ...z.ZodType<Value>[]]) as unknown as z.ZodType<Value[]>;
  return {
    inputs: z.array(row).min(1).max(MAX_BATCH_ROWS),
    instances: z.array(tuple).min(1).max(MAX_BATCH_ROWS),
  };
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : /^[A-Za-z_][A-Za-z0-9_]*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`)).join('');
}

function at(body: unknown, path: readonly PropertyKey[]): unknown {
  let v = body;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** Turns zod's issues into sentences that name the row, the feature, what the model takes and what came. */
function explain(spec: ServingSpec, key: 'inputs' | 'instances', body: unknown, issues: z.core.$ZodIssue[]): RequestIssue[] {
  const names = spec.features.map((f) => f.name);
  const list = names.length <= 12 ? names.join(', ') : `${names.slice(0, 12).join(', ')}, …`;
  return issues.map((issue) => {
    const path = [key, ...issue.path];
    const value = at(body, path);
    const where = pathText(path);
    if (issue.path.length === 0) {
      if (issue.code === 'too_small') return { path: where, message: `${where}: no rows (send at least one).` };
      if (issue.code === 'too_big') return { path: where, message: `${where}: ${(value as unknown[]).length} rows; a request takes at most ${MAX_BATCH_ROWS}.` };
      return { path: where, message: `${where}: expected an array of rows, got ${got(value)}.` };
    }
    if (issue.path.length === 1) {
      if (issue.code === 'unrecognized_keys') {
        const unknown = issue.keys.map((k) => `"${k}"`).join(', ');
        return { path: where, message: `${where}: unknown feature${issue.keys.length > 1 ? 's' : ''} ${unknown}; the model takes ${list}.` };
      }
      if (Array.isArray(value) && (issue.code === 'too_small' || issue.code === 'too_big')) {
        return { path: where, message: `${where}: ${value.length} value${value.length === 1 ? '' : 's'}, the model takes ${names.length} (${list}, in this order).` };
      }
      return { path: where, message: `${where}: expected ${key === 'inputs' ? 'an object of feature values' : `an array of ${names.length} values`}, got ${got(value)}.` };
    }
    const feature = key === 'inputs' ? spec.features.find((f) => f.name === issue.path[1]) : spec.features[Number(issue.path[1])];
    if (!feature) return { path: where, message: `${where}: ${issue.message}` };
    const label = key === 'instances' ? `${where} (${feature.name})` : where;
    if (value === undefined) return { path: where, message: `${label}: missing; expected ${expected(feature.dtype)}.` };
    const range = issue.code === 'too_big' || issue.code === 'too_small' ? ` within the ${feature.dtype} range` : '';
    return { path: where, message: `${label}: expected ${expected(feature.dtype)}${range}, got ${got(value)}.` };
  });
}

/** The rows of a request body, or the problems with it (the first ones, in order). */
export function parsePredictRequest(spec: ServingSpec, schemas: ReturnType<typeof requestSchemas>, body: unknown): { ok: true; value: PredictRows } | { ok: false; issues: RequestIssue[] } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, issues: [{ path: '', message: `The body must be a JSON object with "inputs" (rows as objects by feature name) or "instances" (rows as arrays), got ${got(body)}.` }] };
  }
  const keys = Object.keys(body);
  const extra = keys.filter((k) => k !== 'inputs' && k !== 'instances');
  if (extra.length > 0 || keys.length !== 1) {
    const why = keys.length > 1 && extra.length === 0 ? 'both "inputs" and "instances"' : extra.length > 0 ? `unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')}` : 'no "inputs" nor "instances"';
    return { ok: false, issues: [{ path: '', message: `The body has ${why}: send either "inputs" (rows as objects by feature name) or "instances" (rows as arrays in feature order).` }] };
  }
  const key = keys[0] as 'inputs' | 'instances';
  if (key === 'inputs' && !spec.named) {
    return { ok: false, issues: [{ path: 'inputs', message: `This model does not name its features (its input is ${spec.input} [N, ${spec.features.length}]): send "instances", rows as arrays of ${spec.features.length} values.` }] };
  }
  const raw = (body as Record<string, unknown>)[key];
  if (key === 'inputs') {
    const parsed = schemas.inputs.safeParse(raw);
    if (!parsed.success) return { ok: false, issues: explain(spec, key, body, parsed.error.issues).slice(0, 11) };
    return { ok: true, value: { rows: parsed.data.map((r) => spec.features.map((f) => r[f.name]!)) } };
  }
  const parsed = schemas.instances.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: explain(spec, key, body, parsed.error.issues).slice(0, 11) };
  return { ok: true, value: { rows: parsed.data } };
}
