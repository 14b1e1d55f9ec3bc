// The pipeline language server as a real process over stdio (JSON-RPC with Content-Length framing):
// what an editor sees, not function calls.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildServer } from '../support/buildServer';
import { LspClient, offsetAt, type Diag, type Pos, type PublishParams } from '../support/lspClient';
import { openStore } from '../../src/engine/store/open';

interface TextEdit {
  range: { start: Pos; end: Pos };
  newText: string;
}

const FIXTURE = readFileSync('test/fixtures/pipelines/broken.sextant.yaml', 'utf8');

/** Applies LSP text edits to a text (for checking quick fixes and renames). */
function applyEdits(text: string, edits: TextEdit[]): string {
  const offset = (p: Pos): number => offsetAt(text, p);
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

describe('pipeline language server over stdio', function () {
  this.timeout(60_000);
  let server: string;
  let client: LspClient;
  let dir: string;
  let version = 1;

  before(async () => {
    server = await buildServer();
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sextant-lsp-'));
    cpSync('media/demo', dir, { recursive: true });
    writeFileSync(join(dir, 'prepare.py'), '');
    client = LspClient.spawn(process.execPath, [server, '--stdio']);
    const init = (await client.initialize(pathToFileURL(dir).toString())) as { capabilities: Record<string, unknown> };
    assert.equal((init.capabilities.textDocumentSync as { change: number }).change, 2, 'incremental sync');
  });

  afterEach(async () => {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string, text: string): Promise<{ uri: string; diagnostics: Diag[] }> {
    const uri = pathToFileURL(join(dir, name)).toString();
    return { uri, diagnostics: await client.openDocument(uri, text, version++) };
  }

  it('publishes no diagnostics for the demo pipeline', async () => {
    const { diagnostics } = await open('sextant.yaml', readFileSync('media/demo/sextant.yaml', 'utf8'));
    assert.deepEqual(diagnostics, []);
  });

  it('publishes exact diagnostics on open, and new ones after an incremental change', async () => {
    const { uri, diagnostics } = await open('broken.sextant.yaml', FIXTURE);
    const byCode = (code: string) => diagnostics.find((d) => d.code === code)!;
    assert.deepEqual(byCode('unknown-stage').range, { start: { line: 11, character: 12 }, end: { line: 11, character: 18 } });
    assert.equal(byCode('unknown-stage').severity, 1);
    assert.equal(byCode('unknown-stage').source, 'sextant');
    assert.deepEqual(byCode('unknown-param').range, { start: { line: 8, character: 43 }, end: { line: 8, character: 48 } });
    assert.match(byCode('cycle').message, /evaluate → gate → evaluate/);
    assert.ok(byCode('missing-with-key'));
    assert.ok(byCode('unknown-dataset'));

    // fix the misspelt need with an incremental edit: "prepar" → "prepare"
    const published = client.waitFor<PublishParams>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.version === 100);
    client.notify('textDocument/didChange', {
      textDocument: { uri, version: 100 },
      contentChanges: [{ range: { start: { line: 11, character: 18 }, end: { line: 11, character: 18 } }, text: 'e' }],
    });
    const after = (await published).diagnostics;
    assert.ok(!after.some((d) => d.code === 'unknown-stage'));
    assert.equal(after.length, diagnostics.length - 1);
  });

  it('completes stage names in needs, built-ins in uses, keys, and params in ${{ }}', async () => {
    const { uri } = await open('broken.sextant.yaml', FIXTURE);
    const labels = async (line: number, character: number) =>
      ((await client.request<{ label: string }[]>('textDocument/completion', { textDocument: { uri }, position: { line, character } })) ?? []).map((i) => i.label);
    // evaluate and gate already wait for train: offering them in train's needs would close a cycle (issue 12)
    assert.deepEqual(await labels(11, 17), ['prepare']);
    assert.deepEqual(await labels(12, 10), ['sextant/train', 'sextant/evaluate', 'sextant/gate', 'sextant/register', 'sextant/validate', 'sextant/drift']);
    assert.ok((await labels(8, 43)).includes('lr'), 'params after "params."');
    // a new key in the train stage: the schema's stage keys, minus those written
    const { uri: uri3 } = await open('b3.sextant.yaml', FIXTURE.replace('    uses: sextant/train\n', '    uses: sextant/train\n    \n'));
    const keys = ((await client.request<{ label: string }[]>('textDocument/completion', { textDocument: { uri: uri3 }, position: { line: 13, character: 4 } })) ?? []).map((i) => i.label);
    assert.ok(keys.includes('deps') && keys.includes('resources'));
    assert.ok(!keys.includes('uses') && !keys.includes('needs'));
    // enum values of sextant/train's model
    const edited = FIXTURE.replace('model: mlp', 'model: ');
    const { uri: uri2 } = await open('b2.sextant.yaml', edited);
    const models = ((await client.request<{ label: string }[]>('textDocument/completion', { textDocument: { uri: uri2 }, position: { line: 13, character: 35 } })) ?? []).map((i) => i.label);
    assert.deepEqual(models, ['logistic-regression', 'linear', 'mlp', 'gbt']);
  });

  it('completes column names from the dataset file (expectations, train features)', async () => {
    const demo = readFileSync('media/demo/sextant.yaml', 'utf8');
    const text = demo.replace('- { column: bill_length_mm,', '- { column: ,').replace('features: [bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g]', 'features: []');
    const { uri } = await open('sextant.yaml', text);
    const lines = text.split('\n');
    const at = (needle: string, delta: number) => {
      const line = lines.findIndex((l) => l.includes(needle));
      return { line, character: lines[line]!.indexOf(needle) + delta };
    };
    const labels = async (position: Pos) => ((await client.request<{ label: string }[]>('textDocument/completion', { textDocument: { uri }, position })) ?? []).map((i) => i.label);
    const columns = await labels(at('- { column: ,', 12));
    assert.deepEqual(columns, ['species', 'island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex']);
    const features = await labels(at('features: []', 11));
    assert.ok(!features.includes('species'), 'the label is not a feature');
    assert.ok(features.includes('flipper_length_mm'));
  });

  it('hovers: key documentation, built-in docs, resolved params', async () => {
    const { uri } = await open('broken.sextant.yaml', FIXTURE.replace('params.lrate', 'params.lr'));
    const hover = async (line: number, character: number) =>
      (await client.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line, character } }))?.contents.value ?? '';
    assert.match(await hover(9, 5), /Files the stage writes/);
    assert.match(await hover(12, 14), /sextant\/train.*Trains a model/s);
    assert.match(await hover(8, 44), /params\.lr` = `0\.01`/);
  });

  it('goes to a stage definition, finds its references and renames it with its needs', async () => {
    const { uri } = await open('broken.sextant.yaml', FIXTURE);
    const def = await client.request<{ uri: string; range: { start: Pos } }>('textDocument/definition', { textDocument: { uri }, position: { line: 15, character: 13 } });
    assert.equal(def.uri, uri);
    assert.deepEqual(def.range.start, { line: 10, character: 2 });
    const refs = await client.request<unknown[]>('textDocument/references', { textDocument: { uri }, position: { line: 10, character: 3 }, context: { includeDeclaration: true } });
    assert.equal(refs.length, 2);
    const edit = await client.request<{ changes: Record<string, TextEdit[]> }>('textDocument/rename', { textDocument: { uri }, position: { line: 10, character: 3 }, newName: 'fit' });
    const renamed = applyEdits(FIXTURE, edit.changes[uri]!);
    assert.match(renamed, /\n  fit:\n/);
    assert.match(renamed, /needs: \[fit, gate\]/);
    await assert.rejects(client.request('textDocument/rename', { textDocument: { uri }, position: { line: 10, character: 3 }, newName: 'gate' }), /already exists/);
  });

  it('goes from a path to the stage that writes it, or to the file', async () => {
    const text = readFileSync('media/demo/sextant.yaml', 'utf8');
    const { uri } = await open('sextant.yaml', text);
    const lines = text.split('\n');
    const evaluateLine = lines.findIndex((l) => /^\s+model: models\/penguins\.onnx$/.test(l));
    const character = lines[evaluateLine]!.indexOf('models/penguins.onnx') + 3;
    const def = await client.request<{ uri: string; range: { start: Pos } }>('textDocument/definition', { textDocument: { uri }, position: { line: evaluateLine, character } });
    const outsLine = lines.findIndex((l) => l.includes('outs: [models/penguins.onnx]'));
    assert.deepEqual(def.range.start, { line: outsLine, character: lines[outsLine]!.indexOf('models/') });
    const hover = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: evaluateLine, character } });
    assert.match(hover.contents.value, /written by stage `train`/);
    const dataLine = lines.findIndex((l) => l.includes('path: data/penguins.csv'));
    const file = await client.request<{ uri: string } | null>('textDocument/definition', { textDocument: { uri }, position: { line: dataLine, character: lines[dataLine]!.indexOf('data/') + 2 } });
    void file; // dataset paths are not stage paths: no definition (go to the dataset by its name instead)
  });

  it('offers quick fixes: nearest stage, add param, remove a cycle edge, add with keys', async () => {
    const { uri, diagnostics } = await open('broken.sextant.yaml', FIXTURE);
    const fixes = async (code: string) => {
      const d = diagnostics.find((x) => x.code === code)!;
      return client.codeActionsFor<{ title: string; edit: { changes: Record<string, TextEdit[]> } }>(uri, d);
    };
    const apply = (a: { edit: { changes: Record<string, TextEdit[]> } }) => applyEdits(FIXTURE, a.edit.changes[uri]!);

    const stage = await fixes('unknown-stage');
    assert.equal(stage[0]!.title, 'Change to "prepare"');
    assert.match(apply(stage[0]!), /needs: \[prepare\]/);

    const param = (await fixes('unknown-param')).find((a) => a.title.startsWith('Add param'))!;
    assert.match(apply(param), /params:\n  lr: 0.01\n  lrate: 0/);

    const cycle = (await fixes('cycle'))[0]!;
    assert.match(cycle.title, /Remove "evaluate" from the needs of "gate"/);
    assert.match(apply(cycle), /gate:\n    needs: \[\]/);

    const withKeys = (await fixes('missing-with-key'))[0]!;
    assert.match(apply(withKeys), /with: \{ dataset: train, model: mlp, out: models\/train\.onnx \}/);

    const suppress = (await fixes('unknown-dataset')).find((a) => a.title.startsWith('Ignore'))!;
    const { diagnostics: after } = await open('suppressed.sextant.yaml', apply(suppress));
    assert.ok(!after.some((d) => d.code === 'unknown-dataset'));
  });

  it('outlines the document: top-level keys with stages, datasets, params', async () => {
    const { uri } = await open('broken.sextant.yaml', FIXTURE);
    const symbols = await client.request<{ name: string; children?: { name: string }[] }[]>('textDocument/documentSymbol', { textDocument: { uri } });
    const stages = symbols.find((s) => s.name === 'stages')!;
    assert.deepEqual(stages.children!.map((c) => c.name), ['prepare', 'train', 'evaluate', 'gate']);
    assert.deepEqual(symbols.find((s) => s.name === 'params')!.children!.map((c) => c.name), ['lr']);
  });

  it('shows the best and last metric per param value from the store, with "run with"', async () => {
    const db = openStore(join(dir, '.sextant', 'sextant.db'), { create: true });
    assert.ok(db.ok);
    const sql = db.value;
    sql.prepare("INSERT INTO experiments (id, name, created_at) VALUES (1, 'penguins', 0)").run();
    sql.prepare("INSERT INTO metric_keys (id, name) VALUES (1, 'accuracy')").run();
    const runs: [number, string, number][] = [[1, '0.1', 0.91], [2, '0.1', 0.93], [3, '0.05', 0.97]];
    for (const [id, lr, acc] of runs) {
      sql.prepare("INSERT INTO runs (id, uid, experiment_id, name, status, created_at) VALUES (?, ?, 1, 'r', 'finished', ?)").run(id, `u${id}`, id);
      sql.prepare("INSERT INTO params (run_id, key, value) VALUES (?, 'lr', ?)").run(id, lr);
      sql.prepare('INSERT INTO latest_metrics (run_id, key_id, step, ts, value, min, max, count) VALUES (?, 1, 0, ?, ?, ?, ?, 1)').run(id, id, acc, acc, acc);
    }
    sql.close();
    // a client that has not said it can run sextant.runWithParam gets the figures only
    const first = await open('sextant.yaml', readFileSync('media/demo/sextant.yaml', 'utf8'));
    const plain = await client.request<{ command: { title: string } }[]>('textDocument/codeLens', { textDocument: { uri: first.uri } });
    assert.deepEqual(plain.map((l) => l.command.title), ['accuracy at this value: last 0.930, best 0.930 (2 runs) · best 0.970 at lr = 0.05']);
    // a client that can run the command (VS Code lists the registered sextant.* commands)
    await client.stop();
    client = LspClient.spawn(process.execPath, [server, '--stdio']);
    await client.request('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).toString(), capabilities: {}, initializationOptions: { commands: ['sextant.runWithParam'] } });
    client.notify('initialized', {});
    const { uri } = await open('sextant.yaml', readFileSync('media/demo/sextant.yaml', 'utf8'));
    const lenses = await client.request<{ range: { start: Pos }; command: { title: string; command: string; arguments?: unknown[] } }[]>('textDocument/codeLens', { textDocument: { uri } });
    assert.equal(lenses.length, 2);
    assert.deepEqual(lenses[0]!.range.start, { line: 6, character: 2 });
    assert.equal(lenses[0]!.command.title, 'accuracy at this value: last 0.930, best 0.930 (2 runs) · best 0.970 at lr = 0.05');
    assert.equal(lenses[1]!.command.title, 'Run with lr = 0.05');
    assert.deepEqual(lenses[1]!.command.arguments, [uri, 'lr', 0.05]);
  });

  it('also speaks over Node IPC, as the VS Code client starts it', async () => {
    const { fork } = await import('node:child_process');
    const child = fork(server, ['--node-ipc', `--clientProcessId=${process.pid}`], { silent: true });
    try {
      const codes = await new Promise<string[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no diagnostics over IPC')), 15_000);
        child.on('message', (m: { id?: number; method?: string; params?: PublishParams }) => {
          if (m.id === 1) {
            child.send({ jsonrpc: '2.0', method: 'initialized', params: {} });
            child.send({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///tmp/ipc.sextant.yaml', languageId: 'sextant-pipeline', version: 1, text: 'version: 1\nstages:\n  a:\n    needs: [b]\n    run: x\n' } } });
          } else if (m.method === 'textDocument/publishDiagnostics') {
            clearTimeout(timer);
            resolve(m.params!.diagnostics.map((d) => d.code));
          }
        });
        child.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: process.pid, rootUri: null, capabilities: {} } });
      });
      assert.deepEqual(codes, ['unknown-stage']);
    } finally {
      child.kill();
    }
  });

  describe('bad input: answers within bounds and stays up', () => {
    const billion = `a: &a [x,x,x,x,x,x,x,x,x,x]\n${Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n')}\n`;
    const cases: Record<string, () => string> = {
      empty: () => '',
      '5 MB': () => `version: 1\nstages:\n${'  # padding padding padding padding padding padding padding padding\n'.repeat(80_000)}`,
      'binary junk': () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString('latin1'),
      'billion laughs': () => billion,
      tabs: () => 'version: 1\nstages:\n\ta:\n\t\trun: x\n',
      'duplicate keys': () => 'version: 1\nstages:\n  a: { run: x }\n  a: { run: y }\n',
      'not a pipeline': () => '{"name": "package.json", "version": "1.0.0"}\n',
    };
    for (const [name, make] of Object.entries(cases)) {
      it(name, async () => {
        const start = Date.now();
        const { uri, diagnostics } = await open(`${name.replace(/\W/g, '-')}.sextant.yaml`, make());
        assert.ok(Date.now() - start < 5000, `diagnostics in ${Date.now() - start} ms`);
        assert.ok(diagnostics.length > 0);
        assert.ok(diagnostics.every((d) => d.message.length > 10));
        // every feature still answers
        const position = { line: 0, character: 0 };
        await client.request('textDocument/completion', { textDocument: { uri }, position });
        await client.request('textDocument/hover', { textDocument: { uri }, position });
        await client.request('textDocument/documentSymbol', { textDocument: { uri } });
        await client.request('textDocument/codeAction', { textDocument: { uri }, range: { start: position, end: position }, context: { diagnostics } });
        assert.equal(client.exited, undefined, 'server still running');
      });
    }
  });
});
