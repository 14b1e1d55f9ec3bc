/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The metric curves: one uPlot chart per metric key, a line per run, drawn as ../../compare/curves.ts says
// (x by step or time, EMA smoothing with the raw line faint behind, log y). Drag to zoom, double-click to
// reset; the zoomed range is kept per chart (page state) and survives a refresh. Hovering lists every run's
// value at that x (the point of each run nearest it) below the chart, in all charts at once (synced
// cursors). A refresh with the same runs and metrics updates the charts in place (setData: no new canvas,
// no flicker, zoom and hover kept).
import uPlot from 'uplot';
import { lineOf, nearestIndex, type Line } from '../../compare/curves';
import { alignLines } from './align';
import type { ChartView, CompareData, CompareRun } from '../../compare/protocol';
import { button } from '../shared/controls';
import { h, themeColor } from '../shared/vscodeApi';
import { formatMetric, runColor } from './format';

const HEIGHT = 240;
/** The raw line's opacity behind a smoothed one. */
const RAW_ALPHA = 0.25;

export interface ChartsOptions {
  view: ChartView;
  zoom: (key: string) => [number, number] | undefined;
  setZoom: (key: string, range: [number, number] | undefined) => void;
  exportPng: (key: string, base64: string) => void;
  exportSvg: (key: string, range: [number, number] | undefined) => void;
}

interface Drawn {
  run: CompareRun;
  index: number;
  line: Line;
}

interface Chart {
  key: string;
  figure: HTMLElement;
  plot?: uPlot;
  lines: Drawn[];
  legend: HTMLElement;
  values: HTMLElement[];
  at: HTMLElement;
  /** The x extent of all lines: a zoom that covers it is no zoom. */
  extent: [number, number];
}

/** A line's points in x order (times can come out of order when steps were logged out of time order). */
function sorted(line: Line): Line {
  if (line.xs.every((x, i) => i === 0 || line.xs[i - 1]! <= x)) return line;
  const order = line.xs.map((_, i) => i).sort((a, b) => line.xs[a]! - line.xs[b]!);
  return { xs: order.map((i) => line.xs[i]!), raw: order.map((i) => line.raw[i]!), smooth: line.smooth && order.map((i) => line.smooth![i]!), nonPositive: line.nonPositive };
}

export class CurveCharts {
  private readonly charts = new Map<string, Chart>();
  private readonly resizer: ResizeObserver;
  private data: CompareData;
  private view: ChartView;

  constructor(
    private readonly container: HTMLElement,
    data: CompareData,
    private readonly options: ChartsOptions,
  ) {
    this.data = data;
    this.view = options.view;
    this.resizer = new ResizeObserver(() => {
      for (const c of this.charts.values()) c.plot?.setSize({ width: this.width(), height: HEIGHT });
    });
    this.resizer.observe(container);
    this.build();
  }

  /** Same runs and metrics: new points go into the charts as they are (zoom and hover kept). Returns false when the charts must be built again. */
  update(data: CompareData): boolean {
    if (structure(data) !== structure(this.data)) return false;
    this.data = data;
    // A snapshot: refill may build a chart again, which puts it back in the map.
    for (const c of [...this.charts.values()]) this.refill(c);
    return true;
  }

  /** A new view: smoothing alone changes the lines in place; the x axis or the scale builds the charts again. */
  setView(view: ChartView): void {
    const rebuild = view.x !== this.view.x || view.log !== this.view.log;
    this.view = view;
    if (rebuild) {
      this.clear();
      this.build();
    } else for (const c of [...this.charts.values()]) this.refill(c);
  }

  destroy(): void {
    this.resizer.disconnect();
    this.clear();
  }

  private clear(): void {
    for (const c of this.charts.values()) c.plot?.destroy();
    this.charts.clear();
    this.container.replaceChildren();
  }

  private width(): number {
    return Math.max(280, Math.min(this.container.clientWidth - 16, 720));
  }

  private linesOf(key: string): { logged: { run: CompareRun; index: number }[]; lines: Drawn[] } {
    const logged: { run: CompareRun; index: number; line?: Line }[] = [];
    this.data.runs.forEach((run, index) => {
      const series = this.data.series.find((s) => s.runId === run.id && s.key === key);
      if (series) logged.push({ run, index, line: sorted(lineOf(series, this.view)) });
    });
    return { logged, lines: logged.filter((l) => l.line!.raw.some((v) => v !== null)) as Drawn[] };
  }

  private build(): void {
    const keys = [...new Set(this.data.series.map((s) => s.key))].sort();
    if (keys.length === 0) {
      this.container.append(h('p', { class: 'note' }, 'These runs logged no metric points, so there is no curve to draw.'));
      return;
    }
    for (const key of keys) this.buildChart(key);
  }

  private buildChart(key: string): void {
    const { logged, lines } = this.linesOf(key);
    const series = logged.map((l) => this.data.series.find((s) => s.runId === l.run.id && s.key === key)!);
    // A line with no finite value (all NaN or ±Infinity) has nothing to draw: said in the caption instead.
    const nonFinite = logged.filter((l) => !lines.some((d) => d.run.id === l.run.id));
    const missing = this.data.runs.filter((r) => !logged.some((l) => l.run.id === r.id));
    const figure = h('figure', { class: 'chart', tabindex: '0', 'data-key': key, 'aria-label': `${key}: ${lines.length} run${lines.length === 1 ? '' : 's'}` });
    const caption = h('figcaption', {}, h('span', { class: 'title' }, key));
    const downsampled = series.filter((s) => s.downsampled);
    if (downsampled.length) {
      const total = Math.max(...downsampled.map((s) => s.total));
      const shown = Math.max(...downsampled.map((s) => s.steps.length));
      caption.append(h('span', { class: 'sub' }, ` · up to ${total.toLocaleString('en')} points per run, drawn as ${shown} bucket means`));
    }
    if (missing.length) caption.append(h('span', { class: 'sub' }, ` · not logged by ${missing.map((r) => r.name).join(', ')}`));
    figure.append(caption);
    this.container.append(figure);
    if (nonFinite.length) figure.append(h('p', { class: 'note' }, `No finite value to draw for ${nonFinite.map((l) => l.run.name).join(', ')} (NaN or ±Infinity only).`));
    const gaps = series.reduce((n, s) => n + s.values.filter((v) => v === null).length, 0) - nonFinite.reduce((n, l) => n + (series.find((s) => s.runId === l.run.id)?.values.length ?? 0), 0);
    if (gaps > 0) figure.append(h('p', { class: 'note' }, `${gaps} point${gaps === 1 ? ' is' : 's are'} NaN or ±Infinity: left out (the line joins across them).`));
    const nonPositive = lines.reduce((n, l) => n + l.line.nonPositive, 0);
    if (nonPositive > 0) figure.append(h('p', { class: 'note' }, `${nonPositive} value${nonPositive === 1 ? '' : 's'} ≤ 0 left out on the log scale.`));
    const at = h('span', { class: 'at' }, '');
    const values = lines.map(() => h('span', { class: 'value' }, '–'));
    const legend = h(
      'ul',
      { class: 'hover-legend', 'aria-label': `${key} at the cursor, per run` },
      h('li', { class: 'at-row' }, at),
      ...lines.map((l, i) => {
        const swatch = h('span', { class: 'swatch' });
        swatch.style.background = runColor(l.index);
        return h('li', { 'data-run': l.run.id }, swatch, h('span', { class: 'name' }, l.run.name), values[i]!);
      }),
    );
    const chart: Chart = { key, figure, lines, legend, values, at, extent: [0, 0] };
    this.charts.set(key, chart);
    if (lines.length === 0) return;
    const holder = h('div', { class: 'plot' });
    figure.append(holder, legend);
    caption.append(
      h('span', { class: 'actions' }, button('PNG', () => this.png(chart), { secondary: true, title: `Save the ${key} chart as PNG` }), button('SVG', () => this.options.exportSvg(key, this.options.zoom(key)), { secondary: true, title: `Save the ${key} chart as SVG` })),
    );
    this.plot(chart, holder);
  }

  private plot(chart: Chart, holder: HTMLElement): void {
    const smoothing = this.view.smoothing > 0;
    const data = alignLines(chart.lines.map((l) => l.line), smoothing);
    const xs = data[0] as number[];
    chart.extent = [xs[0]!, xs[xs.length - 1]!];
    const border = themeColor('--vscode-editorWidget-border', '--vscode-panel-border');
    const axis = { stroke: themeColor('--vscode-foreground'), grid: { stroke: border, width: 1 }, ticks: { stroke: border, width: 1 } };
    const xLabel = this.view.x === 'step' ? 'step' : this.view.x === 'relative' ? 'seconds since the run started' : 'time';
    const series: uPlot.Series[] = [{ label: xLabel }];
    for (const l of chart.lines) {
      const color = runColor(l.index);
      // The raw line: faint behind the smoothed one when smoothing is on.
      series.push({ label: l.run.name, stroke: color, alpha: smoothing ? RAW_ALPHA : 1, width: 1.25, spanGaps: true, points: { show: false } });
      series.push({ label: `${l.run.name} (smoothed)`, stroke: color, width: 1.75, spanGaps: true, points: { show: false } });
    }
    const plot = new uPlot(
      {
        width: this.width(),
        height: HEIGHT,
        scales: { x: { time: this.view.x === 'wall' }, y: this.view.log ? { distr: 3, log: 10 } : {} },
        axes: [{ ...axis, label: xLabel }, { ...axis, size: 60 }],
        legend: { show: false },
        cursor: { sync: { key: `compare-${this.view.x}` }, drag: { x: true, y: false }, points: { show: false } },
        series,
        hooks: {
          setCursor: [(u) => this.showAt(chart, u)],
          setScale: [(u, key) => key === 'x' && this.keepZoom(chart, u)],
        },
      },
      data,
      holder,
    );
    chart.plot = plot;
    const zoom = this.options.zoom(chart.key);
    if (zoom) plot.setScale('x', { min: zoom[0], max: zoom[1] });
  }

  /** New data or smoothing for a chart that exists: its zoom stays; unzoomed, it follows the data. */
  private refill(chart: Chart): void {
    const { lines } = this.linesOf(chart.key);
    if (!chart.plot && lines.length === 0) return;
    if (!chart.plot || lines.length !== chart.lines.length || lines.some((l, i) => l.run.id !== chart.lines[i]!.run.id)) {
      // Which runs can be drawn changed (a run's first finite point): build this chart again.
      const next = chart.figure.nextSibling;
      chart.plot?.destroy();
      chart.figure.remove();
      this.charts.delete(chart.key);
      this.buildChart(chart.key);
      const built = this.charts.get(chart.key)!;
      this.container.insertBefore(built.figure, next);
      return;
    }
    chart.lines = lines;
    for (let i = 0; i < lines.length; i++) chart.plot.series[1 + 2 * i]!.alpha = this.view.smoothing > 0 ? RAW_ALPHA : 1;
    const data = alignLines(lines.map((l) => l.line), this.view.smoothing > 0);
    const xs = data[0] as number[];
    chart.extent = [xs[0]!, xs[xs.length - 1]!];
    const zoom = this.options.zoom(chart.key);
    chart.plot.setData(data, !zoom);
    if (zoom) chart.plot.setScale('x', { min: zoom[0], max: zoom[1] });
    const { left, top } = chart.plot.cursor;
    if (left !== undefined && left >= 0) chart.plot.setCursor({ left, top: top ?? 0 });
    else this.showAt(chart, chart.plot);
  }

  private keepZoom(chart: Chart, u: uPlot): void {
    const { min, max } = u.scales.x ?? {};
    if (min === undefined || max === undefined) return;
    const whole = min <= chart.extent[0] && max >= chart.extent[1];
    this.options.setZoom(chart.key, whole ? undefined : [min, max]);
  }

  /** Every run's value at the cursor's x: the point of each line nearest it (within the line's own range). */
  private showAt(chart: Chart, u: uPlot): void {
    const idx = u.cursor.idx;
    if (idx === null || idx === undefined) {
      chart.at.textContent = 'Hover over the chart for every run’s value';
      for (const v of chart.values) v.textContent = '–';
      return;
    }
    const x = (u.data[0] as number[])[idx]!;
    chart.at.textContent = this.view.x === 'step' ? `step ${formatMetric(Math.round(x * 100) / 100)}` : this.view.x === 'relative' ? `${formatMetric(x)} s since the run started` : new Date(x * 1000).toLocaleString();
    chart.lines.forEach((l, i) => {
      const xs = l.line.xs;
      const within = xs.length > 0 && x >= xs[0]! && x <= xs[xs.length - 1]!;
      const j = within ? nearestIndex(xs, x) : -1;
      const raw = j >= 0 ? l.line.raw[j] : null;
      const smooth = j >= 0 && l.line.smooth ? l.line.smooth[j] : null;
      chart.values[i]!.textContent = j < 0 ? '–' : smooth !== null && smooth !== undefined ? `${formatMetric(smooth)} (raw ${formatMetric(raw)})` : formatMetric(raw);
    });
  }

  /** The chart as PNG: its canvas on the editor's background, with its title and the runs' names. */
  private png(chart: Chart): void {
    const source = chart.plot!.ctx.canvas;
    const ratio = source.width / chart.plot!.width;
    const rows = Math.ceil(chart.lines.length / 3);
    const canvas = document.createElement('canvas');
    canvas.width = source.width;
    canvas.height = source.height + (28 + rows * 18) * ratio;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = themeColor('--vscode-editor-background');
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.scale(ratio, ratio);
    ctx.fillStyle = themeColor('--vscode-foreground');
    ctx.font = `600 13px ${themeColor('--vscode-font-family')}`;
    ctx.fillText(chart.key, 8, 18);
    ctx.drawImage(source, 0, 28, source.width / ratio, source.height / ratio);
    ctx.font = `12px ${themeColor('--vscode-font-family')}`;
    chart.lines.forEach((l, i) => {
      const x = 8 + (i % 3) * (chart.plot!.width / 3);
      const y = 28 + source.height / ratio + 14 + Math.floor(i / 3) * 18;
      ctx.fillStyle = runColor(l.index);
      ctx.fillRect(x, y - 9, 10, 10);
      ctx.fillStyle = themeColor('--vscode-foreground');
      ctx.fillText(l.run.name, x + 14, y);
    });
    this.options.exportPng(chart.key, canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, ''));
  }
}

/** What decides the charts' shape: the runs (in order) and the metric keys. */
function structure(data: CompareData): string {
  return JSON.stringify([data.runs.map((r) => r.id), [...new Set(data.series.map((s) => s.key))].sort()]);
}
