// Two model versions side by side (`sextant models compare A B`): their metrics with the difference and which is
// better (by the metric's known direction), whether they are the same file, and where the aliases point.
import { z } from 'zod';
import type { Database } from '../store/open';
import { metricDirection } from '../tracking/direction';
import { metricsOf } from './versionMetrics';

const SideSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  aliases: z.array(z.string()),
  sha256: z.string().nullable(),
  createdAt: z.number().int(),
  run: z.string().nullable().describe('Uid of the run that registered it.'),
});

export const VersionComparisonSchema = z.object({
  a: SideSchema,
  b: SideSchema,
  sameArtifact: z.boolean(),
  metrics: z.array(
    z.object({
      metric: z.string(),
      a: z.number().nullable(),
      b: z.number().nullable(),
      /** b - a, when both are numbers. */
      delta: z.number().nullable(),
      /** Which side is better: by the metric's direction; null when unknown, equal or one is missing. */
      better: z.enum(['a', 'b']).nullable(),
    }),
  ),
});
export type VersionComparison = z.infer<typeof VersionComparisonSchema>;

function side(db: Database, versionId: number): { side: z.infer<typeof SideSchema>; metrics: Record<string, number> } {
  const row = db
    .prepare('SELECT m.name, v.version, v.artifact_sha256 AS sha256, v.created_at AS createdAt, v.run_id, r.uid AS run FROM model_versions v JOIN models m ON m.id = v.model_id LEFT JOIN runs r ON r.id = v.run_id WHERE v.id = ?')
    .get(versionId) as { name: string; version: number; sha256: string | null; createdAt: number; run_id: number | null; run: string | null };
  const aliases = db.prepare('SELECT alias FROM model_aliases WHERE model_version_id = ? ORDER BY alias').pluck().all(versionId) as string[];
  const { run_id: runId, ...rest } = row;
  return { side: { ...rest, aliases }, metrics: metricsOf(db, runId) };
}

/** Compares two versions (row ids, from resolveModelRef). Curve points (`roc/…`, `pr/…`) are left out. */
export function compareVersions(db: Database, aId: number, bId: number): VersionComparison {
  const a = side(db, aId);
  const b = side(db, bId);
  const keys = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])].filter((k) => !k.includes('/')).sort();
  const num = (x: number | undefined): number | null => (x === undefined || Number.isNaN(x) ? null : x);
  return {
    a: a.side,
    b: b.side,
    sameArtifact: a.side.sha256 !== null && a.side.sha256 === b.side.sha256,
    metrics: keys.map((metric) => {
      const va = num(a.metrics[metric]);
      const vb = num(b.metrics[metric]);
      const delta = va !== null && vb !== null ? vb - va : null;
      const direction = metricDirection(metric);
      const better = delta === null || delta === 0 || !direction ? null : (direction === 'higher') === delta > 0 ? 'b' : 'a';
      return { metric, a: va, b: vb, delta, better };
    }),
  };
}
