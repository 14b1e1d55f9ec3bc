// Real processes against one store: a writer killed with SIGKILL mid-batch, and several writers
// (Node through the Tracker, Python through media/python/sextant_log.py) at once.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Tracker } from '../../src/engine/tracking/tracking';
import { ProtocolIngestor } from '../../src/engine/tracking/protocolIngest';
import { tempDir } from './tempDir';
import { assertRollupsMatchPoints } from './trackingHelpers';

const PYTHON = '/usr/bin/python3';
const HELPER_DIR = resolve(__dirname, '../../media/python');
const TRACKING = resolve(__dirname, '../../src/engine/tracking/tracking');
const TSX = require.resolve('tsx/cjs');

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function setup(): { dir: string; storePath: string; tracker: Tracker } {
  const dir = tempDir('sextant-procs-');
  const storePath = join(dir, '.sextant', 'sextant.db');
  const tracker = must(Tracker.open({ storePath, artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true }));
  return { dir, storePath, tracker };
}

// A Node writer: logs `count` points (or forever when count is 0) for one run, flushing every
// `batch` points and printing "committed <last step>" after each commit.
const NODE_WRITER = `
const { Tracker } = require(${JSON.stringify(TRACKING)});
const [storePath, runId, key, count, batch] = process.argv.slice(2);
const t = Tracker.open({ storePath, artifactsDir: storePath + '-artifacts' }, { flushMs: -1, batchSize: 1e9 });
if (!t.ok) { console.error(JSON.stringify(t.error)); process.exit(3); }
const n = Number(count), b = Number(batch);
for (let s = 0; n === 0 || s < n; s++) {
  const r = t.value.logMetric(runId, key, Math.sin(s), s);
  if (!r.ok) { console.error(JSON.stringify(r.error)); process.exit(4); }
  if ((s + 1) % b === 0) {
    const f = t.value.flush();
    if (!f.ok) { console.error(JSON.stringify(f.error)); process.exit(5); }
    process.stdout.write('committed ' + s + '\\n');
  }
}
const c = t.value.close(true);
if (!c.ok) { console.error(JSON.stringify(c.error)); process.exit(6); }
`;

// A Python writer using the shipped helper: one log_metric call and one flush() (one transaction) per step.
const PY_WRITER = `
import sys
sys.path.insert(0, ${JSON.stringify(HELPER_DIR)})
import sextant_log as sx
key, count = sys.argv[1], int(sys.argv[2])
s = 0
while count == 0 or s < count:
    sx.log_metric(key, s * 0.5, step=s)
    sx.flush()
    sys.stdout.write("committed %d\\n" % s)
    sys.stdout.flush()
    s += 1
`;

interface Child {
  proc: ChildProcess;
  lastCommitted: () => number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  waitCommitted: (n: number) => Promise<void>;
}

function watch(proc: ChildProcess): Child {
  let last = -1;
  let stderr = '';
  let buffer = '';
  const waiters: { n: number; resolve: () => void }[] = [];
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const l of lines) {
      const m = /^committed (\d+)$/.exec(l);
      if (m) last = Number(m[1]);
    }
    for (const w of waiters.splice(0)) {
      if (last >= w.n) w.resolve();
      else waiters.push(w);
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) => proc.on('exit', (code, signal) => res({ code, signal, stderr })));
  return {
    proc,
    lastCommitted: () => last,
    exited,
    waitCommitted: (n) => new Promise<void>((res, rej) => {
      if (last >= n) return res();
      waiters.push({ n, resolve: res });
      void exited.then((e) => rej(new Error(`writer exited (${e.code ?? e.signal}) before committing ${n}: ${e.stderr}`)));
    }),
  };
}

function nodeWriter(storePath: string, runId: string, key: string, count: number, batch: number): Child {
  const script = join(tempDir('sextant-writer-'), 'writer.js');
  writeFileSync(script, NODE_WRITER);
  return watch(spawn(process.execPath, ['--require', TSX, script, storePath, runId, key, String(count), String(batch)], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

function pythonWriter(storePath: string, runId: string, key: string, count: number): Child {
  return watch(spawn(PYTHON, ['-c', PY_WRITER, key, String(count)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', SEXTANT_STORE: storePath, SEXTANT_RUN_ID: runId } }));
}

function steps(tracker: Tracker, runId: string, key: string): number[] {
  return (must(tracker.getRun(runId)).history[key] ?? []).map((p) => p.step);
}

function runPython(code: string, env: Record<string, string>, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(PYTHON, ['-c', `import sys\nsys.path.insert(0, ${JSON.stringify(HELPER_DIR)})\n${code}`], { env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', ...env }, ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    p.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    p.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

describe('sextant_log.py (the Python helper)', function () {
  this.timeout(30_000);
  const SCRIPT = [
    'import sextant_log as sx',
    'sx.log_params({"lr": 0.01, "layers": [64, 32], "big": "x" * (10 * 1024 * 1024), "": 1})',
    'sx.log_metric("loss", 0.5)',
    'sx.log_metric("loss", 0.25)',
    'sx.log_metrics({"acc": float("nan"), "gain": float("inf"), "val loss": 1.5, "損失": 2.0, "bad": "high"}, step=7)',
    'sx.set_tag("stage", "two words")',
    'open("model.bin", "wb").write(b"weights")',
    'sx.log_artifact("model.bin")',
  ].join('\n');

  it('with only SEXTANT_STORE: creates its own run, logs everything it can, reports the rest, finishes the run', async () => {
    const { dir, storePath, tracker } = setup();
    const out = await runPython(SCRIPT, { SEXTANT_STORE: storePath, SEXTANT_EXPERIMENT: 'scripts', SEXTANT_RUN_NAME: 'by-hand' }, dir);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /param 'big' skipped: the param value is 10\.0 MiB; params are limited to 64 KiB/);
    assert.match(out.stderr, /param '' skipped: a key cannot be empty/);
    assert.match(out.stderr, /metric 'bad' skipped/);
    const runs = must(tracker.listRuns({ experiment: 'scripts' }));
    assert.equal(runs.length, 1);
    const run = must(tracker.getRun(runs[0]!.id));
    assert.equal(run.name, 'by-hand');
    assert.equal(run.status, 'finished');
    assert.equal(run.exitCode, 0);
    assert.ok(run.pythonVersion);
    assert.deepEqual(run.params, { layers: '[64, 32]', lr: '0.01' });
    assert.deepEqual(run.history.loss!.map((p) => [p.step, p.value]), [[0, 0.5], [1, 0.25]]);
    assert.ok(Number.isNaN(run.history.acc![0]!.value));
    assert.equal(run.history.gain![0]!.value, Infinity);
    assert.equal(run.history['val loss']![0]!.step, 7);
    assert.equal(run.history['損失']![0]!.value, 2);
    assert.deepEqual(run.tags, { stage: 'two words' });
    assert.equal(run.artifacts[0]!.path, 'model.bin');
    assert.equal(run.artifacts[0]!.size, 7);
  });

  it('a script that raises marks its own run failed', async () => {
    const { storePath, tracker } = setup();
    const out = await runPython('import sextant_log as sx\nsx.log_metric("loss", 1.0)\nraise SystemError("boom")', { SEXTANT_STORE: storePath });
    assert.equal(out.code, 1);
    const run = must(tracker.listRuns())[0]!;
    assert.equal(run.status, 'failed');
  });

  it('without a store: prints protocol lines that the engine parser reads back', async () => {
    const { tracker } = setup();
    const out = await runPython(SCRIPT, {}, tempDir('sextant-py-'));
    assert.equal(out.code, 0, out.stderr);
    const { id } = must(tracker.startRun({ experiment: 'e' }));
    const ingest = new ProtocolIngestor(tracker, id, { cwd: '/' });
    ingest.write(out.stdout);
    ingest.end();
    must(tracker.flush());
    assert.deepEqual(ingest.problems, []);
    const run = must(tracker.getRun(id));
    assert.deepEqual(run.params, { layers: '[64, 32]', lr: '0.01' });
    assert.deepEqual(run.history.loss!.map((p) => p.value), [0.5, 0.25]);
    assert.ok(Number.isNaN(run.history.acc![0]!.value));
    assert.equal(run.history['val loss']![0]!.step, 7);
    assert.equal(run.history['損失']![0]!.value, 2);
    assert.deepEqual(run.tags, { stage: 'two words' });
    assert.equal(run.artifacts[0]!.size, 7);
  });
});

describe('tracking with real processes', function () {
  this.timeout(60_000);

  it('kill -9 of a Node writer mid-batch loses no committed point and never half a batch', async () => {
    const { storePath, tracker } = setup();
    const { id } = must(tracker.startRun({ experiment: 'crash', name: 'node-writer' }));
    const batch = 2000;
    const child = nodeWriter(storePath, id, 'loss', 0, batch);
    must(tracker.updateRun(id, { pid: child.proc.pid! }));
    await child.waitCommitted(batch * 5 - 1);
    // Let it get into the middle of more batches, then kill it without warning.
    await new Promise((r) => setTimeout(r, 37));
    child.proc.kill('SIGKILL');
    const exit = await child.exited;
    assert.equal(exit.signal, 'SIGKILL');
    const reported = child.lastCommitted();
    const got = steps(tracker, id, 'loss');
    assert.ok(got.length >= reported + 1, `only ${got.length} points, but the writer reported step ${reported} committed`);
    assert.equal(got.length % batch, 0, 'a torn batch: the store holds part of a transaction');
    got.forEach((s, i) => assert.equal(s, i));
    assert.equal(tracker.db.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(must(tracker.reapDeadRuns()), [id]);
    const run = must(tracker.getRun(id));
    assert.equal(run.status, 'killed');
    assert.ok(run.endedAt !== null);
  });

  it('kill -9 of a Python script logging with sextant_log.py loses nothing it logged, and its run is marked killed', async () => {
    const { storePath, tracker } = setup();
    const { id } = must(tracker.startRun({ experiment: 'crash', name: 'python-writer' }));
    const child = pythonWriter(storePath, id, 'loss', 0);
    must(tracker.updateRun(id, { pid: child.proc.pid! }));
    await child.waitCommitted(300);
    child.proc.kill('SIGKILL');
    await child.exited;
    const reported = child.lastCommitted();
    const got = steps(tracker, id, 'loss');
    assert.ok(got.length >= reported + 1, `only ${got.length} points, but the script reported step ${reported} logged`);
    got.forEach((s, i) => assert.equal(s, i));
    assert.equal(must(tracker.getRun(id)).metrics.loss!.step, got.length - 1);
    assert.equal(must(tracker.getRun(id)).status, 'running');
    assert.deepEqual(must(tracker.reapDeadRuns()), [id]);
    assert.equal(must(tracker.getRun(id)).status, 'killed');
    assertRollupsMatchPoints(tracker);
  });

  it('two Node writers, a Python writer and this process write at once: no lost point, no SQLITE_BUSY', async () => {
    const { storePath, tracker } = setup();
    const a = must(tracker.startRun({ experiment: 'together', name: 'a' })).id;
    const b = must(tracker.startRun({ experiment: 'together', name: 'b' })).id;
    const c = must(tracker.startRun({ experiment: 'together', name: 'c' })).id;
    const shared = must(tracker.startRun({ experiment: 'together', name: 'shared' })).id;
    const N = 20_000;
    const P = 1500;
    const children = [
      nodeWriter(storePath, a, 'loss', N, 250),
      nodeWriter(storePath, b, 'loss', N, 100),
      pythonWriter(storePath, c, 'loss', P),
      // two processes writing different keys of the same run
      nodeWriter(storePath, shared, 'train/loss', N, 500),
      pythonWriter(storePath, shared, 'val/loss', P),
    ];
    // Meanwhile the extension (this process) tags runs and reads lists.
    let tags = 0;
    let reads = 0;
    const ticker = setInterval(() => {
      must(tracker.setTags(a, { [`t${tags}`]: tags }));
      tags++;
      must(tracker.listRuns({ experiment: 'together' }));
      reads++;
    }, 3);
    const exits = await Promise.all(children.map((ch) => ch.exited));
    clearInterval(ticker);
    for (const e of exits) {
      assert.equal(e.code, 0, e.stderr);
      assert.doesNotMatch(e.stderr, /BUSY|locked/i);
    }
    assert.deepEqual(steps(tracker, a, 'loss'), Array.from({ length: N }, (_, i) => i));
    assert.deepEqual(steps(tracker, b, 'loss'), Array.from({ length: N }, (_, i) => i));
    assert.deepEqual(steps(tracker, c, 'loss'), Array.from({ length: P }, (_, i) => i));
    assert.equal(steps(tracker, shared, 'train/loss').length, N);
    assert.equal(steps(tracker, shared, 'val/loss').length, P);
    const run = must(tracker.getRun(shared));
    assert.equal(run.metrics['train/loss']!.count, N);
    assert.equal(run.metrics['val/loss']!.count, P);
    assert.equal(Object.keys(must(tracker.getRun(a)).tags).length, tags);
    assert.ok(tags > 10 && reads > 10, `this process only wrote ${tags} times`);
    assertRollupsMatchPoints(tracker);
  });
});
