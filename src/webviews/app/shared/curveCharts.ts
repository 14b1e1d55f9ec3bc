/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// uPlot charts in the theme's colours: axes, a colour per series, and the ROC / precision-recall figures of an
// evaluation (one line per class) that the run details panel and the model card draw.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './charts.css';
import { h, themeColor } from './vscodeApi';

export interface Curve {
  label: string;
  x: number[];
  y: (number | null)[];
}

const CHART_COLORS = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];

/** The i-th series colour (resolved from the theme when called: after the document is ready). */
export const chartColor = (i: number): string => themeColor(CHART_COLORS[i % CHART_COLORS.length]!);

export function chartAxes(xLabel: string, yLabel: string): uPlot.Axis[] {
  const line = themeColor('--vscode-editorWidget-border', '--vscode-panel-border');
  const base = { stroke: themeColor('--vscode-foreground'), grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } };
  return [{ ...base, label: xLabel }, { ...base, label: yLabel }];
}

export const CURVE_KINDS = {
  roc: { caption: 'ROC (true-positive rate by false-positive rate)', x: 'false-positive rate', y: 'true-positive rate', aria: 'ROC curves' },
  pr: { caption: 'Precision by recall', x: 'recall', y: 'precision', aria: 'Precision-recall curves' },
} as const;

/** The empty figure a curve chart is drawn into once it is in the document (drawCurves). */
export function curveFigure(kind: keyof typeof CURVE_KINDS, of: string): HTMLElement {
  const k = CURVE_KINDS[kind];
  return h('figure', { class: 'chart', 'data-curve': kind, tabindex: '0', 'aria-label': `${k.aria} of ${of}` }, h('figcaption', {}, k.caption));
}

/** Draws the curves (one line each, axes 0–1) into `figure`; the caller destroys the chart when it redraws. */
export function drawCurves(figure: HTMLElement, kind: keyof typeof CURVE_KINDS, curves: Curve[]): uPlot {
  const k = CURVE_KINDS[kind];
  const aligned = uPlot.join(curves.map((c) => [c.x, c.y] as uPlot.AlignedData));
  return new uPlot(
    {
      width: 340,
      height: 260,
      scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
      axes: chartAxes(k.x, k.y),
      legend: { live: true },
      series: [{ label: k.x }, ...curves.map((c, i) => ({ label: c.label, stroke: chartColor(i), width: 1.5, spanGaps: true, points: { show: false } }))],
    },
    aligned,
    figure,
  );
}
