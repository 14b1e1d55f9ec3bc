// Quick fixes, driven by each diagnostic's code and data: replace with the suggested name, add a missing
// param, remove one chosen edge of a cycle (an action per written edge), remove a `needs` entry written
// twice, add missing `with` keys, and a suppression comment for any finding but a cycle (the runner
// refuses a cycle whatever the comment says).
import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit } from 'vscode-languageserver/node';
import type { z } from 'zod';
import type { Analysis } from '../engine/pipeline/analyze';
import { builtin } from '../engine/pipeline/builtins';
import { isMap } from 'yaml';
import { enumValues } from '../engine/pipeline/schemaInfo';
import { span } from '../engine/pipeline/nodes';

function action(title: string, uri: string, edits: TextEdit[], diagnostic: Diagnostic, preferred = false): CodeAction {
  return { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: preferred, edit: { changes: { [uri]: edits } } };
}

export function codeActions(uri: string, text: string, diagnostics: Diagnostic[], analysis: Analysis): CodeAction[] {
  const out: CodeAction[] = [];
  const lines = analysis.parsed.lines;
  for (const d of diagnostics) {
    if (d.source !== 'sextant') continue;
    const data = (d.data ?? {}) as Record<string, unknown>;
    const code = String(d.code ?? '');
    if (typeof data.replace === 'string') out.push(action(`Change to "${data.replace}"`, uri, [{ range: d.range, newText: data.replace }], d, true));
    if (code === 'unknown-param' && data.canAdd === true && typeof data.name === 'string') {
      const fix = addParam(text, data.name, analysis);
      if (fix) out.push(action(`Add param "${data.name}" to params`, uri, [fix], d, data.replace === undefined));
    }
    if (code === 'cycle' && Array.isArray(data.edges)) {
      // which edge is wrong is the author's choice: one action per written edge, none preferred
      for (const e of data.edges as { stage?: unknown; need?: unknown; derived?: unknown }[]) {
        if (typeof e.stage !== 'string' || typeof e.need !== 'string' || e.derived !== undefined) continue;
        const item = analysis.model.stages.get(e.stage)?.facts.needs.find((n) => n.name === e.need);
        if (!item) continue;
        const seg = analysis.model.stages.get(e.stage)!.seg;
        const fix = removeNeed(text, { ...d, range: lines.range(seg.base + item.start, seg.base + item.end) }, analysis);
        if (fix) out.push(action(`Remove "${e.need}" from the needs of "${e.stage}"`, uri, [fix], d));
      }
    }
    if (code === 'duplicate-need' && typeof data.stage === 'string' && typeof data.need === 'string') {
      const fix = removeNeed(text, d, analysis);
      if (fix) out.push(action(`Remove the second "${data.need}" from the needs of "${data.stage}"`, uri, [fix], d, true));
    }
    if (code === 'unknown-stage' && typeof data.stage === 'string' && typeof data.need === 'string' && data.replace === undefined) {
      const fix = removeNeed(text, d, analysis);
      if (fix) out.push(action(`Remove "${data.need}" from the needs of "${data.stage}"`, uri, [fix], d));
    }
    if (code === 'missing-with-key' && Array.isArray(data.keys)) {
      const stage = stageAtLine(d.range.start.line, analysis);
      const fix = stage ? addWithKeys(text, stage, data.keys as string[], analysis) : undefined;
      if (fix) out.push(action(`Add ${(data.keys as string[]).map((k) => `"${k}"`).join(', ')} to with`, uri, [fix], d, true));
    }
    // suppression comment on the line before
    if (code === 'cycle') continue;
    const line = d.range.start.line;
    const lineText = lines.lineText(line);
    const indent = /^\s*/.exec(lineText)![0];
    const insertAt = lines.position(lines.lineStart(line));
    out.push({ title: `Ignore ${code} on this line (# sextant-ignore)`, kind: CodeActionKind.QuickFix, diagnostics: [d], edit: { changes: { [uri]: [{ range: { start: insertAt, end: insertAt }, newText: `${indent}# sextant-ignore: ${code}\n` }] } } });
  }
  return out;
}

/** The offset after the last non-space character before `at`. */
function trimBack(text: string, at: number): number {
  let i = at;
  while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
  return i;
}

function stageAtLine(line: number, analysis: Analysis): string | undefined {
  const offset = analysis.parsed.lines.lineStart(line);
  let found: string | undefined;
  for (const s of analysis.model.stages.values()) {
    const start = s.seg.base + s.facts.key[0];
    const end = s.seg.base + (span(s.entry.value)?.[1] ?? s.facts.key[1]);
    if (offset >= analysis.parsed.lines.lineStart(analysis.parsed.lines.position(start).line) && offset <= end) found = s.name;
  }
  return found;
}

function addParam(text: string, name: string, analysis: Analysis): TextEdit | undefined {
  const lines = analysis.parsed.lines;
  const entry = analysis.model.params.entry;
  const value = '0 # TODO: set the value';
  if (entry && isMap(entry.value)) {
    const v = span(entry.value)!;
    const start = entry.seg.base + v[0];
    const end = entry.seg.base + v[1];
    if ((entry.value as { flow?: boolean }).flow) {
      const close = text.lastIndexOf('}', end);
      const empty = /\{\s*$/.test(text.slice(start, close));
      const at = lines.position(trimBack(text, close));
      return { range: { start: at, end: at }, newText: `${empty ? '' : ', '}${name}: 0` };
    }
    const startPos = lines.position(start);
    const indent = ' '.repeat(startPos.character);
    const lastLine = lines.position(Math.max(start, end - 1)).line;
    const at = { line: lastLine + 1, character: 0 };
    return { range: { start: at, end: at }, newText: `${indent}${name}: ${value}\n` };
  }
  if (entry) return undefined; // a params file, or something else
  // no params: add a section before `stages:` (or at the end)
  const stages = analysis.parsed.top.find((e) => e.key === 'stages');
  const at = stages?.keyNode?.range ? lines.position(stages.seg.base + stages.keyNode.range[0]) : { line: lines.lineCount, character: 0 };
  return { range: { start: { line: at.line, character: 0 }, end: { line: at.line, character: 0 } }, newText: `params:\n  ${name}: ${value}\n` };
}

/** Deletes one item of a stage's `needs` (flow `[a, b]` or block `- a`). */
function removeNeed(text: string, d: Diagnostic, analysis: Analysis): TextEdit | undefined {
  const lines = analysis.parsed.lines;
  const start = lines.offset(d.range.start);
  const end = lines.offset(d.range.end);
  const lineStart = lines.lineStart(d.range.start.line);
  const before = text.slice(lineStart, start);
  if (/^\s*-\s*$/.test(before)) {
    // block item: remove the whole line
    return { range: { start: { line: d.range.start.line, character: 0 }, end: { line: d.range.start.line + 1, character: 0 } }, newText: '' };
  }
  let s = start;
  let e = end;
  const after = /^\s*,\s*/.exec(text.slice(e));
  if (after) e += after[0].length;
  else {
    const prev = /,\s*$/.exec(text.slice(lineStart, s));
    if (prev) s -= prev[0].length;
  }
  return { range: lines.range(s, e), newText: '' };
}

function placeholder(b: NonNullable<ReturnType<typeof builtin>>, key: string, stage: string, analysis: Analysis): string {
  const field = (b.resolved.shape as Record<string, z.ZodType>)[key];
  const values = field ? enumValues(field).filter((v) => typeof v === 'string') : [];
  if (values.length) return String(values[0]);
  const role = b.roles[key];
  if (role === 'dataset') return [...analysis.model.datasets.keys()][0] ?? 'TODO';
  if (role === 'output-file') return `models/${stage}.onnx`;
  if (role === 'metric-map') return '{ f1: ">= 0.8" }';
  return 'TODO';
}

function addWithKeys(text: string, stageName: string, keys: string[], analysis: Analysis): TextEdit | undefined {
  const s = analysis.model.stages.get(stageName);
  if (!s || !s.facts.uses) return undefined;
  const b = builtin(s.facts.uses.name);
  if (!b) return undefined;
  const lines = analysis.parsed.lines;
  const base = s.seg.base;
  const pairs = keys.map((k) => `${k}: ${placeholder(b, k, stageName, analysis)}`);
  const w = s.facts.with;
  if (w && w.flow) {
    const close = text.lastIndexOf('}', base + w.end);
    const empty = /\{\s*$/.test(text.slice(base + w.start, close));
    const at = lines.position(trimBack(text, close));
    return { range: { start: at, end: at }, newText: `${empty ? '' : ', '}${pairs.join(', ')}` };
  }
  if (w && w.keys.length > 0) {
    const first = lines.position(base + w.keys[0]!.start);
    const indent = ' '.repeat(first.character);
    const lastLine = lines.position(Math.max(base + w.start, base + w.end - 1)).line;
    const at = { line: lastLine + 1, character: 0 };
    return { range: { start: at, end: at }, newText: pairs.map((p) => `${indent}${p}\n`).join('') };
  }
  // no `with` (or an empty one): write it under `uses`
  const usesPos = lines.position(base + s.facts.uses.start);
  const usesLine = lines.lineText(usesPos.line);
  const indent = /^\s*/.exec(usesLine)![0];
  if (w) {
    const keyPos = lines.position(base + w.keyStart);
    const at = { line: keyPos.line + 1, character: 0 };
    return { range: { start: at, end: at }, newText: pairs.map((p) => `${indent}  ${p}\n`).join('') };
  }
  const at = { line: usesPos.line + 1, character: 0 };
  return { range: { start: at, end: at }, newText: `${indent}with:\n${pairs.map((p) => `${indent}  ${p}\n`).join('')}` };
}
