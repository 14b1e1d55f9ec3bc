import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import fs, { chmodSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { acquireRunLock, runLockPath } from '../../src/engine/runner/lock';
import { runPipeline } from '../../src/engine/runner/executor';
import type { RunnerEvent } from '../../src/engine/runner/types';
import { tempDir } from './tempDir';

// One run of a workspace at a time: the lock file (src/engine/runner/lock.ts), and the race it closes.

const TSX = require.resolve('tsx/cjs');
const CLI = join(__dirname, '..', '..', 'src', 'cli', 'bin.ts');
const LOCK_MODULE = join(__dirname, '..', '..', 'src', 'engine', 'runner', 'lock.ts');
const DEAD_PID = 2 ** 22 + 12345;

interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exited(child: ReturnType<typeof spawn>): Promise<Exited> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** A workspace whose one stage asks for a GPU and appends a line to ran.log each time it runs. */
function gpuWorkspace(run = 'echo ran >> ran.log; sleep 1.5; echo done > out.txt'): string {
  const dir = tempDir('sextant-lock-');
  writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, stages: { train: { run, outs: ['out.txt'], resources: { gpu: 1 } } } }));
  return dir;
}

/** A folder with an `nvidia-smi` that takes half a second and reports one GPU. */
function slowNvidiaSmi(): string {
  const bin = tempDir('sextant-fake-smi-');
  const file = join(bin, 'nvidia-smi');
  writeFileSync(file, '#!/bin/sh\nsleep 0.5\necho "0, GPU-00000000-fake, Fake GPU, 16000, 100, 0, 550.00"\n');
  chmodSync(file, 0o755);
  return bin;
}

function cliRun(dir: string, bin: string, args: string[] = []) {
  return spawn(process.execPath, ['--require', TSX, CLI, 'run', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
}

async function waitFor(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('runner: one run of a workspace at a time (lock)', function () {
  this.timeout(60_000);

  it('two `sextant run` at once with a GPU stage and a slow nvidia-smi run the stage once; the second waits, saying for whom', async () => {
    const dir = gpuWorkspace();
    const bin = slowNvidiaSmi();
    const [a, b] = await Promise.all([exited(cliRun(dir, bin)), exited(cliRun(dir, bin))]);
    assert.equal(a.code, 0, a.stderr + a.stdout);
    assert.equal(b.code, 0, b.stderr + b.stdout);
    assert.equal(readFileSync(join(dir, 'ran.log'), 'utf8'), 'ran\n', 'the stage ran once');
    const both = a.stdout + a.stderr + b.stdout + b.stderr;
    assert.match(both, /waiting for run pid \d+ \(started [^)]+\) to finish/);
    assert.ok(!existsSync(runLockPath(dir)), 'the lock is released at the end');
  });

  it('--no-wait refuses at once with runner-busy naming the pid, and exit code 1 (failure; the error code says busy)', async () => {
    const dir = gpuWorkspace('echo ran >> ran.log; sleep 3; echo done > out.txt');
    const bin = slowNvidiaSmi();
    const first = cliRun(dir, bin);
    const firstDone = exited(first);
    await waitFor(() => existsSync(join(dir, 'ran.log')));
    const second = await exited(cliRun(dir, bin, ['--no-wait', '--json']));
    assert.equal(second.code, 1, second.stderr + second.stdout);
    const out = JSON.parse(second.stdout) as { status: string; error: { code: string; message: string } };
    assert.equal(out.error.code, 'runner-busy');
    assert.match(out.error.message, new RegExp(`pid ${first.pid}\\b`));
    assert.equal((await firstDone).code, 0);
    assert.equal(readFileSync(join(dir, 'ran.log'), 'utf8'), 'ran\n');
  });

  it('a run cancelled by SIGTERM releases the lock; one killed with SIGKILL leaves a stale lock the next run takes over', async () => {
    const dir = gpuWorkspace('echo ran >> ran.log; sleep 30');
    const bin = slowNvidiaSmi();
    const first = cliRun(dir, bin, ['--no-store']);
    const firstDone = exited(first);
    await waitFor(() => existsSync(join(dir, 'ran.log')));
    assert.ok(existsSync(runLockPath(dir)));
    first.kill('SIGTERM');
    await firstDone;
    assert.ok(!existsSync(runLockPath(dir)), 'SIGTERM released the lock');

    const second = cliRun(dir, bin, ['--no-store']);
    const secondDone = exited(second);
    await waitFor(() => readFileSync(join(dir, 'ran.log'), 'utf8') === 'ran\nran\n');
    second.kill('SIGKILL');
    await secondDone;
    assert.equal(JSON.parse(readFileSync(runLockPath(dir), 'utf8')).pid, second.pid, 'SIGKILL leaves the lock behind');

    writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, stages: { train: { run: 'true' } } }));
    const events: RunnerEvent[] = [];
    const r = await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [], waitIfBusy: false, onEvent: (e) => events.push(e) });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.equal(r.value.status, 'succeeded');
    assert.ok(r.value.warnings.some((w) => new RegExp(`stale lock of pid ${second.pid}`).test(w)), r.value.warnings.join('\n'));
  });

  it('runPipeline with waitIfBusy: false fails with runner-busy; waiting ends when the signal aborts', async () => {
    const dir = gpuWorkspace();
    mkdirSync(join(dir, '.sextant'));
    const held = await acquireRunLock(runLockPath(dir));
    assert.ok(held.ok);
    try {
      const refused = await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [], waitIfBusy: false });
      assert.ok(!refused.ok);
      assert.equal(refused.error.code, 'runner-busy');
      assert.match(refused.error.message, new RegExp(`pid ${process.pid} on ${hostname()}`));

      const controller = new AbortController();
      const events: RunnerEvent[] = [];
      const waiting = runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [], signal: controller.signal, onEvent: (e) => {
        events.push(e);
        if (e.type === 'warning') controller.abort();
      } });
      const r = await waiting;
      assert.ok(!r.ok);
      assert.equal(r.error.code, 'runner-cancelled');
      assert.ok(events.some((e) => e.type === 'warning' && /waiting for run pid \d+ \(started .+\) to finish/.test(e.message)));
      assert.ok(!existsSync(join(dir, 'ran.log')));
    } finally {
      held.value.release();
    }
    assert.ok(!existsSync(runLockPath(dir)));
  });

  describe('stale locks', () => {
    const lockIn = (text: string, ageMs = 0): string => {
      const dir = tempDir('sextant-lockfile-');
      const path = join(dir, 'run.lock');
      writeFileSync(path, text);
      if (ageMs) utimesSync(path, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
      return path;
    };

    it('takes over a lock whose pid is dead on this host, saying so', async () => {
      const path = lockIn(JSON.stringify({ pid: DEAD_PID, host: hostname(), startedAt: Date.now(), token: 'x' }));
      const stale: string[] = [];
      const r = await acquireRunLock(path, { wait: false, onStale: (m) => stale.push(m) });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
      assert.match(stale.join(), new RegExp(`stale lock of pid ${DEAD_PID}`));
      r.value.release();
      assert.ok(!existsSync(path));
    });

    it('takes over an unparsable lock only when it is old', async () => {
      const fresh = lockIn('{"pid": 12');
      const busy = await acquireRunLock(fresh, { wait: false });
      assert.ok(!busy.ok);
      assert.equal(busy.error.code, 'runner-busy');
      const old = lockIn('garbage', 60_000);
      const r = await acquireRunLock(old, { wait: false });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      r.value.release();
    });

    it('never takes over a lock held on another host, or by a live process', async () => {
      const other = await acquireRunLock(lockIn(JSON.stringify({ pid: DEAD_PID, host: 'some-other-host', startedAt: Date.now(), token: 'x' })), { wait: false });
      assert.ok(!other.ok);
      assert.match(other.error.message, /some-other-host/);
      const live = await acquireRunLock(lockIn(JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: Date.now(), token: 'x' })), { wait: false });
      assert.ok(!live.ok);
      assert.match(live.error.message, new RegExp(`pid ${process.ppid}\\b`));
    });

    it('a lock this process no longer holds (same pid, unknown token) is stale; one it holds is not', async () => {
      const path = lockIn(JSON.stringify({ pid: process.pid, host: hostname(), startedAt: Date.now(), token: 'gone' }));
      const first = await acquireRunLock(path, { wait: false });
      assert.ok(first.ok);
      const second = await acquireRunLock(path, { wait: false });
      assert.ok(!second.ok, 'a second holder in the same process is refused');
      first.value.release();
    });

    it('a stale lock replaced by a live one while a taker was deciding is left alone: the taker re-checks under its guard', async () => {
      const path = lockIn(JSON.stringify({ pid: DEAD_PID, host: hostname(), startedAt: Date.now(), token: 'x' }));
      const live = JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: Date.now(), token: 'y' });
      // Another process takes the stale lock over just after this one judged it stale, before it takes the
      // guard (node:fs itself is patched: lock.ts calls through the module object).
      const openSync = fs.openSync;
      fs.openSync = ((file: string, flags: string, ...rest: never[]) => {
        if (file === `${path}.takeover`) {
          fs.unlinkSync(path);
          fs.writeFileSync(path, live);
          fs.openSync = openSync;
        }
        return openSync(file, flags, ...rest);
      }) as typeof fs.openSync;
      try {
        const r = await acquireRunLock(path, { wait: false });
        assert.ok(!r.ok, 'the live lock was removed');
        assert.match(r.error.message, new RegExp(`pid ${process.ppid}\\b`));
        assert.equal(readFileSync(path, 'utf8'), live);
      } finally {
        fs.openSync = openSync;
      }
    });

    it('of many processes taking over one stale lock at the same moment, exactly one wins', async () => {
      const path = lockIn(JSON.stringify({ pid: DEAD_PID, host: hostname(), startedAt: Date.now(), token: 'x' }));
      const go = `${path}.go`;
      const done = `${path}.done`;
      // Each taker says it is ready, spins until the go file appears, tries once, and holds what it won until the done file appears.
      const script = `
        const { existsSync } = require('node:fs');
        const { acquireRunLock } = require(${JSON.stringify(LOCK_MODULE)});
        const until = async (f) => { while (!existsSync(f)) await new Promise((r) => setImmediate(r)); };
        (async () => {
          process.stdout.write('ready\\n');
          await until(${JSON.stringify(go)});
          const r = await acquireRunLock(${JSON.stringify(path)}, { wait: false });
          process.stdout.write(r.ok ? 'won\\n' : r.error.code + '\\n');
          await until(${JSON.stringify(done)});
          if (r.ok) r.value.release();
        })();`;
      const children = Array.from({ length: 6 }, () => spawn(process.execPath, ['--require', TSX, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] }));
      const lines = children.map(() => [] as string[]);
      children.forEach((c, i) => c.stdout!.on('data', (d: Buffer) => lines[i]!.push(...d.toString().split('\n').filter(Boolean))));
      const takers = children.map((c) => exited(c));
      await waitFor(() => lines.every((l) => l.includes('ready')));
      writeFileSync(go, '');
      await waitFor(() => lines.every((l) => l.length === 2));
      writeFileSync(done, '');
      const results = await Promise.all(takers);
      for (const t of results) assert.equal(t.code, 0, t.stderr);
      assert.deepEqual(lines.map((l) => l[1]).sort(), ['runner-busy', 'runner-busy', 'runner-busy', 'runner-busy', 'runner-busy', 'won']);
      assert.ok(!existsSync(path));
    });
  });
});
