// media/python/sextant_log.py with an http:// tracking URI: the same MLflow tutorial script that
// python.mlflowApi.test.ts runs against the store file (test/fixtures/python/mlflow_tutorial.py) runs here
// with MLFLOW_TRACKING_URI (and, in a second script, set_tracking_uri / SEXTANT_TRACKING_URI) pointing at a
// started `sextant server`; the helper speaks MLflow's REST API with urllib. What the server wrote is read
// back from the store through the engine. Skipped, loudly, without /usr/bin/python3.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startMlflowServer, type RunningMlflowServer } from '../../src/engine/mlflowServer/server';
import type { RunDetail } from '../../src/engine/tracking/schemas';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

const PYTHON = process.env.SEXTANT_TEST_PYTHON ?? '/usr/bin/python3';
const HELPER_DIR = resolve(__dirname, '../../media/python');
const TUTORIAL = resolve(__dirname, '../fixtures/python/mlflow_tutorial.py');

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function runPython(file: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const p = spawn(PYTHON, [file], { cwd, env: { PATH: process.env.PATH ?? '', TMPDIR: process.env.TMPDIR ?? '', PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: HELPER_DIR, ...env } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      rej(new Error(`the script hung; stderr: ${stderr}`));
    }, 60_000);
    p.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    p.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    p.on('exit', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

describe('python helper: an http:// tracking URI logs to `sextant server` over MLflow\'s REST API', function () {
  let dir: string;
  let tracker: Tracker;
  let server: RunningMlflowServer;

  before(function () {
    if (!existsSync(PYTHON)) {
      console.warn(`\n  SKIPPED: ${PYTHON} is missing, so the helper's http:// tracking URI is not tested.\n`);
      this.skip();
    }
  });
  beforeEach(async () => {
    dir = tempDir('sextant-pyhttp-');
    tracker = must(Tracker.open(workspaceLayout(dir), { create: true }));
    server = must(await startMlflowServer({ tracker, host: '127.0.0.1', port: 0 }));
  });
  afterEach(async () => {
    await server?.close();
    tracker?.close(true);
  });

  function named(name: string): RunDetail {
    tracker.forgetCachedRuns();
    const runs = must(tracker.listRuns({ includeDeleted: true })).filter((r) => r.name === name);
    assert.equal(runs.length, 1, `one run named ${name}`);
    return must(tracker.getRun(runs[0]!.id));
  }

  it('runs the MLflow tutorial script unchanged with MLFLOW_TRACKING_URI: experiment, nested runs, params, metrics with steps, tags, artifacts', async () => {
    const out = tempDir('sextant-pyhttp-out-');
    const cwd = tempDir('sextant-pyhttp-cwd-'); // no .sextant here: only the server can hold the runs
    const r = await runPython(TUTORIAL, cwd, { MLFLOW_TRACKING_URI: server.url, OUT_DIR: out });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Traceback|internal error|refused it|printing protocol lines/);
    assert.match(r.stderr, new RegExp(`logging to run [0-9a-f]{32} in ${server.url.replace(/\./g, '\\.')}`));
    const parent = named('baseline');
    const child = named('tune-lr');
    assert.equal(parent.experiment, 'iris-tutorial');
    assert.equal(child.experiment, 'iris-tutorial');
    assert.equal(parent.status, 'finished');
    assert.equal(child.status, 'finished');
    assert.equal(child.parentId, parent.id);
    assert.match(r.stdout, new RegExp(`^parent ${parent.id} ${parent.experimentId} ${parent.id}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^child ${child.id} ${child.experimentId}$`, 'm'));
    assert.match(r.stdout, /^after None$/m);
    assert.match(r.stdout, /^param refused: ParamChangedError$/m);
    assert.deepEqual(parent.params, { learning_rate: '0.01', epochs: '5', optimizer: 'adam' });
    assert.deepEqual(child.params, { learning_rate: '0.001' });
    const steps = (run: RunDetail, key: string): Array<[number, number | null]> => (run.history[key] ?? []).map((p) => [p.step, p.value as number | null]);
    assert.deepEqual(steps(parent, 'train_loss'), [[0, 0.5], [1, 0.25], [2, 0.125], [3, 0.0625], [4, 0.03125]]);
    assert.deepEqual(steps(parent, 'test_acc'), [[0, 0.97]]);
    assert.deepEqual(steps(child, 'train_loss'), [[0, 0.25]]);
    assert.equal(parent.tags.model_family, 'mlp');
    assert.equal(parent.tags.dataset, 'iris');
    assert.equal(parent.tags.to_remove, undefined, 'delete_tag went through');
    assert.equal(parent.tags['mlflow.source.name'], 'mlflow_tutorial.py');
    const byPath = new Map(parent.artifacts.map((a) => [a.path, a]));
    assert.deepEqual([...byPath.keys()].sort(), ['meta/classes.json', 'notes.txt', 'outputs/model.txt', 'outputs/report.txt']);
    assert.equal(readFileSync(byPath.get('outputs/report.txt')!.file, 'utf8'), 'accuracy 0.97');
    assert.deepEqual(JSON.parse(readFileSync(byPath.get('meta/classes.json')!.file, 'utf8')), { classes: ['setosa', 'versicolor', 'virginica'] });
    assert.deepEqual(child.artifacts, []);
    assert.equal(existsSync(join(cwd, '.sextant')), false, 'nothing written next to the script');
  });

  it('set_tracking_uri("http://…") and SEXTANT_TRACKING_URI; NaN and inf kept; more than one batch of params and points; an unreachable server falls back to protocol lines', async () => {
    const script = join(dir, 'many.py');
    writeFileSync(
      script,
      [
        'import os, sys',
        'import sextant_log as mlflow',
        'if os.environ.get("VIA") == "set":',
        '    mlflow.set_tracking_uri(os.environ["URL"])',
        'print("uri", mlflow.get_tracking_uri())',
        'mlflow.set_experiment("http-" + os.environ["VIA"])',
        'with mlflow.start_run(run_name="many-" + os.environ["VIA"]) as run:',
        '    mlflow.log_params({"p%d" % i: i for i in range(150)})',
        '    mlflow.log_metrics({"m%d" % i: float(i) for i in range(1500)}, step=2)',
        '    mlflow.log_metric("odd", float("nan"), step=0)',
        '    mlflow.log_metric("odd", float("inf"), step=1)',
        '    mlflow.log_metric("odd", float("-inf"), step=2)',
        '    print("run", run.info.run_id, run.info.artifact_uri)',
      ].join('\n'),
    );
    for (const via of ['set', 'env']) {
      const r = await runPython(script, dir, via === 'set' ? { VIA: via, URL: server.url } : { VIA: via, SEXTANT_TRACKING_URI: server.url });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^uri ${server.url.replace(/\./g, '\\.')}$`, 'm'));
      const run = named(`many-${via}`);
      assert.equal(run.experiment, `http-${via}`);
      assert.match(r.stdout, new RegExp(`^run ${run.id} mlflow-artifacts:/${run.experimentId}/${run.id}/artifacts$`, 'm'));
      assert.equal(Object.keys(run.params).length, 150);
      assert.equal(Object.keys(run.metrics).filter((k) => k.startsWith('m')).length, 1500);
      assert.equal(run.metrics.m1499!.last, 1499);
      const odd = run.history.odd!.map((p) => p.value as number);
      assert.ok(Number.isNaN(odd[0]));
      assert.deepEqual(odd.slice(1), [Infinity, -Infinity]);
      assert.equal(run.status, 'finished');
    }
    // Nothing listens on this port: the helper says so and prints protocol lines (as without a store).
    const down = await runPython(script, dir, { VIA: 'set', URL: 'http://127.0.0.1:9' });
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stderr, /cannot write to the tracking server \(cannot reach the tracking server at http:\/\/127\.0\.0\.1:9: .*\); printing protocol lines on stdout instead/);
    assert.match(down.stdout, /^::sextant param p0=0 p1=1 /m);
  });
});
