// Text from the store or a workspace file (run names, commands, params, tags, column names, error
// messages) put into Markdown as text, never as markup: tooltips (VS Code's MarkdownString) and the run
// documents (shown in the Markdown preview, which renders HTML) go through these. No `vscode` import:
// tested in plain Node (test/unit/markdown.escape.test.ts).

/** Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all leaves no markup, link, autolink, entity or HTML tag. */
const PUNCTUATION = /[!-/:-@[-`{-~]/g;

/** `text` as inline Markdown text: all markup escaped, line breaks folded to spaces (a table row, a heading or a list item stays one line). */
export function md(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(PUNCTUATION, '\\$&');
}

/**
 * `text` as a code span: fenced with one backtick more than its longest run of backticks, padded with a
 * space where it starts or ends with a backtick or a space (CommonMark strips one of each), line breaks
 * folded to spaces. In a table cell pass `inTable`: a `|` is escaped there even inside a code span (GFM).
 */
export function codeSpan(text: string, inTable = false): string {
  let body = text.replace(/[\r\n]+/g, ' ');
  if (body === '') return '';
  if (inTable) body = body.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(body) ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** `text` cut to `max` characters (with an ellipsis), before escaping so an escape is never cut in half. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A Markdown table: headers and cells are Markdown already (escape store text with md()/codeSpan(…, true)); `right` aligns columns right. */
export function table(headers: string[], rows: string[][], right: number[] = []): string {
  const rule = headers.map((_, i) => (right.includes(i) ? '---:' : '---'));
  return [headers, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
