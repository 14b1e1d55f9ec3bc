// Formatting a pipeline: indentation normalised to 2 spaces (lists indented under their key), one space
// after `:` and `,`, flow mappings padded (`{ a: 1 }`) and flow lists not (`[a, b]`), comments, blank
// lines, key order, anchors, quoting and block scalars kept. It goes through the `yaml` package's Document
// (which keeps comments and order), with strings printed as they were written (only their continuation
// lines re-indented), so no value is re-quoted or re-folded. A document with a syntax error is not
// formatted; nor is one whose result would not read back to the same data with every comment kept.
import { isDeepStrictEqual } from 'node:util';
import { Lexer, parseDocument, visit, type Scalar, type ScalarTag, type Tags } from 'yaml';
import { stringTag } from 'yaml/util';
import type { TextEdit } from 'vscode-languageserver/node';
import { LineIndex } from '../engine/pipeline/lines';

const INDENT = 2;

/** The source of each string scalar, with the indentation of the line it starts on. */
type Sources = WeakMap<object, { source: string }>;

/** `text` with every line after the first re-indented to `indent` (its own indentation dropped). */
const reindentFlow = (source: string, indent: string): string => source.replace(/\n[ \t]*(?=[^\n])/g, `\n${indent}`);

/** A block scalar's source re-indented: its header as written, its lines moved from their indentation to `indent`. */
function reindentBlock(source: string, indent: string): string | undefined {
  const nl = source.indexOf('\n');
  const header = source.slice(0, nl);
  // an indentation indicator (`|2`), keep chomping (`|+`) or a comment on the header: printed by `yaml` itself
  if (!/^[|>]-?$/.test(header.trimEnd()) || indent === '') return undefined;
  const body = source.slice(nl + 1).replace(/\s+$/, '').split('\n');
  const own = Math.min(...body.filter((l) => l.trim() !== '').map((l) => l.search(/\S/)));
  if (!Number.isFinite(own)) return undefined;
  return `${header.trimEnd()}\n${body.map((l) => (l.trim() === '' ? '' : indent + l.slice(own))).join('\n')}`;
}

/** The `str` tag, printing a string as it was written when its source is known. */
function keepStrings(sources: Sources): (tags: Tags) => Tags {
  const stringify: ScalarTag['stringify'] = (item, ctx, onComment, onChompKeep) => {
    const known = sources.get(item as object);
    const scalar = item as Scalar;
    if (known && !scalar.comment) {
      if (scalar.type === 'BLOCK_LITERAL' || scalar.type === 'BLOCK_FOLDED') {
        const kept = ctx.inFlow || ctx.implicitKey ? undefined : reindentBlock(known.source, ctx.indent);
        if (kept !== undefined) return kept;
      } else if (!(ctx.implicitKey && known.source.includes('\n'))) {
        return reindentFlow(known.source, ctx.indent);
      }
    }
    return stringTag.stringify!(item, ctx, onComment, onChompKeep);
  };
  return (tags) => tags.map((t) => (typeof t === 'object' && 'tag' in t && t.tag === stringTag.tag ? { ...(t as ScalarTag), stringify } : t));
}

/** Comments in a YAML text, in order, as written (the lexer's comment tokens, trimmed). */
function comments(text: string): string[] {
  const out: string[] = [];
  for (const token of new Lexer().lex(text)) if (token.startsWith('#')) out.push(token.trimEnd());
  return out;
}

/** What the `yaml` lexer emits besides the source: byte-order mark, document start, flow end, scalar start. */
const LEXER_MARKERS = new Set(['\u{FEFF}', '\x02', '\x18', '\x1f']);

/** `[ a, b ]` → `[a, b]`: the printer pads flow lists and mappings alike; lists are written tight. */
function tightLists(text: string): string {
  const tokens = [...new Lexer().lex(text)];
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (LEXER_MARKERS.has(t)) continue; // the lexer's markers, not source
    if (t === ' ' && (tokens[i - 1] === '[' || tokens[i + 1] === ']')) continue;
    out += t;
  }
  return out;
}

/** The formatted text, or undefined when the text has YAML errors or formatting would change its data or comments. */
export function formatPipeline(text: string): string | undefined {
  const sources: Sources = new WeakMap();
  const options = { keepSourceTokens: false, prettyErrors: false, customTags: keepStrings(sources) } as const;
  const doc = parseDocument(text, options);
  if (doc.errors.length > 0) return undefined;
  visit(doc, {
    Scalar: (_key, node) => {
      if (typeof node.value === 'string' && node.range) sources.set(node, { source: text.slice(node.range[0], node.range[1]) });
    },
  });
  let out: string;
  try {
    out = tightLists(doc.toString({ indent: INDENT, indentSeq: true, lineWidth: 0, flowCollectionPadding: true }));
    const again = parseDocument(out, { prettyErrors: false });
    if (again.errors.length > 0) return undefined;
    if (!isDeepStrictEqual(again.toJS({ maxAliasCount: 1000 }), doc.toJS({ maxAliasCount: 1000 }))) return undefined;
  } catch {
    return undefined;
  }
  const before = comments(text);
  const after = comments(out);
  if (!isDeepStrictEqual([...before].sort(), [...after].sort())) return undefined;
  return out;
}

/** The edit that formats `text`: the changed lines replaced at once; none when nothing changes or it cannot be formatted. */
export function formattingEdits(text: string): TextEdit[] {
  const out = formatPipeline(text);
  if (out === undefined || out === text) return [];
  const a = text.split('\n');
  const b = out.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const lines = new LineIndex(text);
  const start = lines.lineStart(head);
  const end = tail === 0 ? text.length : lines.lineStart(a.length - tail);
  const changed = b.slice(head, b.length - tail);
  const replacement = tail === 0 ? changed.join('\n') : changed.map((l) => `${l}\n`).join('');
  return [{ range: lines.range(start, end), newText: replacement }];
}
