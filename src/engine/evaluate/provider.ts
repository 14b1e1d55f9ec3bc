// Which onnxruntime execution provider evaluates: CUDA when this onnxruntime-node lists it and an NVIDIA
// GPU is present (nvidia-smi, CUDA_VISIBLE_DEVICES, or the GPUs the runner gave a stage), else CPU. A
// CUDA session that cannot be created (the CUDA add-on or libraries missing) falls back to CPU, and the
// result says why.
import type { InferenceSession } from 'onnxruntime-node';
import { detectGpus } from '../gpu/nvidiaSmi';
import { visibleGpus } from '../gpu/allocator';

type OnnxRuntime = typeof import('onnxruntime-node');

export interface ProviderPlan {
  /** Tried in order. */
  providers: ('cuda' | 'cpu')[];
  /** GPU index for CUDA. */
  device?: number;
  /** Why CPU only, when it is. */
  reason?: string;
}

/** The plan from what onnxruntime lists and the GPUs that can be used (indices). */
export function planProvider(backends: readonly { name: string }[], gpus: readonly number[]): ProviderPlan {
  const hasCuda = backends.some((b) => b.name === 'cuda');
  if (gpus.length === 0) return { providers: ['cpu'], reason: 'no NVIDIA GPU found' };
  if (!hasCuda) return { providers: ['cpu'], reason: 'this onnxruntime-node has no CUDA execution provider' };
  return { providers: ['cuda', 'cpu'], device: gpus[0]! };
}

/**
 * CUDA device ordinals usable by this process: the given ones (a stage's), else nvidia-smi's GPUs that
 * CUDA_VISIBLE_DEVICES leaves visible (CUDA numbers those from 0).
 */
export async function usableGpus(given: readonly number[] | undefined, env: NodeJS.ProcessEnv = process.env): Promise<number[]> {
  if (given) return [...given];
  const found = await detectGpus();
  if (!found.ok) return [];
  const visible = visibleGpus(found.value, env.CUDA_VISIBLE_DEVICES);
  return env.CUDA_VISIBLE_DEVICES === undefined ? visible.map((g) => g.index) : visible.map((_, i) => i);
}

export interface OpenedSession {
  session: InferenceSession;
  provider: 'cuda' | 'cpu';
  /** Why it runs on CPU (absent on CUDA). */
  note?: string;
}

/** A session on the first provider of the plan that works. */
export async function openSession(ort: OnnxRuntime, bytes: Uint8Array, plan: ProviderPlan): Promise<OpenedSession> {
  let note = plan.reason;
  if (plan.providers[0] === 'cuda') {
    try {
      const session = await ort.InferenceSession.create(bytes, { executionProviders: [{ name: 'cuda', deviceId: plan.device ?? 0 }] });
      return { session, provider: 'cuda' };
    } catch (err) {
      note = `the CUDA execution provider could not start (${(err as Error).message.split('\n')[0]})`;
    }
  }
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  return { session, provider: 'cpu', ...(note ? { note } : {}) };
}
