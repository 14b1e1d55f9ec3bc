// media/python/sextant_log.py keeps its promise that logging never raises (issue 8): each repro of the
// audit returns, warns once on stderr and keeps the valid points of the same call; a failed write
// reports its own error, a damaged or foreign store is refused, a locked store is waited for a bounded
// time, and batched writes keep the engine's layout (metrics, latest_metrics, metric_buckets).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkKey } from '../../src/engine/tracking/validate';
import { MIGRATIONS } from '../../src/engine/store/migrations';
import { openStore } from '../../src/engine/store/open';
import { Tracker } from '../../src/engine/tracking/tracking';
import { assertRollupsMatchPoints } from './trackingHelpers';
import { tempDir } from './tempDir';

const PYTHON = '/usr/bin/python3';
const HELPER = resolve(__dirname, '../../media/python/sextant_log.py');

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

interface Store {
  dir: string;
  storePath: string;
  tracker: Tracker;
  runId: string;
  env: Record<string, string>;
}

const trackers: Tracker[] = [];
after(() => {
  for (const t of trackers.splice(0)) t.close(true);
});

function newStore(): Store {
  const dir = tempDir('sextant-pyhelper-');
  const storePath = join(dir, '.sextant', 'sextant.db');
  const tracker = must(Tracker.open({ storePath, artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true }));
  trackers.push(tracker);
  const runId = must(tracker.startRun({ experiment: 'py', name: 'script' })).id;
  return { dir, storePath, tracker, runId, env: { SEXTANT_STORE: storePath, SEXTANT_RUN_ID: runId } };
}

interface PyResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stderr lines written by the helper. */
  warnings: string[];
}

/** Runs Python code with the helper imported as `sx`; kills it (and fails) after timeoutMs. */
function py(code: string, env: Record<string, string>, timeoutMs = 30_000, cwd?: string): Promise<PyResult> {
  const script = `import sys, os, time, math\nsys.path.insert(0, ${JSON.stringify(resolve(HELPER, '..'))})\nimport sextant_log as sx\n${code}\n`;
  return new Promise((res, rej) => {
    const p = spawn(PYTHON, ['-c', script], { env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', ...env }, ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      rej(new Error(`the script hung for ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    p.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    p.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    p.on('exit', (exitCode) => {
      clearTimeout(timer);
      res({ code: exitCode, stdout, stderr, warnings: stderr.split('\n').filter((l) => l.startsWith('sextant_log:')) });
    });
  });
}

/** The script ran to its end (no exception escaped a logging call). */
function assertReturned(out: PyResult): void {
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^returned$/m, out.stderr);
  assert.doesNotMatch(out.stderr, /Traceback/);
}

function history(s: Store, key: string): [number, number][] {
  return (must(s.tracker.getRun(s.runId)).history[key] ?? []).map((p) => [p.step, p.value]);
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('sextant_log.py: logging never raises (issue 8 repros)', function () {
  this.timeout(30_000);

  it('a value of 10**400 is skipped with a warning; the valid metric of the same call is kept', async () => {
    const s = newStore();
    const out = await py('sx.log_metrics({"ok": 1.5, "huge": 10**400, "big": 10**300}, step=1)\nprint("returned")', s.env);
    assertReturned(out);
    assert.equal(out.warnings.length, 1, out.stderr);
    assert.match(out.warnings[0]!, /metric 'huge' skipped: an integer of \d+ bits is too large for a 64-bit float/);
    assert.deepEqual(history(s, 'ok'), [[1, 1.5]]);
    assert.deepEqual(history(s, 'big'), [[1, 1e300]]);
    assert.deepEqual(history(s, 'huge'), []);
  });

  it('step=2**70 is refused with a warning; steps are bounded to safe integers (±(2**53-1))', async () => {
    const s = newStore();
    const out = await py(
      ['sx.log_metrics({"a": 1.0}, step=2**70)', 'sx.log_metric("a", 2.0, step=2**53)', 'sx.log_metric("a", 3.0, step=2**53 - 1)', 'sx.log_metric("a", 4.0, step=-(2**53 - 1))', 'sx.log_metric("a", 5.0, step=7.0)', 'print("returned")'].join('\n'),
      s.env,
    );
    assertReturned(out);
    assert.equal(out.warnings.length, 2, out.stderr);
    assert.match(out.warnings[0]!, /1 metric skipped: the step must be a whole number from -\(2\*\*53-1\) to 2\*\*53-1, not an integer of 71 bits/);
    assert.match(out.warnings[1]!, /not 9007199254740992/);
    assert.deepEqual(history(s, 'a'), [[-(2 ** 53 - 1), 4], [7, 5], [2 ** 53 - 1, 3]]);
  });

  it('nan and inf steps are refused with a warning each', async () => {
    const s = newStore();
    const out = await py(['sx.log_metric("a", 1.0, step=float("nan"))', 'sx.log_metric("a", 1.0, step=float("inf"))', 'sx.log_metric("a", 1.0, step=2.5)', 'sx.log_metric("a", 2.0, step=3)', 'print("returned")'].join('\n'), s.env);
    assertReturned(out);
    assert.equal(out.warnings.length, 3, out.stderr);
    assert.match(out.warnings[0]!, /step must be a whole number .* not nan/);
    assert.match(out.warnings[1]!, /not inf/);
    assert.match(out.warnings[2]!, /not 2\.5/);
    assert.deepEqual(history(s, 'a'), [[3, 2]]);
  });

  it("timestamp='abc' (and inf, -1) is refused with a warning; finite timestamps in range are kept", async () => {
    const s = newStore();
    const out = await py(
      ['sx.log_metric("a", 1.0, step=1, timestamp="abc")', 'sx.log_metric("a", 1.0, step=1, timestamp=float("inf"))', 'sx.log_metric("a", 1.0, step=1, timestamp=-1)', 'sx.log_metric("a", 2.0, step=2, timestamp=1764100000000.7)', 'print("returned")'].join('\n'),
      s.env,
    );
    assertReturned(out);
    assert.equal(out.warnings.length, 3, out.stderr);
    assert.match(out.warnings[0]!, /the timestamp must be milliseconds since 1970 \(a number from 0 to 2\*\*53-1\), not 'abc'/);
    const points = must(s.tracker.getRun(s.runId)).history.a!;
    assert.deepEqual(points.map((p) => [p.step, p.value, p.timestamp]), [[2, 2, 1764100000000]]);
  });

  it('a lone surrogate in a key (or a param/tag value) is skipped with a warning; the rest of the call is kept', async () => {
    const s = newStore();
    const out = await py(
      ['sx.log_metrics({"ok": 1.0, "\\ud800": 2.0, "x\\udfff": 3.0}, step=0)', 'sx.log_params({"lr": 0.1, "bad\\ud800": 1})', 'sx.set_tags({"t": "\\udc00", "stage": "train"})', 'sx.flush()', 'print("returned")'].join('\n'),
      s.env,
    );
    assertReturned(out);
    assert.equal(out.warnings.length, 3, out.stderr);
    assert.match(out.warnings[0]!, /log_metrics: metric '\\ud800' skipped: a key must be valid Unicode text \(it contains a lone surrogate\); metric 'x\\udfff' skipped/);
    assert.match(out.warnings[1]!, /param 'bad\\ud800' skipped/);
    assert.match(out.warnings[2]!, /tag 't' skipped: the tag value must be valid Unicode text/);
    const run = must(s.tracker.getRun(s.runId));
    assert.deepEqual(Object.keys(run.history), ['ok']);
    assert.deepEqual(run.params, { lr: '0.1' });
    assert.deepEqual(run.tags, { stage: 'train' });
  });

  it('log_metrics(None), log_params(None), set_tags(None) warn and return', async () => {
    const s = newStore();
    const out = await py(['sx.log_metrics(None)', 'sx.log_params(None)', 'sx.set_tags(None)', 'sx.log_metrics([("pairs", 1.0)], step=0)', 'print("returned")'].join('\n'), s.env);
    assertReturned(out);
    assert.equal(out.warnings.length, 3, out.stderr);
    assert.match(out.warnings[0]!, /log_metrics: nothing logged: it takes a dict of key -> number, not NoneType/);
    assert.match(out.warnings[1]!, /log_params: nothing logged/);
    assert.deepEqual(history(s, 'pairs'), [[0, 1]]);
  });

  it('a bad value logged 10,000 times prints one line, and a count of the rest at exit (rate-limited)', async () => {
    const s = newStore();
    const out = await py('for i in range(10000):\n    sx.log_metrics({"bad": "high", "good": i * 1.0}, step=i)\nprint("returned")', s.env);
    assertReturned(out);
    assert.equal(out.warnings.length, 2, out.stderr);
    assert.match(out.warnings[0]!, /metric 'bad' skipped: a metric value must be a number \(NaN and inf are allowed\), not str 'high'/);
    assert.match(out.warnings[1]!, /9999 more warnings like the ones above were not shown/);
    assert.equal(history(s, 'good').length, 10_000);
  });

  it('keys follow the engine rules (validate.ts checkKey): trimming, NFC, UTF-16 length, control characters; booleans and strings are not numbers', async () => {
    const s = newStore();
    const keys = ['loss', '  spaced\u00a0', '\ufeffbom', 'e\u0301', 'x'.repeat(250), 'x'.repeat(251), '😀'.repeat(125), '😀'.repeat(126), 'a\nb', '\u001fa', 'a\u007f', '', '   ', '損失', 'val loss', 'a\u0085'];
    const out = await py(
      `import json\nkeys = json.loads(${JSON.stringify(JSON.stringify(keys))})\nprint(json.dumps([sx._check_key(k)[0] for k in keys]))\nprint(json.dumps([sx._check_number(v)[1] is None for v in [1, 1.5, True, "1", None, float("nan"), float("-inf")]]))\nprint("returned")`,
      s.env,
    );
    assertReturned(out);
    const [pyKeys, pyNumbers] = out.stdout.split('\n').slice(0, 2).map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(
      pyKeys,
      keys.map((k) => {
        const c = checkKey(k);
        return c.ok ? c.key : null;
      }),
    );
    assert.deepEqual(pyNumbers, [true, true, false, false, false, true, true]);
  });
});

describe('sextant_log.py: the store', function () {
  this.timeout(60_000);

  it('a failed write (disk full) reports the original error, not "no transaction is active", and writes everything once there is space', async () => {
    const s = newStore();
    const out = await py(
      [
        'sx.log_metric("loss", 0.5, step=0)',
        'assert sx.flush()',
        'conn = sx._logger.sink.conn',
        'pages = conn.execute("PRAGMA page_count").fetchone()[0]',
        'conn.execute("PRAGMA max_page_count = %d" % (pages + 2))',
        'for i in range(50000):',
        '    sx.log_metrics({"loss": 1.0, "k" * 200 + str(i % 50): 2.0}, step=1 + i)',
        'print("flushed", sx.flush(), sx.flush())',
        'conn.execute("PRAGMA max_page_count = 1073741823")',
        'time.sleep(1.1)',
        'print("after", sx.flush())',
        'print("returned")',
      ].join('\n'),
      s.env,
    );
    assertReturned(out);
    assert.match(out.stdout, /^flushed False False$/m);
    assert.match(out.stdout, /^after True$/m);
    assert.doesNotMatch(out.stderr, /no transaction is active/);
    const full = out.warnings.filter((w) => /could not write to .*sextant\.db: database or disk is full \(free disk space: nothing from this write was saved; earlier data is intact\)/.test(w));
    assert.equal(full.length, 1, out.stderr);
    assert.match(out.stderr, /is written again/);
    assert.equal(history(s, 'loss').length, 50_001);
    assertRollupsMatchPoints(s.tracker);
  });

  it('refuses a store whose header is not SQLite: nothing written, protocol lines on stdout instead', async () => {
    const s = newStore();
    s.tracker.close(true);
    trackers.splice(trackers.indexOf(s.tracker), 1);
    writeFileSync(s.storePath, Buffer.concat([Buffer.from('not a database, just some bytes'), Buffer.alloc(4096, 7)]));
    const before = sha(s.storePath);
    const out = await py('sx.log_metric("loss", 0.5, step=3)\nsx.log_param("lr", 0.1)\nprint("returned")', s.env);
    assertReturned(out);
    assert.equal(out.warnings.length, 1, out.stderr);
    assert.match(out.warnings[0]!, /cannot write to the store \(.*sextant\.db is not a SQLite database \(its header is wrong\), so nothing is written to it\. Move it aside \(`sextant doctor --move-store-aside`\).*\); printing protocol lines on stdout instead/);
    assert.match(out.stdout, /^::sextant metric loss=0\.5 step=3$/m);
    assert.match(out.stdout, /^::sextant param lr=0\.1$/m);
    assert.equal(sha(s.storePath), before);
  });

  it('refuses a store with damaged pages (quick_check, as the engine on open), a foreign SQLite file and a newer schema', async () => {
    const s = newStore();
    const points = Array.from({ length: 20_000 }, (_, i) => ({ key: 'loss', value: i, step: i }));
    must(s.tracker.logMetrics(s.runId, points));
    s.tracker.close(true);
    trackers.splice(trackers.indexOf(s.tracker), 1);
    const size = statSync(s.storePath).size;
    const fd = openSync(s.storePath, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0xab), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    const before = sha(s.storePath);
    const damaged = await py('sx.log_metric("loss", 0.5)\nprint("returned")', s.env);
    assertReturned(damaged);
    assert.match(damaged.stderr, /SQLite reports .*sextant\.db is damaged .*nothing is written to it/);
    assert.match(damaged.stdout, /^::sextant metric loss=0\.5$/m);
    assert.equal(sha(s.storePath), before);

    const dir = tempDir('sextant-pyhelper-');
    const foreign = must(openStore(join(dir, 'other.db'), { create: true }));
    foreign.pragma('user_version = 0');
    foreign.close();
    const other = await py('sx.log_metric("loss", 0.5)\nprint("returned")', { SEXTANT_STORE: join(dir, 'other.db') });
    assertReturned(other);
    assert.match(other.stderr, /is a SQLite database but not a Sextant store \(schema version 0\)/);

    const newer = newStore();
    newer.tracker.db.pragma(`user_version = ${MIGRATIONS.at(-1)!.version + 1}`);
    const tooNew = await py('sx.log_metric("loss", 0.5)\nprint("returned")', newer.env);
    assertReturned(tooNew);
    assert.match(tooNew.stderr, /newer than this sextant_log\.py/);
    assert.deepEqual(history(newer, 'loss'), []);
  });

  it("the helper's schema version is the engine's last migration", () => {
    const version = /^SCHEMA_VERSION = (\d+)/m.exec(readFileSync(HELPER, 'utf8'));
    assert.equal(Number(version?.[1]), MIGRATIONS.at(-1)!.version, 'a new migration: check that sextant_log.py still writes what it needs (metricWriter.ts), then raise SCHEMA_VERSION');
  });

  it('says once on stderr that it prints protocol lines when run outside a runner without a store', async () => {
    const out = await py('sx.log_metric("loss", 0.5)\nsx.log_metric("loss", 0.25)\nsx.log_param("lr", 0.1)\nprint("returned")', {});
    assertReturned(out);
    assert.equal(out.warnings.length, 1, out.stderr);
    assert.match(out.warnings[0]!, /SEXTANT_STORE is not set, so values are printed as `::sextant` protocol lines on stdout/);
    assert.equal(out.stdout.split('\n').filter((l) => l.startsWith('::sextant ')).length, 3);
    // In a pipeline stage without a store (SEXTANT_RUN_ID only) the runner reads them: nothing to say.
    const staged = await py('sx.log_metric("loss", 0.5)\nprint("returned")', { SEXTANT_RUN_ID: 'abc' });
    assertReturned(staged);
    assert.deepEqual(staged.warnings, []);
  });

  it('a locked store is waited for with one message and a bounded time; the points are kept and written once it is free', async () => {
    const s = newStore();
    const holder = must(openStore(s.storePath));
    holder.exec('BEGIN IMMEDIATE');
    // This process holds the write lock for 4 s; the script waits at most 1 s, once.
    const release = setTimeout(() => holder.exec('COMMIT'), 4000);
    try {
      const out = await py(
        [
          't0 = time.monotonic()',
          'for i in range(100):',
          '    sx.log_metric("loss", i * 1.0, step=i)',
          'print("flush", sx.flush(), "%.1f" % (time.monotonic() - t0))',
          'print("flush", sx.flush())',
          'time.sleep(5)',
          'print("returned")',
        ].join('\n'),
        { ...s.env, SEXTANT_LOCK_TIMEOUT: '1' },
        20_000,
      );
      assertReturned(out);
      const waited = Number(/^flush False ([\d.]+)$/m.exec(out.stdout)?.[1]);
      assert.ok(waited >= 0.9 && waited < 2.5, `the first flush returned after ${waited} s`);
      assert.match(out.stdout, /^flush False$/m);
      assert.equal(out.warnings.filter((w) => /is locked by another writer; waiting up to 1 s \(SEXTANT_LOCK_TIMEOUT\)/.test(w)).length, 1, out.stderr);
      assert.equal(out.warnings.filter((w) => /stayed locked by another writer for 1 s; 100 points wait in memory and are retried every 1 s/.test(w)).length, 1, out.stderr);
      assert.match(out.stderr, /is written again/);
    } finally {
      clearTimeout(release);
      if (holder.inTransaction) holder.exec('COMMIT');
      holder.close();
    }
    assert.equal(history(s, 'loss').length, 100);
  });

  it('a store locked past the end of the script: the exit waits a bounded time, then reports what was not saved', async () => {
    const s = newStore();
    const holder = must(openStore(s.storePath));
    holder.exec('BEGIN IMMEDIATE');
    try {
      const out = await py('for i in range(10):\n    sx.log_metric("loss", 1.0, step=i)\nsx.log_param("lr", 0.1)\nprint("returned")', { ...s.env, SEXTANT_LOCK_TIMEOUT: '0.5' }, 15_000);
      assertReturned(out);
      assert.match(out.stderr, /10 metric points and other values could not be saved to .*sextant\.db \(it stayed locked by another writer\)/);
    } finally {
      holder.exec('COMMIT');
      holder.close();
    }
    assert.deepEqual(history(s, 'loss'), []);
  });

  it('a point logged is visible to readers within about a second, while the script still runs', async () => {
    const s = newStore();
    const running = py('sx.log_metric("loss", 0.5, step=0)\ntime.sleep(4)\nprint("returned")', s.env);
    const started = Date.now();
    let seen = -1;
    while (Date.now() - started < 3000) {
      await new Promise((r) => setTimeout(r, 100));
      if (history(s, 'loss').length === 1) {
        seen = Date.now() - started;
        break;
      }
    }
    assertReturned(await running);
    assert.ok(seen >= 0, 'the point was not written while the script ran');
  });

  it('batched points keep the engine layout: metrics, latest_metrics and metric_buckets rows equal those the Tracker writes for the same points', async () => {
    const s = newStore();
    const engineRun = must(s.tracker.startRun({ experiment: 'py', name: 'engine' })).id;
    // NaN and infinities, steps out of order and repeated, negative steps, one (step, ts) twice, auto steps.
    const points: [string, number | string, number | null, number][] = [];
    for (let i = 0; i < 300; i++) points.push(['loss', i % 17 === 0 ? 'nan' : Math.sin(i), i, 1_780_000_000_000 + i]);
    for (let i = 40; i >= -20; i -= 3) points.push(['back', i % 5 === 0 ? 'inf' : i / 3, i, 1_780_000_000_000]);
    points.push(['back', 99, 4, 1_780_000_000_000]);
    points.push(['back', '-inf', 4, 1_780_000_000_001]);
    points.push(['allnan', 'nan', 1, 1_780_000_000_000]);
    for (let i = 0; i < 30; i++) points.push(['auto', i * 2, null, 1_780_000_000_000 + i]);
    const toNumber = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
    must(s.tracker.logMetrics(engineRun, points.map(([key, v, step, timestamp]) => ({ key, value: toNumber(v), ...(step === null ? {} : { step }), timestamp }))));
    must(s.tracker.flush());
    const out = await py(
      `import json\nfor key, v, step, ts in json.loads(${JSON.stringify(JSON.stringify(points))}):\n    sx.log_metric(key, float(v), step=step, timestamp=ts)\n    if key == "back" and step == 4: sx.flush()\nprint("returned")`,
      s.env,
    );
    assertReturned(out);
    const db = s.tracker.db;
    const ids = [s.runId, engineRun].map((uid) => (db.prepare('SELECT id FROM runs WHERE uid = ?').get(uid) as { id: number }).id);
    for (const sql of [
      'SELECT key_id, step, ts, value FROM metrics WHERE run_id = ? ORDER BY 1, 2, 3',
      'SELECT key_id, step, ts, value, min, max, count FROM latest_metrics WHERE run_id = ? ORDER BY 1',
      'SELECT key_id, bucket, count, step_sum, n, round(sum, 9) AS sum, min, max FROM metric_buckets WHERE run_id = ? ORDER BY 1, 2',
    ]) {
      const [python, engine] = ids.map((id) => db.prepare(sql).all(id));
      assert.deepEqual(python, engine, sql);
    }
  });

  it('200,000 points through log_metrics are all stored, with their rollups (the points/s figure is in `npm run bench -- python`)', async () => {
    const s = newStore();
    const out = await py(
      ['for step in range(20000):', '    v = step * 0.001', '    sx.log_metrics({"k%d" % k: v + k for k in range(10)}, step=step)', 'print("returned")'].join('\n'),
      s.env,
      60_000,
    );
    assertReturned(out);
    assert.deepEqual(out.warnings, []);
    const run = must(s.tracker.getRun(s.runId));
    let total = 0;
    for (let k = 0; k < 10; k++) {
      const points = run.history[`k${k}`]!;
      total += points.length;
      assert.equal(points.length, 20_000);
      assert.equal(run.metrics[`k${k}`]!.count, 20_000);
      assert.equal(run.metrics[`k${k}`]!.step, 19_999);
    }
    assert.equal(total, 200_000);
    assertRollupsMatchPoints(s.tracker);
  });

  it('a forked multiprocessing worker logs to the same run, and its buffered points are written when it ends', async () => {
    const s = newStore();
    const out = await py(
      [
        'import multiprocessing as mp',
        'sx.log_metric("parent", 1.0, step=0)',
        'def work(i):',
        '    sx.log_metric("child", float(i), step=i)',
        'workers = [mp.get_context("fork").Process(target=work, args=(i,)) for i in range(3)]',
        'for w in workers: w.start()',
        'for w in workers: w.join()',
        'print("returned")',
      ].join('\n'),
      s.env,
    );
    assertReturned(out);
    assert.deepEqual(history(s, 'child').map(([step]) => step), [0, 1, 2]);
    assert.deepEqual(history(s, 'parent'), [[0, 1]]);
  });

  it('end_run finishes the run the helper created; the next call starts a new one', async () => {
    const s = newStore();
    const out = await py('sx.log_metric("loss", 1.0)\nprint(sx.end_run())\nsx.log_metric("loss", 2.0)\nprint("returned")', { SEXTANT_STORE: s.storePath, SEXTANT_EXPERIMENT: 'own' });
    assertReturned(out);
    assert.match(out.stdout, /^True$/m);
    const runs = must(s.tracker.listRuns({ experiment: 'own' }));
    assert.equal(runs.length, 2);
    for (const r of runs) {
      assert.equal(r.status, 'finished');
      assert.equal(must(s.tracker.getRun(r.id)).history.loss!.length, 1);
    }
  });
});
