// `sextant/gate`: checks `require` (e.g. `accuracy: ">= 0.90"`) against the metrics that the stages it
// needs logged, and fails the stage, naming each unmet requirement, when one is not met. With
// `compare_to: production`, each required metric must also be no worse than the version that alias
// points at (of the model the pipeline's `sextant/register` stage registers).
import { fail, ok } from '../result';
import { parseRequirement } from '../pipeline/builtins';
import { parseWith } from './common';
import { openStore } from '../store/open';
import { listModels } from '../registry/list';
import type { Result } from '../result';
import type { BuiltinContext } from './types';
import type { BuiltinImpl } from './types';

function holds(value: number, op: string, bound: number): boolean {
  switch (op) {
    case '>=':
      return value >= bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '<':
      return value < bound;
    case '==':
      return value === bound;
    default:
      return value !== bound;
  }
}

export const gateBuiltin: BuiltinImpl = {
  deps: () => [],
  outs: () => [],
  readsUpstreamMetrics: true,
  async run(ctx) {
    const w = parseWith('sextant/gate', ctx.stage, ctx.with, ctx.pipelineFile);
    if (!w.ok) return w;
    let baseline: { label: string; metrics: Record<string, number | null> } | undefined;
    if (w.value.compare_to) {
      const found = registeredBaseline(ctx, w.value.compare_to);
      if (!found.ok) return found;
      baseline = found.value ?? undefined;
      if (!baseline) ctx.log(`note: no version is ${w.value.compare_to} yet, so there is nothing to compare with.`);
    }
    const failures: string[] = [];
    for (const [metric, text] of Object.entries(w.value.require)) {
      const req = parseRequirement(text);
      if (!req) return fail({ code: 'gate-requirement', file: ctx.pipelineFile, message: `Stage "${ctx.stage}": requirement "${text}" for ${metric} is not a comparison and a number.` });
      const value = ctx.upstreamMetrics[metric];
      if (value === undefined) {
        const known = Object.keys(ctx.upstreamMetrics).filter((k) => !k.includes('/'));
        return fail({ code: 'gate-metric-missing', file: ctx.pipelineFile, message: `Stage "${ctx.stage}" requires ${metric} ${text}, but no stage it needs logged "${metric}" (logged: ${known.join(', ') || 'nothing'}).`, fix: 'Add the stage that logs it to `needs`, or fix the metric name.' });
      }
      const passed = holds(value, req.op, req.value);
      ctx.log(`${passed ? 'pass' : 'FAIL'}: ${metric} = ${value.toFixed(4)} (required ${req.op} ${req.value})`);
      if (!passed) failures.push(`${metric} = ${value.toFixed(4)} is not ${req.op} ${req.value}`);
      const reference = baseline?.metrics[metric];
      if (baseline && typeof reference === 'number') {
        // "Not worse": higher is better for a lower bound (>=, >), lower is better for an upper bound.
        const higherIsBetter = req.op === '>=' || req.op === '>' || req.op === '==' || req.op === '!=';
        const notWorse = higherIsBetter ? value >= reference : value <= reference;
        ctx.log(`${notWorse ? 'pass' : 'FAIL'}: ${metric} = ${value.toFixed(4)} vs ${baseline.label} ${reference.toFixed(4)} (must not be ${higherIsBetter ? 'lower' : 'higher'})`);
        if (!notWorse) failures.push(`${metric} = ${value.toFixed(4)} is worse than ${baseline.label} (${reference.toFixed(4)})`);
      } else if (baseline) {
        ctx.log(`note: ${baseline.label} has no ${metric} to compare with.`);
      }
    }
    if (failures.length > 0) return fail({ code: 'gate-failed', message: `Gate not passed: ${failures.join('; ')}.` });
    return ok(undefined);
  },
};

/** The metrics of the version `alias` points at, of the model this pipeline registers; null when no version has the alias. */
function registeredBaseline(ctx: BuiltinContext, alias: string): Result<{ label: string; metrics: Record<string, number | null> } | null> {
  const names = [...new Set(Object.values(ctx.pipeline.stages).filter((s) => s.uses === 'sextant/register' && typeof s.with?.name === 'string').map((s) => s.with!.name as string))];
  if (names.length !== 1) {
    return fail({ code: 'gate-compare-model', file: ctx.pipelineFile, message: `Stage "${ctx.stage}": compare_to needs exactly one sextant/register stage in the pipeline to know which model to compare with (found ${names.length}).` });
  }
  if (!ctx.storePath) return fail({ code: 'registry-unavailable', file: ctx.pipelineFile, message: `Stage "${ctx.stage}": compare_to needs the model registry, but this run is not recorded in a store.` });
  const db = openStore(ctx.storePath, { readonly: true });
  if (!db.ok) return db;
  try {
    const model = listModels(db.value).find((m) => m.name === names[0]);
    const version = model?.versions.find((v) => v.aliases.includes(alias));
    if (!version) return ok(null);
    return ok({ label: `${names[0]} v${version.version} (${alias})`, metrics: version.metrics });
  } catch (err) {
    return fail({ code: 'registry-unavailable', file: ctx.storePath, message: `Cannot read the model registry: ${(err as Error).message}` });
  } finally {
    db.value.close();
  }
}
