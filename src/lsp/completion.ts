// Completion: keys by position (from the schema), enum values, stage names in `needs` (not those that
// would close a cycle), dataset names,
// built-ins for `uses` with a snippet of their required `with`, params/contexts/functions inside
// `${{ }}`, metric names in a gate's `require`, and file paths in deps/outs and other path values.
import { posix } from 'node:path';
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type Range } from 'vscode-languageserver/node';
import type { Analysis } from '../engine/pipeline/analyze';
import { ancestors, dependents } from '../engine/pipeline/analyze';
import { BUILTINS, builtin, type Builtin } from '../engine/pipeline/builtins';
import { CONTEXTS, FUNCTIONS } from '../engine/pipeline/expressions';
import type { PipelineHost } from '../engine/pipeline/host';
import { alternatives, describe, docOf, enumValues, isOptional, kindOf, objectShape, recordValue, schemaAt, unwrap } from '../engine/pipeline/schemaInfo';
import { locate, type Located } from './locate';
import { schemaAtPath } from './schemaNav';
import type { z } from 'zod';

const PATH_KEYS = new Set(['deps', 'outs', 'metrics', 'path', 'cwd', 'out', 'model', 'params']);

function md(value: string): { kind: typeof MarkupKind.Markdown; value: string } {
  return { kind: MarkupKind.Markdown, value };
}

function rangeOf(analysis: Analysis, start: number, end: number): Range {
  return analysis.parsed.lines.range(start, end);
}

/** Snippet text for a key and its value, by the value's type. */
function keySnippet(key: string, schema: z.ZodType, indent: string, datasets: string[]): string {
  const inner = unwrap(schema);
  const values = enumValues(schema).filter((v) => typeof v === 'string');
  const onlyValues = alternatives(schema).every((a) => ['enum', 'literal'].includes(kindOf(a)));
  if (values.length > 0 && onlyValues) return `${key}: \${1|${values.join(',')}|}`;
  if (key === 'dataset' || key === 'reference' || key === 'current') return datasets.length ? `${key}: \${1|${datasets.join(',')}|}` : `${key}: \${1:name}`;
  const k = kindOf(inner);
  if (k === 'array' || k === 'tuple') return `${key}: [$1]`;
  if (k === 'object' || k === 'record') return `${key}:\n${indent}  $0`;
  if (objectShape(inner) || recordValue(inner)) return `${key}: $0`;
  return `${key}: $0`;
}

/** The `uses` value plus its required `with` keys, indented under the stage. */
function builtinSnippet(b: Builtin, stageIndent: string, datasets: string[], stage: string): string {
  const shape = b.resolved.shape as Record<string, z.ZodType>;
  const lines = [`${b.name}`, `${stageIndent}with:`];
  let n = 1;
  for (const [key, field] of Object.entries(shape)) {
    if (isOptional(field)) continue;
    const values = enumValues(field).filter((v) => typeof v === 'string');
    let value: string;
    if (values.length) value = `\${${n}|${values.join(',')}|}`;
    else if (b.roles[key] === 'dataset') value = datasets.length ? `\${${n}|${datasets.join(',')}|}` : `\${${n}:dataset}`;
    else if (b.roles[key] === 'output-file') value = `\${${n}:models/${stage}.onnx}`;
    else if (b.roles[key] === 'metric-map') value = `{ \${${n}:f1}: "\${${n + 1}:>= 0.8}" }`;
    else value = `\${${n}:${key}}`;
    n += b.roles[key] === 'metric-map' ? 2 : 1;
    lines.push(`${stageIndent}  ${key}: ${value}`);
  }
  return lines.join('\n');
}

function expressionItems(loc: Located, analysis: Analysis, replace: Range): CompletionItem[] {
  const before = loc.expr!.before;
  const member = /([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*)*)\.([\w-]*)$/.exec(before);
  if (member) {
    const context = member[1]!;
    const chain = member[2]!.split('.').filter(Boolean);
    if (context === 'params' && chain.length === 0) {
      return [...analysis.model.params.params.values()].map((p) => ({
        label: p.name,
        kind: CompletionItemKind.Variable,
        detail: `= ${p.secret ? '*** (secret)' : JSON.stringify(p.value)}`,
        documentation: md(`Param \`${p.name}\` = ${p.secret ? '*** (secret)' : `\`${JSON.stringify(p.value)}\``}${p.file ? ` (from ${p.file})` : ''}`),
      }));
    }
    if (context === 'datasets' && chain.length === 0) {
      return [...analysis.model.datasets.values()].map((d) => ({ label: d.name, kind: CompletionItemKind.Reference, detail: d.path ?? '' }));
    }
    if (context === 'datasets' && chain.length === 1) {
      return ['path', 'label', 'format', 'description'].map((f) => ({ label: f, kind: CompletionItemKind.Field }));
    }
    if (context === 'run' && chain.length === 0) return ['id', 'dir'].map((f) => ({ label: f, kind: CompletionItemKind.Field }));
    return [];
  }
  void replace;
  return [
    ...Object.entries(CONTEXTS).map(([name, doc]) => ({ label: name, kind: CompletionItemKind.Module, documentation: md(doc) })),
    ...Object.entries(FUNCTIONS).map(([name, f]) => ({ label: name, kind: CompletionItemKind.Function, documentation: md(f.doc), insertText: `${name}($1)`, insertTextFormat: InsertTextFormat.Snippet })),
    ...[...analysis.model.params.params.values()].map((p) => ({ label: `params.${p.name}`, kind: CompletionItemKind.Variable, detail: `= ${p.secret ? '*** (secret)' : JSON.stringify(p.value)}` })),
  ];
}

function fileItems(prefix: string, host: PipelineHost): CompletionItem[] {
  if (!host.dir) return [];
  const clean = prefix.replace(/^["']/, '');
  const slash = clean.lastIndexOf('/');
  const dirPart = slash >= 0 ? clean.slice(0, slash + 1) : '';
  const entries = host.listDir(posix.join(host.dir, dirPart));
  return entries
    .filter((e) => !e.name.startsWith('.') && e.name !== 'node_modules')
    .map((e) => ({
      label: e.dir ? `${e.name}/` : e.name,
      kind: e.dir ? CompletionItemKind.Folder : CompletionItemKind.File,
      filterText: `${dirPart}${e.name}`,
      insertText: `${dirPart}${e.name}${e.dir ? '/' : ''}`,
      ...(e.dir ? { command: { title: 'Suggest', command: 'editor.action.triggerSuggest' } } : {}),
    }));
}

export function complete(text: string, offset: number, analysis: Analysis, host: PipelineHost): CompletionItem[] {
  const loc = locate(text, offset);
  const replace = rangeOf(analysis, loc.prefixStart, offset);
  const withEdit = (items: CompletionItem[]): CompletionItem[] =>
    items.map((i) => (i.textEdit ? i : { ...i, textEdit: { range: replace, newText: i.insertText ?? i.label } }));
  if (loc.expr) {
    const exprReplaceStart = offset - (/[\w-]*$/.exec(loc.expr.before)?.[0].length ?? 0);
    const r = rangeOf(analysis, exprReplaceStart, offset);
    return expressionItems(loc, analysis, r).map((i) => ({ ...i, textEdit: { range: r, newText: i.insertText ?? i.label } }));
  }
  const { model } = analysis;
  const stageNames = [...model.stages.keys()];
  const datasetNames = [...model.datasets.keys()];
  const path = loc.path;
  const inStage = path[0] === 'stages' && path.length >= 2 ? path[1] : undefined;

  if (loc.role === 'key') {
    // keys of the mapping at `path`
    if (path.length === 1 && path[0] === 'expectations') return withEdit(datasetNames.map((d) => ({ label: d, kind: CompletionItemKind.Reference, insertText: `${d}:\n${' '.repeat(loc.lineIndent + 2)}- { column: $1 }`, insertTextFormat: InsertTextFormat.Snippet })));
    if (inStage && path[2] === 'with' && path[3] === 'require') {
      const produced = new Set<string>();
      for (const u of ancestors(inStage, model)) {
        const f = model.stages.get(u)?.facts;
        const b = f?.builtin ? builtin(f.builtin) : undefined;
        b?.metrics.forEach((m) => produced.add(m));
      }
      return withEdit([...produced].map((m) => ({ label: m, kind: CompletionItemKind.Value, insertText: `${m}: ">= \${1:0.8}"`, insertTextFormat: InsertTextFormat.Snippet })));
    }
    const place = schemaAtPath(path, analysis);
    const shape = place.schema ? objectShape(place.schema) : undefined;
    if (!shape) return [];
    const existing = siblingKeys(text, offset, loc);
    const indent = ' '.repeat(loc.lineIndent);
    return withEdit(
      Object.entries(shape)
        .filter(([k]) => !existing.has(k) || k === loc.key)
        .map(([k, s]) => ({
          label: k,
          kind: CompletionItemKind.Property,
          detail: isOptional(s) ? 'optional' : 'required',
          documentation: md(docOf(s)),
          insertText: loc.flow ? `${k}: ` : keySnippet(k, s, indent, datasetNames),
          insertTextFormat: InsertTextFormat.Snippet,
          sortText: `${isOptional(s) ? 1 : 0}${k}`,
        })),
    );
  }

  const key = loc.key;
  // list items and values by key
  if (inStage && key === 'needs' && path.length === 2) {
    const listed = new Set(model.stages.get(inStage)?.facts.needs.map((n) => n.name));
    // a stage that already waits for this one (written or derived edges) would close a cycle
    const after = dependents(inStage, model);
    return withEdit(stageNames.filter((s) => s !== inStage && !listed.has(s) && !after.has(s)).map((s) => stageItem(s, analysis)));
  }
  if (path.length === 2 && path[0] === 'monitor' && key === 'run') return withEdit(stageNames.map((s) => stageItem(s, analysis)));
  if (inStage && key === 'uses' && path.length === 2) {
    const stageIndent = ' '.repeat(loc.lineIndent);
    const hasWith = model.stages.get(inStage)?.facts.with !== undefined;
    return withEdit(
      Object.values(BUILTINS).map((b) => ({
        label: b.name,
        kind: CompletionItemKind.Module,
        detail: b.summary,
        documentation: md(builtinDoc(b)),
        insertText: hasWith ? b.name : builtinSnippet(b, stageIndent, datasetNames, inStage),
        insertTextFormat: InsertTextFormat.Snippet,
      })),
    );
  }
  const place = schemaAtPath(path, analysis);
  if (place.builtin && place.builtin.roles[key] === 'dataset') return withEdit(datasetNames.map((d) => datasetItem(d, analysis)));
  // column names, from the dataset file's header
  if (path[0] === 'expectations' && path[1] && key === 'column') return withEdit(columnItems(path[1], analysis, host, false));
  if (inStage && path[2] === 'with' && key === 'features' && place.builtin?.name === 'sextant/train') {
    const dataset = model.stages.get(inStage)?.facts.datasetRefs[0]?.name;
    if (dataset) return withEdit(columnItems(dataset, analysis, host, true));
  }
  if (path[0] === 'monitor' && (key === 'reference' || key === 'current')) return withEdit(datasetNames.map((d) => datasetItem(d, analysis)));
  const fieldSchema = place.schema ? (loc.role === 'item' ? schemaAt(place.schema, [key, 0]) : schemaAt(place.schema, [key])) : undefined;
  if (fieldSchema) {
    const values = enumValues(fieldSchema);
    if (values.length > 0) return withEdit(values.map((v) => ({ label: String(v), kind: CompletionItemKind.EnumMember, documentation: md(describe(fieldSchema) ?? '') })));
  }
  if (PATH_KEYS.has(key) || (place.builtin && ['input-file', 'output-file', 'model-ref'].includes(place.builtin.roles[key] ?? ''))) return withEdit(fileItems(loc.prefix, host));
  return [];
}

/** The columns of a declared dataset's CSV/TSV header (without its label when `features`). */
function columnItems(dataset: string, analysis: Analysis, host: PipelineHost, features: boolean): CompletionItem[] {
  const d = analysis.model.datasets.get(dataset);
  if (!d?.path || !host.dir) return [];
  const head = host.readHead(posix.isAbsolute(d.path) ? d.path : posix.join(host.dir, d.path), 16384);
  const header = head?.split(/\r?\n/)[0];
  if (!header) return [];
  const columns = header.split(d.path.endsWith('.tsv') ? '\t' : ',').map((c) => c.trim().replace(/^"|"$/g, ''));
  return columns
    .filter((c) => c !== '' && !(features && c === d.label))
    .map((c) => ({ label: c, kind: CompletionItemKind.Field, detail: `column of ${d.path}${c === d.label ? ' (label)' : ''}` }));
}

function stageItem(name: string, analysis: Analysis): CompletionItem {
  const f = analysis.model.stages.get(name)?.facts;
  return { label: name, kind: CompletionItemKind.Function, detail: f?.uses?.name ?? f?.run?.name ?? '' };
}

function datasetItem(name: string, analysis: Analysis): CompletionItem {
  const d = analysis.model.datasets.get(name);
  return { label: name, kind: CompletionItemKind.Reference, detail: d?.path ?? '' };
}

export function builtinDoc(b: Builtin): string {
  const shape = b.resolved.shape as Record<string, z.ZodType>;
  const rows = Object.entries(shape).map(([k, s]) => `- \`${k}\`${isOptional(s) ? ' (optional)' : ''}: ${describe(s) ?? ''}`);
  return [`**${b.name}**: ${b.summary}`, '', '`with`:', ...rows, ...(b.metrics.length ? ['', `Metrics: ${b.metrics.join(', ')}.`] : []), b.gpu ? '\nCan use a GPU.' : '\nRuns on CPU.'].join('\n');
}

/** Keys already written in the mapping that holds the cursor (block style: same indentation). */
function siblingKeys(text: string, offset: number, loc: Located): Set<string> {
  const keys = new Set<string>();
  if (loc.flow) {
    const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
    const lineEnd = text.indexOf('\n', offset);
    const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
    for (const m of line.matchAll(/[{,]\s*([\w-]+)\s*:/g)) keys.add(m[1]!);
    return keys;
  }
  const indent = loc.lineIndent;
  const lines = text.split('\n');
  const here = text.slice(0, offset).split('\n').length - 1;
  for (const dir of [-1, 1]) {
    for (let l = here + dir; l >= 0 && l < lines.length; l += dir) {
      const line = lines[l]!;
      if (line.trim() === '' || line.trim().startsWith('#')) continue;
      const ind = line.length - line.trimStart().length;
      if (ind < indent) break;
      if (ind === indent) {
        const m = /^\s*([\w-]+)\s*:/.exec(line);
        if (m) keys.add(m[1]!);
      }
    }
  }
  return keys;
}
