// The checks of issue 12, over the real LSP protocol (a server process on stdio): positions and messages
// (an expectation without `column:` at the item, nested params said plainly, no "no stages yet" on YAML
// that could not be read), duplicate needs, shell-style `${params.x}`, and "did you mean" with swapped
// letters and metric names (built-ins' metrics, and the metrics earlier runs logged in the store).
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
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

const textAt = (text: string, d: Diag): string => text.slice(offsetAt(text, d.range.start), offsetAt(text, d.range.end));

describe('pipeline language server: checks of issue 12', function () {
  this.timeout(60_000);
  let server: string;
  let client: LspClient;
  let dir: string;
  let version = 1;

  before(async () => {
    server = await buildServer();
  });

  beforeEach(async () => {
    dir = tempDir('sextant-lsp-checks-');
    writeFileSync(join(dir, 'penguins.csv'), 'species,bill_length_mm\nadelie,39.1\n');
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

  it('reports an expectation without column: at the item, not at expectations:', async () => {
    const text = [
      'version: 1',
      'datasets:',
      '  penguins: { path: penguins.csv }',
      'expectations:',
      '  penguins:',
      '    - { column: species, not_null: true }',
      '    - { not_null: true }',
      '    - between: [25, 70]',
      '    - { rows: { min: 10 } }',
      'stages:',
      '  a:',
      '    run: echo a',
      '',
    ].join('\n');
    const { diagnostics } = await open('expect.sextant.yaml', text);
    const missing = diagnostics.filter((d) => d.code === 'missing-key');
    assert.deepEqual(
      missing.map((d) => [d.range.start.line, textAt(text, d)]),
      [
        [6, '{ not_null: true }'],
        [7, 'between: [25, 70]'],
      ],
      JSON.stringify(diagnostics),
    );
    for (const d of missing) assert.match(d.message, /Add "column:" to this expectation/);
    assert.equal(diagnostics.length, 2, JSON.stringify(diagnostics));
  });

  it('says what is wrong with inline nested params (not "must be a mapping, not a mapping")', async () => {
    const text = ['version: 1', 'params:', '  lr: 0.1', '  model:', '    depth: 3', 'stages:', '  a:', '    run: echo ${{ params.lr }}', ''].join('\n');
    const { diagnostics } = await open('nested.sextant.yaml', text);
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    const d = diagnostics[0]!;
    assert.doesNotMatch(d.message, /must be a mapping.*not a mapping/);
    assert.match(d.message, /"params\.model" is a mapping of "depth", but a mapping here takes only value and secret/);
    assert.match(d.message, /params file/);
    assert.equal(d.range.start.line, 4, 'at the value of model, not at params:');
  });

  it('does not add "The pipeline has no stages yet" to a file whose stages YAML could not read', async () => {
    const tabs = 'version: 1\nstages:\n\ttrain:\n\t\trun: echo train\n';
    const { diagnostics } = await open('tabs.sextant.yaml', tabs);
    assert.ok(diagnostics.some((d) => /Tabs are not allowed/.test(d.message)), JSON.stringify(diagnostics));
    assert.ok(!diagnostics.some((d) => d.code === 'no-stages'), JSON.stringify(diagnostics));
    const twice = 'version: 1\nstages:\n  train:\n    run: echo train\nstages:\n';
    const second = await open('twice.sextant.yaml', twice);
    assert.ok(second.diagnostics.some((d) => d.code === 'duplicate-key'), JSON.stringify(second.diagnostics));
    assert.ok(!second.diagnostics.some((d) => d.code === 'no-stages'), JSON.stringify(second.diagnostics));
  });

  it('warns at a stage named twice in needs, with a fix that removes the second', async () => {
    const text = ['version: 1', 'stages:', '  a:', '    run: echo a', '  b:', '    needs: [a, a]', '    run: echo b', ''].join('\n');
    const { uri, diagnostics } = await open('dup.sextant.yaml', text);
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    const d = diagnostics[0]!;
    assert.equal(d.code, 'duplicate-need');
    assert.equal(d.severity, 2);
    assert.deepEqual(d.range, { start: { line: 5, character: 15 }, end: { line: 5, character: 16 } });
    const fix = (await actionsFor(uri, d)).find((a) => a.isPreferred)!;
    assert.equal(fix.title, 'Remove the second "a" from the needs of "b"');
    const fixed = applyEdits(text, fix.edit!.changes[uri]!);
    assert.equal(fixed, text.replace('[a, a]', '[a]'));
    assert.deepEqual((await open('dup-fixed.sextant.yaml', fixed)).diagnostics, []);
  });

  it('warns at a shell-style ${params.x} in run: with a fix to ${{ params.x }}', async () => {
    const text = ['version: 1', 'params:', '  lr: 0.1', 'stages:', '  a:', "    run: 'python train.py --lr ${params.lr} --home ${HOME}'", ''].join('\n');
    const { uri, diagnostics } = await open('shell.sextant.yaml', text);
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    const d = diagnostics[0]!;
    assert.equal(d.code, 'shell-style-expression');
    assert.equal(d.severity, 2);
    assert.equal(textAt(text, d), '${params.lr}');
    assert.match(d.message, /did you mean `\$\{\{ params\.lr \}\}`/);
    const fix = (await actionsFor(uri, d)).find((a) => a.isPreferred)!;
    const fixed = applyEdits(text, fix.edit!.changes[uri]!);
    assert.equal(fixed, text.replace('${params.lr}', '${{ params.lr }}'));
    assert.deepEqual((await open('shell-fixed.sextant.yaml', fixed)).diagnostics, []);
  });

  it('suggests a key with two letters swapped (lable → label)', async () => {
    const text = ['version: 1', 'datasets:', '  penguins: { path: penguins.csv, lable: species }', 'stages:', '  a:', '    run: echo a', ''].join('\n');
    const { uri, diagnostics } = await open('swap.sextant.yaml', text);
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
    const d = diagnostics[0]!;
    assert.equal(textAt(text, d), 'lable');
    assert.match(d.message, /Did you mean "label"\?/);
    const fix = (await actionsFor(uri, d)).find((a) => a.isPreferred)!;
    assert.equal(fix.title, 'Change to "label"');
    assert.equal(applyEdits(text, fix.edit!.changes[uri]!), text.replace('lable', 'label'));
  });

  it('suggests the metric a stage produces for a word of its name (auc → roc_auc), in a gate and a promotion gate', async () => {
    const text = [
      'version: 1',
      'datasets:',
      '  penguins: { path: penguins.csv, label: species }',
      'stages:',
      '  train:',
      '    uses: sextant/train',
      '    with: { dataset: penguins, model: mlp, out: m.onnx }',
      '  evaluate:',
      '    needs: [train]',
      '    uses: sextant/evaluate',
      '    with: { model: m.onnx, dataset: penguins }',
      '  gate:',
      '    needs: [evaluate]',
      '    uses: sextant/gate',
      '    with: { require: { auc: ">= 0.9" } }',
      '  register:',
      '    needs: [gate]',
      '    uses: sextant/register',
      '    with: { name: m, model: m.onnx, gates: [{ metric: acuracy, at_least: 0.9 }] }',
      '',
    ].join('\n');
    const { uri, diagnostics } = await open('metric.sextant.yaml', text);
    const unknown = diagnostics.filter((d) => d.code === 'unknown-metric');
    assert.deepEqual(unknown.map((d) => textAt(text, d)), ['auc', 'acuracy'], JSON.stringify(diagnostics));
    assert.match(unknown[0]!.message, /Did you mean "roc_auc"\?/);
    assert.match(unknown[1]!.message, /promotion gate produces "acuracy"\. Did you mean "accuracy"\?/);
    const fix = (await actionsFor(uri, unknown[0]!)).find((a) => a.isPreferred)!;
    assert.equal(applyEdits(text, fix.edit!.changes[uri]!), text.replace('{ auc:', '{ roc_auc:'));
  });

  it('knows the metrics earlier runs of run: stages logged in the store (read-only)', async () => {
    const opened = Tracker.open(workspaceLayout(dir), { create: true });
    assert.ok(opened.ok, JSON.stringify(opened));
    const tracker = opened.value;
    try {
      const run = tracker.startRun({ experiment: 'logged', name: 'train' });
      assert.ok(run.ok);
      assert.ok(tracker.logMetric(run.value.id, 'val_accuracy', 0.93).ok);
      assert.ok(tracker.finishRun(run.value.id, 'finished').ok);
      assert.ok(tracker.flush().ok);
    } finally {
      tracker.close(true);
    }
    const text = [
      'version: 1',
      'name: logged',
      'stages:',
      '  train:',
      '    run: python train.py',
      '  gate:',
      '    needs: [train]',
      '    uses: sextant/gate',
      '    with: { require: { val_acuracy: ">= 0.9", val_accuracy: ">= 0.9" } }',
      '',
    ].join('\n');
    const { diagnostics } = await open('sextant.yaml', text);
    const unknown = diagnostics.filter((d) => d.code === 'unknown-metric');
    assert.deepEqual(unknown.map((d) => textAt(text, d)), ['val_acuracy'], 'the logged metric is known; its typo is not');
    assert.match(unknown[0]!.message, /Did you mean "val_accuracy"\?/);
    assert.equal(unknown[0]!.severity, 2);
  });
});
