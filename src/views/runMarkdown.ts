// Runs as Markdown: the Experiments view's tooltip. A run's details are the run details panel
// (src/webviews/run); runs are compared in the compare panel (src/webviews/compare). Every text from the store goes through md()/codeSpan() (./markdown), so a run
// named `<img src=x onerror=…>` or `[click](command:…)` shows as those characters. No `vscode` import.
import { formatDuration } from '../engine/format';
import type { Run } from '../engine/tracking/schemas';
import { clip, codeSpan, md, table } from './markdown';

/** A metric value in a few significant digits; ∞ and NaN spelled out. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '-∞';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

const duration = (r: Run, now: number): string | undefined => (r.startedAt !== null ? formatDuration((r.endedAt ?? now) - r.startedAt) : undefined);

/** The tooltip of a run in the Experiments view (a MarkdownString with theme icons). */
export function runTooltip(run: Run, now = Date.now()): string {
  const parts: string[] = [];
  const took = duration(run, now);
  parts.push(`**${md(run.name)}** · ${run.status}${run.exitCode !== null && run.exitCode !== 0 ? ` (exit ${run.exitCode})` : ''}${took ? ` · ${took}` : ''}`);
  parts.push(`${codeSpan(run.id)} · ${md(run.experiment)}${run.startedAt !== null ? ` · started ${md(new Date(run.startedAt).toLocaleString())}` : ''}`);
  if (run.gitCommit) parts.push(`$(git-commit) ${codeSpan(run.gitCommit.slice(0, 10))}${run.gitDirty ? ' with uncommitted changes' : ''}`);
  if (run.gpu) parts.push(`$(circuit-board) GPU ${md(run.gpu)}`);
  const metrics = Object.values(run.metrics).slice(0, 8);
  if (metrics.length) {
    parts.push(table(['metric', 'last', 'min', 'max', 'step'], metrics.map((m) => [md(m.key), formatValue(m.last), m.min === null ? '' : formatValue(m.min), m.max === null ? '' : formatValue(m.max), String(m.step)]), [1, 2, 3, 4]));
  }
  const params = Object.entries(run.params).slice(0, 12);
  if (params.length) parts.push(table(['param', 'value'], params.map(([k, v]) => [md(k), md(clip(v, 60))])));
  if (run.command) parts.push(codeSpan(clip(run.command, 200)));
  return `${parts.join('\n\n')}\n`;
}
