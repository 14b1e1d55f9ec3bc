// The language server's faults from issue 12, over the real LSP protocol (a server process on stdio):
// bursts of edits coalesced, aliases reported at the alias, expressions checked on the decoded scalar,
// YAML merge keys accepted by the editor and the runner alike.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parsePipelineText } from '../../src/engine/pipeline/read';
import { runPipeline } from '../../src/engine/runner/executor';
import { buildServer } from '../support/buildServer';
import { LspClient, offsetAt, type Diag, type PublishParams } from '../support/lspClient';

/** The source text a diagnostic's range covers. */
function textAt(text: string, d: Diag): string {
  return text.slice(offsetAt(text, d.range.start), offsetAt(text, d.range.end));
}

describe('pipeline language server: faults of issue 12', function () {
  this.timeout(60_000);
  let server: string;
  let client: LspClient;
  let dir: string;
  let version = 1;

  before(async () => {
    server = await buildServer();
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sextant-lsp-faults-'));
    client = LspClient.spawn(process.execPath, [server, '--stdio'], undefined, { ...process.env, SEXTANT_LSP_TIMING: '1' });
    await client.initialize(pathToFileURL(dir).toString());
  });

  afterEach(async () => {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string, text: string): Promise<{ uri: string; diagnostics: Diag[] }> {
    const uri = pathToFileURL(join(dir, name)).toString();
    return { uri, diagnostics: await client.openDocument(uri, text, version++) };
  }

  const errors = (ds: Diag[]): Diag[] => ds.filter((d) => d.severity === 1);

  it('coalesces a burst of 500 edits: the final version is published, far fewer are analysed, never a stale one after a newer', async () => {
    const stages = Array.from({ length: 200 }, (_, i) => `  s${i}:\n${i > 0 ? `    needs: [s${i - 1}]\n` : ''}    run: echo \${{ params.lr }} ${i}\n`).join('');
    const text = `version: 1\n# edits go here: \nparams:\n  lr: 0.1\nstages:\n${stages}`;
    const { uri } = await open('burst.sextant.yaml', text);
    const analysedBefore = client.stderr.join('').split('\n').filter((l) => l.startsWith('sextant-timing')).length;
    const versions: number[] = [];
    client.notifications.length = 0;
    const first = 1000;
    const last = first + 499;
    const done = client.waitFor<PublishParams>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.version === last, 20_000);
    for (let v = first; v <= last; v++) {
      const change = { range: { start: { line: 1, character: 17 }, end: { line: 1, character: 17 } }, text: 'x' };
      client.notify('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [change] });
    }
    const final = await done;
    await new Promise((r) => setTimeout(r, 300)); // anything published late would show now
    for (const n of client.notifications) {
      const p = n.params as PublishParams;
      if (n.method === 'textDocument/publishDiagnostics' && p.uri === uri && p.version !== undefined) versions.push(p.version);
    }
    assert.equal(final.version, last);
    assert.equal(versions[versions.length - 1], last, `the last publication is for the final version (got ${versions.join(',')})`);
    for (let i = 1; i < versions.length; i++) assert.ok(versions[i]! >= versions[i - 1]!, `stale version ${versions[i]} published after ${versions[i - 1]}`);
    const analysed = client.stderr.join('').split('\n').filter((l) => l.startsWith('sextant-timing')).length - analysedBefore;
    assert.ok(analysed < 50, `analysed ${analysed} versions of 500`);
  });

  it('reports an undefined alias at the alias, and the stage keeps its run:', async () => {
    const text = [
      'version: 1', // 0
      'params:', // 1
      '  lr: 0.1', // 2
      'stages:', // 3
      '  prepare:', // 4
      '    run: echo prepare', // 5
      '  train:', // 6
      '    needs: [prepare]', // 7
      '    env: *nope', // 8
      '    run: echo train', // 9
      '',
    ].join('\n');
    const { uri, diagnostics } = await open('alias.sextant.yaml', text);
    const errs = errors(diagnostics);
    assert.equal(errs.length, 1, JSON.stringify(diagnostics));
    assert.deepEqual(errs[0]!.range, { start: { line: 8, character: 9 }, end: { line: 8, character: 14 } });
    assert.equal(textAt(text, errs[0]!), '*nope');
    assert.ok(!diagnostics.some((d) => d.code === 'no-action'), 'the stage keeps its run:');
    const outline = await client.request<{ stages: { name: string; run?: string }[] }>('sextant/pipelineOutline', { uri });
    assert.equal(outline.stages.find((s) => s.name === 'train')?.run, 'echo train');
  });

  it('reports a billion-laughs alias at the alias, and the stage keeps its run:', async () => {
    const anchors = Array.from({ length: 8 }, (_, i) => `  ${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n');
    const text = `version: 1\nstages:\n  lol:\n    run: echo lol\n    env:\n      a: &a [x,x,x,x,x,x,x,x,x,x]\n${anchors.replace(/^ {2}/gm, '      ')}\n`;
    const { uri, diagnostics } = await open('laughs.sextant.yaml', text);
    const limits = diagnostics.filter((d) => d.code === 'alias-limit');
    assert.ok(limits.length > 0, JSON.stringify(diagnostics));
    for (const d of limits) assert.match(textAt(text, d), /^\*[a-z]$/, `reported at an alias, not at ${JSON.stringify(textAt(text, d))}`);
    assert.ok(!diagnostics.some((d) => d.code === 'no-action'), 'the stage keeps its run:');
    const outline = await client.request<{ stages: { name: string; run?: string }[] }>('sextant/pipelineOutline', { uri });
    assert.equal(outline.stages.find((s) => s.name === 'lol')?.run, 'echo lol');
  });

  it('checks expressions on the decoded scalar and maps positions back (single, double, folded, literal)', async () => {
    const text = [
      'version: 1', // 0
      'params:', // 1
      '  tags: [prod]', // 2
      'stages:', // 3
      '  ok:', // 4
      "    run: 'echo ${{ contains(params.tags, ''prod'') }}'", // 5
      '  single:', // 6
      "    run: 'echo ''a'' ${{ params.nope1 }}'", // 7
      '  double:', // 8
      '    run: "echo \\"a\\" \\t ${{ contains(params.tags, \\x27prod\\x27) }} ${{ params.nope2 }}"', // 9
      '  folded:', // 10
      '    run: >', // 11
      '      echo a', // 12
      "      ${{ contains(params.tags, 'x') }} ${{ params.nope3 }}", // 13
      '  literal:', // 14
      '    run: |', // 15
      '      echo a', // 16
      '        ${{ params.nope4 }}', // 17
      '',
    ].join('\n');
    const { diagnostics } = await open('decoded.sextant.yaml', text);
    const errs = errors(diagnostics);
    assert.ok(!errs.some((d) => d.code === 'expression-syntax'), JSON.stringify(errs));
    const unknown = errs.filter((d) => d.code === 'unknown-param');
    assert.deepEqual(unknown.map((d) => d.range.start.line), [7, 9, 13, 17], JSON.stringify(errs));
    for (const [i, d] of unknown.entries()) assert.equal(textAt(text, d), `nope${i + 1}`, JSON.stringify(d));
    assert.equal(errs.length, 4, JSON.stringify(errs));
  });

  it('supports YAML merge keys in the checks, the editor and the runner alike', async () => {
    const text = [
      'version: 1',
      'stages:',
      '  prepare: &base',
      '    run: echo "prepare $A" >> prepare.log',
      '    env: &env',
      '      A: "1"',
      '  train:',
      '    needs: [prepare]',
      '    run: echo "$A$B" > train.txt',
      '    env:',
      '      <<: *env',
      '      B: "2"',
      '  again:',
      '    <<: *base',
      '    needs: [train]',
      '',
    ].join('\n');
    const { uri, diagnostics } = await open('merge.sextant.yaml', text);
    assert.deepEqual(diagnostics, []);
    const outline = await client.request<{ stages: { name: string; run?: string; needs: string[] }[] }>('sextant/pipelineOutline', { uri });
    assert.deepEqual(outline.stages.find((s) => s.name === 'again'), { name: 'again', needs: ['train'], run: 'echo "prepare $A" >> prepare.log', line: 12 });
    const read = parsePipelineText(text, 'merge.sextant.yaml');
    assert.ok(read.ok, JSON.stringify(read));
    const stages = (read.value as { stages: Record<string, { run?: string; env?: Record<string, string> }> }).stages;
    assert.deepEqual(stages.train!.env, { A: '1', B: '2' });
    assert.equal(stages.again!.run, 'echo "prepare $A" >> prepare.log');
    assert.deepEqual(stages.again!.env, { A: '1' });
    // a merge of something that is not a mapping: one clear error at it, and the stage keeps its run:
    const wrongText = 'version: 1\nstages:\n  a:\n    run: echo a\n    env: { <<: 5, A: "1" }\n';
    const wrong = await open('merge-wrong.sextant.yaml', wrongText);
    assert.equal(wrong.diagnostics.length, 1, JSON.stringify(wrong.diagnostics));
    assert.equal(textAt(wrongText, wrong.diagnostics[0]!), '5');
    assert.match(wrong.diagnostics[0]!.message, /merges mappings/);
    // and the runner runs the merged stages
    const file = join(dir, 'sextant.yaml');
    writeFileSync(file, text);
    const ran = await runPipeline({ file, gpus: [], killGraceMs: 500 });
    assert.ok(ran.ok, JSON.stringify(ran));
    assert.deepEqual(ran.value.stages.map((s) => [s.name, s.status]), [['prepare', 'ran'], ['train', 'ran'], ['again', 'ran']]);
    assert.equal(readFileSync(join(dir, 'train.txt'), 'utf8'), '12\n');
    assert.equal(readFileSync(join(dir, 'prepare.log'), 'utf8'), 'prepare 1\nprepare 1\n');
  });
});
