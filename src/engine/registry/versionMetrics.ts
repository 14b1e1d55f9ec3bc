// The metrics a model version is judged by: the latest value of each metric of the run that registered it and
// of the other stages of its pipeline run (the model card shows them; promotion gates check them).
import type { Database } from '../store/open';

/** Latest metrics of the run and of the other stages of its pipeline run (as the Models view shows them). */
export function metricsOf(db: Database, runId: number | null): Record<string, number> {
  if (runId === null) return {};
  const rows = db
    .prepare(
      `SELECT k.name AS key, lm.value AS value FROM latest_metrics lm JOIN metric_keys k ON k.id = lm.key_id
       WHERE lm.run_id = @run OR lm.run_id IN (SELECT id FROM runs WHERE parent_id = (SELECT parent_id FROM runs WHERE id = @run))
       ORDER BY lm.ts`,
    )
    .all({ run: runId }) as { key: string; value: number | null }[];
  return Object.fromEntries(rows.map((r) => [r.key, r.value ?? NaN]).sort(([a], [b]) => String(a).localeCompare(String(b))));
}
