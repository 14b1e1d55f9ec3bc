/// <reference lib="dom" />
// Params → a metric: one point per run, the chosen param on x and the chosen metric's last value on y.
// A param whose every value is a number gets a numeric axis; any other is categorical (one column per
// value). Drawn as SVG (a point per run, with a tooltip), so each point is an element (a handful to a few
// hundred runs). Runs without the param or with a non-finite value are named below, not drawn.
import type { CompareData } from '../../compare/protocol';
import { niceTicks } from '../../compare/svg';
import { dropdown } from '../shared/controls';
import { h, themeColor } from '../shared/vscodeApi';
import { finite, formatMetric, runColor } from './format';

const NS = 'http://www.w3.org/2000/svg';
const W = 560;
const H = 300;
const M = { left: 64, right: 16, top: 12, bottom: 40 };

export interface ScatterChoice {
  param: string;
  metric: string;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/** The param and metric to show: the saved choice where the data still has them, else the first param that differs and the first metric with a known direction. */
export function scatterChoice(data: CompareData, saved: ScatterChoice | undefined): ScatterChoice | undefined {
  const params = paramsOf(data);
  const metrics = [...new Set(data.runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  if (params.length === 0 || metrics.length === 0) return undefined;
  return {
    param: saved && params.includes(saved.param) ? saved.param : params[0]!,
    metric: saved && metrics.includes(saved.metric) ? saved.metric : (metrics.find((m) => data.directions[m]) ?? metrics[0]!),
  };
}

/** Params, those with two values or more between the runs first (then those only some runs have, then the rest). */
function paramsOf(data: CompareData): string[] {
  const all = [...new Set(data.runs.flatMap((r) => Object.keys(r.params)))].sort();
  const values = (k: string): number => new Set(data.runs.map((r) => r.params[k]).filter((v) => v !== undefined)).size;
  const rank = (k: string): number => (values(k) > 1 ? 0 : data.runs.some((r) => r.params[k] === undefined) ? 1 : 2);
  return all.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function scatterView(data: CompareData, choice: ScatterChoice | undefined, onChoose: (choice: ScatterChoice) => void): HTMLElement {
  if (!choice) return h('p', { class: 'note' }, 'A scatter of params against a metric needs runs with params and metrics: these have none of one or the other.');
  const metrics = [...new Set(data.runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const controls = h(
    'div',
    { class: 'toolbar' },
    h('span', {}, 'Param'),
    dropdown('Param on the x axis', paramsOf(data).map((p) => ({ value: p, label: p })), choice.param, (param) => onChoose({ ...choice, param })),
    h('span', {}, 'Metric (last value)'),
    dropdown('Metric on the y axis', metrics.map((m) => ({ value: m, label: m })), choice.metric, (metric) => onChoose({ ...choice, metric })),
  );
  const points = data.runs.map((run, i) => ({ run, i, x: run.params[choice.param], y: finite(run.metrics[choice.metric]) }));
  const drawn = points.filter((p) => p.x !== undefined && p.y !== undefined) as { run: CompareData['runs'][number]; i: number; x: string; y: number }[];
  const notes: HTMLElement[] = [];
  const noParam = points.filter((p) => p.x === undefined);
  const noValue = points.filter((p) => p.x !== undefined && p.y === undefined);
  if (noParam.length) notes.push(h('p', { class: 'note' }, `Not drawn, no ${choice.param}: ${noParam.map((p) => p.run.name).join(', ')}.`));
  if (noValue.length) notes.push(h('p', { class: 'note' }, `Not drawn, no finite ${choice.metric}: ${noValue.map((p) => p.run.name).join(', ')}.`));
  const numeric = drawn.length > 0 && drawn.every((p) => p.x.trim() !== '' && Number.isFinite(Number(p.x)));
  const categories = numeric ? [] : [...new Set(drawn.map((p) => p.x))].sort();
  const xOf = (p: { x: string }): number => (numeric ? Number(p.x) : categories.indexOf(p.x));
  const fg = themeColor('--vscode-foreground');
  const grid = themeColor('--vscode-editorWidget-border', '--vscode-panel-border');
  const plot = svg('svg', { class: 'scatter', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${choice.metric} against ${choice.param}, one point per run`, 'data-axis': numeric ? 'numeric' : 'categorical' });
  if (drawn.length > 0) {
    const xsv = drawn.map(xOf);
    const ysv = drawn.map((p) => p.y);
    const span = (lo: number, hi: number): [number, number] => (hi > lo ? [lo - (hi - lo) * 0.06, hi + (hi - lo) * 0.06] : [lo - 0.5, hi + 0.5]);
    const [x0, x1] = numeric ? span(Math.min(...xsv), Math.max(...xsv)) : [-0.5, categories.length - 0.5];
    const [y0, y1] = span(Math.min(...ysv), Math.max(...ysv));
    const px = (x: number): number => M.left + ((x - x0) / (x1 - x0)) * (W - M.left - M.right);
    const py = (y: number): number => M.top + (1 - (y - y0) / (y1 - y0)) * (H - M.top - M.bottom);
    for (const t of niceTicks(y0, y1)) {
      plot.append(svg('line', { x1: M.left, x2: W - M.right, y1: py(t), y2: py(t), stroke: grid }), svg('text', { x: M.left - 6, y: py(t) + 4, 'text-anchor': 'end', fill: fg }, formatMetric(t)));
    }
    const xTicks = numeric ? niceTicks(x0, x1).map((t) => ({ at: t, label: formatMetric(t) })) : categories.map((c, i) => ({ at: i, label: c }));
    for (const t of xTicks) plot.append(svg('line', { x1: px(t.at), x2: px(t.at), y1: M.top, y2: H - M.bottom, stroke: grid }), svg('text', { x: px(t.at), y: H - M.bottom + 16, 'text-anchor': 'middle', fill: fg }, t.label));
    plot.append(svg('text', { x: (M.left + W - M.right) / 2, y: H - 6, 'text-anchor': 'middle', fill: fg }, `${choice.param}${numeric ? '' : ' (categories)'}`));
    for (const p of drawn) {
      plot.append(svg('circle', { class: 'point', cx: px(xOf(p)), cy: py(p.y), r: 5, fill: runColor(p.i), 'data-run': p.run.id }, svg('title', {}, `${p.run.name}: ${choice.param} = ${p.x}, ${choice.metric} = ${formatMetric(p.y)}`)));
    }
  }
  return h('div', { class: 'scatter-view' }, controls, plot, ...notes);
}
