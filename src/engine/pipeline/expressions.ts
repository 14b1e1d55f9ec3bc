// `${{ ... }}` expressions: finding them in text, parsing them (with offsets for exact diagnostics) and
// evaluating them. The language: contexts (`params.lr`, `env.HOME`, `datasets.train.path`, `run.id`),
// literals ('text', 12, 0.5, true, false, null), `!`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||`,
// parentheses, member access (`.name`, `['name']`) and a few functions (FUNCTIONS below).

export const CONTEXTS: Readonly<Record<string, string>> = {
  params: 'The pipeline params (`params:` inline or from the params file), e.g. `params.lr`.',
  env: 'Environment variables of the process that runs the pipeline, e.g. `env.HOME`.',
  datasets: 'The declared datasets: `datasets.<name>.path`, `datasets.<name>.label`.',
  run: 'The current run: `run.id` (also `SEXTANT_RUN_ID`), `run.dir` (its artifact folder).',
};

export const FUNCTIONS: Readonly<Record<string, { min: number; max: number; doc: string }>> = {
  lower: { min: 1, max: 1, doc: '`lower(text)`: the text in lower case.' },
  upper: { min: 1, max: 1, doc: '`upper(text)`: the text in upper case.' },
  join: { min: 1, max: 2, doc: "`join(list, sep)`: the items joined by `sep` (default ',')." },
  format: { min: 1, max: 20, doc: "`format('{0}-{1}', a, b)`: the text with `{N}` replaced by the arguments." },
  default: { min: 2, max: 2, doc: '`default(value, fallback)`: `value` unless it is empty or undefined.' },
  contains: { min: 2, max: 2, doc: '`contains(list or text, item)`: true when it contains the item.' },
  startsWith: { min: 2, max: 2, doc: '`startsWith(text, prefix)`.' },
  endsWith: { min: 2, max: 2, doc: '`endsWith(text, suffix)`.' },
  toJSON: { min: 1, max: 1, doc: '`toJSON(value)`: the value as JSON text.' },
  raw: { min: 1, max: 1, doc: "`raw(value)`: in `run:`, inserts the value as is instead of quoting it for the shell, e.g. `${{ raw(params.flags) }}` to pass several arguments. Use it as the whole expression; the shell then runs any `;`, `|`, `$` or quotes in the value." },
};

/** Offsets are relative to the start of the text given to `findExpressions`/`parseExpression`. */
export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null; start: number; end: number }
  | { kind: 'context'; name: string; start: number; end: number }
  | { kind: 'member'; object: Expr; property: string; propStart: number; start: number; end: number }
  | { kind: 'call'; name: string; nameEnd: number; args: Expr[]; start: number; end: number }
  | { kind: 'unary'; op: '!'; operand: Expr; start: number; end: number }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; start: number; end: number };

export interface ExprError {
  message: string;
  start: number;
  end: number;
}

export interface FoundExpression {
  /** Offset of `${{`. */
  start: number;
  /** Offset just after `}}` (or the end of the text when unterminated). */
  end: number;
  /** Offset of the first character inside the braces. */
  innerStart: number;
  inner: string;
  terminated: boolean;
}

/** Finds every `${{ ... }}` in a text. */
export function findExpressions(text: string): FoundExpression[] {
  const found: FoundExpression[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('${{', from);
    if (start < 0) return found;
    const innerStart = start + 3;
    const close = text.indexOf('}}', innerStart);
    if (close < 0) {
      const lineEnd = text.indexOf('\n', innerStart);
      const end = lineEnd < 0 ? text.length : lineEnd;
      found.push({ start, end, innerStart, inner: text.slice(innerStart, end), terminated: false });
      return found;
    }
    found.push({ start, end: close + 2, innerStart, inner: text.slice(innerStart, close), terminated: true });
    from = close + 2;
  }
}

type Token = { t: 'id' | 'num' | 'str' | 'op' | 'end'; v: string; start: number; end: number };

function tokenize(src: string, base: number): { tokens: Token[]; error?: ExprError } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_-]/.test(src[i]!)) i++;
      tokens.push({ t: 'id', v: src.slice(start, i), start: base + start, end: base + i });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      i++;
      while (i < src.length && /[0-9.eE]/.test(src[i]!)) i++;
      tokens.push({ t: 'num', v: src.slice(start, i), start: base + start, end: base + i });
    } else if (c === "'") {
      i++;
      let value = '';
      for (;;) {
        if (i >= src.length) return { tokens, error: { message: "Close the text with a single quote (').", start: base + start, end: base + i } };
        if (src[i] === "'" && src[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (src[i] === "'") {
          i++;
          break;
        } else value += src[i++];
      }
      tokens.push({ t: 'str', v: value, start: base + start, end: base + i });
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
        tokens.push({ t: 'op', v: two, start: base + i, end: base + i + 2 });
        i += 2;
      } else if ('!<>().,[]'.includes(c)) {
        tokens.push({ t: 'op', v: c, start: base + i, end: base + i + 1 });
        i++;
      } else {
        const hint = c === '"' ? ' Expressions quote text with single quotes.' : '';
        return { tokens, error: { message: `Unexpected character "${c}" in the expression.${hint}`, start: base + i, end: base + i + 1 } };
      }
    }
  }
  tokens.push({ t: 'end', v: '', start: base + src.length, end: base + src.length });
  return { tokens };
}

const BINARY_LEVELS: string[][] = [['||'], ['&&'], ['==', '!='], ['<', '<=', '>', '>=']];

/** Parses the inside of `${{ }}`; `base` is added to every offset. */
export function parseExpression(src: string, base = 0): { expr?: Expr; error?: ExprError } {
  const { tokens, error } = tokenize(src, base);
  if (error) return { error };
  if (tokens.length === 1) return { error: { message: 'Write an expression inside `${{ }}`, e.g. `${{ params.lr }}`.', start: base, end: base + src.length } };
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  class Fail extends Error {
    constructor(readonly e: ExprError) {
      super(e.message);
    }
  }
  const expect = (v: string, what: string): Token => {
    const t = peek();
    if (t.t !== 'op' || t.v !== v) throw new Fail({ message: `Expected ${what}${t.t === 'end' ? ' before the end' : ` instead of "${t.v}"`}.`, start: t.start, end: Math.max(t.end, t.start + 1) });
    return next();
  };

  const binary = (level: number): Expr => {
    if (level >= BINARY_LEVELS.length) return unary();
    let left = binary(level + 1);
    while (peek().t === 'op' && BINARY_LEVELS[level]!.includes(peek().v)) {
      const op = next().v;
      const right = binary(level + 1);
      left = { kind: 'binary', op, left, right, start: left.start, end: right.end };
    }
    return left;
  };
  const unary = (): Expr => {
    const t = peek();
    if (t.t === 'op' && t.v === '!') {
      next();
      const operand = unary();
      return { kind: 'unary', op: '!', operand, start: t.start, end: operand.end };
    }
    return postfix(primary());
  };
  const primary = (): Expr => {
    const t = next();
    switch (t.t) {
      case 'num': {
        const value = Number(t.v);
        if (Number.isNaN(value)) throw new Fail({ message: `"${t.v}" is not a number.`, start: t.start, end: t.end });
        return { kind: 'literal', value, start: t.start, end: t.end };
      }
      case 'str':
        return { kind: 'literal', value: t.v, start: t.start, end: t.end };
      case 'id': {
        if (t.v === 'true' || t.v === 'false') return { kind: 'literal', value: t.v === 'true', start: t.start, end: t.end };
        if (t.v === 'null') return { kind: 'literal', value: null, start: t.start, end: t.end };
        if (peek().t === 'op' && peek().v === '(') {
          next();
          const args: Expr[] = [];
          if (!(peek().t === 'op' && peek().v === ')')) {
            for (;;) {
              args.push(binary(0));
              if (peek().t === 'op' && peek().v === ',') {
                next();
                continue;
              }
              break;
            }
          }
          const close = expect(')', '")" to close the call');
          return { kind: 'call', name: t.v, nameEnd: t.end, args, start: t.start, end: close.end };
        }
        return { kind: 'context', name: t.v, start: t.start, end: t.end };
      }
      case 'op':
        if (t.v === '(') {
          const inner = binary(0);
          expect(')', '")"');
          return inner;
        }
        throw new Fail({ message: `Expected a value, a context such as \`params.x\`, or a function call instead of "${t.v}".`, start: t.start, end: t.end });
      default:
        throw new Fail({ message: 'The expression ends too early: write a value after the operator.', start: t.start, end: t.start });
    }
  };
  const postfix = (object: Expr): Expr => {
    for (;;) {
      const t = peek();
      if (t.t === 'op' && t.v === '.') {
        next();
        const prop = next();
        if (prop.t !== 'id') throw new Fail({ message: 'Write a name after ".", e.g. `params.lr`.', start: t.start, end: Math.max(prop.end, t.end) });
        object = { kind: 'member', object, property: prop.v, propStart: prop.start, start: object.start, end: prop.end };
      } else if (t.t === 'op' && t.v === '[') {
        next();
        const key = next();
        if (key.t !== 'str' && key.t !== 'num') throw new Fail({ message: "Write a quoted name or an index inside [ ], e.g. `params['lr']`.", start: key.start, end: key.end });
        const close = expect(']', '"]"');
        object = { kind: 'member', object, property: key.v, propStart: key.start, start: object.start, end: close.end };
      } else return object;
    }
  };

  try {
    const expr = binary(0);
    const rest = peek();
    if (rest.t !== 'end') return { error: { message: `Unexpected "${rest.v}": write one expression, joining parts with an operator (&&, ||, ==, …).`, start: rest.start, end: rest.end } };
    return { expr };
  } catch (err) {
    if (err instanceof Fail) return { error: err.e };
    throw err;
  }
}

/** A reference like `params.lr.x` as its chain of names, with the offset of each name. */
export interface ContextRef {
  context: string;
  contextStart: number;
  path: { name: string; start: number; end: number }[];
  start: number;
  end: number;
}

/** Every context reference and function call inside an expression. */
export function collectRefs(expr: Expr): { refs: ContextRef[]; calls: Extract<Expr, { kind: 'call' }>[] } {
  const refs: ContextRef[] = [];
  const calls: Extract<Expr, { kind: 'call' }>[] = [];
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case 'context':
        refs.push({ context: e.name, contextStart: e.start, path: [], start: e.start, end: e.end });
        return;
      case 'member': {
        const chain: { name: string; start: number; end: number }[] = [];
        let cur: Expr = e;
        while (cur.kind === 'member') {
          chain.unshift({ name: cur.property, start: cur.propStart, end: cur.end });
          cur = cur.object;
        }
        if (cur.kind === 'context') refs.push({ context: cur.name, contextStart: cur.start, path: chain, start: cur.start, end: e.end });
        else walk(cur);
        return;
      }
      case 'call':
        calls.push(e);
        e.args.forEach(walk);
        return;
      case 'unary':
        walk(e.operand);
        return;
      case 'binary':
        walk(e.left);
        walk(e.right);
        return;
      default:
        return;
    }
  };
  walk(expr);
  return { refs, calls };
}

export interface ExpressionScope {
  params?: unknown;
  env?: Record<string, string | undefined>;
  datasets?: Record<string, { path: string; label?: string }>;
  run?: { id?: string; dir?: string };
}

export class ExpressionError extends Error {}

function truthy(v: unknown): boolean {
  return !(v === undefined || v === null || v === false || v === 0 || v === '');
}

export function evaluate(expr: Expr, scope: ExpressionScope): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'context': {
      if (!(expr.name in CONTEXTS)) throw new ExpressionError(`Unknown context "${expr.name}".`);
      return (scope as Record<string, unknown>)[expr.name];
    }
    case 'member': {
      const object = evaluate(expr.object, scope);
      if (object === null || typeof object !== 'object') return undefined;
      return Object.prototype.hasOwnProperty.call(object, expr.property) ? (object as Record<string, unknown>)[expr.property] : undefined;
    }
    case 'unary':
      return !truthy(evaluate(expr.operand, scope));
    case 'binary': {
      if (expr.op === '&&') {
        const l = evaluate(expr.left, scope);
        return truthy(l) ? evaluate(expr.right, scope) : l;
      }
      if (expr.op === '||') {
        const l = evaluate(expr.left, scope);
        return truthy(l) ? l : evaluate(expr.right, scope);
      }
      const l = evaluate(expr.left, scope) as number | string;
      const r = evaluate(expr.right, scope) as number | string;
      switch (expr.op) {
        case '==':
          return l === r;
        case '!=':
          return l !== r;
        case '<':
          return l < r;
        case '<=':
          return l <= r;
        case '>':
          return l > r;
        default:
          return l >= r;
      }
    }
    case 'call': {
      const args = expr.args.map((a) => evaluate(a, scope));
      const s = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
      switch (expr.name) {
        case 'lower':
          return s(args[0]).toLowerCase();
        case 'upper':
          return s(args[0]).toUpperCase();
        case 'join':
          return Array.isArray(args[0]) ? args[0].map(s).join(args[1] === undefined ? ',' : s(args[1])) : s(args[0]);
        case 'format':
          return s(args[0]).replace(/\{(\d+)\}/g, (_, n: string) => s(args[Number(n) + 1]));
        case 'default':
          return truthy(args[0]) ? args[0] : args[1];
        case 'contains':
          return Array.isArray(args[0]) ? args[0].includes(args[1]) : s(args[0]).includes(s(args[1]));
        case 'startsWith':
          return s(args[0]).startsWith(s(args[1]));
        case 'endsWith':
          return s(args[0]).endsWith(s(args[1]));
        case 'toJSON':
          return JSON.stringify(args[0]);
        case 'raw':
          return args[0];
        default:
          throw new ExpressionError(`Unknown function "${expr.name}".`);
      }
    }
  }
}

/** A value as the text that replaces its expression: objects and lists as JSON. */
export const valueText = (v: unknown): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

/** How an expression's value becomes text in a string (the shell quoting of `run:`, ./shell.ts). */
export type InsertValue = (value: unknown, expr: Expr, found: FoundExpression, index: number, all: FoundExpression[]) => string;

/**
 * Resolves the expressions in a string: a string that is one whole expression becomes the expression's
 * value with its type (so `lr: ${{ params.lr }}` gives the number 0.01); otherwise each expression is
 * replaced by its text. With `insert`, always text, each value put in by `insert`. Throws
 * ExpressionError on a syntax error or an undefined value.
 */
export function resolveString(text: string, scope: ExpressionScope, insert?: InsertValue): unknown {
  const found = findExpressions(text);
  if (found.length === 0) return text;
  const value = (f: FoundExpression): { v: unknown; expr: Expr } => {
    if (!f.terminated) throw new ExpressionError(`Close the expression with "}}": ${text}`);
    const parsed = parseExpression(f.inner);
    if (!parsed.expr) throw new ExpressionError(`${parsed.error?.message ?? 'Bad expression'} in "${text}"`);
    const v = evaluate(parsed.expr, scope);
    if (v === undefined) throw new ExpressionError(`"${f.inner.trim()}" is not defined (in "${text}").`);
    return { v, expr: parsed.expr };
  };
  const only = found[0]!;
  if (!insert && found.length === 1 && text.slice(0, only.start).trim() === '' && text.slice(only.end).trim() === '') return value(only).v;
  let out = '';
  let at = 0;
  found.forEach((f, index) => {
    out += text.slice(at, f.start);
    const { v, expr } = value(f);
    out += insert ? insert(v, expr, f, index, found) : valueText(v);
    at = f.end;
  });
  return out + text.slice(at);
}

/** Resolves expressions in every string of a value (objects and arrays walked). */
export function resolveValue(value: unknown, scope: ExpressionScope): unknown {
  if (typeof value === 'string') return resolveString(value, scope);
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, scope));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, scope)]));
  return value;
}
