// Semantic tokens: inside `${{ … }}` the delimiters, contexts (`params`), params (`params.lr`), datasets,
// other members, functions, operators and literals; and the stage names in `needs:`. Expressions are read
// in each scalar's decoded value, as the checks read them (src/engine/pipeline/decoded.ts), and every token
// is mapped back to its source characters; one that the source spreads over lines (a folded block) becomes
// one token per line, since LSP tokens do not span lines. Tokens are kept with each parsed segment.
import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver/node';
import type { Analysis } from '../engine/pipeline/analyze';
import type { Segment } from '../engine/pipeline/document';
import { decodeScalar, identity } from '../engine/pipeline/decoded';
import { CONTEXTS, findExpressions, FUNCTIONS, parseExpression, type Expr } from '../engine/pipeline/expressions';
import { scalars, span } from '../engine/pipeline/nodes';

const TYPES = ['macro', 'namespace', 'parameter', 'variable', 'property', 'function', 'operator', 'string', 'number', 'keyword', 'class'] as const;
const MODIFIERS = ['readonly', 'defaultLibrary'] as const;
type TokenType = (typeof TYPES)[number];
type Modifier = (typeof MODIFIERS)[number];

/** The legend the server declares (its `semanticTokensProvider`). */
export const SEMANTIC_TOKENS_LEGEND: SemanticTokensLegend = { tokenTypes: [...TYPES], tokenModifiers: [...MODIFIERS] };

/** A token in segment-local offsets of the source. */
interface LocalToken {
  start: number;
  end: number;
  type: TokenType;
  modifiers: Modifier[];
}

/** Tokens of one parsed expression, in offsets of the decoded text (`inner` is that text). */
function exprTokens(e: Expr, text: string, out: { start: number; end: number; type: TokenType; modifiers: Modifier[] }[]): void {
  const tok = (start: number, end: number, type: TokenType, modifiers: Modifier[] = []): void => {
    if (end > start) out.push({ start, end, type, modifiers });
  };
  switch (e.kind) {
    case 'literal':
      tok(e.start, e.end, typeof e.value === 'string' ? 'string' : typeof e.value === 'number' ? 'number' : 'keyword');
      return;
    case 'context':
      tok(e.start, e.end, e.name in CONTEXTS ? 'namespace' : 'variable');
      return;
    case 'member': {
      exprTokens(e.object, text, out);
      const bracket = text[e.propStart] === "'";
      const end = bracket ? text.lastIndexOf("'", e.end - 1) + 1 : e.end;
      const base = e.object.kind === 'context' ? e.object.name : undefined;
      if (bracket) tok(e.propStart, end, 'string');
      else tok(e.propStart, end, base === 'params' ? 'parameter' : base === 'datasets' ? 'variable' : 'property', base === 'params' ? ['readonly'] : []);
      return;
    }
    case 'call':
      tok(e.start, e.nameEnd, 'function', e.name in FUNCTIONS ? ['defaultLibrary'] : []);
      for (const a of e.args) exprTokens(a, text, out);
      return;
    case 'unary':
      tok(e.start, e.start + 1, 'operator');
      exprTokens(e.operand, text, out);
      return;
    case 'binary': {
      exprTokens(e.left, text, out);
      const at = text.indexOf(e.op, e.left.end);
      if (at >= 0 && at < e.right.start) tok(at, at + e.op.length, 'operator');
      exprTokens(e.right, text, out);
      return;
    }
  }
}

function segmentTokens(seg: Segment): LocalToken[] {
  const key = 'lsp.semanticTokens';
  const cached = seg.cache.get(key) as LocalToken[] | undefined;
  if (cached) return cached;
  const out: LocalToken[] = [];
  for (const { node } of scalars(seg.doc.contents)) {
    const s = span(node);
    if (!s || typeof node.value !== 'string' || !node.value.includes('${{')) continue;
    const source = seg.text.slice(s[0], s[1]);
    const d = decodeScalar(source, node.type, node.value) ?? identity(source);
    const last = d.to.length > 0 ? d.to[d.to.length - 1]! : 0;
    const at = (p: number): number => s[0] + (p < d.from.length ? d.from[p]! : last);
    const after = (p: number): number => s[0] + (p <= 0 ? (d.from[0] ?? 0) : p - 1 < d.to.length ? d.to[p - 1]! : last);
    for (const f of findExpressions(d.text)) {
      out.push({ start: at(f.start), end: after(f.innerStart), type: 'macro', modifiers: [] });
      const found: { start: number; end: number; type: TokenType; modifiers: Modifier[] }[] = [];
      const parsed = f.terminated ? parseExpression(f.inner, f.innerStart) : {};
      if (parsed.expr) exprTokens(parsed.expr, d.text, found);
      for (const t of found) out.push({ start: at(t.start), end: after(t.end), type: t.type, modifiers: t.modifiers });
      if (f.terminated) out.push({ start: at(f.end - 2), end: after(f.end), type: 'macro', modifiers: [] });
    }
  }
  seg.cache.set(key, out);
  return out;
}

/** The tokens of a pipeline, delta-encoded as LSP says: [Δline, Δstart, length, type, modifiers] per token. */
export function semanticTokens(analysis: Analysis): SemanticTokens {
  const { parsed } = analysis;
  const lines = parsed.lines;
  const tokens: { start: number; end: number; type: TokenType; modifiers: Modifier[] }[] = [];
  for (const seg of parsed.segments) for (const t of segmentTokens(seg)) tokens.push({ ...t, start: seg.base + t.start, end: seg.base + t.end });
  for (const stage of analysis.model.stages.values()) {
    for (const r of stage.facts.needs) tokens.push({ start: stage.seg.base + r.start, end: stage.seg.base + r.end, type: 'class', modifiers: [] });
  }
  // one token per line it covers, then sorted by position
  const flat: { line: number; char: number; length: number; type: number; modifiers: number }[] = [];
  for (const t of tokens) {
    const from = lines.position(t.start);
    const to = lines.position(t.end);
    const type = TYPES.indexOf(t.type);
    const modifiers = t.modifiers.reduce((bits, m) => bits | (1 << MODIFIERS.indexOf(m)), 0);
    for (let line = from.line; line <= to.line; line++) {
      const text = lines.lineText(line);
      const char = line === from.line ? from.character : Math.max(0, text.search(/\S/));
      const end = line === to.line ? to.character : text.length;
      if (end > char) flat.push({ line, char, length: end - char, type, modifiers });
    }
  }
  flat.sort((a, b) => a.line - b.line || a.char - b.char);
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  let prevEnd = -1;
  let prevEndLine = -1;
  for (const t of flat) {
    if (t.line === prevEndLine && t.char < prevEnd) continue; // overlapping: the first wins
    data.push(t.line - prevLine, t.line === prevLine ? t.char - prevChar : t.char, t.length, t.type, t.modifiers);
    prevLine = t.line;
    prevChar = t.char;
    prevEnd = t.char + t.length;
    prevEndLine = t.line;
  }
  return { data };
}
