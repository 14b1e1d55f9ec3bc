// Turns the pipeline's stages into what the executor runs: expressions resolved (`${{ params.x }}`),
// paths made absolute (and refused outside the pipeline folder: ../pipeline/containment.ts), the
// built-in looked up and its implicit inputs and outputs added, the timeout parsed. A problem is an
// error naming the pipeline file and the stage.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { fail, ok, type Result } from '../result';
import type { Pipeline, Stage } from '../pipeline/schema';
import { ExpressionError, resolveValue, type ExpressionScope } from '../pipeline/expressions';
import { paramValues, type ParamValues } from '../pipeline/params';
import { resolveCommand } from '../pipeline/shell';
import { isBuiltinName } from '../pipeline/builtins';
import { depPath, refuseEscapes, stagePaths } from '../pipeline/containment';
import { BUILTIN_IMPLS } from '../builtins/registry';
import type { BuiltinImpl } from '../builtins/types';
import { parseDuration } from './process';
import { recordedParams, referencedParams, stageSecrets } from './secrets';

export interface StagePlan {
  name: string;
  kind: 'run' | 'uses';
  /** The resolved shell command (values quoted for the shell: ../pipeline/shell.ts), or `uses: <name>`. */
  command: string;
  /** What the store keeps: the `run:` template (`${{ }}` unexpanded) or `uses: <name>`, and the params it uses (its `with` for a built-in), secret params as ***. */
  recorded: { command: string; params: Record<string, unknown> };
  /** Values masked as *** in everything the runner records or prints for this stage (./secrets.ts). */
  secrets: string[];
  uses?: string;
  builtin?: BuiltinImpl;
  with: Record<string, unknown>;
  /** A built-in's settings outside `with` (BuiltinImpl.settings), fingerprinted. */
  settings?: unknown;
  env: Record<string, string>;
  cwd: string;
  /** Absolute paths. */
  deps: string[];
  /** Metrics files the stage writes (absolute; also in outs). */
  metricsFiles: string[];
  outs: string[];
  /** Values of the params the stage declares (its command's values are in `command` already). */
  params: Record<string, unknown>;
  timeoutMs?: number;
  gpu?: number | 'required';
  /** CPU cores it uses (`resources.cpu`), for scheduling. */
  cpu?: number;
}

/**
 * The run id placeholder used while fingerprinting, so `${{ run.id }}` does not defeat caching. Made of
 * characters the shell quoting leaves alone, so a run id comes out unquoted in the command.
 */
export const RUN_ID_PLACEHOLDER = '@@sextant-run-id@@';

/** The pipeline's params (inline or from its params file): values, and which are secret. */
export function loadParams(pipeline: Pipeline, root: string, file: string): Result<ParamValues> {
  if (pipeline.params === undefined) return ok(paramValues({}));
  if (typeof pipeline.params !== 'string') return ok(paramValues(pipeline.params));
  const path = isAbsolute(pipeline.params) ? pipeline.params : join(root, pipeline.params);
  try {
    const value = parseYaml(readFileSync(path, 'utf8')) as unknown;
    if (value === null || value === undefined) return ok(paramValues({}));
    if (typeof value !== 'object' || Array.isArray(value)) return fail({ code: 'params-file', file: path, message: 'The params file must hold a mapping of names to values.' });
    return ok(paramValues(value as Record<string, unknown>));
  } catch (err) {
    return fail({ code: 'params-file', file: path, message: `Cannot read the params file named in ${file}: ${(err as Error).message.split('\n')[0]}` });
  }
}

export function planStage(name: string, stage: Stage, pipeline: Pipeline, paramDefs: ParamValues, root: string, file: string, runId: string): Result<StagePlan> {
  const params = paramDefs.values;
  const where = { code: 'stage-plan', file };
  if (stage.run && stage.uses) return fail({ ...where, message: `Stage "${name}" has both \`run\` and \`uses\`; give one.` });
  if (!stage.run && !stage.uses) return fail({ ...where, message: `Stage "${name}" has neither \`run\` nor \`uses\`.` });
  const datasets = Object.fromEntries(Object.entries(pipeline.datasets ?? {}).map(([k, d]) => [k, { path: d.path, ...(d.label ? { label: d.label } : {}) }]));
  const scope: ExpressionScope = { params, env: process.env, datasets, run: { id: runId, dir: join(root, '.sextant', 'runs', runId) } };
  const resolveIn = (value: unknown, what: string): Result<unknown> => {
    try {
      return ok(resolveValue(value, scope));
    } catch (err) {
      if (err instanceof ExpressionError) return fail({ ...where, message: `Stage "${name}", ${what}: ${err.message}` });
      throw err;
    }
  };
  const env = resolveIn(stage.env ?? {}, 'env');
  if (!env.ok) return env;
  const envStrings = Object.fromEntries(Object.entries(env.value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  const secrets = stageSecrets(stage, paramDefs, process.env, envStrings);
  const cwd = stage.cwd ? resolve(root, stage.cwd) : root;
  const timeoutMs = stage.resources?.timeout ? parseDuration(stage.resources.timeout) : undefined;
  const declaredParams: Record<string, unknown> = {};
  for (const p of stage.params ?? []) {
    if (!(p in params)) return fail({ ...where, message: `Stage "${name}" lists param "${p}", which is not defined (params: ${Object.keys(params).join(', ') || 'none'}).` });
    declaredParams[p] = params[p];
  }
  const base = {
    name,
    env: envStrings,
    cwd,
    params: declaredParams,
    secrets,
    deps: (stage.deps ?? []).map((d) => resolve(root, depPath(d).path)),
    outs: [...new Set([...(stage.outs ?? []), ...(stage.metrics ?? [])].map((o) => resolve(root, o)))],
    metricsFiles: (stage.metrics ?? []).map((m) => resolve(root, m)),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(stage.resources?.gpu !== undefined ? { gpu: stage.resources.gpu } : {}),
    ...(stage.resources?.cpu !== undefined ? { cpu: stage.resources.cpu } : {}),
  };
  if (stage.run) {
    const contained = refuseEscapes(name, stagePaths(stage, pipeline), root, file);
    if (!contained.ok) return contained;
    let command: string;
    try {
      command = resolveCommand(stage.run, scope);
    } catch (err) {
      if (err instanceof ExpressionError) return fail({ ...where, message: `Stage "${name}", run: ${err.message}` });
      throw err;
    }
    const recorded = { command: stage.run, params: recordedParams(paramDefs, [...referencedParams(stage.run), ...Object.keys(declaredParams)]) };
    return ok({ ...base, kind: 'run', command, recorded, with: {} });
  }
  const uses = stage.uses!;
  if (!isBuiltinName(uses)) return fail({ ...where, message: `Stage "${name}" uses "${uses}", which is not a built-in stage.`, fix: `Built-ins: ${Object.keys(BUILTIN_IMPLS).join(', ')}.` });
  const resolvedWith = resolveIn(stage.with ?? {}, 'with');
  if (!resolvedWith.ok) return resolvedWith;
  const w = resolvedWith.value as Record<string, unknown>;
  const contained = refuseEscapes(name, stagePaths(stage, pipeline, w), root, file);
  if (!contained.ok) return contained;
  const builtin = BUILTIN_IMPLS[uses];
  const merge = (a: string[], b: string[]): string[] => [...new Set([...a, ...b])];
  let implicitDeps: string[] = [];
  let implicitOuts: string[] = [];
  let settings: unknown;
  try {
    implicitDeps = builtin.deps(w, pipeline).map((d) => resolve(root, d));
    implicitOuts = builtin.outs(w).map((o) => resolve(root, o));
    settings = builtin.settings?.(w, pipeline);
  } catch {
    /* a malformed `with` is reported when the stage runs */
  }
  return ok({ ...base, kind: 'uses', uses, builtin, command: `uses: ${uses}`, recorded: { command: `uses: ${uses}`, params: w }, with: w, ...(settings !== undefined ? { settings } : {}), deps: merge(base.deps, implicitDeps), outs: merge(base.outs, implicitOuts) });
}

export function pipelineRoot(file: string): string {
  return dirname(resolve(file));
}
