// GPU scheduling on a shared machine, through the real runner and a fake `nvidia-smi` on PATH (a shell
// script answering --query-gpu from gpus.csv and --query-compute-apps from apps.csv plus the pids that
// stages write into pids/, and logging every call). No GPU is needed: what a real driver would answer is
// what the script prints.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runPipeline, type RunPipelineOptions } from '../../src/engine/runner/executor';
import { processTreePids } from '../../src/engine/gpu/processTree';
import type { Pipeline } from '../../src/engine/pipeline/schema';
import type { PipelineResult, RunnerEvent } from '../../src/engine/runner/types';
import { tempDir } from './tempDir';

interface FakeMachine {
  bin: string;
  /** Rewrites what --query-gpu reports: [memory used MiB, utilisation %] per GPU. */
  setLoad(load: [number, number][]): void;
  /** The --query-gpu and --query-compute-apps calls so far. */
  calls(): { gpu: number; apps: number };
}

const uuid = (i: number): string => `GPU-${String(i).padStart(8, '0')}-aaaa-bbbb-cccc-dddddddddddd`;

function fakeMachine(load: [number, number][], foreignApps: string[] = []): FakeMachine {
  const bin = tempDir('sextant-fake-smi-');
  mkdirSync(join(bin, 'pids'));
  writeFileSync(join(bin, 'apps.csv'), foreignApps.map((l) => `${l}\n`).join(''));
  const setLoad = (l: [number, number][]): void => writeFileSync(join(bin, 'gpus.csv'), l.map(([mem, util], i) => `${i}, ${uuid(i)}, Fake GPU, 16000, ${mem}, ${util}, 550.00\n`).join(''));
  setLoad(load);
  // A stage's process writes "<pid> <MiB>" into pids/<name>: reported as a compute app on GPU 0.
  writeFileSync(
    join(bin, 'nvidia-smi'),
    `#!/bin/sh
D="${bin}"
echo "$1" >> "$D/calls.log"
case "$1" in
  --query-gpu=*) cat "$D/gpus.csv" ;;
  --query-compute-apps=*) cat "$D/apps.csv"; for f in "$D"/pids/*; do [ -f "$f" ] && read pid mib < "$f" && echo "$pid, ${uuid(0)}, $mib"; done ;;
esac
exit 0
`,
  );
  chmodSync(join(bin, 'nvidia-smi'), 0o755);
  const calls = (): { gpu: number; apps: number } => {
    const lines = existsSync(join(bin, 'calls.log')) ? readFileSync(join(bin, 'calls.log'), 'utf8').split('\n') : [];
    return { gpu: lines.filter((l) => l.startsWith('--query-gpu')).length, apps: lines.filter((l) => l.startsWith('--query-compute-apps')).length };
  };
  return { bin, setLoad, calls };
}

function workspace(stages: Pipeline['stages']): string {
  const dir = tempDir('sextant-gpu-sched-');
  writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, stages }));
  return dir;
}

/** Runs with the fake nvidia-smi first on PATH (the runner's detection and monitor find it there). */
async function runOn(machine: FakeMachine, dir: string, options: Partial<RunPipelineOptions> = {}, env: NodeJS.ProcessEnv = {}): Promise<PipelineResult & { events: RunnerEvent[] }> {
  const events: RunnerEvent[] = [];
  const savedPath = process.env.PATH;
  process.env.PATH = `${machine.bin}:${savedPath ?? ''}`;
  try {
    const r = await runPipeline({ file: join(dir, 'sextant.yaml'), maxParallel: 8, killGraceMs: 500, env: { ...process.env, ...env }, ...options, onEvent: (e) => events.push(e) });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return { ...r.value, events };
  } finally {
    process.env.PATH = savedPath;
  }
}

const stage = (r: PipelineResult, name: string) => r.stages.find((s) => s.name === name)!;
const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8').trim();
/** A stage that records when it started and ended (ms) and the GPUs it was given. */
const timed = (name: string, seconds: number, gpu?: number): Pipeline['stages'][string] => ({
  run: `echo $(date +%s%N) > ${name}.start; echo "[$CUDA_VISIBLE_DEVICES]" > ${name}.cvd; sleep ${seconds}; echo $(date +%s%N) > ${name}.end`,
  ...(gpu !== undefined ? { resources: { gpu } } : {}),
});
const ms = (dir: string, file: string): number => Number(read(dir, file)) / 1e6;

describe('GPU scheduling: a GPU busy with another process', function () {
  this.timeout(60_000);

  it('is not handed out: the second stage waits for the idle GPU instead of taking the busy one', async () => {
    const machine = fakeMachine([[5000, 3], [0, 0]]);
    const dir = workspace({ a: timed('a', 0.6, 1), b: timed('b', 0.1, 1) });
    const r = await runOn(machine, dir, { gpuSampleIntervalMs: 100 });
    assert.equal(stage(r, 'a').status, 'ran');
    assert.equal(stage(r, 'b').status, 'ran');
    assert.equal(read(dir, 'a.cvd'), '[1]');
    assert.equal(read(dir, 'b.cvd'), '[1]', 'GPU 0 is busy with another process (5000 MiB): never handed out');
    assert.ok(ms(dir, 'b.start') >= ms(dir, 'a.end'), 'b waited for GPU 1');
    assert.ok(r.warnings.some((w) => /Stage "b" waits for a GPU: GPU 0 is busy with another process \(5000 MiB used; busy above 1024 MiB or 10%\)/.test(w)), r.warnings.join('\n'));
  });

  it('the thresholds are configurable (SEXTANT_GPU_BUSY_MEMORY_MIB, SEXTANT_GPU_BUSY_UTILIZATION)', async () => {
    const machine = fakeMachine([[5000, 3], [0, 0]]);
    const dir = workspace({ a: timed('a', 0.6, 1), b: timed('b', 0.1, 1) });
    const r = await runOn(machine, dir, { gpuSampleIntervalMs: 100 }, { SEXTANT_GPU_BUSY_MEMORY_MIB: '8000' });
    assert.deepEqual([read(dir, 'a.cvd'), read(dir, 'b.cvd')].sort(), ['[0]', '[1]']);
    assert.ok(ms(dir, 'b.start') < ms(dir, 'a.end'), 'under 8000 MiB GPU 0 is not busy: both ran at once');
    const util = fakeMachine([[0, 60], [0, 0]]);
    const dir2 = workspace({ a: timed('a', 0.6, 1), b: timed('b', 0.1, 1) });
    const r2 = await runOn(util, dir2, { gpuSampleIntervalMs: 100 });
    assert.equal(read(dir2, 'b.cvd'), '[1]', '60% utilisation is busy by default');
    assert.ok(r2.warnings.some((w) => /GPU 0 is busy with another process \(60% utilisation/.test(w)));
    const bad = await runOn(fakeMachine([[0, 0]]), workspace({ a: timed('a', 0, 1) }), {}, { SEXTANT_GPU_BUSY_UTILIZATION: 'lots' });
    assert.ok(bad.warnings.some((w) => /SEXTANT_GPU_BUSY_UTILIZATION="lots" is not a number ≥ 0: using 10/.test(w)), r.warnings.join('\n'));
  });

  it('a stage waits while every GPU is busy, and starts when the other process lets go', async () => {
    const machine = fakeMachine([[12000, 99]]);
    const dir = workspace({ a: timed('a', 0, 1) });
    const started = Date.now();
    const freed = setTimeout(() => machine.setLoad([[0, 0]]), 700);
    const r = await runOn(machine, dir, { gpuSampleIntervalMs: 100 });
    clearTimeout(freed);
    assert.equal(stage(r, 'a').status, 'ran');
    assert.equal(read(dir, 'a.cvd'), '[0]');
    assert.ok(ms(dir, 'a.start') >= started + 650, 'it started only once GPU 0 was free');
    assert.ok(r.warnings.some((w) => /Stage "a" waits for a GPU: GPU 0 is busy with another process \(12000 MiB used, 99% utilisation/.test(w)));
  });

  it('a cancelled run does not wait for a busy GPU for ever', async () => {
    const machine = fakeMachine([[12000, 99]]);
    const dir = workspace({ a: timed('a', 0, 1) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const r = await runOn(machine, dir, { gpuSampleIntervalMs: 100, signal: controller.signal });
    assert.equal(r.status, 'cancelled');
    assert.equal(stage(r, 'a').status, 'skipped');
  });
});

describe('GPU scheduling: a gpu: 2 stage is not starved by later 1-GPU stages', function () {
  this.timeout(60_000);

  it('on a 2-GPU machine, A (1 GPU) runs, B (2 GPUs) waits, and C (1 GPU, later) waits behind B', async () => {
    const machine = fakeMachine([[0, 0], [0, 0]]);
    const dir = workspace({ A: timed('A', 0.6, 1), B: timed('B', 0.2, 2), C: timed('C', 0.2, 1) });
    const r = await runOn(machine, dir, { gpuSampleIntervalMs: 100 });
    for (const s of ['A', 'B', 'C']) assert.equal(stage(r, s).status, 'ran');
    assert.equal(read(dir, 'B.cvd'), '[0,1]');
    assert.ok(ms(dir, 'B.start') >= ms(dir, 'A.end'), 'B waited for A to free its GPU');
    assert.ok(ms(dir, 'C.start') >= ms(dir, 'B.start'), 'C did not jump the queue onto the GPU B waits for');
    assert.ok(ms(dir, 'C.start') >= ms(dir, 'B.end'), 'C ran after B (B held both GPUs)');
  });
});

describe('GPU scheduling: stages without resources.gpu see no GPU', function () {
  this.timeout(60_000);

  it('CUDA_VISIBLE_DEVICES is empty for them, even when the runner was given GPUs; a stage that sets it in env keeps its own', async () => {
    const machine = fakeMachine([[0, 0], [0, 0]]);
    const dir = workspace({
      gpu: timed('gpu', 0.3, 1),
      cpu: { run: 'echo "[${CUDA_VISIBLE_DEVICES-unset}]" > cpu.cvd' },
      own: { run: 'echo "[${CUDA_VISIBLE_DEVICES-unset}]" > own.cvd', env: { CUDA_VISIBLE_DEVICES: '1' } },
    });
    await runOn(machine, dir, {}, { CUDA_VISIBLE_DEVICES: '0,1' });
    assert.equal(read(dir, 'gpu.cvd'), '[0]');
    assert.equal(read(dir, 'cpu.cvd'), '[]', 'the CPU stage cannot take GPU 0 from the GPU stage');
    assert.equal(read(dir, 'own.cvd'), '[1]', 'asked for in its env');
  });
});

describe('GPU scheduling: peak GPU memory is the stage’s own processes’', function () {
  this.timeout(60_000);

  it('matches nvidia-smi --query-compute-apps pids against the stage’s process tree, not the card', async () => {
    // The card shows 15,800 MiB used: 15,000 by another process (pid 1), 800 by the stage's child process.
    const machine = fakeMachine([[15800, 40]], ['1, ' + uuid(0) + ', 15000']);
    const dir = workspace({ train: { run: `sh -c 'echo "$$ 800" > ${machine.bin}/pids/train; sleep 0.6; rm ${machine.bin}/pids/train'`, resources: { gpu: 1 } } });
    const r = await runOn(machine, dir, { gpuSampleIntervalMs: 100, gpuBusy: { memoryMiB: 100_000, utilizationPercent: 100 } });
    const train = stage(r, 'train');
    assert.equal(train.status, 'ran', train.reason);
    assert.equal(train.gpu?.peakMemoryMiB, 800);
    assert.equal(train.metrics?.gpu_memory_peak_mib, 800);
    assert.equal(train.gpu?.peakUtilizationPercent, 40, 'utilisation is per card (nvidia-smi has no per-process figure here)');
  });
});

describe('GPU scheduling: a stage’s processes, from /proc', () => {
  it('its process group and every descendant (even one that left the group), not other processes; a built-in only the runner itself', () => {
    const proc = tempDir('sextant-fake-proc-');
    const stat = (pid: number, comm: string, ppid: number, pgrp: number): void => {
      mkdirSync(join(proc, String(pid)));
      writeFileSync(join(proc, String(pid), 'stat'), `${pid} (${comm}) S ${ppid} ${pgrp} ${pgrp} 0 -1 4194560 0 0\n`);
    };
    stat(100, 'sh', 1, 100);
    stat(101, 'python (train) x', 100, 100);
    stat(102, 'worker', 101, 555); // setsid: another group, still a descendant
    stat(103, 'other job', 1, 103);
    stat(104, 'bg', 1, 100); // reparented to init, still in the stage's group
    mkdirSync(join(proc, 'self'));
    const sorted = (s: Set<number>): number[] => [...s].sort((a, b) => a - b);
    assert.deepEqual(sorted(processTreePids({ pid: 100, group: true }, proc)), [100, 101, 102, 104]);
    assert.deepEqual(sorted(processTreePids({ pid: 100, group: false }, proc)), [100, 101, 102]);
    assert.deepEqual(sorted(processTreePids({ pid: 100, group: false, alone: true }, proc)), [100]);
    assert.deepEqual(sorted(processTreePids({ pid: 100, group: true }, join(proc, 'missing'))), [100], 'without /proc: the first process only');
  });
});

describe('GPU scheduling: CUDA_VISIBLE_DEVICES of the runner, by UUID or index', function () {
  this.timeout(60_000);

  for (const [how, value] of [['UUID', uuid(1).slice(0, 12)], ['index', '1'], ['index list cut at an unknown entry, as CUDA does', '1,7,0']] as const) {
    it(`${how} (${value}): one of two GPUs is visible, the warning says so and the stage gets that GPU`, async () => {
      const machine = fakeMachine([[0, 0], [0, 0]]);
      const dir = workspace({ big: timed('big', 0, 2), small: timed('small', 0, 1) });
      const r = await runOn(machine, dir, {}, { CUDA_VISIBLE_DEVICES: value });
      assert.equal(read(dir, 'small.cvd'), '[1]');
      assert.equal(read(dir, 'big.cvd'), '[]', 'big ran on CPU');
      assert.ok(r.warnings.some((w) => w === `Stage "big" asks for 2 GPUs, but only 1 of the 2 GPUs on this machine is visible to this run (CUDA_VISIBLE_DEVICES=${value}): running it on CPU.`), r.warnings.join('\n'));
    });
  }
});

describe('GPU scheduling: one nvidia-smi sampler per runner', function () {
  this.timeout(60_000);

  it('four GPU stages at once share one sampler: about one --query-gpu a second, not four', async () => {
    const machine = fakeMachine([[0, 0], [0, 0], [0, 0], [0, 0]]);
    const dir = workspace(Object.fromEntries(['s1', 's2', 's3', 's4'].map((n) => [n, timed(n, 2.5, 1)])));
    const started = Date.now();
    const r = await runOn(machine, dir);
    const seconds = (Date.now() - started) / 1000;
    assert.ok(r.stages.every((s) => s.status === 'ran'));
    assert.deepEqual(r.stages.map((s) => s.gpu?.devices[0]).sort(), [0, 1, 2, 3]);
    const calls = machine.calls();
    // One detection, then one sample at once and one a second while the stages run.
    assert.ok(calls.gpu <= Math.ceil(seconds) + 2, `${calls.gpu} --query-gpu calls in ${seconds.toFixed(1)} s`);
    assert.ok(calls.apps <= Math.ceil(seconds) + 1, `${calls.apps} --query-compute-apps calls in ${seconds.toFixed(1)} s`);
    assert.ok(r.stages.every((s) => s.gpu?.peakUtilizationPercent === 0), 'every stage still got its samples');
  });
});
