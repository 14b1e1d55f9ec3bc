import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNvidiaSmiCsv, type Gpu } from '../../src/engine/gpu/nvidiaSmi';
import { GpuAllocator, visibleGpus } from '../../src/engine/gpu/allocator';
import { GpuMonitor } from '../../src/engine/gpu/sampler';

const fixture = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', 'nvidia-smi', name), 'utf8');

describe('GPU: nvidia-smi parsing (recorded outputs)', () => {
  it('no GPU: "No devices were found" is an empty list', () => {
    const r = parseNvidiaSmiCsv(fixture('zero-gpus.txt'));
    assert.ok(r.ok);
    assert.deepEqual(r.value, []);
    const empty = parseNvidiaSmiCsv('');
    assert.ok(empty.ok && empty.value.length === 0);
  });
  it('one GPU', () => {
    const r = parseNvidiaSmiCsv(fixture('one-gpu.txt'));
    assert.ok(r.ok);
    assert.deepEqual(r.value, [{ index: 0, uuid: 'GPU-5e4c1a9b-7f1d-2c3e-8a4b-9d0e1f2a3b4c', name: 'NVIDIA H100 80GB HBM3', memoryTotalMiB: 81559, memoryUsedMiB: 1234, utilizationPercent: 37, driverVersion: '550.54.15' }]);
  });
  it('eight GPUs, with [N/A] read as unknown', () => {
    const r = parseNvidiaSmiCsv(fixture('eight-gpus.txt'));
    assert.ok(r.ok);
    assert.equal(r.value.length, 8);
    assert.deepEqual(r.value.map((g) => g.index), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(r.value[2]!.memoryUsedMiB, 39000);
    assert.equal(r.value[7]!.utilizationPercent, null);
  });
  it('[Not Supported] fields are null, not zero', () => {
    const r = parseNvidiaSmiCsv(fixture('not-supported.txt'));
    assert.ok(r.ok);
    assert.equal(r.value[0]!.memoryTotalMiB, null);
    assert.equal(r.value[0]!.utilizationPercent, null);
  });
  it('malformed output is an error with the line', () => {
    const fields = parseNvidiaSmiCsv(fixture('malformed-fields.txt'));
    assert.ok(!fields.ok);
    assert.equal(fields.error.line, 1);
    assert.match(fields.error.message, /has 5 fields, expected 7/);
    const index = parseNvidiaSmiCsv(fixture('malformed-index.txt'));
    assert.ok(!index.ok);
    assert.match(index.error.message, /GPU index "zero" is not a number/);
  });
});

describe('GPU: scheduling', () => {
  const gpus = (n: number): Gpu[] => Array.from({ length: n }, (_, index) => ({ index, uuid: `g${index}`, name: 'T', memoryTotalMiB: 1, memoryUsedMiB: 0, utilizationPercent: 0, driverVersion: '1' }));
  it('hands out free GPUs, makes a stage wait when they are busy, and frees them', () => {
    const a = new GpuAllocator(gpus(2));
    assert.deepEqual(a.acquire('s1', 1), { kind: 'gpus', devices: [0] });
    assert.deepEqual(a.acquire('s2', 1), { kind: 'gpus', devices: [1] });
    assert.deepEqual(a.acquire('s3', 1), { kind: 'wait' });
    a.release([0]);
    assert.deepEqual(a.acquire('s3', 1), { kind: 'gpus', devices: [0] });
    assert.deepEqual(a.acquire('s4', 0), { kind: 'none' });
    assert.deepEqual(a.acquire('s5', undefined), { kind: 'none' });
  });
  it('falls back to CPU with a warning, or fails when the GPU is required', () => {
    const none = new GpuAllocator([]);
    const soft = none.acquire('train', 1);
    assert.equal(soft.kind, 'cpu-fallback');
    assert.match((soft as { warning: string }).warning, /no NVIDIA GPU was found.*on CPU/);
    const hard = none.acquire('train', 'required');
    assert.equal(hard.kind, 'unavailable');
    const few = new GpuAllocator(gpus(1)).acquire('big', 4);
    assert.match((few as { warning: string }).warning, /asks for 4 GPUs, but only 1 GPU is present/);
  });
  it('samples peaks of the stage GPUs only', async () => {
    let call = 0;
    const samples = [
      [{ ...gpus(2)[0]!, utilizationPercent: 10, memoryUsedMiB: 100 }, { ...gpus(2)[1]!, utilizationPercent: 99, memoryUsedMiB: 9999 }],
      [{ ...gpus(2)[0]!, utilizationPercent: 80, memoryUsedMiB: 50 }, { ...gpus(2)[1]!, utilizationPercent: 99, memoryUsedMiB: 9999 }],
    ];
    // Memory is the stage's own processes' (nvidia-smi --query-compute-apps), not the card's.
    const apps = async () => ({ ok: true, value: [{ pid: process.pid, gpuUuid: 'g0', usedMemoryMiB: 100 }, { pid: 999_999_999, gpuUuid: 'g0', usedMemoryMiB: 9999 }] });
    const monitor = new GpuMonitor(async () => ({ ok: true, value: samples[Math.min(call++, 1)]! }), apps, 5);
    const watch = monitor.watch([0], () => ({ pid: process.pid, group: false }));
    await new Promise((r) => setTimeout(r, 30));
    const peaks = await watch.stop();
    await monitor.stop();
    assert.deepEqual(peaks, { peakUtilizationPercent: 80, peakMemoryMiB: 100 });
  });
});

describe('GPU: scheduling on a recorded 8-GPU machine', () => {
  it('hands out the least loaded GPUs first', () => {
    const parsed = parseNvidiaSmiCsv(fixture('eight-gpus.txt'));
    assert.ok(parsed.ok);
    const a = new GpuAllocator(parsed.value);
    const got = a.acquire('s', 4);
    assert.deepEqual(got, { kind: 'gpus', devices: [0, 4, 5, 7] });
  });
});

describe('GPU: CUDA_VISIBLE_DEVICES of the runner itself', () => {
  it('limits the GPUs handed out to those it lists, by index or UUID prefix; empty means none', () => {
    const parsed = parseNvidiaSmiCsv(fixture('eight-gpus.txt'));
    assert.ok(parsed.ok);
    assert.equal(visibleGpus(parsed.value, undefined).length, 8);
    assert.deepEqual(visibleGpus(parsed.value, '6,2').map((g) => g.index), [2, 6]);
    assert.deepEqual(visibleGpus(parsed.value, 'GPU-00000003').map((g) => g.index), [3]);
    assert.deepEqual(visibleGpus(parsed.value, ''), []);
  });
});
