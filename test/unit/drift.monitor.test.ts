// The pipeline's `monitor:` through the real runner and store: with the current data drawn like the
// reference, the on_drift stage is not rerun (cached) and the check is recorded without drift; once the
// current data drifts, the on_drift stage runs although its inputs did not change, the stage after it
// registers a new model version, and the detection (time, drift share, columns, retrain run) is in the
// store; the same data again is neither detected nor retrained twice; `sextant monitor report --json`
// reports it per model.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { listDriftChecks } from '../../src/engine/monitor/checks';
import { MonitorReportSchema } from '../../src/engine/monitor/report';
import { runPipeline } from '../../src/engine/runner/executor';
import { StoreTracker } from '../../src/engine/runner/storeTracker';
import type { PipelineResult } from '../../src/engine/runner/types';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { writeDriftCsv } from './driftData';
import { tempDir } from './tempDir';

function pipelineYaml(): string {
  return stringify({
    version: 1,
    name: 'monitored',
    datasets: { reference: { path: 'data/reference.csv' }, live: { path: 'data/live.csv' } },
    stages: {
      train: { run: 'date +%s%N > model.bin && wc -l < data/reference.csv >> model.bin', deps: ['data/reference.csv'], outs: ['model.bin'] },
      register: { needs: ['train'], uses: 'sextant/register', with: { name: 'churn', model: 'model.bin' } },
    },
    monitor: { reference: 'reference', current: 'live', on_drift: { run: 'train' } },
  });
}

async function run(dir: string): Promise<PipelineResult> {
  const opened = Tracker.open(workspaceLayout(dir), { create: true });
  assert.ok(opened.ok);
  try {
    const r = await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [], tracker: new StoreTracker(opened.value) });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.equal(r.value.status, 'succeeded', JSON.stringify(r.value.stages));
    return r.value;
  } finally {
    opened.value.close(true);
  }
}

function checks(dir: string) {
  const opened = Tracker.open(workspaceLayout(dir), { readonly: true });
  assert.ok(opened.ok);
  try {
    return listDriftChecks(opened.value.db);
  } finally {
    opened.value.close(true);
  }
}

const status = (r: PipelineResult, stage: string): string => r.stages.find((s) => s.name === stage)!.status;

describe('pipeline monitor: drift → on_drift stage → detection recorded', function () {
  this.timeout(60_000);
  let dir: string;

  before(() => {
    dir = tempDir('sextant-monitor-');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'sextant.yaml'), pipelineYaml());
    writeDriftCsv(join(dir, 'data', 'reference.csv'), { rows: 400, shift: 0, seed: 1 });
    writeDriftCsv(join(dir, 'data', 'live.csv'), { rows: 300, shift: 0, seed: 2 });
  });

  it('no drift: the check is recorded without drift and the on_drift stage is not rerun', async () => {
    const first = await run(dir);
    assert.equal(status(first, 'train'), 'ran', 'the first run trains (nothing cached yet)');
    const second = await run(dir);
    assert.equal(status(second, 'train'), 'cached', 'no drift: no retrain');
    const all = checks(dir);
    assert.equal(all.length, 1, 'the second run had the same data: the first verdict stands');
    for (const c of all) {
      assert.equal(c.dataset_drift, false, JSON.stringify(c.columns));
      assert.equal(c.retrain_status, null);
      assert.equal(c.pipeline_file, join(dir, 'sextant.yaml'));
      assert.deepEqual(c.models, ['churn']);
      assert.deepEqual(c.columns.map((x) => x.column).sort(), ['age', 'churned', 'income', 'plan']);
    }
  });

  it('drifted current: the on_drift stage runs although its inputs are unchanged, and the detection is recorded', async () => {
    const before = Date.now();
    writeDriftCsv(join(dir, 'data', 'live.csv'), { rows: 300, shift: 1, seed: 3 });
    const third = await run(dir);
    assert.equal(status(third, 'train'), 'ran', 'drift: retrain');
    assert.equal(status(third, 'register'), 'ran');
    const all = checks(dir);
    assert.equal(all.length, 2);
    const detection = all[1]!;
    assert.equal(detection.dataset_drift, true);
    assert.ok(detection.checked_at >= before && detection.checked_at <= Date.now());
    assert.ok(detection.drift_share >= 0.5, String(detection.drift_share));
    const drifted = detection.columns.filter((c) => c.drifted).map((c) => c.column).sort();
    assert.deepEqual(drifted, ['age', 'plan']);
    assert.equal(detection.columns.find((c) => c.column === 'age')!.test, 'ks');
    assert.match(detection.columns.find((c) => c.column === 'age')!.why, /Kolmogorov/);
    assert.equal(detection.on_drift, 'train');
    assert.equal(detection.retrain_status, 'ran');
    assert.equal(detection.retrain_run_uid, third.stages.find((s) => s.name === 'train')!.run_id);
    assert.equal(detection.run_uid, third.run_id);
    assert.ok(detection.current_changed_at !== null && detection.current_changed_at >= before - 1000);
    assert.match(detection.current_sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.notEqual(detection.current_sha256, all[0]!.current_sha256, 'new data, new hash');
  });

  it('the same drifted data again: no second detection and no second retrain', async () => {
    const fourth = await run(dir);
    assert.equal(status(fourth, 'train'), 'cached');
    assert.equal(checks(dir).length, 2, 'the verdict on these files stands; nothing new recorded');
  });

  it('sextant monitor report --json: detections, retrains and time to a new version per model', async () => {
    const stdout: string[] = [];
    const io: CliIo = { out: (t) => stdout.push(t), err: (t) => stdout.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd: dir, env: {} };
    const code = await main(['monitor', 'report', '--json'], io);
    assert.equal(code, 0, stdout.join('\n'));
    const report = MonitorReportSchema.parse(JSON.parse(stdout.join('\n')));
    assert.equal(report.models.length, 1);
    const m = report.models[0]!;
    assert.equal(m.model, 'churn');
    assert.equal(m.checks, 2);
    assert.equal(m.detections, 1);
    assert.equal(m.retrains, 1);
    assert.ok(m.median_time_to_new_version_ms !== null && m.median_time_to_new_version_ms >= 0 && m.median_time_to_new_version_ms < 60_000, String(m.median_time_to_new_version_ms));
    assert.ok(m.median_time_to_detect_ms !== null && m.median_time_to_detect_ms >= 0);
    assert.equal(m.median_time_between_retrains_ms, null);

    const human: string[] = [];
    assert.equal(await main(['monitor', 'report'], { ...io, json: (v) => human.push(JSON.stringify(v)), out: (t) => human.push(t) }), 0);
    assert.match(human.join('\n'), /^churn\s+2\s+1\s+1\s/m);
  });
});
