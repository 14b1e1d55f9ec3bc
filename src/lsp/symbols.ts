// Stages, params and datasets as symbols: which one is under the cursor, where it is defined, where it
// is used, renaming it, and the document outline.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DocumentSymbol, SymbolKind, type Location, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver/node';
import type { Analysis, SymbolKind as PipelineSymbolKind } from '../engine/pipeline/analyze';
import { span } from '../engine/pipeline/nodes';
import { NAME_PATTERN } from '../engine/pipeline/schema';
import { outputKey } from '../engine/pipeline/stageGlobal';

interface SymbolHit {
  kind: PipelineSymbolKind;
  name: string;
  start: number;
  end: number;
  isDefinition: boolean;
}

interface Def {
  start: number;
  end: number;
  /** For a param defined in a params file. */
  file?: string;
  line?: number;
  character?: number;
}

function definition(kind: PipelineSymbolKind, name: string, analysis: Analysis): Def | undefined {
  const { model } = analysis;
  if (kind === 'stage') {
    const s = model.stages.get(name);
    return s ? { start: s.seg.base + s.facts.key[0], end: s.seg.base + s.facts.key[1] } : undefined;
  }
  if (kind === 'dataset') {
    const d = model.datasets.get(name);
    return d ? { start: d.start, end: d.end } : undefined;
  }
  const p = model.params.params.get(name);
  if (!p) return undefined;
  if (p.file) return { start: 0, end: 0, file: p.file, line: p.line ?? 0, character: p.character ?? 0 };
  return { start: p.start ?? 0, end: p.end ?? 0 };
}

export function symbolAt(offset: number, analysis: Analysis): SymbolHit | undefined {
  const { model } = analysis;
  for (const r of model.refs) if (offset >= r.start && offset <= r.end) return { ...r, isDefinition: false };
  for (const s of model.stages.values()) {
    const start = s.seg.base + s.facts.key[0];
    const end = s.seg.base + s.facts.key[1];
    if (offset >= start && offset <= end) return { kind: 'stage', name: s.name, start, end, isDefinition: true };
  }
  for (const d of model.datasets.values()) if (offset >= d.start && offset <= d.end) return { kind: 'dataset', name: d.name, start: d.start, end: d.end, isDefinition: true };
  for (const p of model.params.params.values()) {
    if (p.start !== undefined && offset >= p.start && offset <= p.end!) return { kind: 'param', name: p.name, start: p.start, end: p.end!, isDefinition: true };
  }
  return undefined;
}

/** A file path written in a stage (deps, outs, a built-in's model or out) under the cursor. */
export function pathAt(offset: number, analysis: Analysis): { path: string; start: number; end: number; producer?: { stage: string; start: number; end: number } } | undefined {
  for (const s of analysis.model.stages.values()) {
    const base = s.seg.base;
    const end = base + (span(s.entry.value)?.[1] ?? s.facts.key[1]);
    if (offset < base + s.facts.key[0] || offset > end) continue;
    for (const r of [...s.facts.deps, ...s.facts.inputs, ...s.facts.outs]) {
      if (offset < base + r.start || offset > base + r.end) continue;
      const key = outputKey(r);
      const writer = analysis.model.outputs.get(key);
      const w = writer !== undefined ? analysis.model.stages.get(writer) : undefined;
      const out = w?.facts.outs.find((o) => outputKey(o) === key);
      return { path: r.name, start: base + r.start, end: base + r.end, ...(w && out && w.name !== s.name ? { producer: { stage: w.name, start: w.seg.base + out.start, end: w.seg.base + out.end } } : {}) };
    }
  }
  return undefined;
}

export function definitionAt(uri: string, offset: number, analysis: Analysis, dir?: string): Location | null {
  const hit = symbolAt(offset, analysis);
  if (!hit) {
    // a path: the stage that writes it, else the file itself
    const p = pathAt(offset, analysis);
    if (!p) return null;
    if (p.producer) return { uri, range: analysis.parsed.lines.range(p.producer.start, p.producer.end) };
    if (dir && !/[*?[\]{}]|\$\{\{/.test(p.path)) {
      const file = isAbsolute(p.path) ? p.path : join(dir, p.path);
      if (existsSync(file)) return { uri: pathToFileURL(file).toString(), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
    }
    return null;
  }
  const def = definition(hit.kind, hit.name, analysis);
  if (!def) return null;
  if (def.file) {
    const pos = { line: def.line ?? 0, character: def.character ?? 0 };
    return { uri: pathToFileURL(def.file).toString(), range: { start: pos, end: { line: pos.line, character: pos.character + hit.name.length } } };
  }
  return { uri, range: analysis.parsed.lines.range(def.start, def.end) };
}

export function referencesAt(uri: string, offset: number, analysis: Analysis, includeDeclaration: boolean): Location[] {
  const hit = symbolAt(offset, analysis);
  if (!hit) return [];
  const out: Location[] = [];
  if (includeDeclaration) {
    const def = definitionAt(uri, hit.isDefinition ? hit.start : offset, analysis);
    if (def) out.push(def);
  }
  for (const r of analysis.model.refs) {
    if (r.kind === hit.kind && r.name === hit.name) out.push({ uri, range: analysis.parsed.lines.range(r.start, r.end) });
  }
  return out;
}

export function prepareRename(offset: number, analysis: Analysis): { range: ReturnType<Analysis['parsed']['lines']['range']>; placeholder: string } | null {
  const hit = symbolAt(offset, analysis);
  if (!hit) return null;
  if (hit.kind === 'param' && analysis.model.params.file) return null; // defined in another file
  return { range: analysis.parsed.lines.range(hit.start, hit.end), placeholder: hit.name };
}

export class RenameError extends Error {}

export function renameAt(uri: string, offset: number, newName: string, analysis: Analysis): WorkspaceEdit | null {
  const hit = symbolAt(offset, analysis);
  if (!hit) return null;
  if (!NAME_PATTERN.test(newName)) throw new RenameError(`"${newName}" is not a valid name: use letters, digits, "_" and "-", starting with a letter or "_".`);
  const { model } = analysis;
  const taken = hit.kind === 'stage' ? model.stages.has(newName) : hit.kind === 'dataset' ? model.datasets.has(newName) : model.params.params.has(newName);
  if (taken && newName !== hit.name) throw new RenameError(`A ${hit.kind} named "${newName}" already exists.`);
  if (hit.kind === 'param' && model.params.file) throw new RenameError(`Params come from ${model.params.file}: rename it there.`);
  const edits: TextEdit[] = [];
  const def = definition(hit.kind, hit.name, analysis);
  if (def && !def.file) edits.push({ range: analysis.parsed.lines.range(def.start, def.end), newText: newName });
  for (const r of model.refs) if (r.kind === hit.kind && r.name === hit.name) edits.push({ range: analysis.parsed.lines.range(r.start, r.end), newText: newName });
  return { changes: { [uri]: edits } };
}

export function documentSymbols(analysis: Analysis): DocumentSymbol[] {
  const lines = analysis.parsed.lines;
  const out: DocumentSymbol[] = [];
  const stagesFrom = (): DocumentSymbol[] =>
    [...analysis.model.stages.values()].map((s) => {
      const key = [s.seg.base + s.facts.key[0], s.seg.base + s.facts.key[1]] as const;
      const v = span(s.entry.value);
      const end = v ? s.seg.base + v[1] : key[1];
      return DocumentSymbol.create(s.name, s.facts.uses?.name ?? (s.facts.run ? 'run' : ''), SymbolKind.Function, lines.range(key[0], Math.max(end, key[1])), lines.range(key[0], key[1]));
    });
  for (const e of analysis.parsed.top) {
    const k = span(e.keyNode);
    if (!k) continue;
    const start = e.seg.base + k[0];
    const v = span(e.value);
    let end = v ? e.seg.base + v[1] : e.seg.base + k[1];
    let children: DocumentSymbol[] | undefined;
    if (e.key === 'stages') {
      children = stagesFrom();
      const last = analysis.model.stages.size ? [...analysis.model.stages.values()].pop() : undefined;
      const lastEnd = last ? last.seg.base + (span(last.entry.value)?.[1] ?? last.facts.key[1]) : end;
      end = Math.max(end, lastEnd);
    } else if (e.key === 'datasets') {
      children = [...analysis.model.datasets.values()].map((d) => DocumentSymbol.create(d.name, d.path ?? '', SymbolKind.File, lines.range(d.start, d.end), lines.range(d.start, d.end)));
    } else if (e.key === 'params' && analysis.model.params.inline) {
      children = [...analysis.model.params.params.values()]
        .filter((p) => p.start !== undefined)
        .map((p) => DocumentSymbol.create(p.name, JSON.stringify(p.value) ?? '', SymbolKind.Variable, lines.range(p.start!, p.end!), lines.range(p.start!, p.end!)));
    }
    const kind = e.key === 'stages' ? SymbolKind.Namespace : e.key === 'params' ? SymbolKind.Namespace : SymbolKind.Property;
    out.push(DocumentSymbol.create(e.key, '', kind, lines.range(start, Math.max(end, start)), lines.range(start, e.seg.base + k[1]), children));
  }
  return out;
}
