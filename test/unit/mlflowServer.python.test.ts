// `sextant server` driven by a Python script that uses the standard library only (urllib), in the request
// shapes MLflow's Python client sends (test/fixtures/mlflowServer/urllib_client.py); what it saw and what
// the store holds afterwards are checked. Skipped, loudly, when /usr/bin/python3 is missing. When the real
// `mlflow` package happens to be importable, a tiny MLflow script runs against the server too.
import { strict as assert } from 'node:assert';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startMlflowServer, type RunningMlflowServer } from '../../src/engine/mlflowServer/server';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

const PYTHON = '/usr/bin/python3';
const SCRIPT = resolve(__dirname, '../fixtures/mlflowServer/urllib_client.py');
const TUTORIAL = resolve(__dirname, '../fixtures/mlflowServer/mlflow_real_tutorial.py');
const mlflowImportable = (): boolean => spawnSync(PYTHON, ['-c', 'import mlflow'], { stdio: 'ignore' }).status === 0;
const NO_MLFLOW = '\n  SKIPPED: the `mlflow` package is not importable by /usr/bin/python3 (not installable offline; PYTHONPATH=<an MLflow 2.x checkout> makes it so, see docs/mlflow-server.md); the urllib test above covers its request shapes.\n';

function runPython(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(PYTHON, args, { env: { ...process.env, ...env }, timeout: 60000 }, (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('sextant server: a Python client (standard library) drives the MLflow endpoints', function () {
  let tracker: Tracker;
  let server: RunningMlflowServer;
  let dir: string;

  before(function () {
    if (!existsSync(PYTHON)) {
      console.warn(`\n  SKIPPED: ${PYTHON} is missing, so the Python client test of \`sextant server\` did not run.\n`);
      this.skip();
    }
  });
  beforeEach(async () => {
    dir = tempDir('sextant-mlflow-py-');
    const opened = Tracker.open(workspaceLayout(dir), { create: true });
    assert.ok(opened.ok);
    tracker = opened.value;
    const started = await startMlflowServer({ tracker, host: '127.0.0.1', port: 0 });
    assert.ok(started.ok);
    server = started.value;
  });
  afterEach(async () => {
    await server?.close();
    tracker?.close(true);
  });

  it('creates an experiment and a run, logs a batch, a metric, a param and a tag, uploads an artifact, finishes and searches; errors come back in MLflow shape', async () => {
    const ran = await runPython([SCRIPT], { MLFLOW_TRACKING_URI: server.url });
    assert.equal(ran.code, 0, ran.stderr);
    const seen = JSON.parse(ran.stdout) as Record<string, unknown> & { run_id: string; experiment_id: string; history: { key: string; value: number; step: number; timestamp: number }[] };
    assert.deepEqual(seen.health, [200, 'OK']);
    assert.equal(seen.by_name, seen.experiment_id);
    assert.equal(seen.artifact_uri, `mlflow-artifacts:/${seen.experiment_id}/${seen.run_id}/artifacts`);
    assert.deepEqual(seen.param_change, [400, 'INVALID_PARAMETER_VALUE']);
    assert.equal(seen.history.length, 50);
    assert.deepEqual(seen.history[49], { key: 'loss', value: 1 / 50, timestamp: 1700000000049, step: 49 });
    assert.equal(seen.upload, 200);
    assert.deepEqual(seen.listing, { files: [{ path: 'summary.json', is_dir: false, file_size: 13 }] });
    assert.deepEqual(seen.download, [200, '{"acc": 0.93}']);
    assert.deepEqual(seen.search, [seen.run_id]);
    assert.deepEqual(seen.search_status, ['FINISHED']);
    assert.deepEqual(seen.missing_run, [404, 'RESOURCE_DOES_NOT_EXIST']);
    assert.deepEqual(seen.malformed, [400, 'BAD_REQUEST']);
    assert.deepEqual(seen.unknown_endpoint, [404, 'ENDPOINT_NOT_FOUND']);
    // What the store holds, as Sextant reads it.
    const run = tracker.getRun(seen.run_id);
    assert.ok(run.ok);
    assert.equal(run.value.experiment, 'py-exp');
    assert.equal(run.value.name, 'py-run');
    assert.equal(run.value.status, 'finished');
    assert.equal(run.value.endedAt, 1700000005000);
    assert.deepEqual(run.value.params, { epochs: '50', lr: '0.01', optimizer: 'adam' });
    assert.equal(run.value.tags.note, 'from urllib');
    assert.equal(run.value.tags['mlflow.user'], 'py');
    assert.equal(run.value.history.loss!.length, 50);
    assert.equal(run.value.history.acc![0]!.value, 0.93);
    assert.deepEqual(run.value.artifacts.map((a) => [a.path, a.size]), [['reports/summary.json', 13]]);
  });

  it('runs a tiny script with the real mlflow package when it is importable', async function () {
    if (!mlflowImportable()) {
      console.warn(NO_MLFLOW);
      this.skip();
    }
    const script = join(dir, 'train.py');
    writeFileSync(
      script,
      ['import mlflow', 'mlflow.set_experiment("real")', 'with mlflow.start_run(run_name="r") as run:', '    mlflow.log_param("lr", 0.1)', '    for i in range(3):', '        mlflow.log_metric("loss", 1.0 / (i + 1), step=i)', '    print(run.info.run_id)'].join('\n'),
    );
    const ran = await runPython([script], { MLFLOW_TRACKING_URI: server.url });
    assert.equal(ran.code, 0, ran.stderr);
    const run = tracker.getRun(ran.stdout.trim().split('\n').pop()!);
    assert.ok(run.ok);
    assert.equal(run.value.params.lr, '0.1');
    assert.equal(run.value.history.loss!.length, 3);
    assert.equal(run.value.status, 'finished');
  });

  it('runs an MLflow tracking tutorial (experiments, nested runs, params, metrics by step, tags, artifacts, search, metric history) with the real mlflow package when it is importable', async function () {
    if (!mlflowImportable()) {
      console.warn(NO_MLFLOW);
      this.skip();
    }
    const out = join(dir, 'out');
    mkdirSync(out);
    const ran = await runPython([TUTORIAL], { MLFLOW_TRACKING_URI: server.url, OUT_DIR: out });
    assert.equal(ran.code, 0, ran.stderr);
    const seen = JSON.parse(ran.stdout.trim().split('\n').pop()!) as Record<string, unknown> & { run_id: string; child_run_id: string; experiment_id: string };
    assert.equal(seen.param_change, 'INVALID_PARAMETER_VALUE');
    assert.deepEqual(seen.history, [[0, 0.5], [1, 0.25], [2, 0.125], [3, 0.0625], [4, 0.03125]]);
    assert.equal(seen.status, 'FINISHED');
    assert.deepEqual(seen.params, { batch_size: '32', epochs: '5', learning_rate: '0.01', optimizer: 'adam' });
    assert.deepEqual(seen.tags, { dataset: 'iris', 'mlflow.note.content': 'first try', 'mlflow.runName': 'baseline', model_family: 'mlp' });
    assert.equal((seen.metrics as Record<string, number>).test_acc, 0.97);
    assert.equal((seen.metrics as Record<string, number | string>).odd, 'NaN');
    assert.deepEqual(seen.artifacts, ['meta', 'notes.txt', 'outputs', 'plots']);
    assert.deepEqual(seen.outputs, [['outputs/model.txt', 7], ['outputs/report.txt', 13]]);
    assert.deepEqual(seen.downloaded, { classes: ['setosa', 'versicolor', 'virginica'] });
    assert.deepEqual(seen.loaded_dict, seen.downloaded);
    assert.deepEqual(seen.search, [seen.run_id]);
    assert.deepEqual(seen.search_all, ['baseline', 'tune-lr']);
    assert.deepEqual(seen.children, [seen.child_run_id]);
    assert.deepEqual(seen.by_name, { team: 'vision' });
    // What Sextant holds.
    const run = tracker.getRun(seen.run_id);
    assert.ok(run.ok);
    assert.equal(run.value.experiment, 'tutorial');
    assert.equal(run.value.status, 'finished');
    assert.equal(run.value.history.train_loss!.length, 5);
    assert.deepEqual(run.value.artifacts.map((a) => a.path).sort(), ['meta/classes.json', 'notes.txt', 'outputs/model.txt', 'outputs/report.txt', 'plots/a.txt', 'plots/deep/b.txt']);
    const child = tracker.getRun(seen.child_run_id);
    assert.ok(child.ok);
    assert.equal(child.value.parentId, seen.run_id);
    assert.equal(child.value.params.learning_rate, '0.001');
  });
});
