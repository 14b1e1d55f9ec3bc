// What the workspace store remembers about each value of a param: for the pipeline's experiment (its
// `name`), the best and the last value of a metric over the runs that used each param value. A run's
// params and metrics are matched within one pipeline run (a run and its stage runs). The language
// server shows it as a CodeLens above each inline param, with "run with this value".
import { existsSync } from 'node:fs';
import { loadBetterSqlite3 } from '../native/load';
import { metricDirection } from '../tracking/direction';

export interface ValueHistory {
  /** The param value as recorded (text). */
  value: string;
  runs: number;
  best: number;
  last: number;
  lastAt: number;
}

export interface ParamHistory {
  metric: string;
  /** Whether lower is better for this metric (losses, errors, latency). */
  lowerIsBetter: boolean;
  values: ValueHistory[];
}

const PREFERRED = ['f1', 'accuracy', 'roc_auc', 'r2', 'precision', 'recall', 'log_loss', 'rmse', 'mae', 'loss', 'train_accuracy', 'train_loss'];
export const lowerIsBetter = (metric: string): boolean => metricDirection(metric) === 'lower';

/** History per param name (names without runs are absent). Never throws: no store, no history. */
export function paramHistory(storePath: string, experiment: string, params: string[]): Map<string, ParamHistory> {
  const out = new Map<string, ParamHistory>();
  if (params.length === 0 || !existsSync(storePath)) return out;
  const sqlite = loadBetterSqlite3();
  if (!sqlite.ok) return out;
  let db: import('better-sqlite3').Database | undefined;
  try {
    db = new sqlite.value(storePath, { readonly: true, fileMustExist: true });
    const exp = db.prepare('SELECT id, primary_metric FROM experiments WHERE name = ?').get(experiment) as { id: number; primary_metric: string | null } | undefined;
    if (!exp) return out;
    const keys = (
      db
        .prepare(
          `SELECT DISTINCT mk.name FROM latest_metrics lm JOIN metric_keys mk ON mk.id = lm.key_id JOIN runs r ON r.id = lm.run_id
           WHERE r.experiment_id = ? AND r.deleted_at IS NULL`,
        )
        .all(exp.id) as { name: string }[]
    ).map((k) => k.name);
    const metric = exp.primary_metric && keys.includes(exp.primary_metric) ? exp.primary_metric : (PREFERRED.find((m) => keys.includes(m)) ?? keys.sort()[0]);
    if (!metric) return out;
    const rows = db.prepare(
      `WITH pr AS (
         SELECT COALESCE(r.parent_id, r.id) AS root, p.value AS value FROM params p JOIN runs r ON r.id = p.run_id
         WHERE p.key = ? AND r.experiment_id = ? AND r.deleted_at IS NULL),
       mr AS (
         SELECT COALESCE(r.parent_id, r.id) AS root, lm.value AS mval, lm.ts AS ts FROM latest_metrics lm
         JOIN metric_keys mk ON mk.id = lm.key_id JOIN runs r ON r.id = lm.run_id
         WHERE mk.name = ? AND r.experiment_id = ? AND r.deleted_at IS NULL AND lm.value IS NOT NULL)
       SELECT DISTINCT pr.root AS root, pr.value AS value, mr.mval AS mval, mr.ts AS ts FROM pr JOIN mr ON mr.root = pr.root`,
    );
    const lower = lowerIsBetter(metric);
    for (const name of params) {
      const byValue = new Map<string, ValueHistory>();
      for (const r of rows.all(name, exp.id, metric, exp.id) as { value: string; mval: number; ts: number }[]) {
        const h = byValue.get(r.value) ?? { value: r.value, runs: 0, best: r.mval, last: r.mval, lastAt: r.ts };
        h.runs++;
        if (lower ? r.mval < h.best : r.mval > h.best) h.best = r.mval;
        if (r.ts >= h.lastAt) {
          h.last = r.mval;
          h.lastAt = r.ts;
        }
        byValue.set(r.value, h);
      }
      if (byValue.size > 0) out.set(name, { metric, lowerIsBetter: lower, values: [...byValue.values()].sort((a, b) => (lower ? a.best - b.best : b.best - a.best)) });
    }
  } catch {
    // an old or damaged store: doctor reports it
  } finally {
    db?.close();
  }
  return out;
}

/** Whether a recorded param text is the same value as the one in the file. */
export function sameValue(recorded: string, value: unknown): boolean {
  if (recorded === String(value)) return true;
  const n = Number(recorded);
  if (typeof value === 'number' && !Number.isNaN(n)) return n === value;
  try {
    return JSON.stringify(JSON.parse(recorded)) === JSON.stringify(value);
  } catch {
    return false;
  }
}
