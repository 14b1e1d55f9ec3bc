// The editor features YAML users already have, over the real LSP (a server process on stdio): folding,
// selection ranges, links to files, formatting that keeps comments and order, semantic tokens for
// expressions and stage references.
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Lexer, parse } from 'yaml';
import { buildServer } from '../support/buildServer';
import { LspClient, offsetAt, type Pos } from '../support/lspClient';
import { tempDir } from './tempDir';

interface Range {
  start: Pos;
  end: Pos;
}
interface FoldingRange {
  startLine: number;
  endLine: number;
  kind?: string;
}
interface SelectionRange {
  range: Range;
  parent?: SelectionRange;
}
interface TextEdit {
  range: Range;
  newText: string;
}

const DEMO = readFileSync('media/demo/sextant.yaml', 'utf8');

/** A pipeline with comments, params, datasets, a folded block with expressions, scripts, deps and outs. */
const PIPELINE = [
  '# A pipeline for the feature tests.',
  '# Two comment lines fold together.',
  'version: 1',
  'name: features',
  'params:',
  '  lr: 0.1',
  '  name: base',
  '  tags: [prod, nightly]',
  'datasets:',
  '  train:',
  '    path: data/train.csv',
  '    label: y',
  'stages:',
  '  prep:',
  '    run: python prep.py --out out/clean.csv && bash scripts/run.sh',
  '    deps: [data/train.csv, prep.py, missing.csv, ../outside.py, escape.py, data]',
  '    outs: [out/clean.csv]',
  '  train:',
  '    needs: [prep]',
  '    run: >',
  '      python train.py --lr ${{ params.lr }}',
  "      --tag ${{ format('{0}-x', params.name) == 'a' }}",
  "      --prod ${{ contains(params.tags,",
  "        'prod') && !false }}",
  '    deps: [out/clean.csv, missing.py]',
  '    outs:',
  '      - models/m.onnx',
  '  report:',
  '    needs: [train, prep]',
  '    run: "echo \\"${{ params.name }}\\" > report.txt"',
  '',
].join('\n');

/** 0-based line of the first line that starts (after indentation) with `prefix`. */
const lineOf = (text: string, prefix: string): number => text.split('\n').findIndex((l) => l.trimStart().startsWith(prefix));
const lastContentLine = (text: string): number => text.trimEnd().split('\n').length - 1;
const textOf = (text: string, r: Range): string => text.slice(offsetAt(text, r.start), offsetAt(text, r.end));

/** Applies LSP text edits to a text. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => offsetAt(text, b.range.start) - offsetAt(text, a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offsetAt(text, e.range.start)) + e.newText + out.slice(offsetAt(text, e.range.end));
  return out;
}

const comments = (text: string): string[] => [...new Lexer().lex(text)].filter((t) => t.startsWith('#')).map((t) => t.trimEnd());

describe('pipeline language server: editor features (folding, selection, links, formatting, semantic tokens)', function () {
  this.timeout(60_000);
  let server: string;
  let client: LspClient;
  let dir: string;
  let version = 1;
  let legend: { tokenTypes: string[]; tokenModifiers: string[] };

  before(async () => {
    server = await buildServer();
  });

  beforeEach(async () => {
    const parent = tempDir('sextant-lsp-features-');
    dir = join(parent, 'ws');
    mkdirSync(join(dir, 'data'), { recursive: true });
    mkdirSync(join(dir, 'scripts'));
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'data', 'train.csv'), 'x,y\n1,0\n');
    for (const f of ['prep.py', 'train.py', 'scripts/run.sh', 'out/clean.csv']) writeFileSync(join(dir, f), '');
    writeFileSync(join(parent, 'outside.py'), '');
    symlinkSync(join(parent, 'outside.py'), join(dir, 'escape.py'));
    client = LspClient.spawn(process.execPath, [server, '--stdio']);
    const init = (await client.initialize(pathToFileURL(dir).toString())) as { capabilities: Record<string, unknown> };
    const caps = init.capabilities;
    assert.equal(caps.foldingRangeProvider, true);
    assert.equal(caps.selectionRangeProvider, true);
    assert.equal(caps.documentFormattingProvider, true);
    assert.ok(caps.documentLinkProvider);
    legend = (caps.semanticTokensProvider as { legend: typeof legend }).legend;
  });

  afterEach(async () => {
    await client.stop();
  });

  async function open(name: string, text: string): Promise<string> {
    const uri = pathToFileURL(join(dir, name)).toString();
    await client.openDocument(uri, text, version++);
    return uri;
  }

  describe('folding ranges', () => {
    it('folds stages, each stage, params, datasets, block scalars and comment runs, the same whether the file is parsed in segments or whole', async () => {
      const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: await open('sextant.yaml', PIPELINE) } });
      const at = (startLine: number): FoldingRange | undefined => folds.find((f) => f.startLine === startLine);
      const last = lastContentLine(PIPELINE);
      assert.deepEqual(at(0), { startLine: 0, endLine: 1, kind: 'comment' });
      assert.deepEqual(at(lineOf(PIPELINE, 'params:')), { startLine: lineOf(PIPELINE, 'params:'), endLine: lineOf(PIPELINE, 'tags:') });
      assert.deepEqual(at(lineOf(PIPELINE, 'datasets:')), { startLine: lineOf(PIPELINE, 'datasets:'), endLine: lineOf(PIPELINE, 'label: y') });
      assert.deepEqual(at(lineOf(PIPELINE, 'stages:')), { startLine: lineOf(PIPELINE, 'stages:'), endLine: last });
      assert.deepEqual(at(lineOf(PIPELINE, 'prep:')), { startLine: lineOf(PIPELINE, 'prep:'), endLine: lineOf(PIPELINE, 'outs: [out/clean.csv]') });
      assert.deepEqual(at(lineOf(PIPELINE, 'train:')), { startLine: lineOf(PIPELINE, 'train:'), endLine: lineOf(PIPELINE, 'label: y') }, 'the dataset');
      const trainStage = PIPELINE.split('\n').findIndex((l, i) => l === '  train:' && i > lineOf(PIPELINE, 'stages:'));
      assert.deepEqual(at(trainStage), { startLine: trainStage, endLine: lineOf(PIPELINE, '- models/m.onnx') });
      assert.deepEqual(at(lineOf(PIPELINE, 'run: >')), { startLine: lineOf(PIPELINE, 'run: >'), endLine: lineOf(PIPELINE, "'prod') && !false") });
      assert.deepEqual(at(lineOf(PIPELINE, 'report:')), { startLine: lineOf(PIPELINE, 'report:'), endLine: last });
      // a file parsed whole (a document marker) folds the same, one line down
      const whole = await client.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: await open('whole.sextant.yaml', `---\n${PIPELINE}`) } });
      assert.deepEqual(whole.map((f) => ({ ...f, startLine: f.startLine - 1, endLine: f.endLine - 1 })), folds);
    });
  });

  describe('selection ranges', () => {
    it('expands from a scalar to its list, pair, stage, stages and the file, the same in segments and whole', async () => {
      const uri = await open('sextant.yaml', PIPELINE);
      const line = lineOf(PIPELINE, 'deps: [data/train.csv, prep.py');
      const position = { line, character: PIPELINE.split('\n')[line]!.indexOf('prep.py') + 2 };
      const [chain] = await client.request<SelectionRange[]>('textDocument/selectionRange', { textDocument: { uri }, positions: [position] });
      const texts: string[] = [];
      for (let r: SelectionRange | undefined = chain; r; r = r.parent) texts.push(textOf(PIPELINE, r.range));
      assert.equal(texts[0], 'prep.py');
      assert.equal(texts[1], '[data/train.csv, prep.py, missing.csv, ../outside.py, escape.py, data]');
      assert.equal(texts[2], 'deps: [data/train.csv, prep.py, missing.csv, ../outside.py, escape.py, data]');
      assert.match(texts[3]!, /^run: python prep\.py[\s\S]*outs: \[out\/clean\.csv\]$/, 'the stage mapping');
      assert.match(texts[4]!, /^prep:\n {4}run:[\s\S]*outs: \[out\/clean\.csv\]$/, 'the stage');
      assert.match(texts[5]!, /^prep:[\s\S]*> report\.txt"$/, 'the stages mapping');
      assert.match(texts[6]!, /^stages:\n {2}prep:[\s\S]*> report\.txt"$/, 'stages:');
      assert.equal(texts[7], PIPELINE.trimEnd(), 'the pipeline');
      assert.equal(texts[8], PIPELINE, 'the file');
      assert.equal(texts.length, 9);
      const wholeText = `---\n${PIPELINE}`;
      const wholeUri = await open('whole.sextant.yaml', wholeText);
      const [wholeChain] = await client.request<SelectionRange[]>('textDocument/selectionRange', { textDocument: { uri: wholeUri }, positions: [{ line: line + 1, character: position.character }] });
      const wholeTexts: string[] = [];
      for (let r: SelectionRange | undefined = wholeChain; r; r = r.parent) wholeTexts.push(textOf(wholeText, r.range));
      assert.deepEqual(wholeTexts.slice(0, 7), texts.slice(0, 7));
    });
  });

  describe('document links', () => {
    it('links dataset paths, deps, outs and the scripts of run: to files that exist inside the workspace, and nothing else', async () => {
      const uri = await open('sextant.yaml', PIPELINE);
      const links = await client.request<{ range: Range; target: string }[]>('textDocument/documentLink', { textDocument: { uri } });
      const seen = links.map((l) => `${lineOf(PIPELINE, PIPELINE.split('\n')[l.range.start.line]!.trimStart())}:${textOf(PIPELINE, l.range)} → ${l.target.slice(pathToFileURL(dir).toString().length + 1)}`);
      const L = (prefix: string): number => lineOf(PIPELINE, prefix);
      assert.deepEqual(seen, [
        `${L('path: data/train.csv')}:data/train.csv → data/train.csv`,
        `${L('deps: [data/train.csv, prep.py')}:data/train.csv → data/train.csv`,
        `${L('deps: [data/train.csv, prep.py')}:prep.py → prep.py`,
        `${L('outs: [out/clean.csv]')}:out/clean.csv → out/clean.csv`,
        `${L('run: python prep.py')}:prep.py → prep.py`,
        `${L('run: python prep.py')}:out/clean.csv → out/clean.csv`,
        `${L('run: python prep.py')}:scripts/run.sh → scripts/run.sh`,
        `${L('deps: [out/clean.csv, missing.py]')}:out/clean.csv → out/clean.csv`,
        `${L('python train.py')}:train.py → train.py`,
      ]);
      // missing.csv, missing.py, models/m.onnx and report.txt do not exist; ../outside.py and escape.py (a link) lead out; data is a folder
      // a file that appears (the editor reports it) gets its link
      mkdirSync(join(dir, 'models'));
      writeFileSync(join(dir, 'models', 'm.onnx'), '');
      client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(join(dir, 'models', 'm.onnx')).toString(), type: 1 }] });
      const after = await client.request<{ range: Range; target: string }[]>('textDocument/documentLink', { textDocument: { uri } });
      assert.deepEqual(after.filter((l) => !links.some((k) => k.target === l.target)).map((l) => textOf(PIPELINE, l.range)), ['models/m.onnx']);
    });
  });

  describe('formatting', () => {
    it('formats a messy demo pipeline back to the demo: same data, every comment kept, idempotent', async () => {
      const messy = DEMO.split('\n')
        .map((l) => {
          const indent = l.search(/\S/);
          return indent <= 0 ? l : ' '.repeat(indent * 2) + l.slice(indent);
        })
        .join('\n')
        .replace('lr: 0.1', 'lr:     0.1')
        .replace('needs: [validate]', 'needs: [ validate ]   # after validate')
        .replace('with: { dataset: penguins }', 'with: {dataset:   penguins}');
      const uri = await open('sextant.yaml', messy);
      const edits = await client.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } });
      assert.ok(edits.length > 0);
      const formatted = applyEdits(messy, edits);
      assert.deepEqual(parse(formatted), parse(messy), 'the same data');
      assert.deepEqual(comments(formatted), comments(messy), 'every comment, in order');
      assert.equal(formatted, DEMO.replace('needs: [validate]', 'needs: [validate] # after validate'));
      // idempotent: the formatted file needs no edit
      const again = await open('again.sextant.yaml', formatted);
      assert.deepEqual(await client.request('textDocument/formatting', { textDocument: { uri: again }, options: { tabSize: 2, insertSpaces: true } }), []);
      // the demo itself is formatted already
      const demo = await open('demo.sextant.yaml', DEMO);
      assert.deepEqual(await client.request('textDocument/formatting', { textDocument: { uri: demo }, options: { tabSize: 2, insertSpaces: true } }), []);
    });

    it('keeps quoting, block scalars and expressions as written, re-indenting their lines', async () => {
      const uri = await open('sextant.yaml', PIPELINE.replace(/^ {4}/gm, '      ').replace(/^ {2}(?=\S)/gm, '    '));
      const edits = await client.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
      const source = PIPELINE.replace(/^ {4}/gm, '      ').replace(/^ {2}(?=\S)/gm, '    ');
      assert.deepEqual(parse(applyEdits(source, edits)), parse(PIPELINE));
      // the more-indented line of the folded block stays more indented (it is not folded: its indentation is its value)
      assert.equal(applyEdits(source, edits), PIPELINE);
    });

    it('does not format a document with syntax errors', async () => {
      for (const [name, text] of [
        ['unclosed.sextant.yaml', 'version:   1\nstages:\n  a: { run: [x\n'],
        ['tabs.sextant.yaml', 'version: 1\nstages:\n\ta:\n\t\trun: x\n'],
        ['duplicate.sextant.yaml', 'version:    1\nstages:\n  a: { run: x }\n  a: { run: y }\n'],
      ] as const) {
        const uri = await open(name, text);
        assert.deepEqual(await client.request('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } }), [], name);
      }
    });
  });

  it('answers every feature on bad input without an error (empty, billion laughs, tabs, binary, a bare scalar, unclosed flow)', async () => {
    const billion = `a: &a [x,x,x,x,x,x,x,x,x,x]\n${Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n')}\n`;
    const inputs = ['', billion, 'version: 1\nstages:\n\ta:\n\t\trun: x\n', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919) % 256)).toString('latin1'), 'just text\n', 'stages:\n  a: { run: "x ${{ params.\n', 'stages:\n  a:\n    needs: *nope\n    run: x\n'];
    for (const [i, text] of inputs.entries()) {
      const uri = await open(`bad${i}.sextant.yaml`, text);
      const doc = { textDocument: { uri } };
      await client.request('textDocument/foldingRange', doc);
      await client.request('textDocument/selectionRange', { ...doc, positions: [{ line: 1, character: 3 }, { line: 0, character: 0 }] });
      await client.request('textDocument/documentLink', doc);
      await client.request('textDocument/semanticTokens/full', doc);
      await client.request('textDocument/formatting', { ...doc, options: { tabSize: 2, insertSpaces: true } });
    }
    const logged = client.notifications.filter((n) => n.method === 'window/logMessage').map((n) => (n.params as { message: string }).message);
    assert.deepEqual(logged.filter((m) => /failed/.test(m)), []);
    assert.equal(client.exited, undefined);
  });

  describe('semantic tokens', () => {
    it('tokens for expressions (also in a folded block and across its lines) and for stage references, at their exact positions', async () => {
      const { tokenTypes, tokenModifiers } = legend;
      const uri = await open('sextant.yaml', PIPELINE);
      const { data } = await client.request<{ data: number[] }>('textDocument/semanticTokens/full', { textDocument: { uri } });
      assert.equal(data.length % 5, 0);
      const lines = PIPELINE.split('\n');
      const tokens: { line: number; text: string; type: string; modifiers: string[] }[] = [];
      let line = 0;
      let char = 0;
      for (let i = 0; i < data.length; i += 5) {
        const [dl, dc, length, type, mods] = data.slice(i, i + 5) as [number, number, number, number, number];
        char = dl === 0 ? char + dc : dc;
        line += dl;
        tokens.push({ line, text: lines[line]!.slice(char, char + length), type: tokenTypes[type]!, modifiers: tokenModifiers.filter((_, b) => mods & (1 << b)) });
      }
      const on = (prefix: string): string[] => tokens.filter((t) => t.line === lineOf(PIPELINE, prefix)).map((t) => `${t.text}:${t.type}${t.modifiers.length ? `+${t.modifiers.join('+')}` : ''}`);
      assert.deepEqual(on('needs: [prep]'), ['prep:class']);
      assert.deepEqual(on('needs: [train, prep]'), ['train:class', 'prep:class']);
      assert.deepEqual(on('python train.py'), ['${{:macro', 'params:namespace', 'lr:parameter+readonly', '}}:macro']);
      assert.deepEqual(on("--tag ${{ format("), ['${{:macro', 'format:function+defaultLibrary', "'{0}-x':string", 'params:namespace', 'name:parameter+readonly', '==:operator', "'a':string", '}}:macro']);
      // one expression over two lines of the folded block: each token on its own line
      assert.deepEqual(on('--prod ${{ contains('), ['${{:macro', 'contains:function+defaultLibrary', 'params:namespace', 'tags:parameter+readonly']);
      assert.deepEqual(on("'prod') && !false }}"), ["'prod':string", '&&:operator', '!:operator', 'false:keyword', '}}:macro']);
      // in a double-quoted scalar with escapes: the positions are the source's
      assert.deepEqual(on('run: "echo'), ['${{:macro', 'params:namespace', 'name:parameter+readonly', '}}:macro']);
      assert.equal(tokens.length, 2 + 1 + 4 + 8 + 4 + 5 + 4);
    });
  });
});
