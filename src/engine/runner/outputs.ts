// Outputs of a cached stage: intact when each one hashes to what the stage last wrote; a deleted one is
// restored from the cache; a changed one (edited by hand) means the stage runs again.
import { relative } from 'node:path';
import type { Hasher } from './hash';
import type { OutputCache } from './cache';
import type { StagePlan } from './plan';
import type { OutputRecord, StageState } from './state';

export async function checkOutputs(plan: StagePlan, previous: StageState, root: string, hasher: Hasher, cache: OutputCache): Promise<{ intact: boolean; restored: string[] }> {
  const restored: string[] = [];
  const toRestore: [string, OutputRecord][] = [];
  for (const out of plan.outs) {
    const rel = relative(root, out);
    const record = previous.outs[rel];
    if (!record) return { intact: false, restored };
    const now = await hasher.path(out);
    if (now.sha256 === record.sha256) continue;
    if (now.kind !== 'missing' && !(record.kind === 'dir' && now.kind === 'dir')) return { intact: false, restored };
    if (now.kind === 'dir') return { intact: false, restored };
    if (!cache.canRestore(record)) return { intact: false, restored };
    toRestore.push([out, record]);
  }
  for (const [out, record] of toRestore) {
    cache.restore(out, record);
    await hasher.path(out);
    restored.push(relative(root, out));
  }
  return { intact: true, restored };
}

/** Hashes the outputs a stage wrote and stores them in the cache; names the ones that are missing. */
export async function recordOutputs(plan: StagePlan, root: string, hasher: Hasher, cache: OutputCache): Promise<{ outs: Record<string, OutputRecord>; missing: string[] }> {
  const outs: Record<string, OutputRecord> = {};
  const missing: string[] = [];
  for (const out of plan.outs) {
    const rel = relative(root, out);
    const h = await hasher.path(out);
    if (h.kind === 'missing' || h.sha256 === null) {
      missing.push(rel);
      continue;
    }
    const record: OutputRecord = { sha256: h.sha256, kind: h.kind, size: h.size, ...(h.files ? { files: h.files } : {}) };
    cache.put(out, record);
    outs[rel] = record;
  }
  return { outs, missing };
}
