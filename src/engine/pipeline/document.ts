// Parsing sextant.yaml with exact positions, incrementally.
//
// A pipeline is a block mapping whose `stages:` can hold a thousand stages. Parsing 10k lines with the
// `yaml` package takes ~100 ms, too slow to re-run on every keystroke, so the text is cut into segments
// that YAML itself keeps independent: each top-level key (a line at column 0) and each stage (a line at
// the stages' own indentation). A segment whose text is unchanged since the last parse is reused with
// its parsed nodes and cached analysis; only edited segments are parsed again. Offsets inside a segment
// are local: `seg.base + local` is the document offset. When the text cannot be cut safely (document
// markers, directives, tab indentation, a root that is not a block mapping, an alias to an anchor in
// another segment), the whole file is parsed as one segment, which gives the same results, slower.
import { isAlias, isCollection, isMap, isNode, isPair, isScalar, isSeq, parseDocument, visit, YAMLMap, YAMLSeq, type Document, type Node, type Pair, type Scalar } from 'yaml';
import { LineIndex } from './lines';
import { isMergePair, setMergedPairs } from './nodes';

/** Largest pipeline file checked (characters); a larger one gets one diagnostic instead. */
const MAX_PIPELINE_CHARS = 2_000_000;
/** Aliases a value may expand to before it is refused (billion laughs). */
const MAX_ALIAS_COUNT = 100;

export interface SyntaxProblem {
  start: number;
  end: number;
  message: string;
  code: string;
  warning: boolean;
}

export interface Segment {
  text: string;
  /** Document offset of the segment's first character; updated when the segment is reused. */
  base: number;
  /** Whether its root mapping holds top-level keys or stages. */
  kind: 'root' | 'stages';
  doc: Document.Parsed;
  /** The segment's root mapping, when it is one. */
  map: YAMLMap<unknown, unknown> | undefined;
  /** Local offsets. */
  problems: SyntaxProblem[];
  /** Keys of its root mapping (for a 'stages' segment: stages). */
  entries: Entry[];
  /** For a root segment that holds `stages:` as a block: its stages. */
  stageEntries: Entry[];
  /** Results of analysis that depend on this segment's text only, by name. */
  cache: Map<string, unknown>;
}

/** One key of the root mapping, or one stage. */
export interface Entry {
  key: string;
  seg: Segment;
  pair: Pair<unknown, unknown>;
  keyNode: Scalar | undefined;
  value: Node | null;
  /** Plain value (aliases expanded up to MAX_ALIAS_COUNT; undefined when refused). */
  js: unknown;
}

export interface ParsedPipeline {
  text: string;
  lines: LineIndex;
  segments: Segment[];
  /** Root keys in order (duplicates kept). */
  top: Entry[];
  /** Stages in order (duplicates kept), whether written in segments or inside one. */
  stages: Entry[];
  /** How it was parsed, for tests and the bench. */
  mode: 'segmented' | 'whole' | 'refused';
  /** Why the file was not parsed at all (too large, binary), when so. */
  refused?: { code: string; message: string };
  /** Segments parsed anew (not reused) in this parse. */
  parsedSegments: number;
  /** Results the analysis keeps from one parse to the next of the same document (see analyze.ts). */
  memo: Map<string, unknown>;
}

function parseSegment(text: string, base: number, kind: Segment['kind']): Segment {
  const doc = parseDocument(text, { keepSourceTokens: false, uniqueKeys: false, prettyErrors: false, merge: true });
  applyMergeKeys(doc);
  const problems: SyntaxProblem[] = [];
  for (const e of doc.errors) problems.push({ start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1), message: firstLine(e.message), code: e.code, warning: false });
  for (const w of doc.warnings) problems.push({ start: w.pos[0], end: Math.max(w.pos[1], w.pos[0] + 1), message: firstLine(w.message), code: w.code, warning: true });
  const map = isMap(doc.contents) ? (doc.contents as YAMLMap<unknown, unknown>) : undefined;
  const seg: Segment = { text, base, kind, doc, map, problems, entries: [], stageEntries: [], cache: new Map() };
  if (map) {
    seg.entries = entriesOf(seg, map);
    if (kind === 'root') for (const e of seg.entries) if (e.key === 'stages' && isMap(e.value)) seg.stageEntries.push(...entriesOf(seg, e.value as YAMLMap<unknown, unknown>));
  }
  return seg;
}

/**
 * YAML merge keys (`<<: *defaults`, `<<: [*a, *b]`): records, for each mapping that has one, its pairs with
 * the merged ones (./nodes.ts `pairs`, `pairOf`), so the checks read a merged stage as the runner does
 * (`toJS` merges too). Aliases resolve as YAML does: to the last anchor of that name before them.
 */
function applyMergeKeys(doc: Document.Parsed): void {
  const anchors = new Map<string, unknown>();
  const targets = new Map<unknown, unknown>();
  const withMerge: YAMLMap<unknown, unknown>[] = [];
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if (node.anchor) anchors.set(node.anchor, node);
      if (isMap(node) && node.items.some(isMergePair)) withMerge.push(node as YAMLMap<unknown, unknown>);
    },
  });
  if (withMerge.length === 0) return;
  const done = new Map<unknown, Pair<unknown, unknown>[]>();
  const effective = (map: YAMLMap<unknown, unknown>, seen: Set<unknown>): Pair<unknown, unknown>[] => {
    const known = done.get(map);
    if (known) return known;
    const own = map.items.filter((p) => isPair(p) && !isMergePair(p)) as Pair<unknown, unknown>[];
    if (seen.has(map) || !map.items.some(isMergePair)) return own;
    seen.add(map);
    const out = [...own];
    const keys = new Set(own.map((p) => (isScalar(p.key) ? String(p.key.value) : p.key)));
    for (const m of map.items.filter(isMergePair)) {
      const value = (m as Pair<unknown, unknown>).value;
      for (const item of isSeq(value) ? value.items : [value]) {
        const source = isAlias(item) ? targets.get(item) : item;
        if (!isMap(source)) continue;
        for (const p of effective(source as YAMLMap<unknown, unknown>, seen)) {
          const k = isScalar(p.key) ? String(p.key.value) : p.key;
          if (keys.has(k)) continue;
          keys.add(k);
          out.push(p);
        }
      }
    }
    done.set(map, out);
    return out;
  };
  for (const map of withMerge) setMergedPairs(map, effective(map, new Set()));
}

/**
 * The plain value of a node, aliases expanded up to MAX_ALIAS_COUNT. An alias that cannot be expanded (its
 * anchor is not defined before it, or it expands past the limit) is reported at the alias itself and left
 * out of the value, so the rest of the value (the stage's `run:`) still counts.
 */
function plain(seg: Segment, node: unknown): unknown {
  if (!isNode(node)) return node ?? null;
  try {
    return node.toJS(seg.doc, { maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const bad = new Set<unknown>();
    let limitReported = false;
    const kept: Node[] = [];
    visit(node, {
      Pair: (_key, pair) => {
        // `<<: 5`, `<<: [*list]`: a merge whose source is not a mapping, said once at the value
        if (!isMergePair(pair) || !isNode(pair.value)) return;
        const value = pair.value;
        const sources = isSeq(value) ? value.items : [value];
        const wrong = sources.some((item) => (isAlias(item) ? !isMap(item.resolve(seg.doc) ?? new YAMLMap()) : !isMap(item)));
        if (!wrong) return;
        bad.add(value);
        report(seg, value, 'MERGE_SOURCE', '`<<` merges mappings into this one: write `<<: *name` with the anchor &name on a mapping, or a list of such aliases');
      },
      Alias: (_key, alias) => {
        if (!alias.resolve(seg.doc)) {
          bad.add(alias);
          report(seg, alias, 'UNRESOLVED_ALIAS', `Unresolved alias "*${alias.source}": define the anchor &${alias.source} before this alias`);
          return;
        }
        try {
          // with the aliases kept so far, in document order: the limit counts every expansion of the value
          const together = new YAMLSeq();
          together.items.push(...kept, alias);
          together.toJS(seg.doc, { maxAliasCount: MAX_ALIAS_COUNT });
          kept.push(alias);
        } catch {
          bad.add(alias);
          if (!limitReported) report(seg, alias, 'ALIAS_LIMIT', `Aliases expand to too many values (more than ${MAX_ALIAS_COUNT}); write the values out instead of nesting aliases`);
          limitReported = true;
        }
      },
    });
    try {
      if (bad.size > 0) {
        const copy = node.clone();
        without(node, copy, bad);
        return copy.toJS(seg.doc, { maxAliasCount: MAX_ALIAS_COUNT });
      }
    } catch {
      // the aliases together still expand too far: reported below
    }
    const message = (err as Error).message;
    const limit = `Aliases expand to too many values (more than ${MAX_ALIAS_COUNT}); write the values out instead of nesting aliases`;
    const first = [...bad][0] as Node | undefined;
    if (!first) report(seg, node, /alias/i.test(message) ? 'ALIAS_LIMIT' : 'YAML_ERROR', /alias/i.test(message) ? limit : `Cannot read this YAML: ${firstLine(message)}`);
    else if (!limitReported) report(seg, first, 'ALIAS_LIMIT', limit);
    return undefined;
  }
}

/** Records a problem at a node (its first line), once per place and code. */
function report(seg: Segment, node: Node, code: string, message: string): void {
  const r = node.range ?? [0, 0, 0];
  const lineEnd = seg.text.indexOf('\n', r[0]);
  const end = Math.max(Math.min(r[1], lineEnd < 0 ? seg.text.length : lineEnd), r[0] + 1);
  if (seg.problems.some((p) => p.start === r[0] && p.code === code)) return;
  seg.problems.push({ start: r[0], end, message, code, warning: false });
}

/** Removes from `copy` (a clone of `orig`) the items and pairs whose value is one of `bad` (nodes of `orig`). */
function without(orig: unknown, copy: unknown, bad: Set<unknown>): void {
  if (!isCollection(orig) || !isCollection(copy)) return;
  const keep: unknown[] = [];
  orig.items.forEach((item, i) => {
    const c = copy.items[i];
    if (bad.has(item) || (isPair(item) && bad.has(item.value))) return;
    if (isPair(item) && isPair(c)) without(item.value, c.value, bad);
    else without(item, c, bad);
    keep.push(c);
  });
  copy.items = keep;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
}

interface Cut {
  start: number;
  kind: Segment['kind'];
}

const UNSAFE_LINE = /^(---|\.\.\.)(\s|$)|^%/;

const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;
const HASH = 35;
const DASH = 45;
const QUESTION = 63;
const BRACKET = 91;
const BRACE = 123;

/** Where to cut the text into segments, or undefined when it must be parsed whole. */
function cutPoints(text: string): Cut[] | undefined {
  const cuts: Cut[] = [];
  let inStages = false; // after a `stages:` header with a block value
  let childIndent = -1;
  let sawContent = false;
  const length = text.length;
  for (let start = 0; start <= length; ) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? length : nl;
    const lineStart = start;
    start = end + 1;
    if (lineStart >= length) break;
    const c = text.charCodeAt(lineStart);
    if (c === LF || c === CR || c === HASH) continue;
    if (c === TAB) return undefined;
    if (c === SPACE) {
      // indented: content of the current top-level key
      let i = lineStart;
      while (i < end && text.charCodeAt(i) === SPACE) i++;
      if (i >= end) continue;
      const d = text.charCodeAt(i);
      if (d === CR || d === HASH) continue;
      if (d === TAB) return undefined;
      if (!sawContent) return undefined; // the root is indented or not a mapping
      if (inStages) {
        const indent = i - lineStart;
        if (childIndent < 0) {
          if (d === DASH || d === QUESTION || d === BRACKET || d === BRACE) {
            inStages = false; // not a block mapping of stages: keep it in one segment
            continue;
          }
          childIndent = indent;
        }
        if (indent < childIndent) return undefined;
        if (indent === childIndent) {
          if (d === DASH || d === QUESTION) return undefined;
          cuts.push({ start: lineStart, kind: 'stages' });
        }
      }
      continue;
    }
    // a line at column 0
    const lineText = text.slice(lineStart, end > lineStart && text.charCodeAt(end - 1) === CR ? end - 1 : end);
    if (UNSAFE_LINE.test(lineText)) return undefined;
    if (!/^[A-Za-z0-9_"'.$-]/.test(lineText) || lineText.startsWith('- ') || lineText === '-') return undefined;
    sawContent = true;
    cuts.push({ start: lineStart, kind: 'root' });
    inStages = /^stages\s*:\s*(#.*)?$/.test(lineText);
    childIndent = -1;
  }
  if (cuts.length === 0) return undefined;
  cuts[0] = { start: 0, kind: 'root' }; // leading comments belong to the first segment
  return cuts.length > MAX_SEGMENTS ? group(cuts, Math.ceil(cuts.length / MAX_SEGMENTS)) : cuts;
}

/** Most segments a document is cut into: beyond, neighbouring keys share a segment (each parse has a fixed cost). */
const MAX_SEGMENTS = 2000;

function group(cuts: Cut[], size: number): Cut[] {
  const out: Cut[] = [];
  let run = 0;
  for (const cut of cuts) {
    const last = out[out.length - 1];
    if (last && last.kind === cut.kind && run < size) {
      run++;
      continue;
    }
    out.push(cut);
    run = 1;
  }
  return out;
}

const CHUNK = 2048;

/** Lengths of the common prefix and suffix of two texts (not overlapping), comparing natively by chunks. */
function commonEnds(a: string, b: string): [number, number] {
  const max = Math.min(a.length, b.length);
  let p = 0;
  while (p + CHUNK <= max && a.slice(p, p + CHUNK) === b.slice(p, p + CHUNK)) p += CHUNK;
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  let s = 0;
  const room = max - p;
  while (s + CHUNK <= room && a.slice(a.length - s - CHUNK, a.length - s) === b.slice(b.length - s - CHUNK, b.length - s)) s += CHUNK;
  while (s < room && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  return [p, s];
}

/** Parses pipelines, reusing the segments of the previous parse that did not change. One per document. */
export class PipelineParser {
  private previous: { text: string; byStart: Map<number, Segment> } | undefined;
  private readonly memo = new Map<string, unknown>();

  parse(text: string): ParsedPipeline {
    let lineIndex: LineIndex | undefined;
    const lazyLines = { get lines(): LineIndex { return (lineIndex ??= new LineIndex(text)); } };
    const refused = refusal(text);
    if (refused) {
      this.previous = undefined;
      return Object.assign(lazyLines, { text, segments: [], top: [], stages: [], mode: 'refused' as const, refused, parsedSegments: 0, memo: this.memo });
    }
    const cuts = cutPoints(text);
    const prev = this.previous;
    const [prefix, suffix] = prev ? commonEnds(prev.text, text) : [0, 0];
    const delta = text.length - (prev?.text.length ?? 0);
    let parsedSegments = 0;
    /** A segment from the previous parse when its text lies wholly in the unchanged prefix or suffix. */
    const take = (start: number, end: number, kind: Segment['kind']): Segment => {
      if (prev) {
        let old: Segment | undefined;
        if (end <= prefix) old = prev.byStart.get(start);
        else if (start >= text.length - suffix) old = prev.byStart.get(start - delta);
        if (old && old.kind === kind && old.text.length === end - start && !used.has(old)) {
          used.add(old);
          old.base = start;
          return old;
        }
      }
      parsedSegments++;
      return parseSegment(text.slice(start, end), start, kind);
    };
    const used = new Set<Segment>();
    let mode: ParsedPipeline['mode'] = 'segmented';
    let segments: Segment[];
    if (cuts && cuts.length > 1) {
      segments = cuts.map((cut, i) => take(cut.start, cuts[i + 1]?.start ?? text.length, cut.kind));
      if (segments.some((s) => s.problems.some((p) => p.code === 'UNRESOLVED_ALIAS'))) {
        // an alias refers to an anchor in another segment: only the whole document resolves it
        segments = [parseSegment(text, 0, 'root')];
        parsedSegments = 1;
        mode = 'whole';
      }
    } else {
      segments = [take(0, text.length, 'root')];
      mode = 'whole';
    }
    this.previous = { text, byStart: new Map(segments.map((s) => [s.base, s])) };
    return Object.assign(lazyLines, { text, segments, ...entries(segments), mode, parsedSegments, memo: this.memo });
  }
}

function refusal(text: string): ParsedPipeline['refused'] {
  if (text.length > MAX_PIPELINE_CHARS) {
    return {
      code: 'file-too-large',
      message: `This file has ${(text.length / 1e6).toFixed(1)} million characters; Sextant checks pipeline files up to ${MAX_PIPELINE_CHARS / 1e6} million. Split the pipeline or move data out of it.`,
    };
  }
  const sample = text.slice(0, 8192);
  let control = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 0) return { code: 'not-text', message: 'This file is not text (it holds NUL bytes). A pipeline is a YAML text file.' };
    if (c < 9 || (c > 13 && c < 32) || c === 0xfffd) control++;
  }
  if (sample.length > 0 && control / sample.length > 0.05) return { code: 'not-text', message: 'This file looks binary, not YAML text. A pipeline is a YAML text file.' };
  return undefined;
}

function keyText(pair: Pair<unknown, unknown>): string | undefined {
  const k = pair.key;
  if (isScalar(k)) return k.value === null || k.value === undefined ? '' : String(k.value);
  return undefined;
}

function entriesOf(seg: Segment, map: YAMLMap<unknown, unknown>): Entry[] {
  const out: Entry[] = [];
  for (const pair of map.items) {
    if (!isPair(pair)) continue;
    const key = keyText(pair);
    if (key === undefined) continue;
    const value = (pair.value as Node | null) ?? null;
    out.push({ key, seg, pair, keyNode: isScalar(pair.key) ? (pair.key as Scalar) : undefined, value, js: plain(seg, value) });
  }
  return out;
}

function entries(segments: Segment[]): { top: Entry[]; stages: Entry[] } {
  const top: Entry[] = [];
  const stages: Entry[] = [];
  for (const seg of segments) {
    if (seg.kind === 'stages') stages.push(...seg.entries);
    else {
      top.push(...seg.entries);
      stages.push(...seg.stageEntries);
    }
  }
  return { top, stages };
}
