// Store text in rendered Markdown (the run tooltip, the run document, the comparison) stays text: checked
// by rendering the Markdown as VS Code's Markdown preview does (markdown-it, with HTML and linkify on).
import { strict as assert } from 'node:assert';
import MarkdownIt from 'markdown-it';
import type { RunDetail } from '../../src/engine/tracking/schemas';
import { codeSpan, md } from '../../src/views/markdown';
import { runTooltip } from '../../src/views/runMarkdown';

const renderer = new MarkdownIt({ html: true, linkify: true });
const render = (markdown: string): string => renderer.render(markdown);

/** The text a browser shows for some HTML (tags dropped, the few entities markdown-it writes decoded). */
const decode = (html: string): string => html.replace(/<[^>]*>/g, '').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const textOf = (html: string): string => decode(html).trim();

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '[click](command:sextant.doctor)',
  '![x](http://example.com/x.png)',
  'see http://example.com and www.example.com',
  '`',
  'a | b',
  '**bold** _em_ # not a heading',
  '&lt;img src=x&gt; &amp;',
  '</code><img src=x>',
  '1. not a list',
  '- not a list either',
  'back\\slash {braces} $(alert)',
];

/** No element that could load, link, run or style anything, and no tag from the text (<b>, <div>). */
function assertInert(html: string, where: string): void {
  assert.doesNotMatch(html, /<(img|a|script|iframe|style|svg|object|embed|b|div)[\s>]/i, `${where}: ${html}`);
}

/** Text alone: not even Markdown structure (headings, lists, emphasis, tables) comes out of it. */
function assertPlain(html: string, where: string): void {
  assertInert(html, where);
  assert.doesNotMatch(html, /<(h[1-6]|ol|ul|li|em|strong|table|pre)[\s>]/i, `${where}: ${html}`);
}

function run(overrides: Partial<RunDetail> = {}): RunDetail {
  return {
    id: 'abc123def456',
    experiment: 'penguins',
    experimentId: 1,
    name: 'run',
    status: 'finished',
    parentId: null,
    createdAt: 0,
    startedAt: 1_000,
    endedAt: 61_000,
    gitCommit: null,
    gitDirty: null,
    command: null,
    cwd: null,
    host: null,
    pid: null,
    pythonVersion: null,
    nodeVersion: null,
    gpu: null,
    exitCode: 0,
    logPath: null,
    deleted: false,
    params: {},
    tags: {},
    metrics: {},
    history: {},
    artifacts: [],
    children: [],
    ...overrides,
  };
}

/** The cells of each body row of the first table in some HTML. */
function tableRows(html: string, nth = 0): string[][] {
  const table = html.split('<table>')[nth + 1]!.split('</table>')[0]!;
  const body = table.split('<tbody>')[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => textOf(c[1]!)));
}

describe('Markdown: store text is escaped (src/views/markdown.ts)', () => {
  it('md(): hostile text renders inert and reads as itself', () => {
    for (const text of HOSTILE) {
      const html = render(md(text));
      assertPlain(html, text);
      assert.equal(textOf(html), text.replace(/\s+/g, ' '), `text of ${JSON.stringify(text)}`);
    }
  });

  it('md(): a line break cannot start a block (heading, list, table, HTML block)', () => {
    const html = render(`cell ${md('x\n# heading\n<div onclick=x>\n| a | b |')}`);
    assertPlain(html, 'multi-line');
  });

  it('codeSpan(): the fence is longer than any backtick run inside, so the span cannot be closed early', () => {
    for (const text of ['a`b', 'a``b```c', '`starts', 'ends`', '``', '</code><img src=x onerror=alert(1)>', ' padded ']) {
      const html = render(codeSpan(text));
      assertInert(html, text);
      const code = /<code>([\s\S]*)<\/code>/.exec(html);
      assert.ok(code, `one code span for ${JSON.stringify(text)}: ${html}`);
      assert.equal(decode(code[1]!), text, `code text of ${JSON.stringify(text)}`);
    }
  });
});

describe('Markdown: runs rendered (src/views/runMarkdown.ts)', () => {
  const evil = run({
    name: '<img src=x onerror=alert(1)>',
    experiment: '[click](command:sextant.doctor)',
    command: 'python train.py --msg "`whoami`" </code><img src=x onerror=alert(2)>',
    gitCommit: '0123456789abcdef',
    host: '<b>host</b>',
    gpu: '$(alert) ![x](http://example.com/p.png)',
    params: { 'lr|x': '0.1 | 0.2', note: '[click](command:workbench.action.terminal.new)', html: '<iframe src=x>' },
    tags: { '`': '|', 'sextant.stage': 'train' },
    metrics: { 'loss|<b>': { key: 'loss|<b>', last: 0.5, step: 3, timestamp: 0, min: 0.4, max: 0.9, count: 4 } },
    history: {},
    artifacts: [{ path: 'models/<img src=x>.onnx', sha256: 'a'.repeat(64), size: 10, mediaType: 'text/html<script>', createdAt: 0, file: '/x' }],
  });

  it('the tooltip: inert, the param table keeps two cells per row', () => {
    const html = render(runTooltip(evil, 61_000));
    assertInert(html, 'tooltip');
    assert.match(textOf(html), /^<img src=x onerror=alert\(1\)> · finished · 1m 0s|^<img src=x onerror=alert\(1\)> · finished · /);
    assert.deepEqual(tableRows(html, 1), [
      ['lr|x', '0.1 | 0.2'],
      ['note', '[click](command:workbench.action.terminal.new)'],
      ['html', '<iframe src=x>'],
    ]);
  });
});
