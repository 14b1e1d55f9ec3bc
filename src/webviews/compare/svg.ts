// A chart of the compare panel as a standalone SVG file, drawn by the host from the data it sent the page
// (the same lines: ./curves.ts), in the colours the page drew with: axes with ticks, one polyline per run
// (broken at gaps), the raw line faint behind the smoothed one, a legend with the runs' names. Pure: no DOM.
import { lineOf } from './curves';
import type { ChartColors, ChartView, CompareData } from './protocol';

const WIDTH = 720;
const PLOT_HEIGHT = 280;
const MARGIN = { left: 72, right: 20, top: 32, bottom: 44 };
const LEGEND_ROW = 18;
const LEGEND_COLUMNS = 3;

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** About `count` round tick values from lo to hi (1, 2 or 5 times a power of ten apart, the nearest to `count`). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / power;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * power;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const label = (v: number): string => (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6) ? v.toExponential(1) : String(Number(v.toPrecision(6))));

function xLabel(v: number, x: ChartView['x']): string {
  if (x === 'wall') return new Date(v * 1000).toISOString().slice(11, 19);
  return x === 'relative' ? `${label(v)} s` : label(v);
}

export interface SvgResult {
  svg: string;
  /** Runs drawn (with at least one point in range). */
  lines: number;
}

export function chartSvg(data: CompareData, key: string, view: ChartView, colors: ChartColors, range?: [number, number]): SvgResult {
  const drawn = data.runs
    .map((run, i) => ({ run, color: colors.runs[i % Math.max(1, colors.runs.length)] ?? colors.foreground, series: data.series.find((s) => s.runId === run.id && s.key === key) }))
    .filter((l) => l.series)
    .map((l) => ({ ...l, line: lineOf(l.series!, view) }));
  const all = drawn.flatMap((d) => d.line.xs);
  const [x0, x1] = range ?? [all.reduce((a, b) => Math.min(a, b), Infinity), all.reduce((a, b) => Math.max(a, b), -Infinity)];
  const inRange = (x: number): boolean => x >= x0 && x <= x1;
  const shown = (d: (typeof drawn)[number]): (number | null)[] => d.line.smooth ?? d.line.raw;
  const ys = drawn.flatMap((d) => [d.line.raw, shown(d)].flatMap((vs) => vs.filter((v, i): v is number => v !== null && Number.isFinite(v) && inRange(d.line.xs[i]!))));
  const lines = drawn.filter((d) => d.line.raw.some((v, i) => v !== null && inRange(d.line.xs[i]!)));
  const legendRows = Math.ceil(lines.length / LEGEND_COLUMNS);
  const height = MARGIN.top + PLOT_HEIGHT + MARGIN.bottom + legendRows * LEGEND_ROW + 8;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="100%" height="100%" fill="${escapeXml(colors.background)}"/>`);
  out.push(`<text x="${MARGIN.left}" y="20" fill="${escapeXml(colors.foreground)}" font-size="13" font-weight="600">${escapeXml(key)}${view.smoothing > 0 ? escapeXml(` (smoothed ${view.smoothing})`) : ''}</text>`);
  if (ys.length === 0 || !(x1 >= x0)) {
    out.push(`<text x="${MARGIN.left}" y="${MARGIN.top + 20}" fill="${escapeXml(colors.foreground)}">No finite value to draw.</text></svg>`);
    return { svg: out.join('\n'), lines: 0 };
  }
  let lo = ys.reduce((a, b) => Math.min(a, b), Infinity);
  let hi = ys.reduce((a, b) => Math.max(a, b), -Infinity);
  const f = view.log ? Math.log10 : (v: number): number => v;
  if (view.log) {
    lo = Math.log10(lo);
    hi = Math.log10(hi);
  }
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  } else {
    const pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const px = (x: number): number => MARGIN.left + (x1 === x0 ? plotW / 2 : ((x - x0) / (x1 - x0)) * plotW);
  const py = (y: number): number => MARGIN.top + PLOT_HEIGHT - ((f(y) - lo) / (hi - lo)) * PLOT_HEIGHT;
  const n = (v: number): string => v.toFixed(1);
  const grid = escapeXml(colors.grid);
  const fg = escapeXml(colors.foreground);
  // Axes: the y ticks (powers of ten on a log scale), the x ticks, the frame.
  const yTicks = view.log ? niceTicks(Math.ceil(lo), Math.floor(hi), 5).filter(Number.isInteger).map((p) => 10 ** p) : niceTicks(lo, hi);
  for (const t of yTicks) {
    out.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${n(py(t))}" y2="${n(py(t))}" stroke="${grid}" stroke-width="1"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${n(py(t) + 4)}" text-anchor="end" fill="${fg}">${escapeXml(label(t))}</text>`);
  }
  for (const t of niceTicks(x0, x1)) {
    out.push(`<line x1="${n(px(t))}" x2="${n(px(t))}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_HEIGHT}" stroke="${grid}" stroke-width="1"/>`);
    out.push(`<text x="${n(px(t))}" y="${MARGIN.top + PLOT_HEIGHT + 16}" text-anchor="middle" fill="${fg}">${escapeXml(xLabel(t, view.x))}</text>`);
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${PLOT_HEIGHT}" fill="none" stroke="${grid}"/>`);
  const axisName = view.x === 'step' ? 'step' : view.x === 'relative' ? 'time since the run started' : 'wall-clock time (UTC)';
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + PLOT_HEIGHT + 34}" text-anchor="middle" fill="${fg}">${axisName}</text>`);
  // The lines: each run's points in range, one polyline per stretch without a gap.
  const polylines = (xs: number[], vs: (number | null)[], color: string, attrs: string): void => {
    let pts: string[] = [];
    const flush = (): void => {
      if (pts.length > 0) out.push(`<polyline fill="none" stroke="${escapeXml(color)}" ${attrs} points="${pts.join(' ')}"/>`);
      pts = [];
    };
    for (let i = 0; i < xs.length; i++) {
      const v = vs[i];
      if (v === null || v === undefined || !Number.isFinite(v) || !inRange(xs[i]!)) flush();
      else pts.push(`${n(px(xs[i]!))},${n(py(v))}`);
    }
    flush();
  };
  out.push('<g>');
  for (const d of lines) {
    if (d.line.smooth) polylines(d.line.xs, d.line.raw, d.color, 'stroke-width="1" stroke-opacity="0.25"');
    polylines(d.line.xs, shown(d), d.color, 'stroke-width="1.5"');
  }
  out.push('</g>');
  lines.forEach((d, i) => {
    const x = MARGIN.left + (i % LEGEND_COLUMNS) * (plotW / LEGEND_COLUMNS);
    const y = MARGIN.top + PLOT_HEIGHT + MARGIN.bottom + Math.floor(i / LEGEND_COLUMNS) * LEGEND_ROW + 8;
    out.push(`<rect x="${n(x)}" y="${y - 9}" width="10" height="10" fill="${escapeXml(d.color)}"/><text x="${n(x + 14)}" y="${y}" fill="${fg}">${escapeXml(d.run.name)}</text>`);
  });
  out.push('</svg>');
  return { svg: out.join('\n'), lines: lines.length };
}
