// Hands out GPUs to stages: a stage asking for N gets N GPUs no other stage of this run holds and no
// other process keeps busy, or waits for them; when fewer than N are visible to the run it runs on CPU
// with a warning, unless it requires a GPU (`gpu: required`), which is then a failure with the reason.
//
// Waiting is first come, first served with reservation: once a stage waits for N GPUs, a stage that
// asks later is handed GPUs only when N are still left for every stage waiting before it, so a
// `gpu: 2` stage is not starved by a stream of `gpu: 1` stages taking each GPU as it frees up.
import type { Gpu } from './nvidiaSmi';

type GpuDecision =
  | { kind: 'none' }
  | { kind: 'gpus'; devices: number[] }
  /** `busy`: why free GPUs were passed over (another process uses them), when that is part of the wait. */
  | { kind: 'wait'; busy?: string }
  | { kind: 'cpu-fallback'; warning: string }
  | { kind: 'unavailable'; error: string };

/** Above either figure a GPU counts as busy with another process and is not handed out. */
export interface BusyThresholds {
  memoryMiB: number;
  utilizationPercent: number;
}

/** The defaults (docs/runner.md): a CUDA context alone takes a few hundred MiB; a display a few percent. */
export const DEFAULT_BUSY: BusyThresholds = { memoryMiB: 1024, utilizationPercent: 10 };

/** The thresholds from SEXTANT_GPU_BUSY_MEMORY_MIB and SEXTANT_GPU_BUSY_UTILIZATION; a value that is not a number ≥ 0 is named in `warnings`. */
export function busyThresholds(env: NodeJS.ProcessEnv): { thresholds: BusyThresholds; warnings: string[] } {
  const warnings: string[] = [];
  const read = (name: string, fallback: number): number => {
    const text = env[name];
    if (text === undefined || text.trim() === '') return fallback;
    const value = Number(text);
    if (Number.isFinite(value) && value >= 0) return value;
    warnings.push(`${name}="${text}" is not a number ≥ 0: using ${fallback}.`);
    return fallback;
  };
  return { thresholds: { memoryMiB: read('SEXTANT_GPU_BUSY_MEMORY_MIB', DEFAULT_BUSY.memoryMiB), utilizationPercent: read('SEXTANT_GPU_BUSY_UTILIZATION', DEFAULT_BUSY.utilizationPercent) }, warnings };
}

/**
 * The GPUs the runner may hand out when it was itself started with CUDA_VISIBLE_DEVICES, read as CUDA
 * reads it: indices or UUID prefixes (`GPU-…`), up to the first entry that names no GPU (CUDA ignores
 * the rest); none when it is empty or `-1`; all of them when it is unset.
 */
export function visibleGpus(gpus: Gpu[], cudaVisibleDevices: string | undefined): Gpu[] {
  if (cudaVisibleDevices === undefined) return gpus;
  const wanted = new Set<number>();
  for (const entry of cudaVisibleDevices.split(',').map((s) => s.trim())) {
    const found = /^\d+$/.test(entry) ? gpus.find((g) => g.index === Number(entry)) : entry.startsWith('GPU-') ? gpus.find((g) => g.uuid.startsWith(entry)) : undefined;
    if (!found) break;
    wanted.add(found.index);
  }
  return gpus.filter((g) => wanted.has(g.index));
}

interface AllocatorOptions {
  busy?: BusyThresholds;
  /** GPUs on the machine (nvidia-smi), when more than `gpus` (those visible to the run). */
  machineCount?: number;
  /** The runner's own CUDA_VISIBLE_DEVICES, named in messages when it hides GPUs. */
  cudaVisibleDevices?: string;
}

interface Reading {
  memoryMiB: number;
  utilizationPercent: number;
  at: number;
}

export class GpuAllocator {
  private readonly held = new Set<number>();
  private readonly releasedAt = new Map<number, number>();
  private readonly readings = new Map<number, Reading>();
  private readonly queue: { stage: string; count: number }[] = [];
  private readonly busy: BusyThresholds;

  constructor(
    readonly gpus: Gpu[],
    private readonly options: AllocatorOptions = {},
  ) {
    this.busy = options.busy ?? DEFAULT_BUSY;
    this.update(gpus, 0);
  }

  /** A new nvidia-smi reading; true when a GPU's busy state changed (a waiting stage may now start). */
  update(gpus: Gpu[], at: number): boolean {
    let changed = false;
    for (const g of gpus) {
      if (!this.gpus.some((v) => v.index === g.index)) continue;
      const before = this.busyReason(g.index);
      this.readings.set(g.index, { memoryMiB: g.memoryUsedMiB ?? 0, utilizationPercent: g.utilizationPercent ?? 0, at });
      if (before !== this.busyReason(g.index)) changed = true;
    }
    return changed;
  }

  /** Why GPU `index` counts as busy with another process, or undefined. A reading taken before this run last released it is its own stage's, not another process's. */
  private busyReason(index: number): string | undefined {
    const r = this.readings.get(index);
    if (!r || r.at < (this.releasedAt.get(index) ?? -Infinity)) return undefined;
    const over = [r.memoryMiB > this.busy.memoryMiB ? `${r.memoryMiB} MiB used` : '', r.utilizationPercent > this.busy.utilizationPercent ? `${r.utilizationPercent}% utilisation` : ''].filter(Boolean);
    return over.length ? `GPU ${index} is busy with another process (${over.join(', ')}; busy above ${this.busy.memoryMiB} MiB or ${this.busy.utilizationPercent}%)` : undefined;
  }

  /** `request`: the stage's `resources.gpu` (a count or "required", which means at least 1). */
  acquire(stage: string, request: number | 'required' | undefined): GpuDecision {
    if (request === undefined || request === 0) return { kind: 'none' };
    const required = request === 'required';
    const count = required ? 1 : request;
    if (this.gpus.length < count) {
      const have = this.describeShortage();
      if (required) return { kind: 'unavailable', error: `Stage "${stage}" requires a GPU, but ${have}.` };
      return { kind: 'cpu-fallback', warning: `Stage "${stage}" asks for ${count} GPU${count === 1 ? '' : 's'}, but ${have}: running it on CPU.` };
    }
    // Least loaded first (memory used, then utilisation), so a GPU another job fills is the last one handed out.
    const load = (g: Gpu): [number, number] => [this.readings.get(g.index)?.memoryMiB ?? 0, this.readings.get(g.index)?.utilizationPercent ?? 0];
    const free = [...this.gpus]
      .filter((g) => !this.held.has(g.index))
      .sort((a, b) => load(a)[0] - load(b)[0] || load(a)[1] - load(b)[1] || a.index - b.index)
      .map((g) => g.index);
    const busy = free.map((i) => this.busyReason(i)).filter((r): r is string => r !== undefined);
    const idle = free.filter((i) => this.busyReason(i) === undefined);
    const at = this.queue.findIndex((q) => q.stage === stage);
    const reserved = (at < 0 ? this.queue : this.queue.slice(0, at)).reduce((sum, q) => sum + q.count, 0);
    if (idle.length - reserved < count) {
      if (at < 0) this.queue.push({ stage, count });
      return busy.length > 0 ? { kind: 'wait', busy: busy.join('; ') } : { kind: 'wait' };
    }
    if (at >= 0) this.queue.splice(at, 1);
    const devices = idle.slice(0, count);
    for (const d of devices) this.held.add(d);
    return { kind: 'gpus', devices };
  }

  /** `at`: when (performance.now()), so readings taken while the stage still ran do not mark the GPU busy. */
  release(devices: number[], at = performance.now()): void {
    for (const d of devices) {
      this.held.delete(d);
      this.releasedAt.set(d, at);
    }
  }

  /** A stage that will not run after all (skipped, cancelled) stops holding its place in the queue. */
  forget(stage: string): void {
    const at = this.queue.findIndex((q) => q.stage === stage);
    if (at >= 0) this.queue.splice(at, 1);
  }

  private describeShortage(): string {
    const n = this.gpus.length;
    const machine = this.options.machineCount ?? n;
    if (machine > n) return `only ${n} of the ${machine} GPUs on this machine ${n === 1 ? 'is' : 'are'} visible to this run (CUDA_VISIBLE_DEVICES=${this.options.cudaVisibleDevices ?? ''})`;
    if (n === 0) return 'no NVIDIA GPU was found (nvidia-smi)';
    return `only ${n} GPU${n === 1 ? '' : 's'} ${n === 1 ? 'is' : 'are'} present`;
  }
}
