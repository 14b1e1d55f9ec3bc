// The compare panel's data as CSV (RFC 4180), built by the host from what the engine read: one row per run
// (its params, then each metric's last, min and max), or one row per point of every curve. A field with a
// comma, a double quote, a line break or edge spaces is quoted, its quotes doubled; non-finite values are
// written by name (NaN, Infinity, -Infinity); an absent value is an empty field. Pure.
import type { CompareData, MetricNumber } from './protocol';

type Cell = string | MetricNumber | null | undefined;

export function csvField(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  const text = typeof cell === 'number' ? (Number.isFinite(cell) ? String(cell) : Number.isNaN(cell) ? 'NaN' : cell > 0 ? 'Infinity' : '-Infinity') : cell;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: Cell[][]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** One row per run: run, run_id, experiment, status, each param, then <metric>_last, _min, _max. */
export function runsCsv(data: CompareData): string {
  const params = [...new Set(data.runs.flatMap((r) => Object.keys(r.params)))].sort();
  const metrics = [...new Set(data.runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const header = ['run', 'run_id', 'experiment', 'status', ...params, ...metrics.flatMap((m) => [`${m}_last`, `${m}_min`, `${m}_max`])];
  const rows = data.runs.map((r) => [r.name, r.id, r.experiment, r.status, ...params.map((p) => r.params[p]), ...metrics.flatMap((m) => [r.metrics[m], r.scalars[m]?.min, r.scalars[m]?.max])]);
  return toCsv([header, ...rows]);
}

/** One row per point: run, run_id, metric, step, time (ISO 8601, UTC), value (empty where it was not finite). */
export function curvesCsv(data: CompareData): string {
  const names = new Map(data.runs.map((r) => [r.id, r.name]));
  const rows: Cell[][] = [['run', 'run_id', 'metric', 'step', 'time', 'value']];
  for (const s of data.series) {
    for (let i = 0; i < s.steps.length; i++) rows.push([names.get(s.runId), s.runId, s.key, s.steps[i], new Date(s.timestamps[i]!).toISOString(), s.values[i]]);
  }
  return toCsv(rows);
}
