// Hands out GPUs to stages: a stage asking for N gets N GPUs no other stage of this run holds, or
// waits for them; when the machine has fewer than N it runs on CPU with a warning, unless it
// requires a GPU (`gpu: required`), which is then a failure with the reason.
import type { Gpu } from './nvidiaSmi';

type GpuDecision =
  | { kind: 'none' }
  | { kind: 'gpus'; devices: number[] }
  | { kind: 'wait' }
  | { kind: 'cpu-fallback'; warning: string }
  | { kind: 'unavailable'; error: string };

/**
 * The GPUs the runner may hand out when it was itself started with CUDA_VISIBLE_DEVICES (indices or
 * UUIDs, as CUDA reads them); all of them when the variable is unset.
 */
export function visibleGpus(gpus: Gpu[], cudaVisibleDevices: string | undefined): Gpu[] {
  if (cudaVisibleDevices === undefined) return gpus;
  const wanted = cudaVisibleDevices.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return gpus.filter((g) => wanted.some((w) => w === String(g.index) || (w.startsWith('GPU-') && g.uuid.startsWith(w))));
}

export class GpuAllocator {
  private readonly busy = new Set<number>();
  constructor(readonly gpus: Gpu[]) {}

  /** `request`: the stage's `resources.gpu` (a count or "required", which means at least 1). */
  acquire(stage: string, request: number | 'required' | undefined): GpuDecision {
    if (request === undefined || request === 0) return { kind: 'none' };
    const required = request === 'required';
    const count = required ? 1 : request;
    if (this.gpus.length < count) {
      const have = this.gpus.length === 0 ? 'no NVIDIA GPU was found (nvidia-smi)' : `only ${this.gpus.length} GPU${this.gpus.length === 1 ? '' : 's'} ${this.gpus.length === 1 ? 'is' : 'are'} present`;
      if (required) return { kind: 'unavailable', error: `Stage "${stage}" requires a GPU, but ${have}.` };
      return { kind: 'cpu-fallback', warning: `Stage "${stage}" asks for ${count} GPU${count === 1 ? '' : 's'}, but ${have}: running it on CPU.` };
    }
    // Least loaded first (memory used by other processes, then utilisation), so a GPU another job
    // fills is the last one handed out.
    const load = (g: Gpu): [number, number] => [g.memoryUsedMiB ?? 0, g.utilizationPercent ?? 0];
    const free = [...this.gpus]
      .sort((a, b) => load(a)[0] - load(b)[0] || load(a)[1] - load(b)[1] || a.index - b.index)
      .map((g) => g.index)
      .filter((i) => !this.busy.has(i));
    if (free.length < count) return { kind: 'wait' };
    const devices = free.slice(0, count);
    for (const d of devices) this.busy.add(d);
    return { kind: 'gpus', devices };
  }

  release(devices: number[]): void {
    for (const d of devices) this.busy.delete(d);
  }
}
