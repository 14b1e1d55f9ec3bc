// Folding ranges of a pipeline: every key whose value spans lines (stages, each stage, params, datasets,
// `with:`, lists), list items that span lines, block scalars, and runs of comment lines. Read from the
// parsed segments (src/engine/pipeline/document.ts) and kept with each segment, so a 1,000-stage file
// re-reads only the stages an edit touched.
import { isCollection, isPair, isScalar, visit, type Node } from 'yaml';
import type { FoldingRange } from 'vscode-languageserver/node';
import type { Analysis } from '../engine/pipeline/analyze';
import type { Segment } from '../engine/pipeline/document';
import { span } from '../engine/pipeline/nodes';

/** A fold in segment-local offsets: from the offset of its first line to its last character. */
interface LocalFold {
  start: number;
  end: number;
  comment: boolean;
}

const CACHE_KEY = 'lsp.folding';

const isBlock = (node: unknown): boolean => isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED');

/** Offset just after the last non-blank character before `end`. */
export function trimEnd(text: string, start: number, end: number): number {
  let e = Math.min(end, text.length);
  while (e > start && /\s/.test(text[e - 1]!)) e--;
  return e;
}

function segmentFolds(seg: Segment): LocalFold[] {
  const cached = seg.cache.get(CACHE_KEY) as LocalFold[] | undefined;
  if (cached) return cached;
  const folds: LocalFold[] = [];
  /** Block scalars' spans: their `#` lines are text, not comments. */
  const blocks: [number, number][] = [];
  const add = (start: number, value: Node): void => {
    const s = span(value);
    if (!s) return;
    const end = trimEnd(seg.text, s[0], s[1]);
    if (seg.text.slice(start, end).includes('\n')) folds.push({ start, end, comment: false });
  };
  visit(seg.doc, {
    // a key whose value spans lines (a mapping, a list, a block or multi-line scalar) folds from the key
    Pair: (_key, pair) => {
      const value = pair.value as Node | null;
      const k = span(pair.key);
      if (!k || !value || !(isCollection(value) || isScalar(value))) return;
      add(k[0], value);
      if (isBlock(value)) blocks.push(span(value)!);
    },
    // a list item that spans lines folds from its `-`
    Seq: (_key, seq) => {
      for (const item of seq.items) if (isCollection(item) || isBlock(item)) add(span(item)?.[0] ?? 0, item as Node);
    },
  });
  // runs of two or more comment lines (not inside a block scalar)
  let runStart = -1;
  let runEnd = -1;
  let lines = 0;
  const flush = (): void => {
    if (lines >= 2) folds.push({ start: runStart, end: runEnd, comment: true });
    lines = 0;
  };
  for (let at = 0; at < seg.text.length; ) {
    const nl = seg.text.indexOf('\n', at);
    const end = nl < 0 ? seg.text.length : nl;
    const first = seg.text.slice(at, end).search(/\S/);
    const inBlock = blocks.some(([s, e]) => at > s && at < e);
    if (first >= 0 && seg.text[at + first] === '#' && !inBlock) {
      if (lines === 0) runStart = at + first;
      runEnd = trimEnd(seg.text, at, end);
      lines++;
    } else if (first >= 0) flush();
    at = end + 1;
  }
  flush();
  seg.cache.set(CACHE_KEY, folds);
  return folds;
}

/**
 * The folds of a pipeline. The `stages:` key of a file parsed in segments holds its stages in segments of
 * their own: its fold runs to the last of them, as in a file parsed whole.
 */
export function foldingRanges(analysis: Analysis): FoldingRange[] {
  const { parsed } = analysis;
  const lines = parsed.lines;
  const byStart = new Map<number, FoldingRange>();
  const push = (start: number, end: number, comment: boolean): void => {
    const startLine = lines.position(start).line;
    const endLine = lines.position(Math.max(start, end - 1)).line;
    if (endLine <= startLine) return;
    const known = byStart.get(startLine);
    if (known && known.endLine >= endLine) return;
    byStart.set(startLine, { startLine, endLine, ...(comment ? { kind: 'comment' } : {}) });
  };
  for (const seg of parsed.segments) for (const f of segmentFolds(seg)) push(seg.base + f.start, seg.base + f.end, f.comment);
  for (let i = 0; i < parsed.segments.length; i++) {
    const seg = parsed.segments[i]!;
    const stages = seg.kind === 'root' ? seg.entries.find((e) => e.key === 'stages' && !isCollection(e.value)) : undefined;
    if (!stages?.keyNode?.range) continue;
    let end = -1;
    for (let j = i + 1; j < parsed.segments.length && parsed.segments[j]!.kind === 'stages'; j++) {
      const next = parsed.segments[j]!;
      const last = next.map?.items[next.map.items.length - 1];
      const s = isPair(last) ? (span(last.value) ?? span(last.key)) : undefined;
      if (s) end = next.base + trimEnd(next.text, s[0], s[1]);
    }
    if (end > 0) push(seg.base + stages.keyNode.range[0], end, false);
  }
  return [...byStart.values()].sort((a, b) => a.startLine - b.startLine);
}
