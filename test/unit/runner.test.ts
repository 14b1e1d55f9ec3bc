import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync, cpSync, utimesSync } from 'node:fs';
import { Hasher } from '../../src/engine/runner/hash';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runPipeline, type RunPipelineOptions } from '../../src/engine/runner/executor';
import { buildDag, selectStages } from '../../src/engine/runner/dag';
import { MemoryTracker } from '../../src/engine/runner/tracker';
import { loadState, saveState, statePath } from '../../src/engine/runner/state';
import { RunnerEventSchema, type PipelineResult, type RunnerEvent } from '../../src/engine/runner/types';
import type { Pipeline } from '../../src/engine/pipeline/schema';
import type { Gpu } from '../../src/engine/gpu/nvidiaSmi';
import { Tracker } from '../../src/engine/tracking/tracking';
import { StoreTracker } from '../../src/engine/runner/storeTracker';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { main } from '../../src/cli/main';
import { isProcessAlive } from '../../src/engine/tracking/liveness';
import { tempDir } from './tempDir';



function workspace(pipeline: Omit<Pipeline, 'version'>, files: Record<string, string> = {}): string {
  const dir = tempDir('sextant-runner-');
  writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, ...pipeline }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function run(dir: string, options: Partial<RunPipelineOptions> = {}): Promise<PipelineResult & { events: RunnerEvent[] }> {
  const events: RunnerEvent[] = [];
  const r = await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [], killGraceMs: 500, ...options, onEvent: (e) => {
    events.push(e);
    options.onEvent?.(e);
  } });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return { ...r.value, events };
}

const statuses = (r: PipelineResult): Record<string, string> => Object.fromEntries(r.stages.map((s) => [s.name, s.status]));
const stage = (r: PipelineResult, name: string) => r.stages.find((s) => s.name === name)!;

/** Alive and not a zombie (an orphan may wait for a container's init to reap it). */
const alive = (pid: number): boolean => isProcessAlive(pid);

describe('runner: DAG', () => {
  const p = (stages: Pipeline['stages']): Pipeline => ({ version: 1, stages });
  it('orders stages after what they need, file order breaking ties', () => {
    const dag = buildDag(p({ c: { run: 'x', needs: ['b'] }, a: { run: 'x' }, b: { run: 'x', needs: ['a'] }, d: { run: 'x' } }));
    assert.ok(dag.ok);
    assert.deepEqual(dag.value.order, ['a', 'b', 'c', 'd']);
  });
  it('names a cycle in full and an unknown stage', () => {
    const cyc = buildDag(p({ a: { run: 'x', needs: ['c'] }, b: { run: 'x', needs: ['a'] }, c: { run: 'x', needs: ['b'] } }), 'f.yaml');
    assert.ok(!cyc.ok);
    assert.equal(cyc.error.code, 'pipeline-cycle');
    assert.match(cyc.error.message, /cycle: (a|b|c) → (a|b|c) → (a|b|c) → \1/);
    const unknown = buildDag(p({ a: { run: 'x', needs: ['nope'] } }));
    assert.ok(!unknown.ok);
    assert.match(unknown.error.message, /needs "nope", which is not a stage/);
  });
  it('selects a stage with what it needs, and rejects an unknown one', () => {
    const dag = buildDag(p({ a: { run: 'x' }, b: { run: 'x', needs: ['a'] }, c: { run: 'x', needs: ['b'] }, d: { run: 'x' } }));
    assert.ok(dag.ok);
    const sel = selectStages(dag.value, ['b']);
    assert.ok(sel.ok);
    assert.deepEqual(sel.value, ['a', 'b']);
    const bad = selectStages(dag.value, ['zz']);
    assert.ok(!bad.ok);
  });
});

describe('runner: hashing', () => {
  it('streams sha256 like sha256sum, and reads a file again only when its size, mtime or inode changed', async () => {
    const dir = tempDir('sextant-hash-');
    const file = join(dir, 'f.bin');
    writeFileSync(file, Buffer.alloc(9 << 20, 7));
    const expected = execFileSync('sha256sum', [file]).toString().split(' ')[0];
    const hasher = new Hasher();
    assert.equal((await hasher.path(file)).sha256, expected);
    await hasher.path(file);
    assert.equal(hasher.hashedFiles, 1, 'the second look used the stat cache');
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    await hasher.path(file);
    assert.equal(hasher.hashedFiles, 2, 'a new mtime means reading it again');
    const folder = await hasher.path(dir);
    assert.equal(folder.kind, 'dir');
    assert.deepEqual(Object.keys(folder.files!), ['f.bin']);
  });
});

describe('runner: caching', () => {
  const chain = {
    stages: {
      prep: { run: 'cat in.txt | tr a-z A-Z > mid.txt', deps: ['in.txt'], outs: ['mid.txt'] },
      build: { run: 'cat mid.txt mid.txt > out.txt', needs: ['prep'], deps: ['mid.txt'], outs: ['out.txt'] },
    },
  };

  it('runs, then skips unchanged stages, then re-runs only what changed', async () => {
    const dir = workspace(chain, { 'in.txt': 'hello\n' });
    const first = await run(dir);
    assert.equal(first.status, 'succeeded');
    assert.deepEqual(statuses(first), { prep: 'ran', build: 'ran' });
    assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'HELLO\nHELLO\n');
    const second = await run(dir);
    assert.deepEqual(statuses(second), { prep: 'cached', build: 'cached' });
    writeFileSync(join(dir, 'in.txt'), 'bye\n');
    const third = await run(dir);
    assert.deepEqual(statuses(third), { prep: 'ran', build: 'ran' });
    assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'BYE\nBYE\n');
  });

  it('restores a deleted output from the cache instead of running', async () => {
    const dir = workspace(chain, { 'in.txt': 'hello\n' });
    await run(dir);
    rmSync(join(dir, 'out.txt'));
    const again = await run(dir);
    assert.deepEqual(statuses(again), { prep: 'cached', build: 'cached' });
    assert.deepEqual(stage(again, 'build').restored, ['out.txt']);
    assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'HELLO\nHELLO\n');
  });

  it('caches and restores a folder output', async () => {
    const dir = workspace({ stages: { many: { run: 'mkdir -p out/sub && echo 1 > out/a.txt && echo 2 > out/sub/b.txt', outs: ['out'] } } });
    assert.deepEqual(statuses(await run(dir)), { many: 'ran' });
    rmSync(join(dir, 'out'), { recursive: true });
    const again = await run(dir);
    assert.deepEqual(statuses(again), { many: 'cached' });
    assert.deepEqual(stage(again, 'many').restored, ['out']);
    assert.equal(readFileSync(join(dir, 'out', 'sub', 'b.txt'), 'utf8'), '2\n');
  });

  it('re-runs a stage whose output was edited by hand, and honours --force', async () => {
    const dir = workspace(chain, { 'in.txt': 'hello\n' });
    await run(dir);
    writeFileSync(join(dir, 'out.txt'), 'edited');
    assert.deepEqual(statuses(await run(dir)), { prep: 'cached', build: 'ran' });
    assert.deepEqual(statuses(await run(dir, { force: true, stages: ['build'] })), { prep: 'cached', build: 'ran' });
    assert.deepEqual(statuses(await run(dir, { force: true })), { prep: 'ran', build: 'ran' });
  });

  it('runs a selected stage with what it needs only', async () => {
    const dir = workspace({ stages: { ...chain.stages, other: { run: 'echo other > other.txt', outs: ['other.txt'] } } }, { 'in.txt': 'x\n' });
    const r = await run(dir, { stages: ['prep'] });
    assert.deepEqual(statuses(r), { prep: 'ran' });
    assert.ok(!existsSync(join(dir, 'other.txt')));
  });

  it('re-runs a stage when a param it uses changes', async () => {
    const dir = workspace({ params: { n: 1 }, stages: { a: { run: 'echo ${{ params.n }} > n.txt', outs: ['n.txt'] } } });
    await run(dir);
    assert.deepEqual(statuses(await run(dir)), { a: 'cached' });
    writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, params: { n: 2 }, stages: { a: { run: 'echo ${{ params.n }} > n.txt', outs: ['n.txt'] } } }));
    assert.deepEqual(statuses(await run(dir)), { a: 'ran' });
    assert.equal(readFileSync(join(dir, 'n.txt'), 'utf8'), '2\n');
  });

  it('counts resources.cpu against the limit: a stage that takes every core runs alone', async () => {
    const stages = Object.fromEntries(['p1', 'p2'].map((n) => [n, { run: `date +%s%N > ${n}.start; sleep 0.3; date +%s%N > ${n}.end`, outs: [`${n}.start`, `${n}.end`], resources: { cpu: 2 } }]));
    const dir = workspace({ stages });
    await run(dir, { maxParallel: 2 });
    const t = (f: string): number => Number(readFileSync(join(dir, f), 'utf8')) / 1e6;
    assert.ok(t('p2.start') >= t('p1.end') || t('p1.start') >= t('p2.end'), 'one after the other');
  });

  it('runs independent stages in parallel up to the limit', async () => {
    const stages = Object.fromEntries(['p1', 'p2'].map((n) => [n, { run: `date +%s%N > ${n}.start; sleep 0.4; date +%s%N > ${n}.end`, outs: [`${n}.start`, `${n}.end`] }]));
    const dir = workspace({ stages });
    await run(dir, { maxParallel: 2 });
    const t = (f: string): number => Number(readFileSync(join(dir, f), 'utf8')) / 1e6;
    assert.ok(t('p2.start') < t('p1.end') && t('p1.start') < t('p2.end'), 'the two stages overlapped');
    const dir2 = workspace({ stages });
    await run(dir2, { maxParallel: 1 });
    const t2 = (f: string): number => Number(readFileSync(join(dir2, f), 'utf8')) / 1e6;
    assert.ok(t2('p2.start') >= t2('p1.end') || t2('p1.start') >= t2('p2.end'), 'one after the other');
  });
});

describe('runner: processes and faults', () => {
  it('injects SEXTANT_RUN_ID, SEXTANT_STAGE and CUDA_VISIBLE_DEVICES, and records the stage as a child run', async () => {
    const gpus: Gpu[] = [0, 1].map((index) => ({ index, uuid: `GPU-${index}`, name: 'Test GPU', memoryTotalMiB: 1000, memoryUsedMiB: 0, utilizationPercent: 0, driverVersion: '550' }));
    // The stage's memory is its own processes' (nvidia-smi --query-compute-apps, matched by pid), not the card's.
    const dir = workspace({ stages: { g: { run: 'echo "$SEXTANT_RUN_ID $SEXTANT_STAGE [$CUDA_VISIBLE_DEVICES]" > env.txt; echo $$ > pid.txt; sleep 0.3; echo "::sextant metric acc=0.75 step=1"', outs: ['env.txt'], resources: { gpu: 1 } } } });
    const tracker = new MemoryTracker();
    const stagePid = (): number => (existsSync(join(dir, 'pid.txt')) ? Number(readFileSync(join(dir, 'pid.txt'), 'utf8')) || 1 : 1);
    const r = await run(dir, { gpus, tracker, gpuSampleIntervalMs: 50, sampleGpus: async () => ({ ok: true, value: gpus.map((g) => ({ ...g, utilizationPercent: 87, memoryUsedMiB: 9000 })) }), sampleGpuApps: async () => ({ ok: true, value: [{ pid: stagePid(), gpuUuid: 'GPU-0', usedMemoryMiB: 512 }] }) });
    const g = stage(r, 'g');
    assert.equal(g.status, 'ran');
    assert.equal(readFileSync(join(dir, 'env.txt'), 'utf8').trim(), `${g.run_id} g [0]`);
    assert.deepEqual(g.gpu, { devices: [0], peakUtilizationPercent: 87, peakMemoryMiB: 512 });
    assert.equal(g.metrics?.acc, 0.75);
    assert.equal(g.metrics?.gpu_utilization_peak_percent, 87);
    assert.equal(g.metrics?.gpu_memory_peak_mib, 512);
    const child = tracker.runs.get(g.run_id!)!;
    assert.equal(child.parent, r.run_id);
    assert.equal(child.status, 'finished');
    assert.deepEqual(child.metrics.acc, [0.75]);
    assert.ok(existsSync(join(dir, g.log!)));
  });

  it('falls back to CPU with a warning, and fails a stage that requires a GPU', async () => {
    const dir = workspace({ stages: { soft: { run: 'echo "[$CUDA_VISIBLE_DEVICES]" > soft.txt', outs: ['soft.txt'], resources: { gpu: 1 } }, hard: { run: 'true', resources: { gpu: 'required' } } } });
    const r = await run(dir, { gpus: [] });
    assert.equal(stage(r, 'soft').status, 'ran');
    assert.equal(readFileSync(join(dir, 'soft.txt'), 'utf8').trim(), '[]');
    assert.ok(r.warnings.some((w) => /asks for 1 GPU, but no NVIDIA GPU was found.*running it on CPU/.test(w)));
    assert.equal(stage(r, 'hard').status, 'failed');
    assert.match(stage(r, 'hard').reason!, /requires a GPU/);
  });

  it('a non-zero exit fails the stage, skips what needs it, and the next run resumes from it', async () => {
    const dir = workspace({ stages: { a: { run: 'echo a > a.txt', outs: ['a.txt'] }, b: { run: 'exit 3', needs: ['a'] }, c: { run: 'echo c', needs: ['b'] } } });
    const r = await run(dir);
    assert.equal(r.status, 'failed');
    assert.deepEqual(statuses(r), { a: 'ran', b: 'failed', c: 'skipped' });
    assert.equal(stage(r, 'b').exit_code, 3);
    assert.match(stage(r, 'b').reason!, /Exited with code 3/);
    assert.match(stage(r, 'c').reason!, /needs "b", which failed/);
    writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, stages: { a: { run: 'echo a > a.txt', outs: ['a.txt'] }, b: { run: 'true', needs: ['a'] }, c: { run: 'echo c', needs: ['b'] } } }));
    const again = await run(dir);
    assert.deepEqual(statuses(again), { a: 'cached', b: 'ran', c: 'ran' });
  });

  it('reports a missing command (exit 127) clearly', async () => {
    const dir = workspace({ stages: { a: { run: 'sextant-no-such-program-xyz --flag' } } });
    const r = await run(dir);
    assert.equal(stage(r, 'a').exit_code, 127);
    assert.match(stage(r, 'a').reason!, /Command not found \(exit 127\).*sextant-no-such-program-xyz/);
  });

  it('reports a stage killed by SIGKILL (as the OOM killer does), directly or through its shell', async () => {
    const dir = workspace({ stages: { direct: { run: 'kill -9 $$' }, nested: { run: "sh -c 'kill -9 $$'; exit $?" } } });
    const r = await run(dir);
    assert.equal(stage(r, 'direct').signal, 'SIGKILL');
    assert.match(stage(r, 'direct').reason!, /SIGKILL.*OOM/);
    assert.equal(stage(r, 'nested').exit_code, 137);
    assert.match(stage(r, 'nested').reason!, /137.*SIGKILL.*OOM/);
  });

  it('fails a stage that does not write a declared output', async () => {
    const dir = workspace({ stages: { a: { run: 'echo nothing', outs: ['model.bin'] }, b: { run: 'true', needs: ['a'] } } });
    const r = await run(dir);
    assert.deepEqual(statuses(r), { a: 'failed', b: 'skipped' });
    assert.match(stage(r, 'a').reason!, /did not write model\.bin/);
  });

  it('times a stage out and stops its processes', async () => {
    const dir = workspace({ stages: { slow: { run: 'sleep 20', resources: { timeout: '300ms' } } } });
    const r = await run(dir);
    assert.equal(stage(r, 'slow').status, 'failed');
    assert.match(stage(r, 'slow').reason!, /Timed out after 300 ms/);
    assert.ok(stage(r, 'slow').duration_ms < 5000);
  });

  it('cancels a run: the whole process tree is killed, the pipeline is cancelled, and the next run resumes', async () => {
    const dir = workspace({ stages: { a: { run: 'echo a > a.txt', outs: ['a.txt'] }, long: { run: 'sleep 30 & echo $! > bg.pid; sleep 30; wait', needs: ['a'] }, after: { run: 'true', needs: ['long'] } } });
    const controller = new AbortController();
    const started = performance.now();
    const resultP = run(dir, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'stage-start' && e.stage === 'long') setTimeout(() => controller.abort(), 300);
      },
    });
    const r = await resultP;
    assert.equal(r.status, 'cancelled');
    assert.deepEqual(statuses(r), { a: 'ran', long: 'failed', after: 'skipped' });
    assert.match(stage(r, 'long').reason!, /Cancelled/);
    assert.ok(performance.now() - started < 10_000);
    const bg = Number(readFileSync(join(dir, 'bg.pid'), 'utf8'));
    await new Promise((res) => setTimeout(res, 100));
    assert.ok(!alive(bg), 'the background child of the stage was killed too');
    writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, stages: { a: { run: 'echo a > a.txt', outs: ['a.txt'] }, long: { run: 'true', needs: ['a'] }, after: { run: 'true', needs: ['long'] } } }));
    assert.deepEqual(statuses(await run(dir)), { a: 'cached', long: 'ran', after: 'ran' });
  });

  it('recovers from a run that was interrupted (runner killed): warns and runs the stage again', async () => {
    const dir = workspace({ stages: { a: { run: 'echo a > a.txt', outs: ['a.txt'] } } });
    await run(dir);
    const file = statePath(dir, join(dir, 'sextant.yaml'));
    const { state } = loadState(file);
    state.running = { runId: 'deadbeefdeadbeef', pid: 2 ** 22 + 12345, startedAt: Date.now(), stages: { a: { runId: 'feedfeedfeedfeed', pgid: null } } };
    saveState(file, state);
    const r = await run(dir);
    assert.deepEqual(statuses(r), { a: 'ran' });
    assert.ok(r.warnings.some((w) => /previous run \(deadbeefdeadbeef\) was interrupted during "a"/.test(w)));
  });

  it('when the runner process itself is killed (SIGKILL) mid-stage, the next run stops the orphaned stage and runs it again', async function () {
    this.timeout(60_000);
    const dir = workspace({ stages: { long: { run: 'echo $$ > stage.pid; sleep 60' } } });
    const cli = join(__dirname, '..', '..', 'src', 'cli', 'bin.ts');
    // The runner in this very process (no tsx wrapper process in between), as `node dist/cli.js` runs.
    const child = spawn(process.execPath, ['-r', require.resolve('tsx/cjs'), cli, 'run', '--no-store'], { cwd: dir, stdio: 'ignore' });
    const pidFile = join(dir, 'stage.pid');
    for (let i = 0; i < 300 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 200));
    const stagePid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(alive(stagePid), 'the stage runs');
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    assert.ok(alive(stagePid), 'the stage outlived its runner');
    writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, stages: { long: { run: 'true' } } }));
    const r = await run(dir);
    assert.ok(!alive(stagePid), 'the orphaned stage was stopped');
    assert.ok(r.warnings.some((w) => /was interrupted during "long"; stopped the processes left by long/.test(w)), r.warnings.join('\n'));
    assert.deepEqual(statuses(r), { long: 'ran' });
  });

  it('fails a stage whose dependency is missing, naming it', async () => {
    const dir = workspace({ stages: { a: { run: 'cat data.csv', deps: ['data.csv'] } } });
    const r = await run(dir);
    assert.match(stage(r, 'a').reason!, /Missing input: data\.csv/);
  });

  it('returns an error naming the file for an unreadable pipeline', async () => {
    const dir = tempDir('sextant-runner-');
    writeFileSync(join(dir, 'sextant.yaml'), 'version: 1\nstages:\n  a: { run: [oops\n');
    const r = await runPipeline({ file: join(dir, 'sextant.yaml') });
    assert.ok(!r.ok);
    assert.match(r.error.file!, /sextant\.yaml$/);
  });
});

describe('runner: built-in stages', () => {
  const csv = 'id,x,label,email\n1,0.5,a,x@y.z\n2,1.5,b,\n3,,a,q@r.s\n2,9,c,bad\n';
  it('validate fails with the violated expectations and their line numbers', async () => {
    const dir = workspace(
      {
        datasets: { d: { path: 'd.csv', label: 'label' } },
        expectations: { d: [{ column: 'id', unique: true }, { column: 'x', not_null: true, between: [0, 2] }, { column: 'label', in: ['a', 'b'] }, { column: 'email', regex: '[^@]+@[^@]+' }] },
        stages: { v: { uses: 'sextant/validate', with: { dataset: 'd' } } },
      },
      { 'd.csv': csv },
    );
    const r = await run(dir);
    const v = stage(r, 'v');
    assert.equal(v.status, 'failed');
    for (const part of [/id unique \(1 rows, first at line 5\)/, /x not_null \(1 rows, first at line 4\)/, /x between \[0, 2\] \(1 rows, first at line 5\)/, /label in \[a, b\] \(1 rows, first at line 5\)/, /email regex .* \(1 rows, first at line 5\)/]) assert.match(v.reason!, part);
    assert.equal(v.metrics?.violations, 5);
  });

  it('validate checks pii: forbid with the personal-data detector (a@b.c is no e-mail address, ann@example.com is)', async () => {
    // Before the detector, pii: forbid failed unchecked; a@b.c has a one-letter top-level domain, so it is not personal data.
    const dir = workspace({ datasets: { d: { path: 'd.csv' } }, expectations: { d: [{ column: 'email', pii: 'forbid' }, { column: 'id', pii: 'mask' }] }, stages: { v: { uses: 'sextant/validate', with: { dataset: 'd' } } } }, { 'd.csv': 'id,email\n1,a@b.c\n' });
    const r = await run(dir);
    assert.equal(stage(r, 'v').status, 'ran', stage(r, 'v').reason);
    writeFileSync(join(dir, 'd.csv'), 'id,email\n1,ann@example.com\n');
    const again = await run(dir);
    assert.equal(stage(again, 'v').status, 'failed');
    assert.match(stage(again, 'v').reason!, /email pii \(Personal data is forbidden here, and 100% of the sampled values look like email values\.\)/);
    assert.ok(!stage(again, 'v').reason!.includes('ann@example.com'));
  });

  it('gate fails with the unmet requirement, and names a metric no stage logged', async () => {
    const dir = workspace({ stages: { m: { run: 'echo "::sextant metric accuracy=0.8"' }, g: { uses: 'sextant/gate', needs: ['m'], with: { require: { accuracy: '>= 0.9' } } }, g2: { uses: 'sextant/gate', needs: ['m'], with: { require: { f1: '>= 0.5' } } } } });
    const r = await run(dir, { maxParallel: 1 });
    assert.equal(stage(r, 'g').status, 'failed');
    assert.match(stage(r, 'g').reason!, /accuracy = 0\.8000 is not >= 0\.9/);
  });

  it('gate passes and names a missing metric', async () => {
    const dir = workspace({ stages: { m: { run: 'echo "::sextant metric accuracy=0.95"' }, g: { uses: 'sextant/gate', needs: ['m'], with: { require: { accuracy: '>= 0.9' } } }, g2: { uses: 'sextant/gate', needs: ['g'], with: { require: { f1: '>= 0.5' } } } } });
    const r = await run(dir);
    assert.equal(stage(r, 'g').status, 'ran');
    assert.match(stage(r, 'g2').reason!, /no stage it needs logged "f1" \(logged: accuracy\)/);
  });

  it('a built-in training stage honours its timeout mid-training (it trains in slices)', async () => {
    const dir = tempDir('sextant-train-timeout-');
    cpSync(join(__dirname, '..', '..', 'media', 'demo'), dir, { recursive: true });
    // An MLP makes a million passes (logistic regression would stop early, on its tolerance).
    writeFileSync(join(dir, 'sextant.yaml'), readFileSync(join(dir, 'sextant.yaml'), 'utf8').replace('epochs: 200', 'epochs: 1000000').replace('model: logistic-regression', 'model: mlp').replace('    uses: sextant/train\n', '    uses: sextant/train\n    resources: { timeout: 400ms }\n'));
    const started = performance.now();
    const r = await run(dir, { stages: ['train'] });
    assert.equal(stage(r, 'train').status, 'failed');
    assert.match(stage(r, 'train').reason!, /Timed out after 400 ms/);
    assert.ok(performance.now() - started < 10_000);
  });

  it('drift fails loudly when no column can be tested (a reference of 1 row)', async () => {
    const dir = workspace({ datasets: { a: { path: 'a.csv' } }, stages: { d: { uses: 'sextant/drift', with: { reference: 'a', current: 'a' } } } }, { 'a.csv': 'x\n1\n' });
    const r = await run(dir);
    assert.equal(stage(r, 'd').status, 'failed');
    assert.match(stage(r, 'd').reason!, /no column could be tested \(x: the reference has 1 value/);
  });

  it('register says the registry is not available when runs are not stored', async () => {
    const dir = workspace({ stages: { r: { uses: 'sextant/register', with: { name: 'm', model: 'm.onnx' } } } }, { 'm.onnx': 'x' });
    const r = await run(dir);
    assert.match(stage(r, 'r').reason!, /registry is not available/);
  });
});

describe('runner: the demo pipeline end to end', function () {
  this.timeout(60_000);
  it('validate → train → evaluate → gate → register, then everything cached', async () => {
    const dir = tempDir('sextant-demo-');
    cpSync(join(__dirname, '..', '..', 'media', 'demo'), dir, { recursive: true });
    const opened = Tracker.open(workspaceLayout(dir), { create: true });
    assert.ok(opened.ok);
    const tracker = new StoreTracker(opened.value);
    const r = await run(dir, { tracker });
    assert.equal(r.status, 'succeeded', JSON.stringify(r.stages.filter((s) => s.status !== 'ran'), null, 1));
    assert.deepEqual(statuses(r), { validate: 'ran', train: 'ran', evaluate: 'ran', gate: 'ran', register: 'ran' });
    const evaluate = stage(r, 'evaluate');
    assert.ok(evaluate.metrics!.accuracy! >= 0.9, `accuracy ${evaluate.metrics!.accuracy}`);
    for (const k of ['precision', 'recall', 'f1', 'log_loss', 'roc_auc']) assert.ok(Number.isFinite(evaluate.metrics![k]), k);
    assert.ok(existsSync(join(dir, 'models', 'penguins.onnx')));
    const db = opened.value.db;
    const version = db.prepare("SELECT v.version, a.alias FROM model_versions v JOIN models m ON m.id = v.model_id LEFT JOIN model_aliases a ON a.model_version_id = v.id WHERE m.name = 'penguin-species'").get() as { version: number; alias: string };
    assert.deepEqual(version, { version: 1, alias: 'staging' });
    const children = db.prepare('SELECT r.name, r.status FROM runs r JOIN runs p ON r.parent_id = p.id WHERE p.uid = ? ORDER BY r.id').all(r.run_id) as { name: string; status: string }[];
    assert.deepEqual(children.map((c) => c.name), ['validate', 'train', 'evaluate', 'gate', 'register']);
    assert.ok(children.every((c) => c.status === 'finished'));
    const again = await run(dir, { tracker });
    assert.deepEqual(Object.values(statuses(again)), ['cached', 'cached', 'cached', 'cached', 'cached']);
    opened.value.close(true);
  });

  it('evaluate given a GPU tries the CUDA execution provider and says so when it falls back to CPU', async () => {
    const dir = tempDir('sextant-demo-gpu-');
    cpSync(join(__dirname, '..', '..', 'media', 'demo'), dir, { recursive: true });
    const yaml = readFileSync(join(dir, 'sextant.yaml'), 'utf8').replace('    uses: sextant/evaluate\n', '    uses: sextant/evaluate\n    resources: { gpu: 1 }\n');
    writeFileSync(join(dir, 'sextant.yaml'), yaml);
    const gpus: Gpu[] = [{ index: 0, uuid: 'g0', name: 'Test GPU', memoryTotalMiB: 1, memoryUsedMiB: 0, utilizationPercent: 0, driverVersion: '1' }];
    const r = await run(dir, { gpus, stages: ['evaluate'], sampleGpus: async () => ({ ok: false }) });
    const evaluate = stage(r, 'evaluate');
    assert.equal(evaluate.status, 'ran', evaluate.reason);
    assert.deepEqual(evaluate.gpu?.devices, [0]);
    const log = readFileSync(join(dir, evaluate.log!), 'utf8');
    assert.match(log, /with onnxruntime \((CPU|CUDA, GPU 0)\)/);
    if (/\(CPU\)/.test(log)) assert.match(log, /CUDA execution provider is not available/);
  });

  it('gate compare_to: the candidate must not be worse than the version the alias points at', async function () {
    this.timeout(60_000);
    const dir = tempDir('sextant-demo-compare-');
    cpSync(join(__dirname, '..', '..', 'media', 'demo'), dir, { recursive: true });
    const base = readFileSync(join(dir, 'sextant.yaml'), 'utf8')
      .replace(/with: \{ require: \{ accuracy: ">= 0.90" \} \}/, 'with: { require: { log_loss: "<= 5" }, compare_to: production }')
      .replace('alias: staging', 'alias: production');
    assert.match(base, /compare_to: production/);
    writeFileSync(join(dir, 'sextant.yaml'), base);
    const opened = Tracker.open(workspaceLayout(dir), { create: true });
    assert.ok(opened.ok);
    const tracker = new StoreTracker(opened.value);
    const first = await run(dir, { tracker });
    assert.equal(first.status, 'succeeded', JSON.stringify(first.stages));
    assert.match(readFileSync(join(dir, stage(first, 'gate').log!), 'utf8'), /no version is production yet/);
    // A much weaker candidate (one epoch at a tiny learning rate) passes the bound but not the comparison.
    writeFileSync(join(dir, 'sextant.yaml'), base.replace('lr: 0.1', 'lr: 0.0001').replace('epochs: 200', 'epochs: 1'));
    const second = await run(dir, { tracker });
    assert.equal(stage(second, 'gate').status, 'failed');
    assert.match(stage(second, 'gate').reason!, /log_loss = [\d.]+ is worse than penguin-species v1 \(production\) \(0\.\d+\)/);
    assert.equal(stage(second, 'register').status, 'skipped');
    opened.value.close(true);
  });

  it('evaluate reads a registered version by alias, and evaluates it on every run', async () => {
    const dir = tempDir('sextant-demo-alias-');
    cpSync(join(__dirname, '..', '..', 'media', 'demo'), dir, { recursive: true });
    const yaml = readFileSync(join(dir, 'sextant.yaml'), 'utf8').replace(/\nmonitor:/, '\n  eval-staging:\n    needs: [register]\n    uses: sextant/evaluate\n    with: { model: penguin-species@staging, dataset: penguins, split: 0.2, seed: 7 }\nmonitor:');
    writeFileSync(join(dir, 'sextant.yaml'), yaml);
    const opened = Tracker.open(workspaceLayout(dir), { create: true });
    assert.ok(opened.ok);
    const tracker = new StoreTracker(opened.value);
    const first = await run(dir, { tracker });
    assert.equal(first.status, 'succeeded', JSON.stringify(first.stages.filter((x) => x.status === 'failed')));
    assert.equal(stage(first, 'eval-staging').metrics?.accuracy, stage(first, 'evaluate').metrics?.accuracy);
    assert.match(readFileSync(join(dir, stage(first, 'eval-staging').log!), 'utf8'), /penguin-species@staging is penguin-species version 1/);
    const again = await run(dir, { tracker });
    assert.equal(stage(again, 'register').status, 'cached');
    assert.equal(stage(again, 'eval-staging').status, 'ran');
    const missing = readFileSync(join(dir, 'sextant.yaml'), 'utf8').replace('penguin-species@staging', 'penguin-species@production');
    writeFileSync(join(dir, 'sextant.yaml'), missing);
    const third = await run(dir, { tracker });
    assert.match(stage(third, 'eval-staging').reason!, /no registered model version penguin-species@production/);
    opened.value.close(true);
  });

  it('sextant run --events prints one schema-valid NDJSON event per line', async () => {
    const dir = workspace({ stages: { a: { run: 'echo hi' }, b: { run: 'exit 2', needs: ['a'] } } });
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: () => undefined, json: () => undefined, isTty: false, cwd: dir, env: { ...process.env, SEXTANT_NO_SIGNAL_HANDLERS: '1' } };
    assert.equal(await main(['run', '--events', '--no-store'], io), 1);
    const events = out.map((l) => RunnerEventSchema.parse(JSON.parse(l)));
    assert.deepEqual(events.map((e) => e.type), ['pipeline-start', 'stage-start', 'stage-log', 'stage-log', 'stage-end', 'stage-start', 'stage-log', 'stage-log', 'stage-end', 'pipeline-end']);
    assert.deepEqual(events.filter((e) => e.type === 'stage-log').map((e) => (e as { line: string }).line), ['$ echo hi', 'hi', '$ exit 2', 'Exited with code 2.']);
  });

  it('sextant run --json prints per-stage results and exits 0; a failing gate exits 1', async () => {
    const dir = tempDir('sextant-demo-cli-');
    cpSync(join(__dirname, '..', '..', 'media', 'demo'), dir, { recursive: true });
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), json: (v: unknown) => out.push(JSON.stringify(v)), isTty: false, cwd: dir, env: { ...process.env, SEXTANT_NO_SIGNAL_HANDLERS: '1' } };
    assert.equal(await main(['run', '--json'], io), 0, err.join('\n'));
    const result = JSON.parse(out.at(-1)!) as { status: string; stages: { name: string; status: string; duration_ms: number; run_id: string | null }[] };
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(result.stages.map((s) => [s.name, s.status]), [['validate', 'ran'], ['train', 'ran'], ['evaluate', 'ran'], ['gate', 'ran'], ['register', 'ran']]);
    assert.ok(result.stages.every((s) => typeof s.duration_ms === 'number' && typeof s.run_id === 'string'));
    const yaml = readFileSync(join(dir, 'sextant.yaml'), 'utf8').replace('">= 0.90"', '">= 1.5"');
    writeFileSync(join(dir, 'sextant.yaml'), yaml);
    out.length = 0;
    assert.equal(await main(['run', '--json'], io), 1);
    const failed = JSON.parse(out.at(-1)!) as { status: string; stages: { name: string; status: string; reason?: string }[] };
    assert.equal(failed.status, 'failed');
    assert.deepEqual(failed.stages.map((s) => s.status), ['cached', 'cached', 'cached', 'failed', 'skipped']);
    assert.match(failed.stages[3]!.reason!, /Gate not passed: accuracy = .* is not >= 1\.5/);
  });
});
