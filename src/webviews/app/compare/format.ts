/// <reference lib="dom" />
// How the compare page writes numbers and colours its runs (theme colours only).
import type { MetricNumber } from '../../compare/protocol';
import { themeColor } from '../shared/vscodeApi';

/** The run's colour: the theme's chart colours in turn. */
const CHART_COLORS = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
export const runColor = (i: number): string => themeColor(CHART_COLORS[i % CHART_COLORS.length]!);

export function formatMetric(v: MetricNumber | null | undefined): string {
  if (v === undefined || v === null) return '–';
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  return abs !== 0 && (abs < 1e-4 || abs >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

/** A finite number, or undefined (absent, NaN, ±Infinity). */
export const finite = (v: MetricNumber | null | undefined): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Replaces `old` with `fresh`, keeping keyboard focus on the element at the same place (a refresh must not throw the user out of a table). */
export function replaceKeepingFocus(old: Element, fresh: Element): void {
  const active = document.activeElement;
  const path: number[] = [];
  if (active && old.contains(active) && active !== old) {
    for (let el: Element = active; el !== old; el = el.parentElement!) path.unshift([...el.parentElement!.children].indexOf(el));
  }
  old.replaceWith(fresh);
  if (path.length === 0) return;
  let target: Element | undefined = fresh;
  for (const i of path) target = target?.children[i];
  if (target instanceof HTMLElement) target.focus({ preventScroll: true });
}
