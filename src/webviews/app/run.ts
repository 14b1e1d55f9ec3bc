/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The run details panel's page (bundled to dist/webviews/run.js): renders what the extension sends, checked
// against the contract (../run/protocol.ts). The run's facts, a pipeline run's stages in the order they ran
// (cached ones marked), an evaluate stage's confusion matrix (a table whose cells are shaded by count, the
// count written in each) and ROC/PR curves, metrics each with a sparkline and a curve to open (uPlot), params,
// tags, environment, artifacts (Open / Reveal: the host checks the path), and the log's tail. No file or
// store access; the run, the open curves and the last data kept with setState.
import uPlot from 'uplot';
import './run.css';
import type { MetricNumber } from '../compare/protocol';
import { HostMessageSchema, PageStateSchema, type Evaluation, type PageMessage, type PageState, type RunData, type RunMetric, type RunSeries } from '../run/protocol';
import { confusionHeatmap } from './shared/confusionHeatmap';
import { button } from './shared/controls';
import { chartAxes, chartColor, curveFigure, drawCurves } from './shared/curveCharts';
import { makeGridNavigable } from './shared/gridKeys';
import { sparkline as sparklineOf } from './shared/sparkline';
import { h, vscodeApi } from './shared/vscodeApi';

const vscode = vscodeApi<PageState>();
const app = document.getElementById('app')!;
const charts: uPlot[] = [];

const restored = PageStateSchema.safeParse(vscode.getState() ?? {});
let state: PageState | undefined = restored.success ? restored.data : undefined;

const post = (message: PageMessage): void => vscode.postMessage(message);
const save = (): void => {
  if (state) vscode.setState(state);
};

function formatNumber(v: MetricNumber | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  return abs !== 0 && (abs < 1e-4 || abs >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return m < 60 ? `${m} min ${Math.round((ms % 60_000) / 1000)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}

function destroyCharts(): void {
  for (const c of charts.splice(0)) c.destroy();
}

function showMessage(text: string): void {
  destroyCharts();
  app.replaceChildren(h('h1', {}, 'Run details'), h('p', { class: 'note error', role: 'alert' }, text));
}

function section(title: string, id: string, ...content: (Node | string)[]): HTMLElement {
  return h('section', { id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), ...content);
}

function keyValueTable(label: string, rows: [string, string][], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'note' }, empty);
  const table = h('table', { class: 'kv', 'aria-label': label }, h('tbody', {}, ...rows.map(([k, v]) => h('tr', { 'data-key': k }, h('th', { scope: 'row' }, k), h('td', {}, v)))));
  makeGridNavigable(table);
  return table;
}

function render(data: RunData): void {
  destroyCharts();
  const scroll = window.scrollY;
  const { run } = data;
  document.title = run.name;
  const facts = [run.experiment, run.status, run.kind === 'pipeline' ? 'pipeline run' : run.kind === 'stage' ? 'stage' : 'run', run.id.slice(0, 8)];
  if (run.startedAt !== null) facts.push(`started ${new Date(run.startedAt).toLocaleString()}`);
  if (run.startedAt !== null && run.endedAt !== null) facts.push(`took ${formatDuration(run.endedAt - run.startedAt)}`);
  if (run.exitCode !== null && run.exitCode !== 0) facts.push(`exit ${run.exitCode}`);
  const header = h('header', {}, h('h1', {}, run.name), h('p', { class: 'sub' }, facts.join(' · ')));
  if (run.parent) header.append(h('p', { class: 'sub' }, 'Stage of ', link(run.parent.name, run.parent.id)));
  if (run.command) header.append(h('p', { class: 'command' }, h('code', {}, run.command)));
  const parts: HTMLElement[] = [header];
  if (run.kind === 'pipeline') parts.push(section('Stages', 'stages', stagesTable(data)));
  for (const ev of data.evaluations) parts.push(evaluationSection(ev));
  parts.push(section('Metrics', 'metrics', metricsTable(data)));
  parts.push(section('Params', 'params', keyValueTable('Params', Object.entries(data.params), 'This run has no params.')));
  parts.push(section('Tags', 'tags', keyValueTable('Tags', Object.entries(data.tags), 'This run has no tags.')));
  parts.push(section('Environment', 'environment', keyValueTable('Environment', data.environment.map((e) => [e.label, e.value]), 'The store recorded nothing about where this run ran.')));
  parts.push(section('Artifacts', 'artifacts', artifactsTable(data)));
  parts.push(section('Log', 'log', logSection(data)));
  app.replaceChildren(...parts);
  for (const ev of data.evaluations) drawEvaluationCurves(ev);
  for (const key of state?.expanded ?? []) drawMetricCurve(data, key);
  window.scrollTo(0, scroll);
}

function link(text: string, runId: string): HTMLElement {
  const a = h('a', { href: '#', 'data-run': runId, title: `Open the details of ${text}` }, text);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    post({ type: 'openRun', runId });
  });
  return a;
}

function stagesTable(data: RunData): HTMLElement {
  if (data.stages.length === 0) return h('p', { class: 'note' }, 'No stage of this pipeline run has started yet.');
  const table = h(
    'table',
    { class: 'stages', 'aria-label': 'Stages in the order they ran' },
    h('thead', {}, h('tr', {}, ...['#', 'stage', 'status', 'took', 'run', ''].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      ...data.stages.map((s, i) => {
        const status = h('span', { class: `status status-${s.status}` }, s.status);
        const run = s.runId ? link(s.status === 'cached' ? `reused ${s.runName ?? s.runId.slice(0, 8)}` : (s.runName ?? s.runId.slice(0, 8)), s.runId) : h('span', { class: 'note' }, s.status === 'cached' ? 'its earlier run is gone' : '–');
        return h('tr', { 'data-stage': s.name, class: `stage-${s.status}` }, h('td', { class: 'num' }, String(i + 1)), h('th', { scope: 'row' }, s.name), h('td', {}, status), h('td', { class: 'num' }, s.durationMs === null ? '–' : formatDuration(s.durationMs)), h('td', {}, run), h('td', { class: 'reason' }, s.reason ?? ''));
      }),
    ),
  );
  makeGridNavigable(table);
  return table;
}

/** The confusion matrix as a table whose cells are shaded by count (six levels of a theme colour), the count written in each. */
function evaluationSection(ev: Evaluation): HTMLElement {
  const id = `evaluation-${ev.stage.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const content: HTMLElement[] = [];
  if (ev.classes.length > 0) content.push(confusionHeatmap(ev.classes, ev.matrix, `Confusion matrix of ${ev.stage}: rows are the true class, columns the predicted class`, { 'data-stage': ev.stage }));
  const curves = h('div', { class: 'charts' });
  if (ev.roc.length) curves.append(curveFigure('roc', ev.stage));
  if (ev.pr.length) curves.append(curveFigure('pr', ev.stage));
  if (ev.roc.length || ev.pr.length) content.push(curves);
  else content.push(h('p', { class: 'note' }, 'This stage logged no ROC or precision-recall curve.'));
  const s = section(`Evaluation: ${ev.stage}`, id, ...content);
  s.classList.add('evaluation');
  return s;
}

function drawEvaluationCurves(ev: Evaluation): void {
  const id = `evaluation-${ev.stage.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  for (const [kind, curves] of [['roc', ev.roc], ['pr', ev.pr]] as const) {
    const figure = document.querySelector<HTMLElement>(`#${id} figure[data-curve="${kind}"]`);
    if (figure && curves.length) charts.push(drawCurves(figure, kind, curves));
  }
}

/** A small inline SVG line of the curve (gaps where a value is not finite). */
function sparkline(series: RunSeries | undefined): Node {
  if (!series) return h('span', { class: 'note' }, 'no points');
  return sparklineOf(series.steps, series.values, `${series.key}: ${series.total} point${series.total === 1 ? '' : 's'}`);
}

function metricsTable(data: RunData): HTMLElement {
  if (data.metrics.length === 0) return h('p', { class: 'note' }, data.run.status === 'running' ? 'No metric logged yet: this panel follows the run.' : 'This run logged no metrics.');
  const pipeline = data.run.kind === 'pipeline';
  const head = ['metric', 'last', 'min', 'max', 'step', 'points', 'curve', ...(pipeline ? ['stage'] : [])];
  const body = h('tbody', {});
  for (const m of data.metrics) {
    const series = data.series.find((s) => s.key === m.key);
    const expanded = state?.expanded.includes(m.key) ?? false;
    const toggle = h('button', { class: 'expand', 'aria-expanded': String(expanded), 'aria-controls': curveId(m.key), title: `${expanded ? 'Hide' : 'Show'} the curve of ${m.key}` }, expanded ? '▾' : '▸');
    toggle.addEventListener('click', () => toggleCurve(data, m.key));
    // A curve needs two points.
    if (!series || series.steps.length < 2) toggle.setAttribute('disabled', '');
    body.append(
      h('tr', { 'data-key': m.key, class: nonFinite(m) ? 'nonfinite' : undefined }, h('th', { scope: 'row' }, toggle, ' ', m.key), h('td', { class: 'num' }, formatNumber(m.last)), h('td', { class: 'num' }, formatNumber(m.min)), h('td', { class: 'num' }, formatNumber(m.max)), h('td', { class: 'num' }, String(m.step)), h('td', { class: 'num' }, String(m.count)), h('td', {}, sparkline(series)), ...(pipeline ? [h('td', {}, m.stage ?? '')] : [])),
      h('tr', { class: 'curve-row', id: curveId(m.key), 'data-curve-of': m.key, hidden: expanded ? undefined : '' }, h('td', { colspan: String(head.length) }, h('figure', { class: 'chart metric-chart' }))),
    );
  }
  return h('table', { class: 'metrics', 'aria-label': 'Metrics: last value, range, and curve' }, h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))), body);
}

const nonFinite = (m: RunMetric): boolean => typeof m.last === 'string';
const curveId = (key: string): string => `curve-${encodeURIComponent(key).replace(/[^A-Za-z0-9_-]/g, '_')}`;

function toggleCurve(data: RunData, key: string): void {
  if (!state) return;
  const open = state.expanded.includes(key);
  state = { ...state, expanded: open ? state.expanded.filter((k) => k !== key) : [...state.expanded, key] };
  save();
  const row = document.getElementById(curveId(key));
  const toggle = document.querySelector<HTMLButtonElement>(`button[aria-controls="${curveId(key)}"]`);
  if (toggle) {
    toggle.setAttribute('aria-expanded', String(!open));
    toggle.textContent = open ? '▸' : '▾';
  }
  if (row) row.hidden = open;
  if (!open) drawMetricCurve(data, key);
}

function drawMetricCurve(data: RunData, key: string): void {
  const figure = document.querySelector<HTMLElement>(`#${curveId(key)} figure`);
  const series = data.series.find((s) => s.key === key);
  if (!figure || !series || figure.querySelector('.uplot')) return;
  figure.replaceChildren();
  if (series.downsampled) figure.append(h('figcaption', { class: 'sub' }, `${series.total.toLocaleString('en')} points, drawn as ${series.steps.length} bucket means`));
  if (!series.values.some((v) => v !== null)) {
    figure.append(h('p', { class: 'note' }, 'No finite value to draw (NaN or ±Infinity only).'));
    return;
  }
  charts.push(
    new uPlot(
      {
        width: Math.max(300, Math.min(760, app.clientWidth - 40)),
        height: 200,
        scales: { x: { time: false } },
        axes: chartAxes('step', key),
        legend: { live: true },
        series: [{ label: 'step' }, { label: key, stroke: chartColor(0), width: 1.5, spanGaps: true, points: { show: series.steps.length < 50 } }],
      },
      [series.steps, series.values] as uPlot.AlignedData,
      figure,
    ),
  );
}

function artifactsTable(data: RunData): HTMLElement {
  if (data.artifacts.length === 0) return h('p', { class: 'note' }, 'This run logged no artifacts.');
  const pipeline = data.run.kind === 'pipeline';
  const rows = data.artifacts.map((a) => {
    const request = { runId: a.runId, path: a.path };
    const open = button('Open', () => post({ type: 'openArtifact', ...request }), { title: `Open ${a.path}` });
    const reveal = button('Reveal', () => post({ type: 'revealArtifact', ...request }), { secondary: true, title: `Reveal ${a.path} in the file explorer` });
    if (a.missing) for (const b of [open, reveal]) b.setAttribute('disabled', '');
    return h(
      'tr',
      { 'data-path': a.path, class: a.missing ? 'missing' : undefined },
      h('th', { scope: 'row' }, h('span', { class: 'path' }, a.path), a.missing ? h('span', { class: 'badge missing-badge' }, 'missing') : ''),
      ...(pipeline ? [h('td', {}, a.stage ?? '')] : []),
      h('td', { class: 'num' }, formatBytes(a.size)),
      h('td', {}, a.mediaType),
      h('td', {}, h('span', { class: 'actions' }, open, reveal)),
    );
  });
  const missing = data.artifacts.filter((a) => a.missing).length;
  return h(
    'div',
    {},
    ...(missing ? [h('p', { class: 'note warning' }, `${missing} artifact file${missing === 1 ? ' is' : 's are'} missing from the artifact store: ${missing === 1 ? 'it' : 'they'} cannot be opened.`)] : []),
    h('table', { class: 'artifacts', 'aria-label': 'Artifacts' }, h('thead', {}, h('tr', {}, ...['path', ...(pipeline ? ['stage'] : []), 'size', 'type', ''].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, ...rows)),
  );
}

function logSection(data: RunData): HTMLElement {
  const log = data.log;
  if (!log) return h('p', { class: 'note' }, 'This run has no log: it was not started by the Sextant runner, or its log file is gone.');
  const shown = new TextEncoder().encode(log.text).length;
  const bar = h('div', { class: 'toolbar' }, h('span', { class: 'sub' }, log.truncated ? `The last ${formatBytes(shown)} of ${formatBytes(log.bytes)}` : `${formatBytes(log.bytes)}`));
  if (log.canOpen) bar.append(button('Open full log', () => post({ type: 'openLog' }), { secondary: true }));
  const pre = h('pre', { class: 'log', tabindex: '0', 'aria-label': 'The log' }, log.text || '(empty)');
  return h('div', {}, bar, pre);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const parsed = HostMessageSchema.safeParse(event.data);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).slice(0, 3).join('; ');
    post({ type: 'invalid', message });
    showMessage(`The panel received data it cannot show (${message}). Close it and open the run again.`);
    return;
  }
  const msg = parsed.data;
  if (msg.type === 'error') {
    showMessage(msg.message);
    return;
  }
  // Another run in this panel (the tab a click reuses): its own curves start closed.
  const same = state?.runId === msg.data.run.id;
  state = { runId: msg.data.run.id, expanded: same ? state!.expanded : [], data: msg.data };
  save();
  render(msg.data);
});

// Shown again (or after a window reload): rendered from the saved state before the host answers, once the
// document (and its theme variables, which the charts read) is ready.
const start = (): void => {
  if (state?.data) render(state.data);
  post({ type: 'ready' });
};
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
