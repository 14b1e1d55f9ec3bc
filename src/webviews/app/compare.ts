/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The compare panel's page (bundled to dist/webviews/compare.js): renders what the extension sends, checked
// against the contract (../compare/protocol.ts). A table of params and latest metrics side by side (rows that
// differ marked, and a switch to show only those), and one uPlot chart per metric key with a line per run.
// No file or store access; state (the runs, the switch, the last data) kept with setState so a hidden and
// reopened panel, or a reloaded window, shows the same.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './compare.css';
import { HostMessageSchema, PageStateSchema, type CompareData, type CompareRun, type MetricNumber, type PageMessage, type PageState } from '../compare/protocol';
import { makeGridNavigable } from './shared/gridKeys';
import { h, themeColor, vscodeApi } from './shared/vscodeApi';

const vscode = vscodeApi<PageState>();
const app = document.getElementById('app')!;
const charts: uPlot[] = [];
let resizer: ResizeObserver | undefined;

const restored = PageStateSchema.safeParse(vscode.getState() ?? {});
let state: PageState = restored.success ? restored.data : { runIds: [], onlyDiffering: false };

function post(message: PageMessage): void {
  vscode.postMessage(message);
}

function save(): void {
  vscode.setState(state);
}

/** The run's colour: the theme's chart colours in turn. */
const CHART_COLORS = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
const runColor = (i: number): string => themeColor(CHART_COLORS[i % CHART_COLORS.length]!);

function formatMetric(v: MetricNumber | undefined): string {
  if (v === undefined) return '–';
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  return abs !== 0 && (abs < 1e-4 || abs >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

function showMessage(text: string): void {
  destroyCharts();
  app.replaceChildren(h('p', { class: 'note error', role: 'alert' }, text));
}

function destroyCharts(): void {
  resizer?.disconnect();
  resizer = undefined;
  for (const c of charts.splice(0)) c.destroy();
}

function render(data: CompareData): void {
  destroyCharts();
  const { runs } = data;
  document.title = runs.length ? `Compare: ${runs.map((r) => r.name).join(' ↔ ')}` : 'Compare runs';
  const heading = h('h1', {}, runs.length === 2 ? `${runs[0]!.name} ↔ ${runs[1]!.name}` : `Compare ${runs.length} runs`);
  const notes: HTMLElement[] = [];
  if (data.missing.length) notes.push(h('p', { class: 'note' }, `Not in the store any more: ${data.missing.map((id) => id.slice(0, 8)).join(', ')}.`));
  if (runs.length === 0) {
    app.replaceChildren(heading, ...notes, h('p', { class: 'note' }, 'None of these runs is in the store any more.'));
    return;
  }
  if (runs.length === 1) notes.push(h('p', { class: 'note' }, 'Only one of these runs is left in the store: nothing to compare it with.'));

  const toggle = h('input', { type: 'checkbox', id: 'only-differing' });
  toggle.checked = state.onlyDiffering;
  toggle.addEventListener('change', () => {
    state = { ...state, onlyDiffering: toggle.checked };
    save();
    table.classList.toggle('only-differing', toggle.checked);
  });
  const toolbar = h('div', { class: 'toolbar' }, toggle, h('label', { for: 'only-differing' }, 'Show only rows that differ'));
  const table = compareTable(runs);
  table.classList.toggle('only-differing', state.onlyDiffering);
  const chartsSection = h('section', { class: 'charts', 'aria-label': 'Metric curves' });
  app.replaceChildren(heading, ...notes, toolbar, h('div', { class: 'table-wrap' }, table), h('h2', {}, 'Metric curves'), chartsSection);
  makeGridNavigable(table);
  drawCharts(chartsSection, data);
}

function compareTable(runs: CompareRun[]): HTMLTableElement {
  const head = h('tr', {}, h('th', { scope: 'col', class: 'key' }, ''), ...runs.map((r, i) => h('th', { scope: 'col', title: `${r.name} (${r.id})` }, h('span', { class: 'swatch', 'data-run': String(i) }), r.name, h('span', { class: 'sub' }, `${r.experiment} · ${r.status} · ${r.id.slice(0, 8)}`))));
  const section = (title: string, empty: string, keys: string[], value: (r: CompareRun, k: string) => string): HTMLTableSectionElement => {
    const body = h('tbody', { 'data-section': title });
    body.append(h('tr', { class: 'section' }, h('th', { scope: 'rowgroup', colspan: String(runs.length + 1) }, title)));
    if (keys.length === 0) body.append(h('tr', { class: 'empty' }, h('td', { colspan: String(runs.length + 1) }, empty)));
    // Rows that differ first, then the rest, each alphabetical.
    const differs = (k: string): boolean => new Set(runs.map((r) => value(r, k))).size > 1;
    for (const k of [...keys.filter(differs), ...keys.filter((k) => !differs(k))]) {
      const d = differs(k);
      body.append(h('tr', { class: d ? 'differs' : 'same', 'data-key': k }, h('th', { scope: 'row', class: 'key' }, k), ...runs.map((r) => h('td', { class: value(r, k) === '–' ? 'absent' : undefined }, value(r, k)))));
    }
    return body;
  };
  const params = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const table = h('table', { class: 'compare', role: 'grid', 'aria-label': 'Params and latest metrics, one column per run' }, h('thead', {}, head));
  table.append(section('Params', 'None of these runs has params.', params, (r, k) => r.params[k] ?? '–'), section('Metrics (latest value)', 'None of these runs logged a metric.', metrics, (r, k) => formatMetric(r.metrics[k])));
  for (const swatch of table.querySelectorAll<HTMLElement>('.swatch')) swatch.style.background = runColor(Number(swatch.dataset.run));
  return table;
}

function drawCharts(container: HTMLElement, data: CompareData): void {
  const keys = [...new Set(data.series.map((s) => s.key))].sort();
  if (keys.length === 0) {
    container.append(h('p', { class: 'note' }, 'These runs logged no metric points, so there is no curve to draw.'));
    return;
  }
  const axis = { stroke: themeColor('--vscode-foreground'), grid: { stroke: themeColor('--vscode-editorWidget-border', '--vscode-panel-border'), width: 1 }, ticks: { stroke: themeColor('--vscode-editorWidget-border', '--vscode-panel-border'), width: 1 } };
  const width = (): number => Math.max(280, Math.min(container.clientWidth - 16, 720));
  for (const key of keys) {
    const logged = data.runs.map((run, i) => ({ run, i, series: data.series.find((s) => s.runId === run.id && s.key === key) })).filter((l) => l.series);
    // A line with no finite value (all NaN or ±Infinity) has nothing to draw: said in the caption instead.
    const lines = logged.filter((l) => l.series!.values.some((v) => v !== null));
    const nonFinite = logged.filter((l) => !lines.includes(l));
    const missing = data.runs.filter((r) => !logged.some((l) => l.run.id === r.id));
    const figure = h('figure', { class: 'chart', tabindex: '0', 'data-key': key, 'aria-label': `${key}: ${lines.length} run${lines.length === 1 ? '' : 's'}` });
    const caption = h('figcaption', {}, key);
    const downsampled = lines.filter((l) => l.series!.downsampled);
    if (downsampled.length) {
      const total = Math.max(...downsampled.map((l) => l.series!.total));
      const shown = Math.max(...downsampled.map((l) => l.series!.steps.length));
      caption.append(h('span', { class: 'sub' }, ` · up to ${total.toLocaleString('en')} points per run, drawn as ${shown} bucket means`));
    }
    if (missing.length) caption.append(h('span', { class: 'sub' }, ` · not logged by ${missing.map((r) => r.name).join(', ')}`));
    figure.append(caption);
    container.append(figure);
    if (nonFinite.length) figure.append(h('p', { class: 'note' }, `No finite value to draw for ${nonFinite.map((l) => l.run.name).join(', ')} (NaN or ±Infinity only).`));
    if (lines.length === 0) continue;
    const aligned = uPlot.join(lines.map((l) => [l.series!.steps, l.series!.values] as uPlot.AlignedData));
    const chart = new uPlot(
      {
        width: width(),
        height: 220,
        scales: { x: { time: false } },
        axes: [{ ...axis, label: 'step' }, { ...axis }],
        legend: { live: true },
        cursor: { focus: { prox: 16 } },
        series: [{ label: 'step' }, ...lines.map((l) => ({ label: l.run.name, stroke: runColor(l.i), width: 1.5, spanGaps: true, points: { show: false } }))],
      },
      aligned,
      figure,
    );
    charts.push(chart);
  }
  resizer = new ResizeObserver(() => {
    for (const c of charts) c.setSize({ width: width(), height: 220 });
  });
  resizer.observe(container);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const parsed = HostMessageSchema.safeParse(event.data);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).slice(0, 3).join('; ');
    post({ type: 'invalid', message });
    showMessage(`The panel received data it cannot show (${message}). Close it and compare the runs again.`);
    return;
  }
  const msg = parsed.data;
  if (msg.type === 'error') {
    showMessage(msg.message);
    return;
  }
  state = { runIds: [...msg.data.runs.map((r) => r.id), ...msg.data.missing], onlyDiffering: state.onlyDiffering, data: msg.data };
  save();
  render(msg.data);
});

if (state.data) render(state.data);
post({ type: 'ready' });
