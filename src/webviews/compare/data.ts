// Builds what the compare panel is sent, from the store (the host side; the page never reads the store).
// A pipeline run logs its metrics in its stages: its row merges its stages' params and metrics (the
// run's own win), so one column is one experiment attempt. Curves come downsampled by the engine
// (Tracker.readSeries: at most `maxPoints` per line), each point with its time. Each metric's min and max
// come from the store's per-run summary (latest_metrics, kept up to date in SQL as points are written),
// never from reading the points; which way a metric improves from src/engine/tracking/direction.ts.
import { metricDirection } from '../../engine/tracking/direction';
import type { Run } from '../../engine/tracking/schemas';
import type { Tracker } from '../../engine/tracking/tracking';
import type { Shown } from '../liveRefresh';
import { mergeStages } from '../mergedRun';
import { toMetricNumber, type CompareData, type CompareRun, type CompareSeries, type Scalar } from './protocol';

/** What buildCompareData needs of a Tracker (the real one in the extension and the tests). */
export type CompareSource = Pick<Tracker, 'listRuns' | 'readSeries'>;

export interface CompareOptions {
  /** Points per curve at most (default 500: about one per pixel). */
  maxPoints?: number;
  /** Read the curves (default true; the runs' table alone needs none). */
  curves?: boolean;
}

export function buildCompareData(tracker: CompareSource, runIds: string[], options: CompareOptions = {}): { ok: true; value: CompareData } | { ok: false; message: string } {
  const listed = tracker.listRuns({ ids: runIds });
  if (!listed.ok) return { ok: false, message: listed.error.message };
  const byId = new Map(listed.value.map((r) => [r.id, r]));
  const runs: CompareRun[] = [];
  const sources = new Map<string, string[]>();
  const missing: string[] = [];
  for (const id of runIds) {
    const run = byId.get(id) ?? listed.value.find((r) => r.id.startsWith(id));
    if (!run) {
      missing.push(id);
      continue;
    }
    if (runs.some((r) => r.id === run.id)) continue;
    const stages = tracker.listRuns({ parentId: run.id });
    const children: Run[] = stages.ok ? stages.value : [];
    const merged = mergeStages(run, children);
    const metrics: CompareRun['metrics'] = Object.fromEntries(Object.entries(merged.metrics).map(([key, m]) => [key, toMetricNumber(m.last)]));
    const scalars: Record<string, Scalar> = Object.fromEntries(
      Object.entries(merged.metrics).map(([key, m]) => [key, { min: m.min === null ? null : toMetricNumber(m.min), max: m.max === null ? null : toMetricNumber(m.max), count: m.count }]),
    );
    runs.push({ id: run.id, name: run.name, experiment: run.experiment, status: run.status, params: sortKeys(merged.params), metrics: sortKeys(metrics), scalars: sortKeys(scalars) });
    sources.set(run.id, [run.id, ...children.map((c) => c.id)]);
  }
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const series: CompareSeries[] = [];
  if (keys.length > 0 && options.curves !== false) {
    const read = tracker.readSeries({ runIds: [...sources.values()].flat(), keys, maxPoints: options.maxPoints ?? 500 });
    if (!read.ok) return { ok: false, message: read.error.message };
    for (const [runId, ids] of sources) {
      for (const key of keys) {
        // The run's own curve first, then its first stage that logged the key.
        const s = ids.map((id) => read.value.find((x) => x.runId === id && x.key === key)).find((x) => x !== undefined);
        if (!s || s.points.length === 0) continue;
        series.push({
          runId,
          key,
          steps: s.points.map((p) => p.step),
          timestamps: s.points.map((p) => p.timestamp),
          values: s.points.map((p) => (Number.isFinite(p.value) ? p.value : null)),
          total: s.total,
          downsampled: s.downsampled,
        });
      }
    }
  }
  const directions: CompareData['directions'] = {};
  for (const key of keys) {
    const direction = metricDirection(key);
    if (direction) directions[key] = direction;
  }
  return { ok: true, value: { runs, missing, series, directions } };
}

/** What the compare panel shows of the store (src/webviews/liveRefresh.ts): the runs asked for (as the store names them once read) and their stages. */
export function compareShown(runIds: readonly string[], data: CompareData | undefined): Shown {
  const ids = [...runIds, ...(data?.runs.map((r) => r.id) ?? [])];
  return { runs: ids, parents: ids };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** The panel's title: the runs by name ("Compare: a ↔ b", "Compare 5 runs: a, b, c, …"). */
export function compareTitle(names: string[]): string {
  if (names.length === 0) return 'Compare runs';
  if (names.length === 2) return `Compare: ${names[0]} ↔ ${names[1]}`;
  const shown = names.slice(0, 3).join(', ');
  return `Compare ${names.length} runs: ${shown}${names.length > 3 ? ', …' : ''}`;
}
