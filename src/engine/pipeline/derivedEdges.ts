// Edges a pipeline implies without writing them, derived as DVC derives them: a stage that reads a path
// another stage writes (a `deps` entry, a built-in's input file, or the file of a dataset it uses: by a
// built-in's `dataset`, or `${{ datasets.x.path }}` in its values; against
// the other's `outs`, built-in output and metrics files; a folder holds what is inside it) runs after
// that stage, `needs` or not. The runner's order (runner/dag.ts) and the checks (cycles, completion, the
// inlay hints of src/lsp/inlayHints.ts) take these edges from `derivedEdges`, so they always agree.
import { posix } from 'node:path';
import { builtin } from './builtins';
import { collectRefs, findExpressions, parseExpression } from './expressions';
import type { Pipeline } from './schema';

/** What one stage reads and writes, as written (paths relative to the pipeline folder). */
export interface StageIo<R extends { path: string }> {
  name: string;
  /** Its `needs`, as written. */
  needs: readonly string[];
  reads: readonly R[];
  writes: readonly string[];
}

/** `stage` runs after `need`, because it reads `read.path`, which `need` writes (`written`). */
export interface DerivedEdge<R extends { path: string }> {
  stage: string;
  need: string;
  read: R;
  written: string;
}

export const normPath = (p: string): string => posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\//, '').replace(/\/$/, '');
/** A glob or an expression: which file it names is known only when the stage runs. */
export const isPattern = (p: string): boolean => /[*?[\]{}]|\$\{\{/.test(p);

/**
 * The edges to add to the written `needs`: one per reader and writer, the first path that links them,
 * none where the reader already needs the writer (directly, or through other stages it needs), none from
 * a stage to itself. Stages are taken in file order; an output written twice counts for its first writer.
 */
export function derivedEdges<R extends { path: string }>(stages: readonly StageIo<R>[]): DerivedEdge<R>[] {
  // output path → [writer, output as written]; each folder above an output → the first writer inside it
  const exact = new Map<string, [string, string]>();
  const inside = new Map<string, [string, string]>();
  for (const s of stages) {
    for (const w of s.writes) {
      if (isPattern(w)) continue;
      const n = normPath(w);
      if (n === '' || n === '.' || n.startsWith('../')) continue;
      if (!exact.has(n)) exact.set(n, [s.name, w]);
      for (let slash = n.lastIndexOf('/'); slash > 0; slash = n.lastIndexOf('/', slash - 1)) {
        const folder = n.slice(0, slash);
        if (!inside.has(folder)) inside.set(folder, [s.name, w]);
      }
    }
  }
  if (exact.size === 0) return [];
  /** The writer of a read path: of the path itself, of a folder above it, or of a file inside it. */
  const writerOf = (p: string): [string, string] | undefined => {
    const n = normPath(p);
    const hit = exact.get(n) ?? inside.get(n);
    if (hit) return hit;
    for (let slash = n.lastIndexOf('/'); slash > 0; slash = n.lastIndexOf('/', slash - 1)) {
      const above = exact.get(n.slice(0, slash));
      if (above) return above;
    }
    return undefined;
  };
  const byName = new Map<string, StageIo<R>>();
  for (const s of stages) if (!byName.has(s.name)) byName.set(s.name, s);
  /** Stages `from` needs through its written `needs`, directly or not. */
  const needed = (from: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [...(byName.get(from)?.needs ?? [])];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...(byName.get(n)?.needs ?? []));
    }
    return seen;
  };
  const out: DerivedEdge<R>[] = [];
  for (const s of stages) {
    let upstream: Set<string> | undefined;
    const linked = new Set<string>();
    for (const r of s.reads) {
      if (isPattern(r.path)) continue;
      const hit = writerOf(r.path);
      if (!hit) continue;
      const [writer, written] = hit;
      if (writer === s.name || linked.has(writer) || s.needs.includes(writer)) continue;
      upstream ??= needed(s.name);
      if (upstream.has(writer)) continue;
      linked.add(writer);
      out.push({ stage: s.name, need: writer, read: r, written });
    }
  }
  return out;
}

/** Whether an expression reference reads a dataset's file: `datasets.<name>.path`. */
export const readsDatasetPath = (r: { context: string; path: readonly { name: string }[] }): boolean => r.context === 'datasets' && r.path.length === 2 && r.path[1]!.name === 'path';

/** Datasets whose `path` the `${{ }}` expressions in a stage's values name (as the checker's references do). */
function datasetPathsIn(value: unknown, out: Set<string>): void {
  if (typeof value === 'string') {
    if (!value.includes('${{')) return;
    for (const f of findExpressions(value)) {
      const parsed = f.terminated ? parseExpression(f.inner, f.innerStart) : undefined;
      if (!parsed?.expr) continue;
      for (const r of collectRefs(parsed.expr).refs) if (readsDatasetPath(r)) out.add(r.path[0]!.name);
    }
  } else if (Array.isArray(value)) for (const v of value) datasetPathsIn(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) datasetPathsIn(v, out);
}

/** A path a stage reads, named by where the pipeline says it (for messages). */
export interface PipelineRead {
  path: string;
  /** `deps`, `with.model`, or `dataset penguins`. */
  via: string;
}

/** What each stage of a parsed pipeline reads and writes (the runner's side of `derivedEdges`). */
export function pipelineIo(pipeline: Pipeline): StageIo<PipelineRead>[] {
  return Object.entries(pipeline.stages).map(([name, stage]) => {
    const reads: PipelineRead[] = [];
    const writes: string[] = [...(stage.outs ?? []), ...(stage.metrics ?? [])];
    for (const d of stage.deps ?? []) reads.push({ path: typeof d === 'string' ? d : d.path, via: 'deps' });
    const b = stage.uses ? builtin(stage.uses) : undefined;
    const w = stage.with ?? {};
    if (b) {
      for (const [key, role] of Object.entries(b.roles)) {
        const v = w[key];
        if (typeof v !== 'string') continue;
        if (role === 'dataset') {
          const path = pipeline.datasets?.[v]?.path;
          if (path) reads.push({ path, via: `dataset ${v}` });
        } else if (role === 'input-file' || (role === 'model-ref' && !/^[^/\\]+@[^/\\]+$/.test(v))) reads.push({ path: v, via: `with.${key}` });
        else if (role === 'output-file') writes.push(v);
      }
    }
    const named = new Set<string>();
    datasetPathsIn(stage, named);
    for (const d of named) {
      const path = pipeline.datasets?.[d]?.path;
      if (path) reads.push({ path, via: `\${{ datasets.${d}.path }}` });
    }
    return { name, needs: stage.needs ?? [], reads, writes };
  });
}
