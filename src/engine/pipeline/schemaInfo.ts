// Reading the zod schemas as documentation: the sub-schema at a path, its description, its keys, its
// allowed values and a short name of its type. Completion, hover and diagnostic messages use this, so
// they say what the schema says.
import { z } from 'zod';

type Any = z.ZodType;

function def(s: Any): { type: string } & Record<string, unknown> {
  return (s as unknown as { _zod: { def: { type: string } & Record<string, unknown> } })._zod.def;
}

export function kindOf(s: Any): string {
  return def(s).type;
}

/** Removes optional/nullable/default wrappers. */
export function unwrap(s: Any): Any {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const t = kindOf(cur);
    if (t === 'optional' || t === 'nullable' || t === 'default' || t === 'prefault' || t === 'readonly' || t === 'nonoptional') cur = def(cur).innerType as Any;
    else return cur;
  }
  return cur;
}

export function describe(s: Any | undefined): string | undefined {
  let cur = s;
  for (let i = 0; cur && i < 10; i++) {
    if (cur.description) return cur.description;
    const t = kindOf(cur);
    if (t === 'optional' || t === 'nullable' || t === 'default' || t === 'prefault' || t === 'readonly') cur = def(cur).innerType as Any;
    else return undefined;
  }
  return undefined;
}

export function isOptional(s: Any): boolean {
  const t = kindOf(s);
  return t === 'optional' || t === 'default' || t === 'prefault';
}

/** Members of a union (after unwrapping), or the schema itself. */
export function alternatives(s: Any): Any[] {
  const u = unwrap(s);
  if (kindOf(u) === 'union') return (def(u).options as Any[]).flatMap(alternatives);
  return [u];
}

/** The object shape of a schema (or of the object member of a union). */
export function objectShape(s: Any): Record<string, Any> | undefined {
  for (const a of alternatives(s)) if (kindOf(a) === 'object') return (a as z.ZodObject).shape as Record<string, Any>;
  return undefined;
}

/** Value schema of a record (or of the record member of a union). */
export function recordValue(s: Any): Any | undefined {
  for (const a of alternatives(s)) if (kindOf(a) === 'record') return def(a).valueType as Any;
  return undefined;
}

export function arrayElement(s: Any): Any | undefined {
  for (const a of alternatives(s)) if (kindOf(a) === 'array') return def(a).element as Any;
  return undefined;
}

/** The sub-schema at a path of keys (object fields, record values, array items by number). */
export function schemaAt(root: Any, path: readonly (string | number)[]): Any | undefined {
  let cur: Any | undefined = root;
  for (const key of path) {
    if (!cur) return undefined;
    if (typeof key === 'number') {
      cur = arrayElement(cur);
      if (!cur) {
        const tuple = alternatives(cur ?? root).find((a) => kindOf(a) === 'tuple');
        cur = tuple ? ((def(tuple).items as Any[])[key] ?? undefined) : undefined;
      }
      continue;
    }
    const shape = objectShape(cur);
    if (shape && key in shape) {
      cur = shape[key];
      continue;
    }
    cur = recordValue(cur);
  }
  return cur;
}

/** Allowed literal values (enums, literals, booleans) of a schema. */
export function enumValues(s: Any): (string | number | boolean)[] {
  const out: (string | number | boolean)[] = [];
  for (const a of alternatives(s)) {
    const t = kindOf(a);
    if (t === 'enum') out.push(...(Object.values(def(a).entries as Record<string, string | number>) as (string | number)[]));
    else if (t === 'literal') out.push(...((def(a).values as unknown[]).filter((v) => ['string', 'number', 'boolean'].includes(typeof v)) as (string | number | boolean)[]));
    else if (t === 'boolean') out.push(true, false);
  }
  return [...new Set(out)];
}

/** A short human name of the type: "a number", "a list of text", "one of a, b". */
export function typeName(s: Any): string {
  const names = alternatives(s).map((a) => {
    const t = kindOf(a);
    switch (t) {
      case 'string':
        return 'text';
      case 'number':
        return (def(a).checks as unknown[] | undefined)?.some((c) => (c as { _zod?: { def?: { check?: string; format?: string } } })._zod?.def?.format === 'safeint') ? 'a whole number' : 'a number';
      case 'int':
        return 'a whole number';
      case 'boolean':
        return 'true or false';
      case 'literal':
        return (def(a).values as unknown[]).map((v) => JSON.stringify(v)).join(' or ');
      case 'enum':
        return `one of ${enumValues(a).join(', ')}`;
      case 'array': {
        const el = arrayElement(a);
        const plural: Record<string, string> = { text: 'text', 'a number': 'numbers', 'a whole number': 'whole numbers', 'true or false': 'true/false' };
        const parts = el ? typeName(el).split(', or ').map((p) => plural[p] ?? p.replace(/^an? /, '')) : ['values'];
        return `a list of ${parts.length > 1 ? `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}` : parts[0]}`;
      }
      case 'tuple':
        return `a list of ${(def(a).items as Any[]).length} values`;
      case 'object':
        return 'a mapping';
      case 'record': {
        const v = recordValue(a);
        const inner = v ? typeName(v) : 'values';
        return `a mapping of names to ${inner === 'a mapping' ? 'mappings' : inner.startsWith('a list') ? 'lists' : inner === 'text' ? 'text' : 'values'}`;
      }
      default:
        return t;
    }
  });
  return [...new Set(names)].join(', or ');
}

/** Lines of documentation for hover: the description, the type, the allowed values. */
export function docOf(s: Any): string {
  const parts: string[] = [];
  const d = describe(s);
  if (d) parts.push(d);
  parts.push(`Type: ${typeName(s)}${isOptional(s) ? ' (optional)' : ' (required)'}.`);
  return parts.join('\n\n');
}
