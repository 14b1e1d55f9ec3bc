// A stage's fingerprint: what must be unchanged for its last result to stand (command or built-in and
// its resolved `with` and settings, env, cwd, declared params, the content of every input, and the outputs and
// metrics of the stages it needs).
import { relative } from 'node:path';
import { canonicalJson, sha256Text, type Hasher } from './hash';
import type { StagePlan } from './plan';
import type { StageState } from './state';

export async function fingerprintStage(plan: StagePlan, root: string, hasher: Hasher, upstream: Record<string, StageState | undefined>): Promise<{ fingerprint: string; missingDeps: string[] }> {
  const deps: Record<string, string | null> = {};
  const missingDeps: string[] = [];
  for (const dep of plan.deps) {
    const h = await hasher.path(dep);
    const rel = relative(root, dep);
    deps[rel] = h.sha256;
    if (h.kind === 'missing') missingDeps.push(rel);
  }
  const needs: Record<string, unknown> = {};
  for (const [name, state] of Object.entries(upstream)) {
    needs[name] = state ? { outs: Object.fromEntries(Object.entries(state.outs).map(([k, v]) => [k, v.sha256])), metrics: plan.builtin?.readsUpstreamMetrics ? state.metrics : undefined } : null;
  }
  const material = { v: 1, kind: plan.kind, command: plan.command, with: plan.with, ...(plan.settings !== undefined ? { settings: plan.settings } : {}), env: plan.env, cwd: relative(root, plan.cwd), params: plan.params, deps, outs: plan.outs.map((o) => relative(root, o)), needs };
  return { fingerprint: sha256Text(canonicalJson(material)), missingDeps };
}
