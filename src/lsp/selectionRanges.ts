// Selection ranges ("expand selection"): from the scalar under the cursor to its pair, the mapping or list
// that holds it, the pair above, and so on up to the stage, `stages:` and the whole pipeline. A file parsed
// in segments (src/engine/pipeline/document.ts) gives the same chain as one parsed whole: a stage's
// segment continues with the stages mapping and the `stages:` pair it belongs to.
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Position, SelectionRange } from 'vscode-languageserver/node';
import type { Analysis } from '../engine/pipeline/analyze';
import type { Segment } from '../engine/pipeline/document';
import { span } from '../engine/pipeline/nodes';
import { trimEnd } from './folding';

type Span = [number, number];

/** The spans containing `offset` inside one node, outermost first (segment-local offsets). */
function inside(seg: Segment, node: unknown, offset: number, out: Span[]): void {
  const s = span(node);
  if (!s) return;
  const own: Span = [s[0], trimEnd(seg.text, s[0], s[1])];
  if (offset < own[0] || offset > own[1]) return;
  out.push(own);
  if (isScalar(node) || isAlias(node) || !isCollection(node)) return;
  for (const item of node.items) {
    if (isPair(item)) {
      const k = span(item.key);
      const v = span(item.value);
      if (!k) continue;
      const end = v ? trimEnd(seg.text, v[0], v[1]) : k[1];
      if (offset < k[0] || offset > end) continue;
      out.push([k[0], end]);
      if (offset <= k[1]) out.push([k[0], k[1]]);
      else inside(seg, item.value, offset, out);
      return;
    }
    const i = span(item);
    if (i && offset >= i[0] && offset <= trimEnd(seg.text, i[0], i[1])) {
      inside(seg, item, offset, out);
      return;
    }
  }
}

/** The stages mapping and the `stages:` pair around the stage segments from `index`, when written in segments (document offsets). */
function stagesAround(analysis: Analysis, index: number): Span[] {
  const segs = analysis.parsed.segments;
  let first = index;
  while (first > 0 && segs[first - 1]!.kind === 'stages') first--;
  let last = index;
  while (last + 1 < segs.length && segs[last + 1]!.kind === 'stages') last++;
  const header = segs[first - 1];
  const stages = header?.entries.find((e) => e.key === 'stages');
  const keyStart = stages?.keyNode?.range?.[0];
  const lastSeg = segs[last]!;
  const lastMap = span(lastSeg.map);
  const firstMap = span(segs[first]!.map);
  if (!header || keyStart === undefined || !lastMap || !firstMap) return [];
  const end = lastSeg.base + trimEnd(lastSeg.text, lastMap[0], lastMap[1]);
  return [[header.base + keyStart, end], [segs[first]!.base + firstMap[0], end]];
}

/** The selection ranges at each position, innermost first, each inside its parent. */
export function selectionRanges(analysis: Analysis, positions: Position[]): SelectionRange[] {
  const { parsed } = analysis;
  const text = parsed.text;
  const lines = parsed.lines;
  const contentStart = text.search(/\S/);
  const whole: Span[] = [[0, text.length]];
  if (contentStart >= 0) whole.push([contentStart, trimEnd(text, contentStart, text.length)]);
  return positions.map((position) => {
    const offset = lines.offset(position);
    const spans: Span[] = [...whole];
    // segments are contiguous from offset 0: the first that ends after the offset, else the last
    const after = parsed.segments.findIndex((s) => offset < s.base + s.text.length);
    const index = after >= 0 ? after : parsed.segments.length - 1;
    const seg = parsed.segments[index];
    if (seg) {
      if (seg.kind === 'stages') spans.push(...stagesAround(analysis, index));
      const local: Span[] = [];
      const root = seg.doc.contents;
      // the segment's own root mapping is part of the file's root mapping (or of the stages): its items only
      if (isMap(root) || isSeq(root)) {
        const probe: Span[] = [];
        inside(seg, root, offset - seg.base, probe);
        local.push(...probe.slice(1));
      } else inside(seg, root, offset - seg.base, local);
      spans.push(...local.map(([s, e]): Span => [seg.base + s, seg.base + e]));
    }
    // outermost first → a chain innermost first, each range inside the next, no repeats
    let parent: SelectionRange | undefined;
    let outer: Span | undefined;
    for (const s of spans) {
      if (outer && (s[0] < outer[0] || s[1] > outer[1] || (s[0] === outer[0] && s[1] === outer[1]))) continue;
      parent = { range: lines.range(s[0], s[1]), ...(parent ? { parent } : {}) };
      outer = s;
    }
    return parent ?? { range: lines.range(offset, offset) };
  });
}
