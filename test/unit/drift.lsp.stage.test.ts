// Drift found by a `sextant/drift` stage (not the monitor) lands in the Problems panel too: over the real
// language server (its own process over stdio) and a real store, after a pipeline run whose drift stage
// found the current dataset drifted, a `dataset-drift` warning sits at that dataset's entry under
// `datasets:` naming the stage, and its hover names each drifted column's test and why it was chosen.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runPipeline } from '../../src/engine/runner/executor';
import { StoreTracker } from '../../src/engine/runner/storeTracker';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { buildServer } from '../support/buildServer';
import { LspClient, offsetAt, type PublishParams } from '../support/lspClient';
import { writeDriftCsv } from './driftData';
import { tempDir } from './tempDir';

const PIPELINE = `version: 1
name: drift-gate
datasets:
  reference:
    path: data/reference.csv
  live:
    path: data/live.csv
stages:
  drift-gate:
    uses: sextant/drift
    with:
      reference: reference
      current: live
`;

describe('drift findings in the language server: from a sextant/drift stage', function () {
  this.timeout(60_000);
  let client: LspClient;

  after(async () => {
    await client?.stop();
  });

  it('publishes a dataset-drift warning at the current dataset\'s entry naming the stage, with a hover of each test and why', async () => {
    const server = await buildServer();
    const dir = tempDir('sextant-drift-lsp-stage-');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'sextant.yaml'), PIPELINE);
    writeDriftCsv(join(dir, 'data', 'reference.csv'), { rows: 400, shift: 0, seed: 1 });
    writeDriftCsv(join(dir, 'data', 'live.csv'), { rows: 300, shift: 1, seed: 3 });
    const opened = Tracker.open(workspaceLayout(dir), { create: true });
    assert.ok(opened.ok);
    try {
      const r = await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [], tracker: new StoreTracker(opened.value) });
      assert.ok(r.ok);
      assert.equal(r.value.stages.find((s) => s.name === 'drift-gate')?.status, 'failed', 'the drift gate fails on drift');
    } finally {
      opened.value.close(true);
    }

    client = LspClient.spawn(process.execPath, [server, '--stdio']);
    await client.initialize(pathToFileURL(dir).toString());
    const uri = pathToFileURL(join(dir, 'sextant.yaml')).toString();
    const published = client.waitFor<PublishParams>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.diagnostics.some((d) => d.code === 'dataset-drift'));
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'sextant-pipeline', version: 1, text: PIPELINE } });
    const drift = (await published).diagnostics.filter((d) => d.code === 'dataset-drift');
    assert.equal(drift.length, 1);
    const d = drift[0]!;
    const start = offsetAt(PIPELINE, d.range.start);
    assert.equal(PIPELINE.slice(start, offsetAt(PIPELINE, d.range.end)), 'live');
    assert.equal(start, PIPELINE.indexOf('  live:') + 2, 'at the entry under datasets:, not at the stage\'s with.current');
    assert.match(d.message, /^Dataset "live" drifted from "reference": 2 of 4 columns \(50\.0%\): age \(ks\), plan \(chi2\); found by stage "drift-gate" on /);

    const hover = await client.request<{ contents: { kind: string; value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: d.range.start.line, character: d.range.start.character + 1 } });
    assert.match(hover.contents.value, /found by stage "drift-gate"/);
    assert.match(hover.contents.value, /\| age \| two-sample Kolmogorov–Smirnov \(`ks`\) \| p = [^|]+ < 0\.05 \| numeric with more than 5 distinct values, reference of 400 values \(<= 1000\): two-sample Kolmogorov–Smirnov \|/);
    assert.match(hover.contents.value, /\| plan \| chi-square \(`chi2`\) \| p = [^|]+ < 0\.05 \| categorical with 4 categories, reference of 400 values \(<= 1000\): chi-square \|/);
  });
});
