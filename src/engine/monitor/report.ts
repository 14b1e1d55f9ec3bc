// `sextant monitor report`: per model, how often the monitor found drift, how often that retrained it, how
// long drift took to be found (from the current data's change to the check) and how long from a
// detection to the next registered version of the model. From the store's drift checks (checks.ts) and
// model versions. A detection whose on_drift stage registers no model is reported under `model: null`.
import { z } from 'zod';
import type { Database } from '../store/open';
import { listDriftChecks } from './checks';

export const MonitorModelSchema = z.object({
  model: z.string().nullable().describe('The model registered after the on_drift stage; null when none is.'),
  pipelines: z.array(z.string()).describe('Pipeline files whose monitor checked for it.'),
  checks: z.number().int(),
  detections: z.number().int(),
  retrains: z.number().int().describe('Detections after which the on_drift stage ran and succeeded.'),
  last_detection_at: z.number().nullable(),
  median_time_to_detect_ms: z.number().nullable().describe('Median of (check time − when the current file last changed) over the detections.'),
  median_time_to_new_version_ms: z.number().nullable().describe('Median of (first version registered at or after the detection − the detection) over the detections followed by one.'),
  median_time_between_retrains_ms: z.number().nullable().describe('Median time between consecutive retrains (null with fewer than 2).'),
});
export const MonitorReportSchema = z.object({ models: z.array(MonitorModelSchema) });
export type MonitorReport = z.infer<typeof MonitorReportSchema>;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function monitorReport(db: Database): MonitorReport {
  const checks = listDriftChecks(db);
  const groups = new Map<string | null, typeof checks>();
  for (const c of checks) {
    for (const model of c.models.length > 0 ? c.models : [null]) {
      const list = groups.get(model) ?? [];
      list.push(c);
      groups.set(model, list);
    }
  }
  const firstVersionAfter = db.prepare('SELECT min(v.created_at) FROM model_versions v JOIN models m ON m.id = v.model_id WHERE m.name = ? AND v.created_at >= ?').pluck();
  const models = [...groups.entries()].map(([model, list]) => {
    const detections = list.filter((c) => c.dataset_drift);
    const retrains = detections.filter((c) => c.retrain_status === 'ran');
    const toNew = model === null ? [] : detections.flatMap((c) => {
      const at = firstVersionAfter.get(model, c.checked_at) as number | null;
      return at === null ? [] : [at - c.checked_at];
    });
    const gaps = retrains.slice(1).map((c, i) => c.checked_at - retrains[i]!.checked_at);
    return {
      model,
      pipelines: [...new Set(list.map((c) => c.pipeline_file))].sort(),
      checks: list.length,
      detections: detections.length,
      retrains: retrains.length,
      last_detection_at: detections.at(-1)?.checked_at ?? null,
      median_time_to_detect_ms: median(detections.flatMap((c) => (c.current_changed_at !== null && c.checked_at >= c.current_changed_at ? [c.checked_at - c.current_changed_at] : []))),
      median_time_to_new_version_ms: median(toNew),
      median_time_between_retrains_ms: median(gaps),
    };
  });
  models.sort((a, b) => (a.model ?? '\uffff').localeCompare(b.model ?? '\uffff'));
  return { models };
}
