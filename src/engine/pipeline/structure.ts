// Structural checks: zod validates the plain value, and each issue's path is walked back to the YAML
// node it is about, giving an exact range and a message that says what to write instead.
import { isMap, isSeq } from 'yaml';
import type { z } from 'zod';
import type { DiagnosticCode } from './diagnostics';
import { nearest } from './nearest';
import { nodeAt, span } from './nodes';
import { alternatives, describe, enumValues, kindOf, objectShape, schemaAt, typeName } from './schemaInfo';

/** A finding with offsets local to a segment. */
export interface LocalFinding {
  start: number;
  end: number;
  code: DiagnosticCode;
  message: string;
  severity?: 'error' | 'warning' | 'information' | 'hint';
  data?: Record<string, unknown>;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let cur = value;
  for (const step of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[step];
  }
  return cur;
}

function actualType(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the text "${v.length > 30 ? `${v.slice(0, 30)}…` : v}"`;
  if (typeof v === 'number') return `the number ${v}`;
  return String(v);
}

const pathText = (prefix: string, path: readonly PropertyKey[]): string =>
  [prefix, ...path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].filter(Boolean).join('.').replace(/\.\[/g, '[');

/**
 * Validates `value` (the plain form of `node`) with `schema` and reports every issue at its node.
 * `fallback` is the span used when an issue has no node (e.g. a key missing from the root).
 */
export function structuralFindings(schema: z.ZodType, value: unknown, node: unknown, fallback: [number, number], where: string): LocalFinding[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  const out: LocalFinding[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const at = nodeAt(node, path);
    const reached = at.depth === path.length;
    const nodeSpan = (reached ? span(at.node) : undefined) ?? span(at.keyNode) ?? span(at.node) ?? fallback;
    const keySpan = (reached ? span(at.keyNode) : undefined) ?? nodeSpan;
    const name = pathText(where, path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const target = reached ? at.node : undefined;
        const allowed = Object.keys(objectShape(schemaAt(schema, path) ?? schema) ?? {});
        for (const key of issue.keys) {
          const k = isMap(target) ? nodeAt(target, [key]) : undefined;
          const s = (k && span(k.keyNode)) ?? nodeSpan;
          const suggestion = nearest(key, allowed);
          out.push({
            start: s[0],
            end: s[1],
            code: 'unknown-key',
            message: `Unknown key "${key}" in ${pathText(where, path) || 'the pipeline'}.${suggestion ? ` Did you mean "${suggestion}"?` : ''} Allowed keys: ${allowed.join(', ')}.`,
            data: suggestion ? { replace: suggestion } : {},
          });
        }
        break;
      }
      case 'invalid_type': {
        const actual = valueAt(value, path);
        const expected = schemaAt(schema, path);
        if (actual === undefined && !reached) {
          const key = String(path[path.length - 1]);
          const parent = nodeAt(node, path.slice(0, -1));
          // at the key of the mapping that lacks it, or at the mapping itself when it has no key (a list item)
          const s = span(parent.keyNode) ?? (parent.depth === path.length - 1 ? span(parent.node) : undefined) ?? fallback;
          const d = expected ? describe(expected) : undefined;
          out.push({
            start: s[0],
            end: s[1],
            code: 'missing-key',
            message: `Add "${key}:" to ${pathText(where, path.slice(0, -1)) || 'the pipeline'}${expected ? ` (${typeName(expected)})` : ''}.${d ? ` ${d}` : ''}`,
            data: { key },
          });
        } else {
          out.push({
            start: nodeSpan[0],
            end: nodeSpan[1],
            code: 'wrong-type',
            message: `"${name}" must be ${expected ? typeName(expected) : issue.expected}, not ${actualType(actual)}.${expected && describe(expected) ? ` ${describe(expected)}` : ''}`,
          });
        }
        break;
      }
      case 'invalid_value': {
        const actual = valueAt(value, path);
        const values = issue.values.map(String);
        const suggestion = typeof actual === 'string' ? nearest(actual, values) : undefined;
        out.push({
          start: nodeSpan[0],
          end: nodeSpan[1],
          code: 'invalid-value',
          message: `"${name}" must be ${values.length === 1 ? values[0] : `one of ${values.join(', ')}`}, not ${actualType(actual)}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
          data: suggestion ? { replace: suggestion } : {},
        });
        break;
      }
      case 'invalid_key': {
        out.push({ start: keySpan[0], end: keySpan[1], code: 'invalid-name', message: `"${String(path[path.length - 1])}" is not a valid name: use letters, digits, "_" and "-", starting with a letter or "_".` });
        break;
      }
      case 'invalid_union': {
        const expected = schemaAt(schema, path);
        const actual = valueAt(value, path);
        // a mapping where the only mapping allowed is one object (e.g. a dep `{ path, external }`): say what is wrong inside it
        const isMapping = actual !== null && typeof actual === 'object' && !Array.isArray(actual);
        const objects = expected ? alternatives(expected).filter((a) => kindOf(a) === 'object') : [];
        const records = expected ? alternatives(expected).filter((a) => kindOf(a) === 'record') : [];
        // a mapping where a mapping of names is allowed (e.g. `params`): say which of its entries is wrong
        if (reached && isMapping && records.length === 1) {
          const inner = structuralFindings(records[0]!, actual, at.node, nodeSpan, name);
          if (inner.length > 0) {
            out.push(...inner);
            break;
          }
        }
        if (reached && objects.length === 1 && isMapping) {
          const shape = Object.keys(objectShape(objects[0]!) ?? {});
          const written = Object.keys(actual);
          // a mapping that does not even try to be that object (none of its keys): say it is the wrong kind
          if (written.length === 0 || written.some((k) => shape.includes(k))) {
            out.push(...structuralFindings(objects[0]!, actual, at.node, nodeSpan, name));
            break;
          }
          const others = alternatives(expected!).filter((a) => kindOf(a) !== 'object');
          out.push({
            start: nodeSpan[0],
            end: nodeSpan[1],
            code: 'wrong-type',
            message: `"${name}" is a mapping of ${written.map((k) => `"${k}"`).join(', ')}, but a mapping here takes only ${shape.join(' and ')}.${others.length ? ` Write ${others.map(typeName).join(', or ')}; or a mapping of ${shape.join(' and ')}.` : ''}${/^params\./.test(name) ? ' Nested params go in a params file (`params: params.yaml`), read as `${{ params.a.b }}`.' : ''}`,
          });
          break;
        }
        const allowed = expected ? enumValues(expected).filter((v) => typeof v === 'string') : [];
        const suggestion = typeof actual === 'string' && allowed.length ? nearest(actual, allowed as string[]) : undefined;
        out.push({
          start: nodeSpan[0],
          end: nodeSpan[1],
          code: 'wrong-type',
          message: `"${name}" must be ${expected ? typeName(expected) : 'another kind of value'}, not ${actualType(actual)}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}${expected && describe(expected) ? ` ${describe(expected)}` : ''}`,
          ...(suggestion ? { data: { replace: suggestion } } : {}),
        });
        break;
      }
      case 'invalid_format':
      case 'too_small':
      case 'too_big':
      case 'not_multiple_of':
      default: {
        const isSeqNode = isSeq(at.node);
        const actual = valueAt(value, path);
        let message = issue.message;
        if (issue.code === 'too_small' && issue.origin === 'number') message = `must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}`;
        else if (issue.code === 'too_big' && issue.origin === 'number') message = `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}`;
        else if (issue.code === 'invalid_format' && issue.format === 'regex' && /^Invalid string/.test(message)) message = `must match ${String((issue as { pattern?: string }).pattern)}`;
        out.push({
          start: nodeSpan[0],
          end: nodeSpan[1],
          code: 'invalid-value',
          message: `"${name}" ${/^(must|is|has)\b/.test(message) ? message : `is not valid: ${message}`}${isSeqNode || actual === undefined ? '' : ` (got ${actualType(actual)})`}.`.replace(/\.\.$/, '.').replace(/\.\s*\(got/, ' (got'),
        });
      }
    }
  }
  return out;
}

