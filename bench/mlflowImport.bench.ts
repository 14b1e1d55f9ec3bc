// `sextant import mlflow` of a generated MLflow file store the size of the largest real one the issue-16
// audit met: 3,500 runs in 7 experiments, 1.5M metric points (3 metrics × ~143 steps per run), 10 params
// and 5 tags per run, written file for file as MLflow's FileStore writes them. Prints the store size,
// the import time, points per second and the peak resident memory, and as an anchor measured in the same
// run (the machine is shared and noisy) the time to read every file of the store and split its lines,
// before and after the import: the import's time is also given as a multiple of that.
// SEXTANT_BENCH_QUICK=1: 350 runs.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importMlflow } from '../src/engine/mlflow/importer';
import { Tracker } from '../src/engine/tracking/tracking';
import { fmt, timeMs, type Bench } from './util';

const QUICK = Boolean(process.env.SEXTANT_BENCH_QUICK);
const RUNS = QUICK ? 350 : 3_500;
const POINTS = QUICK ? 150_000 : 1_500_000;
const EXPERIMENTS = 7;
const METRICS = ['loss', 'val_loss', 'accuracy'];

function writeStore(root: string): number {
  const steps = Math.floor(POINTS / RUNS / METRICS.length);
  let points = 0;
  for (let e = 1; e <= EXPERIMENTS; e++) {
    mkdirSync(join(root, String(e)), { recursive: true });
    writeFileSync(join(root, String(e), 'meta.yaml'), `artifact_location: file:///bench/mlruns/${e}\ncreation_time: 1700000000000\nexperiment_id: '${e}'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: bench-${e}\n`);
  }
  for (let r = 0; r < RUNS; r++) {
    const e = (r % EXPERIMENTS) + 1;
    const id = r.toString(16).padStart(32, '0');
    const dir = join(root, String(e), id);
    for (const sub of ['metrics', 'params', 'tags', 'artifacts']) mkdirSync(join(dir, sub), { recursive: true });
    const start = 1700000000000 + r * 60_000;
    writeFileSync(join(dir, 'meta.yaml'), `artifact_uri: file:///bench/mlruns/${e}/${id}/artifacts\nend_time: ${start + 50_000}\nentry_point_name: ''\nexperiment_id: '${e}'\nlifecycle_stage: active\nrun_id: ${id}\nrun_name: run-${r}\nrun_uuid: ${id}\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: ${start}\nstatus: 3\ntags: []\nuser_id: bench\n`);
    for (let p = 0; p < 10; p++) writeFileSync(join(dir, 'params', `param_${p}`), String((r * 7 + p) % 97));
    for (const [k, v] of [['mlflow.runName', `run-${r}`], ['mlflow.user', 'bench'], ['mlflow.source.name', 'train.py'], ['mlflow.source.type', 'LOCAL'], ['mlflow.source.git.commit', 'f'.repeat(40)]]) writeFileSync(join(dir, 'tags', k!), v!);
    for (const [m, key] of METRICS.entries()) {
      let text = '';
      for (let s = 0; s < steps; s++) text += `${start + s * 100 + m} ${(1 / (s + 1) + m * 0.01 + (r % 13) * 1e-3).toPrecision(12)} ${s}\n`;
      writeFileSync(join(dir, 'metrics', key), text);
      points += steps;
    }
  }
  return points;
}

/** The anchor: every file of the store read and split into lines (what any reader of it must do at least). */
function readAll(dir: string): number {
  let lines = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) lines += readAll(full);
    else lines += readFileSync(full, 'utf8').split('\n').length;
  }
  return lines;
}

export const mlflowImportBench: Bench = {
  name: 'mlflow-import',
  async run(print) {
    const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-mlflow-'));
    try {
      const mlruns = join(dir, 'mlruns');
      const points = writeStore(mlruns);
      const tracker = Tracker.open({ storePath: join(dir, 'store', 'sextant.db'), artifactsDir: join(dir, 'store', 'artifacts') }, { create: true });
      if (!tracker.ok) throw new Error(tracker.error.message);
      const rssBefore = process.resourceUsage().maxRSS;
      const readBefore = timeMs(() => readAll(mlruns));
      let report: ReturnType<typeof importMlflow> | undefined;
      const ms = timeMs(() => {
        report = importMlflow(tracker.value, dir);
      });
      const readAfter = timeMs(() => readAll(mlruns));
      tracker.value.close();
      if (!report?.ok) throw new Error(report?.ok === false ? report.error.message : 'no report');
      const r = report.value;
      if (r.runsCreated !== RUNS || r.metricPoints !== points || r.problems.length > 0) throw new Error(`import incomplete: ${r.runsCreated} runs, ${r.metricPoints} of ${points} points, ${r.problems.length} problems`);
      print(`mlflow import: ${RUNS} runs, ${points} points, ${r.params} params, ${r.tags} tags in ${fmt(ms)} (${Math.round(points / (ms / 1000))} points/s), peak RSS ${Math.round(Math.max(rssBefore, process.resourceUsage().maxRSS) / 1024)} MB (${Math.round(rssBefore / 1024)} MB before the import)`);
      print(`anchor: reading every file of the store took ${fmt(readBefore)} before and ${fmt(readAfter)} after the import; the import took ${(ms / ((readBefore + readAfter) / 2)).toFixed(1)}× that`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
