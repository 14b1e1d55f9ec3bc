// Hover: the schema's documentation of a key, a built-in's `with` table, the resolved value of a param
// in `${{ }}`, and what a stage or dataset name refers to.
import { MarkupKind, type Hover } from 'vscode-languageserver/node';
import type { Analysis } from '../engine/pipeline/analyze';
import { builtin } from '../engine/pipeline/builtins';
import { CONTEXTS, FUNCTIONS } from '../engine/pipeline/expressions';
import { paramValue } from '../engine/pipeline/params';
import { docOf, schemaAt } from '../engine/pipeline/schemaInfo';
import { builtinDoc } from './completion';
import { locate } from './locate';
import { schemaAtPath } from './schemaNav';
import { pathAt, symbolAt } from './symbols';
import { outputKey } from '../engine/pipeline/stageGlobal';

export function hover(text: string, offset: number, analysis: Analysis): Hover | null {
  const { model } = analysis;
  const range = (s: number, e: number) => analysis.parsed.lines.range(s, e);
  const result = (value: string, s: number, e: number): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, range: range(s, e) });

  // ${{ params.x }}: the resolved value
  for (const r of model.exprRefs) {
    if (offset < r.start || offset > r.end) continue;
    if (r.context === 'params' && r.path.length > 0) {
      const names = r.path.map((p) => p.name);
      const v = paramValue(model.params, names);
      const def = model.params.params.get(names[0]!);
      const where = def?.file ? ` (from \`${def.file}\`)` : '';
      const shown = def?.secret ? '*** (a secret param: masked in what the runner records and prints)' : `\`${JSON.stringify(v.value)}\``;
      return result(v.found ? `\`params.${names.join('.')}\` = ${shown}${where}` : `\`params.${names.join('.')}\` is not defined.`, r.start, r.end);
    }
    if (r.context === 'datasets' && r.path[0]) {
      const d = model.datasets.get(r.path[0].name);
      return result(d ? `Dataset \`${d.name}\`: \`${d.path ?? '?'}\`${d.label ? `, label \`${d.label}\`` : ''}` : `Dataset \`${r.path[0].name}\` is not declared.`, r.start, r.end);
    }
    return result(CONTEXTS[r.context] ?? '', r.start, r.end);
  }
  const loc = locate(text, offset);
  if (loc.expr) {
    const word = text.slice(loc.wordStart, loc.wordEnd).replace(/\(.*$/, '');
    const fn = FUNCTIONS[word];
    if (fn) return result(fn.doc, loc.wordStart, loc.wordEnd);
  }

  // a stage or dataset name
  const sym = symbolAt(offset, analysis);
  if (sym && sym.kind === 'stage') {
    const f = model.stages.get(sym.name)?.facts;
    if (f) {
      const lines = [`Stage \`${sym.name}\``];
      if (f.uses) lines.push(`uses \`${f.uses.name}\``);
      if (f.run) lines.push(`runs \`${f.run.name.length > 120 ? `${f.run.name.slice(0, 120)}…` : f.run.name}\``);
      if (f.needs.length) lines.push(`needs ${f.needs.map((n) => `\`${n.name}\``).join(', ')}`);
      if (f.outs.length) lines.push(`writes ${f.outs.map((o) => `\`${o.name}\``).join(', ')}`);
      return result(lines.join('\n\n'), sym.start, sym.end);
    }
  }
  if (sym && sym.kind === 'dataset' && !sym.isDefinition) {
    const d = model.datasets.get(sym.name);
    return result(d ? `Dataset \`${d.name}\`: \`${d.path ?? '?'}\`${d.label ? `, label \`${d.label}\`` : ''}` : `Dataset \`${sym.name}\` is not declared.`, sym.start, sym.end);
  }

  // a path: who writes it
  const path = pathAt(offset, analysis);
  if (path) {
    const produced = path.producer ? `written by stage \`${path.producer.stage}\`` : model.outputs.has(outputKey({ name: path.path, start: 0, end: 0 })) ? 'written by this stage' : 'not written by any stage';
    return result(`\`${path.path}\`: ${produced}.`, path.start, path.end);
  }
  // `uses: sextant/x`
  if (loc.role === 'value' && loc.key === 'uses') {
    const b = builtin(text.slice(loc.wordStart, loc.wordEnd));
    if (b) return result(builtinDoc(b), loc.wordStart, loc.wordEnd);
  }
  // a key: its schema documentation
  if (loc.role === 'key' && loc.key) {
    if (offset < loc.keyStart || offset > loc.keyEnd) return null;
    const place = schemaAtPath(loc.path, analysis);
    const s = place.schema ? schemaAt(place.schema, [loc.key]) : undefined;
    if (s) return result(`**${loc.key}**${place.builtin ? ` (${place.builtin.name})` : ''}\n\n${docOf(s)}`, loc.keyStart, loc.keyEnd);
    if (loc.path.length === 1 && loc.path[0] === 'stages') {
      const f = model.stages.get(loc.key)?.facts;
      if (f) return result(`Stage \`${loc.key}\`${f.uses ? `: uses \`${f.uses.name}\`` : f.run ? `: runs a command` : ''}${f.needs.length ? `, after ${f.needs.map((n) => `\`${n.name}\``).join(', ')}` : ''}`, loc.keyStart, loc.keyEnd);
    }
  }
  return null;
}
