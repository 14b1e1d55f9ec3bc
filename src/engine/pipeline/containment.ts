// Paths stay inside the pipeline's folder: the one rule that `sextant lint`, the language server and the
// runner apply to every path a pipeline names (deps, outs, metrics, a dataset's path, a built-in's
// `with.out`/`with.model`). A path resolves — symbolic links of its existing part followed — inside the
// folder of the pipeline file; an output is never that folder itself nor the store (.sextant). Reading
// outside is allowed only for what is declared `external: true`; writing outside never is.
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fail, ok, type Result } from '../result';
import { STORE_DIR } from '../workspace/layout';
import { builtin } from './builtins';
import type { Pipeline, Stage } from './schema';

/** A path as the pipeline names it: `what` is how a message names it (`outs`, `with.out`, `datasets.d.path`). */
export interface NamedPath {
  what: string;
  value: string;
  write: boolean;
  /** Declared `external: true` (reads only). */
  external?: boolean;
}

type PathProblemCode = 'path-outside' | 'protected-output';

export interface PathProblem {
  code: PathProblemCode;
  message: string;
}

/** The real path of `abs`: the realpath of its longest existing part (dangling links followed too) plus the rest. */
export function realPathOf(abs: string, hops = 0): string {
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      return join(realpathSync.native(cur), ...rest);
    } catch {
      // a link whose target does not exist (yet) still leads where its target is
      try {
        if (hops < 40 && lstatSync(cur).isSymbolicLink()) return realPathOf(join(resolve(dirname(cur), readlinkSync(cur)), ...rest), hops + 1);
      } catch {
        /* cur does not exist: try its parent */
      }
    }
    const parent = dirname(cur);
    if (parent === cur) return abs;
    rest.unshift(basename(cur));
    cur = parent;
  }
}

const outside = (rel: string): boolean => rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);

/**
 * What is wrong with a path the pipeline names, or undefined when it may be used. `realPath` maps an
 * absolute path to its real one (the identity where the file system is not consulted).
 */
export function pathProblem(root: string, p: NamedPath, realPath: (abs: string) => string = realPathOf): PathProblem | undefined {
  const label = p.what.includes('.path') ? `${p.what} '${p.value}'` : `${p.what} path '${p.value}'`;
  const abs = resolve(root, p.value);
  const rel = relative(root, abs);
  const realRoot = realPath(root);
  const real = realPath(abs);
  const realRel = relative(realRoot, real);
  if (outside(rel) || outside(realRel)) {
    if (p.external && !p.write) return undefined;
    const through = outside(rel) ? '' : ` (to ${real}, through a symbolic link)`;
    const fix = p.write
      ? 'An output must be inside it.'
      : p.what === 'deps'
        ? `Move the file inside it, or declare that it is read from outside: \`{ path: ${p.value}, external: true }\`.`
        : p.what.startsWith('datasets.')
          ? 'Move the file inside it, or add `external: true` to the dataset to read it from outside.'
          : 'Move the file inside it.';
    return { code: 'path-outside', message: `${label} resolves outside the pipeline folder ${root}${through}. ${fix}` };
  }
  if (!p.write) return undefined;
  for (const r of [rel, realRel]) {
    if (r === '') return { code: 'protected-output', message: `${label} is the pipeline folder itself (${root}): an output would replace everything in it. Name a file or folder inside it.` };
    const parts = r.split(sep);
    const store = parts.indexOf(STORE_DIR);
    if (store >= 0) return { code: 'protected-output', message: `${label} is ${store === parts.length - 1 ? 'the' : 'inside the'} store folder ${STORE_DIR}, which Sextant keeps its runs and cache in. Name a file or folder outside ${STORE_DIR}.` };
  }
  return undefined;
}

/** A declared dependency: a path, or `{ path, external }`. */
export function depPath(dep: NonNullable<Stage['deps']>[number]): { path: string; external: boolean } {
  return typeof dep === 'string' ? { path: dep, external: false } : { path: dep.path, external: dep.external === true };
}

/**
 * Every path a stage names, after its expressions are resolved (`w` is its resolved `with`): deps, outs,
 * metrics, the built-in's input and output files and the files of the datasets it reads.
 */
export function stagePaths(stage: Stage, pipeline: Pipeline, w: Record<string, unknown> = {}): NamedPath[] {
  const paths: NamedPath[] = [];
  for (const d of stage.deps ?? []) {
    const { path, external } = depPath(d);
    paths.push({ what: 'deps', value: path, write: false, external });
  }
  for (const o of stage.outs ?? []) paths.push({ what: 'outs', value: o, write: true });
  for (const m of stage.metrics ?? []) paths.push({ what: 'metrics', value: m, write: true });
  const b = stage.uses ? builtin(stage.uses) : undefined;
  for (const [key, role] of Object.entries(b?.roles ?? {})) {
    const v = w[key];
    if (typeof v !== 'string') continue;
    if (role === 'output-file') paths.push({ what: `with.${key}`, value: v, write: true });
    else if (role === 'input-file' || role === 'model-ref') paths.push({ what: `with.${key}`, value: v, write: false });
    else if (role === 'dataset') {
      const d = pipeline.datasets?.[v];
      if (d) paths.push({ what: `datasets.${v}.path`, value: d.path, write: false, external: d.external === true });
    }
  }
  return paths;
}

/** The runner's refusal: the first path of stage `name` that may not be used, as an error naming the stage, the value and the file. */
export function refuseEscapes(name: string, paths: NamedPath[], root: string, file: string): Result<void> {
  for (const p of paths) {
    const problem = pathProblem(root, p);
    if (problem) return fail({ code: problem.code, file, message: `Stage "${name}": ${problem.message}` });
  }
  return ok(undefined);
}
