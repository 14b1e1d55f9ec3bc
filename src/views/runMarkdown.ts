// Runs as Markdown: the Experiments view's tooltip and the run document (`sextant-run:/<id>.md`); runs
// are compared in the compare panel (src/webviews/compare). Every text from the store goes through md()/codeSpan() (./markdown), so a run
// named `<img src=x onerror=…>` or `[click](command:…)` shows as those characters. No `vscode` import.
import { formatDuration } from '../engine/format';
import type { Run, RunDetail } from '../engine/tracking/schemas';
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

/** The document of one run: its facts, metrics, params, tags and artifacts. */
export function runDocument(r: RunDetail, now = Date.now()): string {
  const lines = [`# ${md(r.name)}`, '', `- id: ${codeSpan(r.id)}`, `- experiment: ${md(r.experiment)}`, `- status: ${r.status}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}`];
  if (r.startedAt !== null) lines.push(`- started: ${new Date(r.startedAt).toISOString()}`, `- duration: ${duration(r, now)}`);
  if (r.gitCommit) lines.push(`- commit: ${codeSpan(r.gitCommit)}${r.gitDirty ? ' (uncommitted changes)' : ''}`);
  if (r.command) lines.push(`- command: ${codeSpan(r.command)}`);
  for (const [label, value] of [['host', r.host], ['Python', r.pythonVersion], ['Node', r.nodeVersion], ['GPU', r.gpu], ['parent run', r.parentId]] as const) if (value) lines.push(`- ${label}: ${md(value)}`);
  if (r.children.length) lines.push(`- stages: ${r.children.map((c) => codeSpan(c.slice(0, 8))).join(', ')}`);
  const section = (title: string, headers: string[], rows: string[][], right: number[] = []): void => {
    if (rows.length > 0) lines.push('', `## ${title}`, '', table(headers, rows, right));
  };
  section('Metrics', ['metric', 'last', 'min', 'max', 'step', 'points'], Object.values(r.metrics).map((m) => [md(m.key), formatValue(m.last), m.min === null ? '' : formatValue(m.min), m.max === null ? '' : formatValue(m.max), String(m.step), String(r.history[m.key]?.length ?? 0)]), [1, 2, 3, 4, 5]);
  section('Params', ['param', 'value'], Object.entries(r.params).map(([k, v]) => [md(k), md(clip(v, 500))]));
  section('Tags', ['tag', 'value'], Object.entries(r.tags).map(([k, v]) => [md(k), md(clip(v, 500))]));
  section('Artifacts', ['path', 'size', 'type', 'sha256'], r.artifacts.map((a) => [md(a.path), String(a.size), md(a.mediaType), codeSpan(a.sha256.slice(0, 12), true)]), [1]);
  return `${lines.join('\n')}\n`;
}
