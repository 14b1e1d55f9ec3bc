// media/python/sextant_log.py's MLflow-shaped API (issue 14): `import sextant_log as mlflow` runs an MLflow
// tutorial script unchanged into the workspace's store, read back here through the engine (Tracker): runs,
// the nested run's parent link, params, metrics with their steps (0 when not given, as MLflow), tags,
// artifacts logged into one folder, immutable params, MLflow's log-batch limits.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseProtocolLine } from '../../src/engine/tracking/protocol';
import { Tracker } from '../../src/engine/tracking/tracking';
import type { RunDetail } from '../../src/engine/tracking/schemas';
import { tempDir } from './tempDir';

// SEXTANT_TEST_PYTHON: another interpreter (one with matplotlib runs the log_figure test).
const PYTHON = process.env.SEXTANT_TEST_PYTHON ?? '/usr/bin/python3';
const HELPER_DIR = resolve(__dirname, '../../media/python');
const FIXTURES = resolve(__dirname, '../fixtures/python');

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

interface Workspace {
  dir: string;
  storePath: string;
  tracker: Tracker;
}

const trackers: Tracker[] = [];
after(() => {
  for (const t of trackers.splice(0)) t.close(true);
});

function newWorkspace(): Workspace {
  const dir = tempDir('sextant-pymlflow-');
  const storePath = join(dir, '.sextant', 'sextant.db');
  const tracker = must(Tracker.open({ storePath, artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true }));
  trackers.push(tracker);
  return { dir, storePath, tracker };
}

interface PyResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Python file (cwd: the workspace) with media/python on PYTHONPATH; fails after 30 s. */
function runPython(file: string, cwd: string, env: Record<string, string>): Promise<PyResult> {
  return new Promise((res, rej) => {
    const p = spawn(PYTHON, [file], { cwd, env: { PATH: process.env.PATH ?? '', TMPDIR: process.env.TMPDIR ?? '', PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: HELPER_DIR, ...env } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      rej(new Error(`the script hung; stderr: ${stderr}`));
    }, 30_000);
    p.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    p.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    p.on('exit', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

/** Runs Python code (written to a file in the workspace) that starts with `import sextant_log as mlflow`. */
function py(ws: Workspace, code: string, env: Record<string, string> = {}): Promise<PyResult> {
  const file = join(ws.dir, 'script.py');
  writeFileSync(file, `import os, sys\nimport sextant_log as mlflow\n${code}\n`);
  return runPython(file, ws.dir, { SEXTANT_STORE: ws.storePath, ...env });
}

function runsNamed(ws: Workspace, name: string): RunDetail[] {
  ws.tracker.forgetCachedRuns();
  return must(ws.tracker.listRuns({ includeDeleted: true }))
    .filter((r) => r.name === name)
    .map((r) => must(ws.tracker.getRun(r.id)));
}

function onlyRun(ws: Workspace, name: string): RunDetail {
  const runs = runsNamed(ws, name);
  assert.equal(runs.length, 1, `one run named ${name}`);
  return runs[0]!;
}

function steps(run: RunDetail, key: string): Array<[number, number | null]> {
  return (run.history[key] ?? []).map((p) => [p.step, p.value as number | null]);
}

describe('python helper: MLflow-shaped API (import sextant_log as mlflow)', function () {
  before(function () {
    if (!existsSync(PYTHON)) {
      console.warn(`SKIPPED: ${PYTHON} is missing, so the MLflow-shaped Python API is not tested`);
      this.skip();
    }
  });

  it('runs an MLflow tutorial script unchanged: experiment, runs, nested parent link, params, metrics with steps, tags, artifacts', async () => {
    const ws = newWorkspace();
    const out = tempDir('sextant-pymlflow-out-');
    const r = await runPython(join(FIXTURES, 'mlflow_tutorial.py'), ws.dir, { SEXTANT_STORE: ws.storePath, OUT_DIR: out });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Traceback|internal error/);

    const parent = onlyRun(ws, 'baseline');
    const child = onlyRun(ws, 'tune-lr');
    assert.equal(parent.experiment, 'iris-tutorial');
    assert.equal(child.experiment, 'iris-tutorial');
    assert.equal(parent.status, 'finished');
    assert.equal(child.status, 'finished');
    assert.equal(parent.parentId, null);
    assert.equal(child.parentId, parent.id);
    assert.deepEqual(parent.children, [child.id]);
    // what the script printed from ActiveRun.info is the store's ids
    assert.match(r.stdout, new RegExp(`^parent ${parent.id} ${parent.experimentId} ${parent.id}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^child ${child.id} ${child.experimentId}$`, 'm'));
    assert.match(r.stdout, /^after None$/m, 'no active run after the with block');

    // params: immutable, the first value kept, the change refused with the exception subclass
    assert.match(r.stdout, /^param refused: ParamChangedError$/m);
    assert.deepEqual(parent.params, { learning_rate: '0.01', epochs: '5', optimizer: 'adam' });
    assert.deepEqual(child.params, { learning_rate: '0.001' });

    // metrics with their steps; test_acc had no step: MLflow's default, 0
    assert.deepEqual(steps(parent, 'train_loss'), [[0, 0.5], [1, 0.25], [2, 0.125], [3, 0.0625], [4, 0.03125]]);
    assert.deepEqual(steps(parent, 'val_acc').map((p) => p[0]), [0, 1, 2, 3, 4]);
    assert.deepEqual(steps(parent, 'test_acc'), [[0, 0.97]]);
    assert.deepEqual(steps(child, 'train_loss'), [[0, 0.25]]);
    assert.equal(child.history.val_loss, undefined, "the parent's metrics stay in the parent");

    // tags: set_tag, set_tags, and delete_tag removed one
    assert.equal(parent.tags.model_family, 'mlp');
    assert.equal(parent.tags.dataset, 'iris');
    assert.equal(parent.tags.to_remove, undefined);

    // artifacts: two files logged into one folder are both there, under their own names
    const byPath = new Map(parent.artifacts.map((a) => [a.path, a]));
    assert.deepEqual([...byPath.keys()].sort(), ['meta/classes.json', 'notes.txt', 'outputs/model.txt', 'outputs/report.txt']);
    assert.equal(readFileSync(byPath.get('outputs/model.txt')!.file, 'utf8'), 'weights');
    assert.equal(readFileSync(byPath.get('outputs/report.txt')!.file, 'utf8'), 'accuracy 0.97');
    assert.deepEqual(JSON.parse(readFileSync(byPath.get('meta/classes.json')!.file, 'utf8')), { classes: ['setosa', 'versicolor', 'virginica'] });
    assert.equal(readFileSync(byPath.get('notes.txt')!.file, 'utf8'), 'all good');
    assert.deepEqual(child.artifacts, []);
  });

  it('log_artifact(path, folder) keeps the file name inside the folder, also with the plain API (it used to overwrite)', async () => {
    const ws = newWorkspace();
    writeFileSync(join(ws.dir, 'a.txt'), 'A');
    writeFileSync(join(ws.dir, 'b.txt'), 'B');
    const r = await py(ws, [
      'os.environ["SEXTANT_RUN_NAME"] = "plain"',
      'mlflow.log_artifact("a.txt", "dir")',
      'mlflow.log_artifact("b.txt", "dir/")',
      'mlflow.log_artifact("a.txt")',
      'mlflow.log_artifact("b.txt", "../up")',
      'os.makedirs("tree/sub")',
      'open("tree/top.txt", "w").write("T")',
      'open("tree/sub/deep.txt", "w").write("D")',
      'mlflow.log_artifacts("tree", "copied")',
      'mlflow.log_artifacts("tree")',
    ].join('\n'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /log_artifact: '.*b\.txt' skipped: artifact_path cannot go up a folder/);
    const run = onlyRun(ws, 'plain');
    const paths = run.artifacts.map((a) => a.path).sort();
    assert.deepEqual(paths, ['a.txt', 'copied/sub/deep.txt', 'copied/top.txt', 'dir/a.txt', 'dir/b.txt', 'sub/deep.txt', 'top.txt']);
    const b = run.artifacts.find((a) => a.path === 'dir/b.txt')!;
    assert.equal(readFileSync(b.file, 'utf8'), 'B');
  });

  it('a changed param raises ParamChangedError (an MlflowException) and keeps the first, also one logged before the script (a pipeline stage)', async () => {
    const ws = newWorkspace();
    const id = must(ws.tracker.startRun({ experiment: 'py', name: 'stage' })).id;
    must(ws.tracker.logParams(id, { lr: '0.1' }));
    const r = await py(ws, [
      'mlflow.log_param("lr", 0.1)  # the same value again: fine',
      'for call in (lambda: mlflow.log_param("lr", 0.2), lambda: mlflow.log_params({"depth": 3, "lr": "0.3"})):',
      '    try:',
      '        call()',
      '        print("accepted")',
      '    except mlflow.ParamChangedError as err:',
      '        print("refused", isinstance(err, mlflow.MlflowException), str(err))',
      'mlflow.log_params({"depth": 4})',
      'mlflow.flush()',
    ].join('\n'), { SEXTANT_RUN_ID: id });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    for (const line of lines) assert.match(line, /^refused True log_params?: params are immutable once logged.*'lr' is '0\.1'/);
    ws.tracker.forgetCachedRuns();
    // the refused call logged nothing (depth 3 neither): MLflow's batch is all or nothing
    assert.deepEqual(must(ws.tracker.getRun(id)).params, { lr: '0.1', depth: '4' });
  });

  it("log_batch applies MLflow's limits (1000 metrics, 100 params, 100 tags): over them it raises and logs nothing", async () => {
    const ws = newWorkspace();
    const r = await py(ws, [
      'with mlflow.start_run(run_name="batch"):',
      '    mlflow.log_batch(metrics=[("m", float(i), 1000 + i, i) for i in range(1000)], params={"p%d" % i: i for i in range(100)}, tags=[("t%d" % i, "v") for i in range(100)])',
      '    for kw in ({"metrics": [("x", 1.0, 0, 0)] * 1001}, {"params": {"q%d" % i: i for i in range(101)}}, {"tags": {"u%d" % i: i for i in range(101)}}):',
      '        try:',
      '            mlflow.log_batch(**kw)',
      '            print("accepted")',
      '        except mlflow.MlflowException as err:',
      '            print("refused:", err)',
    ].join('\n'));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.replace(/^refused: log_batch: (\d+ \w+);.*$/, '$1')), ['1001 metrics', '101 params', '101 tags']);
    const run = onlyRun(ws, 'batch');
    assert.equal(Object.keys(run.params).length, 100);
    assert.equal(Object.keys(run.tags).filter((k) => /^t\d+$/.test(k)).length, 100);
    assert.equal(Object.keys(run.tags).filter((k) => /^u\d+$/.test(k)).length, 0);
    assert.deepEqual(Object.keys(run.history).sort(), ['m']);
    assert.equal(run.history.m!.length, 1000);
    assert.deepEqual(run.history.m!.slice(0, 2).map((p) => [p.step, p.value]), [[0, 0], [1, 1]]);
  });

  it('start_run: a second top-level run while one is active raises; an exception in the with block fails the run; set_tracking_uri takes the workspace folder and refuses databricks (http:// is a server: python.httpTracking.test.ts)', async () => {
    const ws = newWorkspace();
    const r = await py(ws, [
      'try:',
      '    mlflow.set_tracking_uri("databricks")',
      'except mlflow.MlflowException as err:',
      '    print("databricks refused:", "sextant server" in str(err))',
      `mlflow.set_tracking_uri(${JSON.stringify('file://' + ws.dir)})`,
      'exp = mlflow.set_experiment("uri-exp")',
      'print("experiment", exp.name, exp.experiment_id)',
      'with mlflow.start_run(run_name="outer", tags={"who": "test"}) as run:',
      '    try:',
      '        mlflow.start_run()',
      '    except mlflow.MlflowException as err:',
      '        print("second refused:", "nested=True" in str(err))',
      'try:',
      '    with mlflow.start_run(run_name="boom"):',
      '        mlflow.log_metric("loss", 1.5)',
      '        raise ValueError("boom")',
      'except ValueError:',
      '    print("raised")',
      'mlflow.set_experiment("other")',
      'again = mlflow.set_experiment(experiment_id=exp.experiment_id)',
      'print("by id", again.name)',
      'mlflow.set_experiment("other")',
      'with mlflow.start_run(run_name="by-exp-id", experiment_id=exp.experiment_id):',
      '    pass',
      'try:',
      '    mlflow.set_experiment(experiment_id="999")',
      'except mlflow.MlflowException as err:',
      '    print("unknown id:", err)',
    ].join('\n'), { SEXTANT_STORE: '' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^databricks refused: True$/m);
    assert.match(r.stdout, /^second refused: True$/m);
    const outer = onlyRun(ws, 'outer');
    assert.match(r.stdout, new RegExp(`^experiment uri-exp ${outer.experimentId}$`, 'm'));
    assert.equal(outer.experiment, 'uri-exp');
    assert.equal(outer.status, 'finished');
    assert.equal(outer.tags.who, 'test');
    const boom = onlyRun(ws, 'boom');
    assert.equal(boom.status, 'failed');
    assert.deepEqual(steps(boom, 'loss'), [[0, 1.5]]);
    assert.match(r.stdout, /^by id uri-exp$/m);
    assert.match(r.stdout, /^unknown id: no experiment with id '999' in the store$/m);
    assert.equal(onlyRun(ws, 'by-exp-id').experiment, 'uri-exp');
  });

  it('start_run(run_id=...) resumes a run of the store; runs left open by a script that raises end failed, the nested one first', async () => {
    const ws = newWorkspace();
    const id = must(ws.tracker.startRun({ experiment: 'resume', name: 'earlier' })).id;
    const r = await py(ws, [
      `with mlflow.start_run(run_id=${JSON.stringify(id)}) as run:`,
      '    print("resumed", run.info.run_id, run.info.run_name)',
      '    mlflow.log_metric("acc", 0.5, step=2)',
      'outer = mlflow.start_run(run_name="left-open")',
      'inner = mlflow.start_run(run_name="left-open-child", nested=True)',
      'mlflow.log_metric("loss", 2.0, step=1)',
      'raise RuntimeError("crash")',
    ].join('\n'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /RuntimeError: crash/);
    assert.match(r.stdout, new RegExp(`^resumed ${id} earlier$`, 'm'));
    ws.tracker.forgetCachedRuns();
    const resumed = must(ws.tracker.getRun(id));
    assert.deepEqual(steps(resumed, 'acc'), [[2, 0.5]]);
    assert.equal(resumed.status, 'finished', 'ended by the with block, as MLflow does');
    const outer = onlyRun(ws, 'left-open');
    const inner = onlyRun(ws, 'left-open-child');
    assert.equal(inner.parentId, outer.id);
    assert.equal(inner.status, 'failed');
    assert.equal(outer.status, 'failed');
    assert.deepEqual(steps(inner, 'loss'), [[1, 2]]);
    assert.deepEqual(outer.history, {});
  });

  it('without a store the tutorial script still runs: protocol lines the engine parses, the nested run printed into the same output', async () => {
    const dir = tempDir('sextant-pymlflow-print-');
    // printed artifacts (log_dict, log_text) stay in TMPDIR for the runner to copy: here, in the test's folder
    const r = await runPython(join(FIXTURES, 'mlflow_tutorial.py'), dir, { OUT_DIR: dir, TMPDIR: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /nested runs need a store/);
    assert.match(r.stdout, /^param refused: ParamChangedError$/m, 'the parent keeps its params after the nested run');
    const events = r.stdout.split('\n').filter((l) => l.startsWith('::sextant ')).map((l) => {
      const parsed = parseProtocolLine(l);
      assert.ok(parsed?.ok, l);
      return parsed.value.event;
    });
    assert.deepEqual(events.filter((e) => e.kind === 'param').map((e) => e.kind === 'param' && e.values), [
      { learning_rate: '0.01', epochs: '5', optimizer: 'adam' },
      { learning_rate: '0.001' },
    ]);
    const metrics = events.filter((e) => e.kind === 'metric');
    assert.deepEqual(metrics.find((e) => e.kind === 'metric' && 'test_acc' in e.values), { kind: 'metric', values: { test_acc: 0.97 }, step: 0 });
    assert.equal(events.filter((e) => e.kind === 'artifact').length, 4);
  });

  it('log_figure records a matplotlib figure (skipped, loudly, without matplotlib)', async function () {
    const probe = await new Promise<number | null>((res) => spawn(PYTHON, ['-c', 'import matplotlib']).on('exit', res));
    if (probe !== 0) {
      console.warn(`SKIPPED: matplotlib is not installed for ${PYTHON}, so log_figure is not tested (set SEXTANT_TEST_PYTHON to one with it)`);
      this.skip();
    }
    const ws = newWorkspace();
    const r = await py(ws, [
      'import matplotlib',
      'matplotlib.use("Agg")',
      'import matplotlib.pyplot as plt',
      'with mlflow.start_run(run_name="fig"):',
      '    fig, ax = plt.subplots()',
      '    ax.plot([0, 1, 2], [2, 1, 0])',
      '    mlflow.log_figure(fig, "plots/loss.png")',
    ].join('\n'));
    assert.equal(r.code, 0, r.stderr);
    const art = onlyRun(ws, 'fig').artifacts;
    assert.deepEqual(art.map((a) => a.path), ['plots/loss.png']);
    assert.equal(art[0]!.mediaType, 'image/png');
    assert.deepEqual([...readFileSync(art[0]!.file).subarray(1, 4)], [...Buffer.from('PNG')]);
  });
});
