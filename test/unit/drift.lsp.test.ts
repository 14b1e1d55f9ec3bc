// Drift in the editor, over the real language server (its own process over stdio) and a real store: after a
// pipeline run whose `monitor:` found the current dataset drifted, the server publishes a `dataset-drift`
// warning at that dataset's entry under `datasets:`, and a hover there names each drifted column's test
// and why the engine chose it; once a later run finds no drift (the client says runs changed), the
// warning is gone.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runPipeline } from '../../src/engine/runner/executor';
import { StoreTracker } from '../../src/engine/runner/storeTracker';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { buildServer } from '../support/buildServer';
import { LspClient, offsetAt, type Diag, type PublishParams } from '../support/lspClient';
import { writeDriftCsv } from './driftData';
import { tempDir } from './tempDir';

const PIPELINE = `version: 1
name: drifting
datasets:
  reference:
    path: data/reference.csv
  live:
    path: data/live.csv
stages:
  train:
    run: date +%s%N > model.bin
    deps: [data/reference.csv]
    outs: [model.bin]
monitor:
  reference: reference
  current: live
  on_drift: { run: train }
`;

async function runOnce(dir: string): Promise<void> {
  const opened = Tracker.open(workspaceLayout(dir), { create: true });
  assert.ok(opened.ok);
  try {
    const r = await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [], tracker: new StoreTracker(opened.value) });
    assert.ok(r.ok && r.value.status === 'succeeded', JSON.stringify(r));
  } finally {
    opened.value.close(true);
  }
}

describe('drift findings in the language server', function () {
  this.timeout(60_000);
  let server: string;
  let client: LspClient;
  let dir: string;
  let uri: string;

  before(async () => {
    server = await buildServer();
    dir = tempDir('sextant-drift-lsp-');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'sextant.yaml'), PIPELINE);
    writeDriftCsv(join(dir, 'data', 'reference.csv'), { rows: 400, shift: 0, seed: 1 });
    writeDriftCsv(join(dir, 'data', 'live.csv'), { rows: 300, shift: 1, seed: 3 });
    await runOnce(dir);
    client = LspClient.spawn(process.execPath, [server, '--stdio']);
    await client.initialize(pathToFileURL(dir).toString());
    uri = pathToFileURL(join(dir, 'sextant.yaml')).toString();
  });

  after(async () => {
    await client.stop();
  });

  it('publishes a dataset-drift warning at the current dataset\'s entry, and a hover with each column\'s test and why', async () => {
    const published = client.waitFor<PublishParams>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.diagnostics.some((d) => d.code === 'dataset-drift'));
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'sextant-pipeline', version: 1, text: PIPELINE } });
    const diags = (await published).diagnostics;
    const drift = diags.filter((d: Diag) => d.code === 'dataset-drift');
    assert.equal(drift.length, 1, JSON.stringify(diags));
    const d = drift[0]!;
    assert.equal(d.severity, 2, 'a warning');
    const start = offsetAt(PIPELINE, d.range.start);
    assert.equal(PIPELINE.slice(start, offsetAt(PIPELINE, d.range.end)), 'live');
    assert.equal(start, PIPELINE.indexOf('  live:') + 2, 'at the entry under datasets:, not at monitor.current');
    assert.match(d.message, /^Dataset "live" drifted from "reference": 2 of 4 columns \(50\.0%\): age \(ks\), plan \(chi2\)/);

    const hover = await client.request<{ contents: { kind: string; value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: d.range.start.line, character: d.range.start.character + 1 } });
    assert.equal(hover.contents.kind, 'markdown');
    const text = hover.contents.value;
    assert.match(text, /\| age \| two-sample Kolmogorov–Smirnov \(`ks`\) \| p = [^|]+ < 0\.05 \| numeric with more than 5 distinct values, reference of 400 values \(<= 1000\): two-sample Kolmogorov–Smirnov \|/);
    assert.match(text, /\| plan \| chi-square \(`chi2`\) \| p = [^|]+ < 0\.05 \| categorical with 4 categories, reference of 400 values \(<= 1000\): chi-square \|/);
    assert.doesNotMatch(text, /\| income \|/, 'only the drifted columns');
    assert.match(text, /On drift it ran `train` \(ran\)/);

    const elsewhere = await client.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line: d.range.start.line - 2, character: 4 } });
    assert.doesNotMatch(elsewhere?.contents.value ?? '', /Drift of/);
  });

  it('a later run without drift clears the warning', async () => {
    writeDriftCsv(join(dir, 'data', 'live.csv'), { rows: 300, shift: 0, seed: 2 });
    await runOnce(dir);
    // Each check publishes twice: the file's own findings at once, then with the store's (live) ones.
    let seen = 0;
    const second = client.waitFor<PublishParams>('textDocument/publishDiagnostics', (p) => p.uri === uri && ++seen === 2);
    client.notify('sextant/runsChanged', {});
    assert.deepEqual((await second).diagnostics.filter((d) => d.code === 'dataset-drift'), []);
  });
});
