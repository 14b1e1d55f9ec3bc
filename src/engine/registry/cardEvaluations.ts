// The model card's evaluation history: every evaluation kept with a version (model_evaluations, migration 9:
// `sextant eval`, the `sextant/evaluate` stage), oldest first, each with the dataset version whose content the
// data had (when one was registered) and its headline metrics; and the newest evaluation whole (its confusion
// matrix and ROC/PR curves, for a classifier).
import { z } from 'zod';
import { EvaluationResultSchema } from '../evaluate/schema';
import type { Database } from '../store/open';

export const CardEvaluationSchema = z.object({
  id: z.number().int(),
  createdAt: z.number().int(),
  task: z.enum(['classification', 'regression']),
  rows: z.number().int(),
  provider: z.string(),
  data: z.object({ path: z.string(), sha256: z.string() }),
  /** The registered dataset version with the data's content, when there was one. */
  dataset: z.object({ name: z.string(), version: z.number().int() }).nullable(),
  /** The headline metrics (null: NaN, e.g. ROC AUC on rows of one class). */
  metrics: z.record(z.string(), z.number().nullable()),
});
export type CardEvaluation = z.infer<typeof CardEvaluationSchema>;

export const LatestEvaluationSchema = z.object({ id: z.number().int(), createdAt: z.number().int(), result: EvaluationResultSchema });
export type LatestEvaluation = z.infer<typeof LatestEvaluationSchema>;

function hasEvaluations(db: Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'model_evaluations'").get() !== undefined;
}

interface Row {
  id: number;
  created_at: number;
  task: 'classification' | 'regression';
  rows: number;
  provider: string;
  data_path: string;
  data_sha256: string;
  metrics_json: string;
  dataset: string | null;
  dataset_version: number | null;
}

/** The evaluations of a version, oldest first, and the newest one whole (null when none, or when its stored result no longer parses). */
export function cardEvaluations(db: Database, versionId: number): { evaluations: CardEvaluation[]; latestEvaluation: LatestEvaluation | null } {
  if (!hasEvaluations(db)) return { evaluations: [], latestEvaluation: null };
  const rows = db
    .prepare(
      `SELECT e.id, e.created_at, e.task, e.rows, e.provider, e.data_path, e.data_sha256, e.metrics_json, d.name AS dataset, dv.version AS dataset_version
       FROM model_evaluations e LEFT JOIN dataset_versions dv ON dv.id = e.dataset_version_id LEFT JOIN datasets d ON d.id = dv.dataset_id
       WHERE e.model_version_id = ? ORDER BY e.created_at, e.id`,
    )
    .all(versionId) as Row[];
  const evaluations = rows.map((r) => {
    const metrics = z.record(z.string(), z.number().nullable()).safeParse(JSON.parse(r.metrics_json));
    return {
      id: r.id,
      createdAt: r.created_at,
      task: r.task,
      rows: r.rows,
      provider: r.provider,
      data: { path: r.data_path, sha256: r.data_sha256 },
      dataset: r.dataset !== null && r.dataset_version !== null ? { name: r.dataset, version: r.dataset_version } : null,
      metrics: metrics.success ? metrics.data : {},
    };
  });
  const last = rows.at(-1);
  if (!last) return { evaluations, latestEvaluation: null };
  const raw = db.prepare('SELECT result_json FROM model_evaluations WHERE id = ?').pluck().get(last.id) as string;
  const result = EvaluationResultSchema.safeParse(JSON.parse(raw));
  return { evaluations, latestEvaluation: result.success ? { id: last.id, createdAt: last.created_at, result: result.data } : null };
}
