// Runs as Markdown: the Experiments view's tooltip, the run document (`sextant-run:/<id>.md`) and the
// side-by-side comparison. Every text from the store goes through md()/codeSpan() (./markdown), so a run
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

/** A side-by-side table of runs (in `order`, by id): params that differ first (in bold), then last metric values (lowest and highest in bold). */
export function compareDocument(found: Run[], order: string[], now = Date.now()): string {
  const runs = order.map((id) => found.find((r) => r.id === id)).filter((r): r is Run => Boolean(r));
  if (runs.length === 0) return '# Compare runs\n\nNone of these runs is in the store any more.\n';
  const cell = (text: string): string => md(clip(text, 120));
  const headers = ['', ...runs.map((r) => `${cell(r.name)} ${codeSpan(r.id.slice(0, 8), true)}`)];
  const head = [
    ['status', ...runs.map((r) => r.status)],
    ['experiment', ...runs.map((r) => cell(r.experiment))],
    ['duration', ...runs.map((r) => duration(r, now) ?? '')],
    ['commit', ...runs.map((r) => (r.gitCommit ? `${codeSpan(r.gitCommit.slice(0, 8), true)}${r.gitDirty ? ' (dirty)' : ''}` : ''))],
  ];
  const lines = ['# Compare runs', '', table(headers, head)];
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const differs = (k: string): boolean => new Set(runs.map((r) => r.params[k] ?? '∅')).size > 1;
  const ordered = [...paramKeys.filter(differs), ...paramKeys.filter((k) => !differs(k))];
  if (ordered.length) {
    const bold = (text: string, on: boolean): string => (on ? `**${text}**` : text);
    const rows = ordered.map((k) => [bold(cell(k), differs(k)), ...runs.map((r) => (r.params[k] === undefined ? '–' : bold(cell(r.params[k]!), differs(k))))]);
    lines.push('', '## Params', '', 'Params that differ come first, in bold.', '', table(headers, rows));
  }
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))];
  if (metricKeys.length) {
    const rows = metricKeys.map((k) => {
      const values = runs.map((r) => r.metrics[k]?.last);
      const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
      const lo = Math.min(...finite);
      const hi = Math.max(...finite);
      return [cell(k), ...values.map((v) => (v === undefined ? '–' : finite.length > 1 && (v === lo || v === hi) ? `**${formatValue(v)}**` : formatValue(v)))];
    });
    lines.push('', '## Metrics (last value; lowest and highest in bold)', '', table(headers, rows));
  }
  return `${lines.join('\n')}\n`;
}
