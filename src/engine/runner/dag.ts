// The stage graph: `needs` edges checked (unknown stages, cycles named in full), plus the edges derived
// from what stages read and write (pipeline/derivedEdges.ts: a stage reading another's output runs after
// it, as the language server shows), a deterministic topological order (file order among ready stages),
// and selection of a stage with what it needs.
import { derivedEdges, pipelineIo } from '../pipeline/derivedEdges';
import { fail, ok, type Result } from '../result';
import type { Pipeline } from '../pipeline/schema';

interface Dag {
  /** Stage names in a valid run order (dependencies first; file order breaks ties). */
  order: string[];
  needs: Map<string, string[]>;
  dependents: Map<string, string[]>;
}

export function buildDag(pipeline: Pipeline, file?: string): Result<Dag> {
  const names = Object.keys(pipeline.stages);
  const needs = new Map<string, string[]>();
  const dependents = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const name of names) {
    const list = [...new Set(pipeline.stages[name]!.needs ?? [])];
    for (const dep of list) {
      if (!dependents.has(dep)) return fail({ code: 'pipeline-unknown-stage', ...(file ? { file } : {}), message: `Stage "${name}" needs "${dep}", which is not a stage (stages: ${names.join(', ')}).` });
      if (dep === name) return fail({ code: 'pipeline-cycle', ...(file ? { file } : {}), message: `Stage "${name}" needs itself.` });
      dependents.get(dep)!.push(name);
    }
    needs.set(name, list);
  }
  // edges derived from outputs read by other stages: `stage` also waits for `need`
  const derived = new Map<string, string>();
  for (const e of derivedEdges(pipelineIo(pipeline))) {
    needs.get(e.stage)!.push(e.need);
    dependents.get(e.need)!.push(e.stage);
    derived.set(`${e.stage}\u0000${e.need}`, `${e.read.via} ${e.read.path}`);
  }
  // Kahn's algorithm, taking ready stages in file order.
  const remaining = new Map(names.map((n) => [n, needs.get(n)!.length]));
  const order: string[] = [];
  const position = new Map(names.map((n, i) => [n, i]));
  const ready = names.filter((n) => remaining.get(n) === 0);
  while (ready.length > 0) {
    ready.sort((a, b) => position.get(a)! - position.get(b)!);
    const next = ready.shift()!;
    order.push(next);
    for (const d of dependents.get(next)!) {
      const left = remaining.get(d)! - 1;
      remaining.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  if (order.length < names.length) {
    const cycle = findCycle(names.filter((n) => !order.includes(n)), needs);
    const steps = cycle.map((n, i) => {
      // the cycle runs in order: each stage needs the one before it
      const via = i > 0 ? derived.get(`${n}\u0000${cycle[i - 1]}`) : undefined;
      return via ? `${n} (derived: it reads ${via}, which "${cycle[i - 1]}" writes)` : n;
    });
    return fail({ code: 'pipeline-cycle', ...(file ? { file } : {}), message: `The stages form a cycle: ${steps.join(' → ')}.`, fix: 'Remove one of these `needs` (or stop reading the output that a derived edge comes from).' });
  }
  return ok({ order, needs, dependents });
}

function findCycle(candidates: string[], needs: Map<string, string[]>): string[] {
  const inCandidates = new Set(candidates);
  const start = candidates[0]!;
  const path: string[] = [];
  const seen = new Map<string, number>();
  let node: string | undefined = start;
  while (node !== undefined && !seen.has(node)) {
    seen.set(node, path.length);
    path.push(node);
    node = needs.get(node)!.find((d) => inCandidates.has(d));
  }
  if (node === undefined) return candidates;
  return [...path.slice(seen.get(node)!), node].reverse();
}

/** The selected stages and everything they need, in run order; all stages when none are selected. */
export function selectStages(dag: Dag, selected: string[], file?: string): Result<string[]> {
  if (selected.length === 0) return ok([...dag.order]);
  const wanted = new Set<string>();
  const visit = (name: string): void => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dep of dag.needs.get(name) ?? []) visit(dep);
  };
  for (const name of selected) {
    if (!dag.needs.has(name)) return fail({ code: 'runner-unknown-stage', ...(file ? { file } : {}), message: `No stage "${name}" (stages: ${dag.order.join(', ')}).` });
    visit(name);
  }
  return ok(dag.order.filter((n) => wanted.has(n)));
}
