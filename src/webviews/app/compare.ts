/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The compare panel's page (bundled to dist/webviews/compare.js): renders what the extension sends, checked
// against the contract (../compare/protocol.ts). Params and latest metrics side by side (rows that differ
// marked, a switch to show only those), the metric curves (./compare/charts.ts: x by step or time,
// smoothing, log scale, zoom, every run's value under the cursor), the scalar table (./compare/scalarTable.ts:
// last/min/max, sortable, the better direction and the best run marked), params → a metric
// (./compare/scatter.ts), and exports that the host saves (CSV from the store, a chart as PNG or SVG).
// No file or store access; every choice kept with setState so a hidden and reopened panel, or a reloaded
// window, shows the same. A refresh while runs run updates the page in place (no flicker; zoom, hover,
// focus and choices kept).
import 'uplot/dist/uPlot.min.css';
import './compare.css';
import { DEFAULT_VIEW, HostMessageSchema, PageStateSchema, type ChartView, type CompareData, type PageMessage, type PageState } from '../compare/protocol';
import { CurveCharts } from './compare/charts';
import { replaceKeepingFocus, runColor } from './compare/format';
import { paramTable } from './compare/paramTable';
import { scalarTable, type Sort } from './compare/scalarTable';
import { scatterChoice, scatterView } from './compare/scatter';
import { button, checkbox, dropdown, slider } from './shared/controls';
import { h, themeColor, vscodeApi } from './shared/vscodeApi';

const vscode = vscodeApi<PageState>();
const app = document.getElementById('app')!;

const restored = PageStateSchema.safeParse(vscode.getState() ?? {});
let state: PageState = restored.success ? restored.data : { runIds: [], onlyDiffering: false };

/** What is on the page now, for updates in place. */
interface Shown {
  data: CompareData;
  charts: CurveCharts;
  heading: HTMLElement;
  notes: HTMLElement;
  table: HTMLElement;
  scalars: HTMLElement;
  scatter: HTMLElement;
  status: HTMLElement;
}
let shown: Shown | undefined;

function post(message: PageMessage): void {
  vscode.postMessage(message);
}

function save(): void {
  vscode.setState(state);
}

const view = (): ChartView => state.view ?? DEFAULT_VIEW;

function showMessage(text: string): void {
  shown?.charts.destroy();
  shown = undefined;
  app.replaceChildren(h('p', { class: 'note error', role: 'alert' }, text));
}

function headingOf(data: CompareData): HTMLElement {
  const { runs } = data;
  document.title = runs.length ? `Compare: ${runs.map((r) => r.name).join(' ↔ ')}` : 'Compare runs';
  return h('h1', {}, runs.length === 2 ? `${runs[0]!.name} ↔ ${runs[1]!.name}` : `Compare ${runs.length} runs`);
}

/** What the user should know about these runs before reading the charts: gone, alone, nothing in common, no points. */
function notesOf(data: CompareData): HTMLElement {
  const notes = h('div', { class: 'notes' });
  const { runs } = data;
  if (data.missing.length) notes.append(h('p', { class: 'note' }, `Not in the store any more: ${data.missing.map((id) => id.slice(0, 8)).join(', ')}.`));
  if (runs.length === 1) notes.append(h('p', { class: 'note' }, 'Only one of these runs is left in the store: nothing to compare it with.'));
  const empty = runs.filter((r) => Object.keys(r.metrics).length === 0);
  const logged = runs.filter((r) => Object.keys(r.metrics).length > 0);
  if (empty.length > 0 && logged.length > 0) notes.append(h('p', { class: 'note', 'data-note': 'no-points' }, `No metric points logged by ${empty.map((r) => r.name).join(', ')}: ${empty.length === 1 ? 'it has' : 'they have'} no curve and no values below.`));
  if (logged.length >= 2) {
    const common = Object.keys(logged[0]!.metrics).filter((k) => logged.every((r) => k in r.metrics));
    if (common.length === 0) notes.append(h('p', { class: 'note', 'data-note': 'no-common' }, `These runs have no metric in common (${logged.map((r) => `${r.name}: ${Object.keys(r.metrics).join(', ')}`).join('; ')}): each chart shows only the runs that logged its metric.`));
  }
  return notes;
}

function toolbar(): HTMLElement {
  const v = view();
  const setView = (next: ChartView): void => {
    // A zoom is a range of x: it means nothing on another x axis.
    state = { ...state, view: next, zoom: next.x === v.x ? state.zoom : {} };
    save();
    shown?.charts.setView(next);
    Object.assign(v, next);
  };
  const toggle = h('input', { type: 'checkbox', id: 'only-differing' });
  toggle.checked = state.onlyDiffering;
  toggle.addEventListener('change', () => {
    state = { ...state, onlyDiffering: toggle.checked };
    save();
    shown?.table.querySelector('table')?.classList.toggle('only-differing', toggle.checked);
  });
  return h(
    'div',
    { class: 'toolbar sticky', role: 'toolbar', 'aria-label': 'How the runs are shown' },
    h('span', {}, 'X axis'),
    dropdown('X axis of the curves', [{ value: 'step', label: 'Step' }, { value: 'relative', label: 'Time since start' }, { value: 'wall', label: 'Wall-clock time' }], v.x, (x) => setView({ ...view(), x: x as ChartView['x'] })),
    slider('Smoothing', { min: 0, max: 0.99, step: 0.01 }, v.smoothing, (smoothing) => setView({ ...view(), smoothing })),
    checkbox('Log scale', v.log, (log) => setView({ ...view(), log })),
    h('span', { class: 'separator' }),
    button('Runs as CSV', () => post({ type: 'export', format: 'csv', table: 'runs' }), { secondary: true, title: 'Save one row per run (params, each metric’s last, min and max) as CSV' }),
    button('Curves as CSV', () => post({ type: 'export', format: 'csv', table: 'curves' }), { secondary: true, title: 'Save every point of every curve as CSV' }),
    h('span', { class: 'separator' }),
    toggle,
    h('label', { for: 'only-differing' }, 'Show only rows that differ'),
  );
}

function scalarsOf(data: CompareData): HTMLElement {
  return h('div', { class: 'scalars-wrap' }, scalarTable(data, state.sort, onSort));
}

function onSort(sort: Sort): void {
  state = { ...state, sort };
  save();
  if (!shown) return;
  const fresh = scalarsOf(shown.data);
  replaceKeepingFocus(shown.scalars, fresh);
  shown.scalars = fresh;
  // Keep focus on the header just clicked (the table was drawn again).
  fresh.querySelector<HTMLElement>(`th[data-sort="${CSS.escape(`${sort.key}:${sort.stat}`)}"] button`)?.focus();
}

function scatterOf(data: CompareData): HTMLElement {
  const choice = scatterChoice(data, state.scatter);
  return h(
    'div',
    { class: 'scatter-wrap' },
    scatterView(data, choice, (next) => {
      state = { ...state, scatter: next };
      save();
      if (!shown) return;
      const fresh = scatterOf(shown.data);
      shown.scatter.replaceWith(fresh);
      shown.scatter = fresh;
    }),
  );
}

function colors(): { background: string; foreground: string; grid: string; runs: string[] } {
  return {
    background: themeColor('--vscode-editor-background'),
    foreground: themeColor('--vscode-foreground'),
    grid: themeColor('--vscode-editorWidget-border', '--vscode-panel-border'),
    runs: (shown?.data.runs ?? []).map((_, i) => runColor(i)),
  };
}

function render(data: CompareData): void {
  shown?.charts.destroy();
  shown = undefined;
  const heading = headingOf(data);
  const notes = notesOf(data);
  if (data.runs.length === 0) {
    app.replaceChildren(heading, notes, h('p', { class: 'note' }, 'None of these runs is in the store any more.'));
    return;
  }
  const table = h('div', { class: 'table-wrap' }, paramTable(data.runs, state.onlyDiffering));
  const chartsSection = h('section', { class: 'charts', 'aria-label': 'Metric curves' });
  const scalars = scalarsOf(data);
  const scatter = scatterOf(data);
  const status = h('p', { class: 'note status', role: 'status' });
  app.replaceChildren(heading, notes, toolbar(), status, table, h('h2', {}, 'Metric curves'), chartsSection, h('h2', {}, 'Summary: last, min and max of each metric'), scalars, h('h2', {}, 'Params → metric'), scatter);
  const charts = new CurveCharts(chartsSection, data, {
    view: view(),
    zoom: (key) => state.zoom?.[key],
    setZoom: (key, range) => {
      const zoom = { ...state.zoom };
      if (range) zoom[key] = range;
      else delete zoom[key];
      state = { ...state, zoom };
      save();
    },
    exportPng: (key, base64) => post({ type: 'export', format: 'png', key, base64 }),
    exportSvg: (key, range) => post({ type: 'export', format: 'svg', key, view: view(), range, colors: colors() }),
  });
  shown = { data, charts, heading, notes, table, scalars, scatter, status };
}

/** New data for the runs on the page (a refresh while they run): everything updated in place. */
function update(data: CompareData): boolean {
  if (!shown || !shown.charts.update(data)) return false;
  const s = shown;
  s.data = data;
  const swap = <K extends 'heading' | 'notes' | 'table' | 'scalars' | 'scatter'>(key: K, fresh: Shown[K]): void => {
    replaceKeepingFocus(s[key], fresh);
    s[key] = fresh;
  };
  swap('heading', headingOf(data));
  swap('notes', notesOf(data));
  swap('table', h('div', { class: 'table-wrap' }, paramTable(data.runs, state.onlyDiffering)));
  swap('scalars', scalarsOf(data));
  if (!s.scatter.contains(document.activeElement)) swap('scatter', scatterOf(data));
  return true;
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
  if (msg.type === 'exported') {
    if (shown) shown.status.textContent = msg.error ? `Not exported: ${msg.error}` : msg.file ? `Saved ${msg.file}` : '';
    shown?.status.classList.toggle('error', Boolean(msg.error));
    return;
  }
  state = { ...state, runIds: [...msg.data.runs.map((r) => r.id), ...msg.data.missing], data: msg.data };
  save();
  if (!update(msg.data)) render(msg.data);
});

if (state.data) render(state.data);
post({ type: 'ready' });
