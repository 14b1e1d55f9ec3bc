// `sextant/gate`: checks `require` (e.g. `accuracy: ">= 0.90"`) against the metrics that the stages it
// needs logged, and fails the stage, naming each unmet requirement, when one is not met.
import { fail, ok } from '../result';
import { parseRequirement } from '../pipeline/builtins';
import { parseWith } from './common';
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
    if (w.value.compare_to) return fail({ code: 'gate-compare', file: ctx.pipelineFile, message: `Stage "${ctx.stage}": \`compare_to: ${w.value.compare_to}\` (comparing with a registered version) is not implemented yet.`, fix: 'Remove compare_to for now.' });
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
    }
    if (failures.length > 0) return fail({ code: 'gate-failed', message: `Gate not passed: ${failures.join('; ')}.` });
    return ok(undefined);
  },
};
