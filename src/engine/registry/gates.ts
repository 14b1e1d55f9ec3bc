// Promotion gates (`sextant/register` `with: gates:`): what a version's metrics must meet before an alias moves
// to it. Checked at register (against the metrics of the stages the register stage needs) and whenever the
// version is promoted later (against the metrics stored for it), with the version an alias points at now as
// the baseline of `not_worse_than`. A gate that cannot be checked (its metric missing, no known direction)
// blocks: a promotion is never let through on a gate nobody could evaluate.
import { z } from 'zod';
import { PromotionGateSchema, type PromotionGate } from '../pipeline/builtins';
import type { Database } from '../store/open';
import { metricDirection } from '../tracking/direction';
import { metricsOf } from './versionMetrics';

export const GateResultSchema = z.object({
  /** The gate as a sentence: "f1 >= 0.85", "f1 not worse than production (v2) by more than 0.01". */
  gate: z.string(),
  passed: z.boolean(),
  /** Why it passed or blocked, with the values compared. */
  reason: z.string(),
});
export type GateResult = z.infer<typeof GateResultSchema>;

export const GateVerdictSchema = z.object({ passed: z.boolean(), results: z.array(GateResultSchema) });
export type GateVerdict = z.infer<typeof GateVerdictSchema>;

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : Number(x.toPrecision(6)).toString());

/** The gate in words. */
export function describeGate(g: PromotionGate): string {
  const parts: string[] = [];
  if (g.at_least !== undefined) parts.push(`${g.metric} >= ${fmt(g.at_least)}`);
  if (g.at_most !== undefined) parts.push(`${g.metric} <= ${fmt(g.at_most)}`);
  if (g.not_worse_than !== undefined) parts.push(`${g.metric} not worse than ${g.not_worse_than}${g.tolerance ? ` by more than ${fmt(g.tolerance)}` : ''}`);
  return parts.join(' and ');
}

/** The gates stored with a version (model_versions.gates_json), or [] when it has none or the store predates them. */
export function storedGates(db: Database, versionId: number): PromotionGate[] {
  const hasColumn = (db.prepare("SELECT 1 FROM pragma_table_info('model_versions') WHERE name = 'gates_json'").get() as unknown) !== undefined;
  if (!hasColumn) return [];
  const raw = db.prepare('SELECT gates_json FROM model_versions WHERE id = ?').pluck().get(versionId) as string | null | undefined;
  if (!raw) return [];
  const parsed = z.array(PromotionGateSchema).safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : [];
}

/** The version `alias` of model `modelId` points at, with its metrics; null when the alias is not set. */
function baselineOf(db: Database, modelId: number, alias: string): { version: number; metrics: Record<string, number> } | null {
  const row = db.prepare('SELECT v.version, v.run_id FROM model_aliases a JOIN model_versions v ON v.id = a.model_version_id WHERE a.model_id = ? AND a.alias = ?').get(modelId, alias) as { version: number; run_id: number | null } | undefined;
  return row ? { version: row.version, metrics: metricsOf(db, row.run_id) } : null;
}

/**
 * Checks `gates` for a candidate version of model `modelId` with these metrics. `candidateVersion`: its number,
 * so a gate against the alias that already points at it passes as "the same version".
 */
export function checkGates(db: Database, modelId: number, candidateVersion: number, gates: readonly PromotionGate[], metrics: Record<string, number>): GateVerdict {
  const results = gates.map((g): GateResult => {
    const gate = describeGate(g);
    const value = metrics[g.metric];
    if (value === undefined || Number.isNaN(value)) {
      const known = Object.keys(metrics).filter((k) => !k.includes('/')).sort();
      return { gate, passed: false, reason: `${g.metric} was not recorded for this version (recorded: ${known.join(', ') || 'nothing'}).` };
    }
    const failures: string[] = [];
    const passes: string[] = [];
    if (g.at_least !== undefined) (value >= g.at_least ? passes : failures).push(`${g.metric} = ${fmt(value)} ${value >= g.at_least ? '>=' : '<'} ${fmt(g.at_least)}`);
    if (g.at_most !== undefined) (value <= g.at_most ? passes : failures).push(`${g.metric} = ${fmt(value)} ${value <= g.at_most ? '<=' : '>'} ${fmt(g.at_most)}`);
    if (g.not_worse_than !== undefined) {
      const base = baselineOf(db, modelId, g.not_worse_than);
      const direction = g.better ?? metricDirection(g.metric);
      if (!base) passes.push(`no version is ${g.not_worse_than} yet`);
      else if (base.version === candidateVersion) passes.push(`this version is ${g.not_worse_than} already`);
      else if (!direction) failures.push(`which way ${g.metric} improves is not known: give the gate \`better: higher\` or \`better: lower\``);
      else {
        const ref = base.metrics[g.metric];
        if (ref === undefined || Number.isNaN(ref)) passes.push(`${g.not_worse_than} (v${base.version}) has no ${g.metric} to compare with`);
        else {
          const tolerance = g.tolerance ?? 0;
          const worseBy = direction === 'higher' ? ref - value : value - ref;
          const line = `${g.metric} = ${fmt(value)} vs ${g.not_worse_than} (v${base.version}) ${fmt(ref)}`;
          // A hair of float slack, so "by more than 0.01" is not tripped by 0.85 - 0.84 = 0.010000000000000009.
          if (worseBy > tolerance + 1e-12) failures.push(`${line}: worse by ${fmt(worseBy)}, more than the ${fmt(tolerance)} allowed`);
          else passes.push(`${line}${worseBy > 0 ? `: worse by ${fmt(worseBy)}, within ${fmt(tolerance)}` : ''}`);
        }
      }
    }
    return failures.length ? { gate, passed: false, reason: failures.join('; ') } : { gate, passed: true, reason: passes.join('; ') };
  });
  return { passed: results.every((r) => r.passed), results };
}

/** One line naming every gate that blocked and why. */
export function blockedReason(verdict: GateVerdict): string {
  return verdict.results.filter((r) => !r.passed).map((r) => `${r.gate}: ${r.reason}`).join('; ');
}
