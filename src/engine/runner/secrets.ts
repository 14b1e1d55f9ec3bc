// Secrets the runner must not keep: the values of the `env.*` a stage reads through `${{ }}` (in `run`,
// `env`, `with`), the values its `env:` block builds from them or from secret params, and the params
// declared `{ value, secret: true }`. Everything the runner records or prints about a stage (the store's
// params, the `$ command` line, the log, events, the stage's own output) goes through a SecretMasker,
// which writes *** in place of each value. Values shorter than MIN_SECRET_LENGTH are not masked: masking
// "1" or "on" would hide ordinary output without protecting anything.
import type { ParamValues } from '../pipeline/params';
import type { Stage } from '../pipeline/schema';
import { collectRefs, findExpressions, parseExpression, valueText } from '../pipeline/expressions';
import { singleQuote } from '../pipeline/shell';

export const MASK = '***';
export const MIN_SECRET_LENGTH = 3;

export class SecretMasker {
  /** What to replace, longest first (so a value is masked before a shorter one inside it). */
  private readonly needles: string[];
  constructor(values: Iterable<string>) {
    const needles = new Set<string>();
    for (const value of values) {
      // Lines are masked one by one (output arrives a line at a time), and so is the quoted form the
      // shell quoting gives a value in `run:`.
      if (value.length < MIN_SECRET_LENGTH) continue;
      for (const text of [value, singleQuote(value), ...value.split(/\r?\n/)]) if (text.length >= MIN_SECRET_LENGTH) needles.add(text);
    }
    this.needles = [...needles].sort((a, b) => b.length - a.length);
  }

  mask(text: string): string {
    let out = text;
    for (const n of this.needles) if (out.includes(n)) out = out.split(n).join(MASK);
    return out;
  }

  /** Masks every string in a value (objects and lists walked); numbers and booleans that are secrets become ***. */
  maskValue(value: unknown): unknown {
    if (typeof value === 'string') return this.mask(value);
    if (typeof value === 'number' || typeof value === 'boolean') return this.mask(String(value)) === String(value) ? value : MASK;
    if (Array.isArray(value)) return value.map((v) => this.maskValue(v));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.maskValue(v)]));
    return value;
  }
}

/** The references of the `${{ }}` expressions in every string of a value. */
function refsIn(value: unknown): { context: string; path: string[] }[] {
  if (typeof value === 'string') {
    return findExpressions(value).flatMap((f) => {
      const parsed = parseExpression(f.inner);
      return parsed.expr ? collectRefs(parsed.expr).refs.map((r) => ({ context: r.context, path: r.path.map((p) => p.name) })) : [];
    });
  }
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(refsIn);
  return [];
}

/** A param's value as the texts it can appear as (a list: each item and its JSON). */
function texts(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [valueText(value), ...value.flatMap(texts)] : [valueText(value)];
}

/**
 * The values to mask for one stage. `env` is what `${{ env.X }}` reads; `resolvedEnv` the stage's `env:`
 * block once resolved.
 */
export function stageSecrets(stage: Stage, params: ParamValues, env: Record<string, string | undefined>, resolvedEnv: Record<string, string>): string[] {
  const secrets: string[] = [];
  for (const name of params.secret) secrets.push(...texts(params.values[name]));
  const isSecretRef = (r: { context: string; path: string[] }): boolean => r.context === 'env' || (r.context === 'params' && (r.path[0] === undefined || params.secret.has(r.path[0])));
  for (const r of refsIn([stage.run, stage.env, stage.with])) {
    if (r.context !== 'env') continue;
    // `${{ env }}` or `${{ toJSON(env) }}` exposes every variable.
    if (r.path[0] === undefined) secrets.push(...Object.values(env).filter((v): v is string => v !== undefined));
    else if (env[r.path[0]] !== undefined) secrets.push(env[r.path[0]]!);
  }
  for (const [name, template] of Object.entries(stage.env ?? {})) {
    if (refsIn(template).some(isSecretRef) && resolvedEnv[name] !== undefined) secrets.push(resolvedEnv[name]!);
  }
  return secrets;
}

/** The top-level params a value's expressions read (`params.lr` → lr), once each. */
export function referencedParams(value: unknown): string[] {
  return [...new Set(refsIn(value).flatMap((r) => (r.context === 'params' && r.path[0] !== undefined ? [r.path[0]] : [])))];
}

/** The named params' values as the store keeps them: a secret one as ***. */
export function recordedParams(params: ParamValues, names: Iterable<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) if (name in params.values) out[name] = params.secret.has(name) ? MASK : params.values[name];
  return out;
}
