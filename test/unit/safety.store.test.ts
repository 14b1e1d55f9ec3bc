// Reliability of the store (issue 8): readers never write or wait, read-only and empty stores are reported
// for what they are, doctor finds a damaged page, moving aside refuses a healthy store, and the metric
// writer neither spins nor loses points while the disk is full.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { loadBetterSqlite3 } from '../../src/engine/native/load';
import { moveStoreAside } from '../../src/engine/store/health';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import type { EngineError } from '../../src/engine/result';
import { tempDir } from './tempDir';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'src/cli/bin.ts');
const TSX = require.resolve('tsx/cjs');
const MLFLOW_FIXTURES = join(ROOT, 'test/fixtures/mlflow');
const NOBODY = 65534;

function capture(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: EngineError }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A workspace whose store holds one finished run with a few points. */
function seeded(prefix = 'sextant-safety-'): { dir: string; storePath: string; runId: string } {
  const dir = tempDir(prefix);
  const layout = workspaceLayout(dir);
  const t = must(Tracker.open(layout, { create: true }));
  const run = must(t.startRun({ experiment: 'e', name: 'r' }));
  must(t.logMetrics(run.id, [{ key: 'loss', value: 0.5, step: 0 }]));
  must(t.finishRun(run.id, 'finished', 0));
  must(t.close(true));
  return { dir, storePath: layout.storePath, runId: run.id };
}

/** Runs the CLI (from source, through tsx) in its own process; as `uid` when given. */
function cli(args: string[], options: { uid?: number; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, ['-r', TSX, CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A process that opens the store, takes the write lock (BEGIN IMMEDIATE) and holds it for `ms`. */
function holdWriteLock(storePath: string, ms: number): Promise<ChildProcess> {
  const script = `
    const D = require(${JSON.stringify(require.resolve('better-sqlite3'))});
    const db = new D(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.argv[2]));
    db.exec('COMMIT');
    db.close();`;
  const child = spawn(process.execPath, ['-e', script, storePath, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((done, reject) => {
    child.stdout!.once('data', () => done(child));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
  });
}

/** Overwrites one page in the middle of a table's b-tree with garbage (the header and schema stay intact). */
function corruptMiddlePage(storePath: string): number {
  const D = must(loadBetterSqlite3());
  const db = new D(storePath, { readonly: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.prepare("SELECT pageno FROM dbstat WHERE name = 'metrics' AND pagetype = 'leaf' ORDER BY pageno").pluck().all() as number[];
  db.close();
  assert.ok(pages.length >= 3, `the metrics table spans ${pages.length} leaf pages`);
  const page = pages[Math.floor(pages.length / 2)]!;
  const fd = openSync(storePath, 'r+');
  writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
  closeSync(fd);
  return page;
}

/** A store of ~100 KB, all in the main file (closed, so the WAL is checkpointed). */
function biggerStore(): { dir: string; storePath: string } {
  const dir = tempDir('sextant-safety-big-');
  const layout = workspaceLayout(dir);
  const t = must(Tracker.open(layout, { create: true }));
  const run = must(t.startRun({ experiment: 'e', name: 'r' }));
  must(t.logMetrics(run.id, Array.from({ length: 5000 }, (_, i) => ({ key: 'loss', value: Math.sin(i), step: i }))));
  must(t.finishRun(run.id, 'finished', 0));
  must(t.close(true));
  return { dir, storePath: layout.storePath };
}

describe('store safety: readers never write or wait', () => {
  it('runs list --json returns promptly while another process holds the write lock, and marks the dead run later', async function () {
    this.timeout(60_000);
    const { dir, storePath } = seeded();
    // A run whose process is gone: the reader would mark it killed, which needs the write lock.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const t = must(Tracker.open(workspaceLayout(dir)));
    const dead = must(t.startRun({ experiment: 'e', name: 'orphan', pid: gone, host: hostname() }));
    must(t.markRunning(dead.id, gone));
    must(t.close(true));
    // The holder keeps the lock until it is killed, so a reader that waited for it could only return
    // after the store's busy timeout (10 s, src/engine/store/open.ts) ran out: returning sooner, with
    // the lock still held, is the proof that it did not wait (a fact, not a speed figure).
    const holder = await holdWriteLock(storePath, 600_000);
    try {
      const listed = await cli(['runs', 'list', '--json', '-w', dir], { timeoutMs: 40_000 });
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal(holder.exitCode, null, 'the writer still holds the lock');
      assert.ok(listed.ms < 10_000, `runs list took ${listed.ms} ms behind a writer holding the lock: it waited for the busy timeout`);
      const runs = JSON.parse(listed.stdout) as { id: string; status: string }[];
      assert.equal(runs.length, 2);
      assert.equal(runs.find((r) => r.id === dead.id)?.status, 'running', 'the lock was held, so the dead run is left for a later look');
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('close', r));
    }
    const again = capture(dir);
    assert.equal(await main(['runs', 'list', '--json', '-w', dir], again), 0, again.stderr.join('\n'));
    assert.equal((JSON.parse(again.stdout[0]!) as { id: string; status: string }[]).find((r) => r.id === dead.id)?.status, 'killed');
  });

  it('a read-only store: listed without a write, and a writer gets "read-only" advice, not "locked" or "corrupt"', async function () {
    this.timeout(60_000);
    const root = process.getuid?.() === 0;
    const { dir, storePath } = seeded();
    const storeDir = join(dir, '.sextant');
    const before = statSync(storePath).mtimeMs;
    // Root writes through any file mode: the CLI runs as `nobody` then, in folders it can reach.
    const runAs = root ? { uid: NOBODY } : {};
    const childTmp = tempDir('sextant-safety-tmp-');
    const parents = [tmpdir(), dir];
    const modes = parents.map((p) => statSync(p).mode & 0o777);
    const env = { TMPDIR: childTmp };
    try {
      if (root) {
        for (const p of parents) chmodSync(p, 0o755);
        chmodSync(childTmp, 0o777);
      }
      // 1. The file is read-only (0444), its folder writable.
      chmodSync(storePath, 0o444);
      chmodSync(storeDir, 0o777);
      const listed = await cli(['runs', 'list', '--json', '-w', dir], { ...runAs, env });
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 1);
      const imported = await cli(['import', 'mlflow', MLFLOW_FIXTURES, '-w', dir, '--json'], { ...runAs, env });
      assert.equal(imported.code, 1, imported.stdout + imported.stderr);
      const error = (JSON.parse(imported.stdout) as { error: EngineError }).error;
      assert.equal(error.code, 'store-readonly');
      assert.match(error.message, /read-only/);
      assert.doesNotMatch(`${error.message} ${error.fix}`, /locked|corrupt|damaged|move/i);
      assert.match(error.fix ?? '', /chmod u\+w/);
      // 2. The folder is read-only: SQLite cannot even create the -wal/-shm files a reader needs.
      for (const f of readdirSync(storeDir)) if (f !== 'sextant.db' && f.startsWith('sextant.db')) chmodSync(join(storeDir, f), 0o666);
      spawnSync('rm', ['-f', `${storePath}-wal`, `${storePath}-shm`]);
      chmodSync(storePath, 0o666);
      chmodSync(storeDir, 0o555);
      const shown = await cli(['runs', 'list', '--json', '-w', dir], { ...runAs, env });
      assert.equal(shown.code, 1, shown.stdout + shown.stderr);
      const folderError = (JSON.parse(shown.stdout) as { error: EngineError }).error;
      assert.equal(folderError.code, 'store-readonly');
      assert.match(folderError.message, /folder .* is not writable/);
      assert.doesNotMatch(`${folderError.message} ${folderError.fix}`, /locked|corrupt|damaged|move/i);
      assert.match(folderError.fix ?? '', /chmod u\+w/);
    } finally {
      chmodSync(storeDir, 0o755);
      if (existsSync(storePath)) chmodSync(storePath, 0o644);
      parents.forEach((p, i) => chmodSync(p, modes[i]!));
    }
    assert.equal(statSync(storePath).mtimeMs, before);
  });

  it('a 0-byte store is reported as empty, never silently re-created', async () => {
    const dir = tempDir('sextant-safety-empty-');
    const storePath = workspaceLayout(dir).storePath;
    mkdirSync(join(dir, '.sextant'));
    writeFileSync(storePath, '');
    const io = capture(dir);
    assert.equal(await main(['runs', 'list', '-w', dir], io), 1);
    assert.match(io.stderr.join('\n'), /sextant\.db is empty \(0 bytes\): not a Sextant store/);
    // A writer refuses it too.
    const opened = Tracker.open(workspaceLayout(dir), { create: true });
    assert.equal(opened.ok, false);
    if (!opened.ok) assert.equal(opened.error.code, 'store-empty');
    assert.equal(statSync(storePath).size, 0);
    assert.deepEqual(readdirSync(join(dir, '.sextant')), ['sextant.db']);
    const doctor = capture(dir);
    assert.equal(await main(['doctor', '--json', '-w', dir], doctor), 1);
    const store = (JSON.parse(doctor.stdout[0]!) as { checks: { name: string; status: string; detail: string }[] }).checks.find((c) => c.name === 'store')!;
    assert.equal(store.status, 'fail');
    assert.match(store.detail, /empty \(0 bytes\)/);
  });

  it('import mlflow of a folder that does not exist creates nothing and names the path', async () => {
    const dir = tempDir('sextant-safety-import-');
    const missing = join(dir, 'nonexistent');
    const io = capture(dir);
    assert.equal(await main(['import', 'mlflow', missing, '-w', dir], io), 1);
    assert.match(io.stderr.join('\n'), new RegExp(`${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: No such file or folder`));
    assert.deepEqual(readdirSync(dir), [], 'no .sextant folder, no store');
  });
});

describe('store safety: doctor and moving a store aside', () => {
  it('doctor reports a store with a damaged page in the middle (quick_check), exit 1', async () => {
    const { dir, storePath } = biggerStore();
    const healthy = capture(dir);
    await main(['doctor', '--json', '-w', dir], healthy);
    const okCheck = (JSON.parse(healthy.stdout[0]!) as { checks: { name: string; status: string }[] }).checks.find((c) => c.name === 'store')!;
    assert.equal(okCheck.status, 'ok');
    const page = corruptMiddlePage(storePath);
    const io = capture(dir);
    assert.equal(await main(['doctor', '--json', '-w', dir], io), 1);
    const report = JSON.parse(io.stdout[0]!) as { ok: boolean; checks: { name: string; status: string; detail: string; fix?: string }[] };
    assert.equal(report.ok, false);
    const store = report.checks.find((c) => c.name === 'store')!;
    assert.equal(store.status, 'fail', `page ${page} was overwritten`);
    assert.match(store.detail, /damaged/);
    assert.match(store.fix ?? '', /move-store-aside/);
  });

  it('--move-store-aside refuses a healthy store (exit 1) and moves a damaged one', async () => {
    const { dir, storePath } = biggerStore();
    const io = capture(dir);
    assert.equal(await main(['doctor', '--move-store-aside', '-w', dir], io), 1);
    assert.match(io.stderr.join('\n'), /healthy.*not moved/);
    assert.ok(existsSync(storePath));
    assert.deepEqual(readdirSync(join(dir, '.sextant')).filter((f) => f.includes('corrupt')), []);
    // The engine function the extension's command calls refuses it the same way.
    const direct = moveStoreAside(storePath);
    assert.equal(direct.ok, false);
    if (!direct.ok) assert.equal(direct.error.code, 'store-healthy');
    corruptMiddlePage(storePath);
    const moved = capture(dir);
    assert.equal(await main(['doctor', '--move-store-aside', '--json', '-w', dir], moved), 0, moved.stderr.join('\n'));
    assert.match(moved.stderr.join('\n'), /Moved the store aside to .*sextant\.db\.corrupt-/);
    assert.ok(!existsSync(storePath));
    assert.equal(readdirSync(join(dir, '.sextant')).filter((f) => /^sextant\.db\.corrupt-.*\d{3}Z$/.test(f)).length, 1);
  });
});

describe('store safety: the metric writer on a full disk', () => {
  it('retries at most once per flush interval under SQLITE_FULL, and writes every point when space returns', async function () {
    this.timeout(30_000);
    const dir = tempDir('sextant-safety-full-');
    const failures: EngineError[] = [];
    const flushMs = 50;
    const t = must(Tracker.open(workspaceLayout(dir), { create: true, batchSize: 1000, flushMs, onFlushError: (e) => failures.push(e) }));
    const run = must(t.startRun({ experiment: 'e', name: 'r' }));
    const pages = t.db.pragma('page_count', { simple: true }) as number;
    t.db.pragma(`max_page_count = ${pages + 2}`); // a real SQLITE_FULL: the file may not grow
    const started = Date.now();
    let storeFullResults = 0;
    const total = 50_000;
    for (let i = 0; i < total; i++) {
      const r = t.logMetric(run.id, 'loss', i, i);
      if (!r.ok) {
        assert.equal(r.error.code, 'store-full');
        storeFullResults++;
      }
      if (failures.length > 50) break; // before the fix: a full flush per point
    }
    const loopMs = Date.now() - started;
    assert.ok(failures.length >= 1);
    assert.ok(failures.length <= 2 + loopMs / flushMs, `${failures.length} failed flushes while logging for ${loopMs} ms`);
    assert.ok(storeFullResults <= failures.length, 'each failure is returned once, not for every point');
    assert.equal(failures[0]!.code, 'store-full');
    assert.match(failures[0]!.message, /held in memory/);
    // Still full for a while: the retries stay bounded by the interval (backing off).
    await new Promise((r) => setTimeout(r, 1000));
    const waitedMs = Date.now() - started;
    assert.ok(failures.length <= 2 + waitedMs / flushMs, `${failures.length} failed flushes in ${waitedMs} ms`);
    const count = (): number => t.db.prepare('SELECT count(*) FROM metrics').pluck().get() as number;
    assert.equal(count(), 0);
    // Space returns: the background retry writes everything buffered, with no further call.
    t.db.pragma('max_page_count = 1073741823');
    const deadline = Date.now() + 15_000;
    while (count() < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(count(), total);
    const detail = must(t.getRun(run.id));
    assert.equal(detail.metrics.loss!.count, total);
    assert.equal(detail.metrics.loss!.step, total - 1);
    must(t.close(true));
  });
});
