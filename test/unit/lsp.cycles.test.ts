// Cycles and derived edges (issue 12), over the real LSP protocol (a server process on stdio) and the real
// runner: a cycle is reported on every edge with the whole cycle, each written edge has its own removal
// and none is suppressible; completion in `needs` leaves out stages that would close a cycle; a stage that
// reads another's output runs after it (derived edges, as DVC derives them), shown as an inlay hint and
// counted in the cycles.
import { strict as assert } from 'node:assert';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readPipeline } from '../../src/engine/pipeline/read';
import { buildDag } from '../../src/engine/runner/dag';
import { runPipeline } from '../../src/engine/runner/executor';
import { buildServer } from '../support/buildServer';
import { LspClient, offsetAt, type Diag, type Pos } from '../support/lspClient';
import { tempDir } from './tempDir';

interface TextEdit {
  range: { start: Pos; end: Pos };
  newText: string;
}
interface CodeAction {
  title: string;
  isPreferred?: boolean;
  edit?: { changes: Record<string, TextEdit[]> };
}

function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => offsetAt(text, b.range.start) - offsetAt(text, a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offsetAt(text, e.range.start)) + e.newText + out.slice(offsetAt(text, e.range.end));
  return out;
}

const textAt = (text: string, d: { range: { start: Pos; end: Pos } }): string => text.slice(offsetAt(text, d.range.start), offsetAt(text, d.range.end));
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle));

/** The demo pipeline with `needs: [register]` added under `validate`. */
function demoWithCycle(): string {
  const demo = readFileSync('media/demo/sextant.yaml', 'utf8');
  const text = demo.replace('  validate:\n    uses: sextant/validate\n', '  validate:\n    needs: [register]\n    uses: sextant/validate\n');
  assert.notEqual(text, demo);
  return text;
}

describe('pipeline language server: cycles and derived edges (issue 12)', function () {
  this.timeout(60_000);
  let server: string;
  let client: LspClient;
  let dir: string;
  let version = 1;

  before(async () => {
    server = await buildServer();
  });

  beforeEach(async () => {
    dir = tempDir('sextant-lsp-cycles-');
    cpSync('media/demo', dir, { recursive: true });
    client = LspClient.spawn(process.execPath, [server, '--stdio']);
    await client.initialize(pathToFileURL(dir).toString());
  });

  afterEach(async () => {
    await client.stop();
  });

  async function open(name: string, text: string): Promise<{ uri: string; diagnostics: Diag[] }> {
    const uri = pathToFileURL(join(dir, name)).toString();
    return { uri, diagnostics: await client.openDocument(uri, text, version++) };
  }

  const actionsFor = (uri: string, d: Diag): Promise<CodeAction[]> =>
    client.codeActionsFor<CodeAction>(uri, d);

  it('reports the demo cycle on every edge, spelled out in run order, with one removal per edge and no suppression', async () => {
    const text = demoWithCycle();
    const { uri, diagnostics } = await open('sextant.yaml', text);
    const cycles = diagnostics.filter((d) => d.code === 'cycle');
    // one per edge: validate→register (new), train→validate, evaluate→train, gate→evaluate, register→gate
    assert.equal(cycles.length, 5, JSON.stringify(diagnostics));
    assert.deepEqual(diagnostics.filter((d) => d.severity === 1 && d.code !== 'cycle'), []);
    const at = cycles.map((d) => `${d.range.start.line}:${textAt(text, d)}`);
    assert.deepEqual(at, [
      `${lineOf(text, 'needs: [register]')}:register`,
      `${lineOf(text, 'needs: [validate]')}:validate`,
      `${lineOf(text, 'needs: [train]')}:train`,
      `${lineOf(text, 'needs: [evaluate]')}:evaluate`,
      `${lineOf(text, 'needs: [gate]')}:gate`,
    ]);
    for (const d of cycles) assert.match(d.message, /validate → train → evaluate → gate → register → validate/);

    // on train's correct `needs: [validate]`: five removals, one per edge, none preferred, no "Ignore"
    const onTrain = cycles[1]!;
    const actions = await actionsFor(uri, onTrain);
    assert.deepEqual(actions.map((a) => a.title).sort(), [
      'Remove "evaluate" from the needs of "gate"',
      'Remove "gate" from the needs of "register"',
      'Remove "register" from the needs of "validate"',
      'Remove "train" from the needs of "evaluate"',
      'Remove "validate" from the needs of "train"',
    ]);
    assert.ok(actions.every((a) => !a.isPreferred), 'which edge is wrong is not guessed');
    assert.ok(!actions.some((a) => /ignore/i.test(a.title)));
    // choosing the new edge removes it, whichever diagnostic it was asked from: the cycle is gone
    const chosen = actions.find((a) => a.title === 'Remove "register" from the needs of "validate"')!;
    const fixed = applyEdits(text, chosen.edit!.changes[uri]!);
    assert.equal(fixed, readFileSync('media/demo/sextant.yaml', 'utf8').replace('  validate:\n    uses', '  validate:\n    needs: []\n    uses'));
    const after = await open('fixed.sextant.yaml', fixed);
    assert.deepEqual(after.diagnostics.filter((d) => d.code === 'cycle'), []);

    // a `# sextant-ignore: cycle` comment does not hide it either
    const ignored = text.replace('    needs: [register]\n', '    # sextant-ignore: cycle\n    needs: [register]\n');
    const still = await open('ignored.sextant.yaml', ignored);
    assert.equal(still.diagnostics.filter((d) => d.code === 'cycle').length, 5);
  });

  it('does not complete, in needs, the stages that would close a cycle', async () => {
    const demo = readFileSync('media/demo/sextant.yaml', 'utf8');
    const text = demo.replace('  validate:\n    uses: sextant/validate\n', '  validate:\n    needs: []\n    uses: sextant/validate\n').replace('\nmonitor:', '\n  report:\n    run: echo report\nmonitor:');
    const { uri } = await open('sextant.yaml', text);
    const labels = async (line: number, character: number): Promise<string[]> =>
      ((await client.request<{ label: string }[]>('textDocument/completion', { textDocument: { uri }, position: { line, character } })) ?? []).map((i) => i.label);
    const validateNeeds = lineOf(text, 'needs: []');
    // every other stage waits for validate: only the independent one is offered
    assert.deepEqual(await labels(validateNeeds, '    needs: ['.length), ['report']);
    // in gate's needs: the stages before it, not register (which waits for gate)
    const gateNeeds = lineOf(text, 'needs: [evaluate]');
    assert.deepEqual(await labels(gateNeeds, '    needs: [evaluate'.length).then((l) => l.sort()), ['report', 'train', 'validate']);
  });

  it('derives an edge from an output another stage reads: inlay hint, and cycles through it name the path', async () => {
    const text = [
      'version: 1', // 0
      'stages:', // 1
      '  consume:', // 2
      '    run: cat made.txt > copy.txt', // 3
      '    deps: [made.txt]', // 4
      '    outs: [copy.txt]', // 5
      '  make:', // 6
      '    run: echo made > made.txt', // 7
      '    outs: [made.txt]', // 8
      '',
    ].join('\n');
    const { uri, diagnostics } = await open('derived.sextant.yaml', text);
    assert.deepEqual(diagnostics, []);
    // and one that reads a dataset's file through ${{ datasets.x.path }}
    const viaDataset = ['version: 1', 'datasets:', '  made: { path: made.txt }', 'stages:', '  report:', '    run: wc -l ${{ datasets.made.path }}', '  make:', '    run: echo made > made.txt', '    outs: [made.txt]', ''].join('\n');
    const v = await open('derived-dataset.sextant.yaml', viaDataset);
    const vHints = await client.request<{ position: Pos; label: string }[]>('textDocument/inlayHint', { textDocument: { uri: v.uri }, range: { start: { line: 0, character: 0 }, end: { line: 10, character: 0 } } });
    assert.deepEqual(vHints.filter((h) => h.label.startsWith('←')).map((h) => [h.position, h.label]), [[{ line: 4, character: 8 }, '← needs make (made.txt)']]);
    const hints = await client.request<{ position: Pos; label: string }[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 10, character: 0 } } });
    assert.deepEqual(
      hints.map((h) => [h.position, h.label]),
      [[{ line: 2, character: 9 }, '← needs make (made.txt)']],
    );

    // make needs consume: a cycle through the derived edge, reported at make's needs item and at the dep read
    const cyclic = text.replace('  make:\n', '  make:\n    needs: [consume]\n');
    const c = await open('derived-cycle.sextant.yaml', cyclic);
    const cycles = c.diagnostics.filter((d) => d.code === 'cycle');
    assert.deepEqual(cycles.map((d) => textAt(cyclic, d)), ['made.txt', 'consume']);
    for (const d of cycles) assert.match(d.message, /consume → make → consume \(reads made\.txt\)/);
    assert.match(cycles[0]!.message, /"consume" reads "made\.txt", which "make" writes \(a derived edge\)/);
    // only the written edge can be removed by an edit
    const actions = await actionsFor(c.uri, cycles[0]!);
    assert.deepEqual(actions.map((a) => a.title), ['Remove "consume" from the needs of "make"']);
  });

  it('runs a stage after the stage whose output it reads, although no needs says so (the runner uses the same edges)', async () => {
    const text = [
      'version: 1',
      'datasets:',
      '  made: { path: data/made.txt }',
      'stages:',
      '  consume:',
      '    run: cat data/made.txt > copy.txt',
      '    deps: [data/made.txt]',
      '    outs: [copy.txt]',
      '  report:',
      '    run: cat ${{ datasets.made.path }} > report.txt',
      '  make:',
      '    run: mkdir -p data && echo made > data/made.txt',
      '    outs: [data]',
      '',
    ].join('\n');
    const file = join(dir, 'order.sextant.yaml');
    writeFileSync(file, text);
    const ran = await runPipeline({ file, gpus: [], killGraceMs: 500, maxParallel: 4 });
    assert.ok(ran.ok, JSON.stringify(ran));
    assert.equal(ran.value.status, 'succeeded', JSON.stringify(ran.value));
    assert.deepEqual(ran.value.stages.map((s) => [s.name, s.status]), [['make', 'ran'], ['consume', 'ran'], ['report', 'ran']]);
    assert.equal(readFileSync(join(dir, 'copy.txt'), 'utf8'), 'made\n');
    assert.equal(readFileSync(join(dir, 'report.txt'), 'utf8'), 'made\n');

    // and refuses a cycle through a derived edge, naming the path
    const cyclic = join(dir, 'cyclic.sextant.yaml');
    writeFileSync(cyclic, text.replace('  make:\n', '  make:\n    needs: [consume]\n'));
    const read = readPipeline(cyclic);
    assert.ok(read.ok);
    const dag = buildDag(read.value, cyclic);
    assert.ok(!dag.ok);
    assert.match(dag.error.message, /consume → make → consume \(derived: it reads deps data\/made\.txt, which "make" writes\)/);
  });
});
