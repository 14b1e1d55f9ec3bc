// The params a pipeline defines: inline under `params:`, or in the YAML file `params:` names. A param is
// a value, or `{ value: …, secret: true }` for one the runner masks as *** in what it records and prints.
import { isAbsolute, join } from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { Entry } from './document';
import type { Finding } from './diagnostics';
import type { PipelineHost } from './host';
import { keyOf, pairs, span } from './nodes';

export interface ParamDef {
  name: string;
  value: unknown;
  /** Declared `{ value, secret: true }`. */
  secret?: boolean;
  /** Document offsets of the key, for inline params. */
  start?: number;
  end?: number;
  /** For params from a file: its absolute path and the key's 0-based line/character there. */
  file?: string;
  line?: number;
  character?: number;
}

export interface ParamTable {
  params: Map<string, ParamDef>;
  /** Whether names are known (false when the params file could not be read: nothing is reported). */
  known: boolean;
  inline: boolean;
  file?: string;
  /** Offsets of the `params:` value (for the "add param" quick fix). */
  entry?: Entry;
  findings: Finding[];
}

/** A param written `{ value: …, secret: true|false }` (exactly these two keys; any other mapping is a value). */
function isDeclared(v: unknown): v is { value: unknown; secret: boolean } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 2 && keys.includes('value') && typeof (v as { secret?: unknown }).secret === 'boolean';
}

/** The params' values (declared ones unwrapped) and the names of those marked secret. */
export interface ParamValues {
  values: Record<string, unknown>;
  secret: ReadonlySet<string>;
}

/** Reads a params mapping (inline or a params file's). */
export function paramValues(raw: Record<string, unknown>): ParamValues {
  const values: Record<string, unknown> = {};
  const secret = new Set<string>();
  for (const [name, v] of Object.entries(raw)) {
    values[name] = isDeclared(v) ? v.value : v;
    if (isDeclared(v) && v.secret) secret.add(name);
  }
  return { values, secret };
}

export function paramTable(entry: Entry | undefined, host: PipelineHost): ParamTable {
  const table: ParamTable = { params: new Map(), known: true, inline: true, findings: [] };
  if (!entry) return table;
  table.entry = entry;
  const base = entry.seg.base;
  if (isMap(entry.value)) {
    const { values, secret } = paramValues((entry.js ?? {}) as Record<string, unknown>);
    for (const p of pairs(entry.value)) {
      const name = keyOf(p);
      const s = span(p.key);
      if (name === undefined || !s) continue;
      table.params.set(name, { name, value: values[name], start: base + s[0], end: base + s[1], ...(secret.has(name) ? { secret: true } : {}) });
    }
    return table;
  }
  if (typeof entry.js !== 'string') return table;
  table.inline = false;
  const s = span(entry.value) ?? [0, 0];
  if (!host.dir) {
    table.known = false;
    return table;
  }
  const file = isAbsolute(entry.js) ? entry.js : join(host.dir, entry.js);
  table.file = file;
  const text = host.readText(file);
  if (text === undefined) {
    table.known = false;
    table.findings.push({ start: base + s[0], end: base + s[1], code: 'params-file', message: `The params file "${entry.js}" does not exist. Create it (a YAML mapping such as \`lr: 0.01\`), or write the params inline under \`params:\`.` });
    return table;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  let values: unknown;
  try {
    values = doc.toJS({ maxAliasCount: 100 });
  } catch {
    values = undefined;
  }
  if (doc.errors.length > 0 || !isMap(doc.contents) || values === null || typeof values !== 'object') {
    table.known = false;
    table.findings.push({ start: base + s[0], end: base + s[1], code: 'params-file', message: `The params file "${entry.js}" is not a YAML mapping of names to values${doc.errors[0] ? ` (${doc.errors[0].message.split('\n')[0]})` : ''}. Write it as \`name: value\` lines.` });
    return table;
  }
  const declared = paramValues(values as Record<string, unknown>);
  for (const p of pairs(doc.contents)) {
    const name = keyOf(p);
    const ks = span(p.key);
    if (name === undefined || !ks) continue;
    const pos = lineCounter.linePos(ks[0]);
    table.params.set(name, { name, value: declared.values[name], file, line: pos.line - 1, character: pos.col - 1, ...(declared.secret.has(name) ? { secret: true } : {}) });
  }
  return table;
}

/** A param's value at a path (`a.b` in a params file with nested mappings). */
export function paramValue(table: ParamTable, path: string[]): { found: boolean; value?: unknown } {
  const first = path[0];
  if (first === undefined) return { found: true, value: Object.fromEntries([...table.params].map(([k, v]) => [k, v.value])) };
  const def = table.params.get(first);
  if (!def) return { found: false };
  let cur = def.value;
  for (const step of path.slice(1)) {
    if (cur === null || typeof cur !== 'object' || !(step in (cur as object))) return { found: false };
    cur = (cur as Record<string, unknown>)[step];
  }
  return { found: true, value: cur };
}
