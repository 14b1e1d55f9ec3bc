// Drift verdicts kept with a dataset version (`sextant drift`, the Datasets view's Compare With Reference…;
// src/engine/data/versions/driftVersion.ts) land in the Problems panel too: over the real language server
// (its own process over stdio) and a real store, the newest registered version's latest verdict, when it
// found drift, is a `dataset-drift` warning at the dataset's entry under `datasets:` naming where it came
// from, with the monitor's hover (each drifted column's test and why). A no-drift verdict shows nothing;
// between a verdict and the pipeline's own drift checks (`drift_checks`) the newest wins, one finding.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { keepDrift } from '../../src/engine/data/versions/driftVersion';
import { compareFiles, type DriftReport } from '../../src/engine/drift/report';
import { recordDriftCheck } from '../../src/engine/monitor/checks';
import { openStore } from '../../src/engine/store/open';
import { buildServer } from '../support/buildServer';
import { LspClient, offsetAt, type Diag, type PublishParams } from '../support/lspClient';
import { writeDriftCsv } from './driftData';
import { tempDir } from './tempDir';

const PIPELINE = `version: 1
name: versions
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
`;

async function cli(cwd: string, ...args: string[]): Promise<number> {
  const io: CliIo = { out: () => undefined, err: () => undefined, json: () => undefined, isTty: false, cwd, env: {} };
  return main(args, io);
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

describe('drift findings in the language server: verdicts kept with dataset versions', function () {
  this.timeout(60_000);
  let client: LspClient;
  let dir: string;
  let uri: string;
  let store: string;
  /** Drifted comparisons of the two files, of all columns and of two (the fixtures below record them with explicit times). */
  let drifted: DriftReport;
  let narrow: DriftReport;

  /** The dataset-drift findings of the next publish after the client says the store changed (the second: the file's own, then the store's). */
  async function republished(): Promise<Diag[]> {
    let seen = 0;
    const second = client.waitFor<PublishParams>('textDocument/publishDiagnostics', (p) => p.uri === uri && ++seen === 2);
    client.notify('sextant/runsChanged', {});
    return (await second).diagnostics.filter((d) => d.code === 'dataset-drift');
  }

  function stageCheck(report: DriftReport, at: number): void {
    const db = must(openStore(store));
    try {
      must(
        recordDriftCheck(db, {
          pipeline_file: join(dir, 'sextant.yaml'),
          reference: 'reference',
          current: 'live',
          stage: 'drift-gate',
          reference_sha256: null,
          current_sha256: null,
          run_uid: null,
          checked_at: at,
          current_changed_at: null,
          dataset_drift: report.dataset_drift,
          drift_share: report.drift_share,
          columns: report.columns,
          not_tested: report.not_tested,
          on_drift: null,
          models: [],
        }),
      );
    } finally {
      db.close();
    }
  }

  async function versionVerdict(report: DriftReport, at: number): Promise<void> {
    const db = must(openStore(store));
    try {
      const root = dir;
      must(await keepDrift(db, { current: { register: { name: 'live', file: join(dir, 'data', 'live.csv'), root } }, reference: { register: { name: 'reference', file: join(dir, 'data', 'reference.csv'), root } }, report, at }));
    } finally {
      db.close();
    }
  }

  before(async () => {
    const server = await buildServer();
    dir = tempDir('sextant-drift-lsp-version-');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'sextant.yaml'), PIPELINE);
    writeDriftCsv(join(dir, 'data', 'reference.csv'), { rows: 400, shift: 0, seed: 1 });
    writeDriftCsv(join(dir, 'data', 'live.csv'), { rows: 300, shift: 1, seed: 3 });
    store = join(dir, '.sextant', 'sextant.db');
    drifted = must(compareFiles(join(dir, 'data', 'reference.csv'), join(dir, 'data', 'live.csv')));
    assert.equal(drifted.dataset_drift, true);
    narrow = must(compareFiles(join(dir, 'data', 'reference.csv'), join(dir, 'data', 'live.csv'), { columns: ['age', 'plan'] }));
    assert.equal(narrow.dataset_drift, true);
    // `sextant drift` on registered datasets keeps its verdict with live's version 1
    assert.equal(await cli(dir, 'data', 'add', 'data/reference.csv', '--name', 'reference'), 0);
    assert.equal(await cli(dir, 'data', 'add', 'data/live.csv', '--name', 'live'), 0);
    assert.equal(await cli(dir, 'drift', 'reference@1', 'live'), 1, 'exit 1: drift');
    client = LspClient.spawn(process.execPath, [server, '--stdio']);
    await client.initialize(pathToFileURL(dir).toString());
    uri = pathToFileURL(join(dir, 'sextant.yaml')).toString();
  });

  after(async () => {
    await client?.stop();
  });

  it('a drifted verdict recorded by `sextant drift` is a warning at the dataset\'s entry, with a hover naming each test and why', async () => {
    const published = client.waitFor<PublishParams>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.diagnostics.some((d) => d.code === 'dataset-drift'));
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'sextant-pipeline', version: 1, text: PIPELINE } });
    const diags = (await published).diagnostics;
    const drift = diags.filter((d: Diag) => d.code === 'dataset-drift');
    assert.equal(drift.length, 1, JSON.stringify(diags));
    const d = drift[0]!;
    assert.equal(d.severity, 2, 'a warning');
    const start = offsetAt(PIPELINE, d.range.start);
    assert.equal(PIPELINE.slice(start, offsetAt(PIPELINE, d.range.end)), 'live');
    assert.equal(start, PIPELINE.indexOf('  live:') + 2, 'at the entry under datasets:');
    assert.match(d.message, /^Dataset "live" drifted from "reference@1": 2 of 4 columns \(50\.0%\): age \(ks\), plan \(chi2\); recorded with live@1 by `sextant drift` or the Datasets view's Compare With Reference… on \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);

    const hover = await client.request<{ contents: { kind: string; value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: d.range.start.line, character: d.range.start.character + 1 } });
    assert.equal(hover.contents.kind, 'markdown');
    const text = hover.contents.value;
    assert.match(text, /^\*\*Drift of `live@1` against `reference@1`\*\*: 2 of 4 columns drifted \(50\.0%\), recorded with live@1 by `sextant drift` or the Datasets view's Compare With Reference… on /);
    assert.match(text, /\| age \| two-sample Kolmogorov–Smirnov \(`ks`\) \| p = [^|]+ < 0\.05 \| numeric with more than 5 distinct values, reference of 400 values \(<= 1000\): two-sample Kolmogorov–Smirnov \|/);
    assert.match(text, /\| plan \| chi-square \(`chi2`\) \| p = [^|]+ < 0\.05 \| categorical with 4 categories, reference of 400 values \(<= 1000\): chi-square \|/);
    assert.doesNotMatch(text, /\| income \|/, 'only the drifted columns');
  });

  it('a no-drift verdict on a newer version clears it: only the newest version\'s latest verdict counts', async () => {
    writeDriftCsv(join(dir, 'data', 'live.csv'), { rows: 300, shift: 0, seed: 2 });
    assert.equal(await cli(dir, 'data', 'add', 'data/live.csv', '--name', 'live'), 0);
    assert.equal(await cli(dir, 'drift', 'reference', 'live'), 0, 'exit 0: no drift (kept with live@2)');
    assert.deepEqual(await republished(), []);
  });

  it('between a version verdict and the pipeline\'s drift checks, the newest wins: one finding', async () => {
    const now = Date.now();
    // a newer drift check by a stage: its finding, not the version's
    stageCheck(drifted, now + 60_000);
    let drift = await republished();
    assert.equal(drift.length, 1, JSON.stringify(drift));
    assert.match(drift[0]!.message, /^Dataset "live" drifted from "reference": .*; found by stage "drift-gate" on /);

    // then a newer version verdict: the version's
    await versionVerdict(narrow, now + 120_000);
    drift = await republished();
    assert.equal(drift.length, 1, JSON.stringify(drift));
    assert.match(drift[0]!.message, /^Dataset "live" drifted from "reference@1": 2 of 2 columns \(100\.0%\): age \(ks\), plan \(chi2\); recorded with live@2 by `sextant drift` or the Datasets view's Compare With Reference… on /);

    // a newer stage check without drift: nothing, although the older version verdict found drift
    const calm = { ...drifted, dataset_drift: false, drift_share: 0, columns: drifted.columns.map((c) => ({ ...c, drifted: false })) };
    stageCheck(calm, now + 180_000);
    assert.deepEqual(await republished(), []);

    // and a newer drifted version verdict wins over that check again
    await versionVerdict(narrow, now + 240_000);
    drift = await republished();
    assert.equal(drift.length, 1, JSON.stringify(drift));
    assert.match(drift[0]!.message, /; recorded with live@2 by /);

    // the monitor and the drift stage keep each verdict twice, with the version a moment later: the check's finding
    stageCheck(drifted, now + 300_000);
    await versionVerdict(drifted, now + 300_500);
    drift = await republished();
    assert.equal(drift.length, 1, JSON.stringify(drift));
    assert.match(drift[0]!.message, /^Dataset "live" drifted from "reference": 2 of 4 columns .*; found by stage "drift-gate" on /);
  });
});
