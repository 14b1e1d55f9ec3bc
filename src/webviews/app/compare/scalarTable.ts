/// <reference lib="dom" />
// The scalar table: one row per run, and for each metric its last, min and max value (min and max kept by
// the store). Sorted by a click (or Enter/Space: the headers are buttons) on a column's header, again to
// reverse; the direction that is better is marked on the metric where its name tells (the engine's
// src/engine/tracking/direction.ts, sent by the host), and the run with the best last value is marked.
import type { CompareData, CompareRun, MetricNumber, PageState } from '../../compare/protocol';
import { h } from '../shared/vscodeApi';
import { finite, formatMetric, runColor } from './format';

export type Sort = NonNullable<PageState['sort']>;
type Stat = 'last' | 'min' | 'max';

const valueOf = (r: CompareRun, key: string, stat: Stat): MetricNumber | null | undefined => (stat === 'last' ? r.metrics[key] : r.scalars[key]?.[stat]);

/** The runs in the table's order: absent and non-finite values last whichever way it is sorted. */
export function sortRuns(runs: CompareRun[], sort: Sort | undefined): CompareRun[] {
  if (!sort) return runs;
  const sign = sort.descending ? -1 : 1;
  if (sort.stat === 'name') return [...runs].sort((a, b) => sign * a.name.localeCompare(b.name));
  const stat = sort.stat;
  return [...runs].sort((a, b) => {
    const x = finite(valueOf(a, sort.key, stat));
    const y = finite(valueOf(b, sort.key, stat));
    if (x === undefined || y === undefined) return (x === undefined ? 1 : 0) - (y === undefined ? 1 : 0);
    return sign * (x - y);
  });
}

/** The run with the best last value of a metric whose direction is known (ties: the first), when two runs or more have one. */
export function bestRun(data: CompareData, key: string): string | undefined {
  const direction = data.directions[key];
  if (!direction) return undefined;
  let best: { id: string; v: number } | undefined;
  let candidates = 0;
  for (const r of data.runs) {
    const v = finite(r.metrics[key]);
    if (v === undefined) continue;
    candidates++;
    if (!best || (direction === 'lower' ? v < best.v : v > best.v)) best = { id: r.id, v };
  }
  return candidates >= 2 ? best?.id : undefined;
}

export function scalarTable(data: CompareData, sort: Sort | undefined, onSort: (sort: Sort) => void): HTMLElement {
  const metrics = [...new Set(data.runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  if (metrics.length === 0) return h('p', { class: 'note' }, 'None of these runs logged a metric: no summary to show.');
  const colour = new Map(data.runs.map((r, i) => [r.id, runColor(i)]));
  const sortButton = (key: string, stat: Sort['stat'], text: string, label: string): HTMLTableCellElement => {
    const active = sort?.key === key && sort.stat === stat;
    const button = h('button', { type: 'button', class: 'sort', title: `Sort by ${label}` }, text, active ? (sort.descending ? ' ▼' : ' ▲') : '');
    button.addEventListener('click', () => {
      const direction = data.directions[key];
      // First click: better values first where that is known; again: the other way.
      const descending = active ? !sort.descending : stat !== 'name' && direction === 'higher';
      onSort({ key, stat, descending });
    });
    return h('th', { scope: 'col', 'aria-sort': active ? (sort.descending ? 'descending' : 'ascending') : 'none', 'data-sort': `${key}:${stat}` }, button);
  };
  const groups = h('tr', {}, h('th', { scope: 'colgroup', rowspan: '1' }, ''));
  const stats = h('tr', {}, sortButton('', 'name', 'run', 'run name'));
  for (const key of metrics) {
    const direction = data.directions[key];
    const hint = direction === 'lower' ? '↓ lower is better' : direction === 'higher' ? '↑ higher is better' : '';
    groups.append(h('th', { scope: 'colgroup', colspan: '3', class: 'metric', 'data-key': key, 'data-direction': direction }, key, hint ? h('span', { class: 'sub direction' }, hint) : ''));
    for (const stat of ['last', 'min', 'max'] as const) stats.append(sortButton(key, stat, stat, `${key} ${stat}`));
  }
  const best = new Map(metrics.map((k) => [k, bestRun(data, k)]));
  const body = h('tbody', {});
  for (const r of sortRuns(data.runs, sort)) {
    const swatch = h('span', { class: 'swatch' });
    swatch.style.background = colour.get(r.id)!;
    const row = h('tr', { 'data-run': r.id }, h('th', { scope: 'row', title: r.id }, swatch, r.name));
    for (const key of metrics) {
      for (const stat of ['last', 'min', 'max'] as const) {
        const v = valueOf(r, key, stat);
        const isBest = stat === 'last' && best.get(key) === r.id;
        const cell = h('td', { class: [v === undefined || v === null ? 'absent' : '', isBest ? 'best' : '', stat === 'last' ? 'group-start' : ''].filter(Boolean).join(' ') || undefined, 'data-key': key, 'data-stat': stat }, formatMetric(v));
        if (isBest) {
          cell.title = `best ${key} (${data.directions[key]} is better)`;
          cell.append(h('span', { class: 'best-mark', 'aria-label': 'best' }, ' ★'));
        }
        row.append(cell);
      }
    }
    body.append(row);
  }
  return h('div', { class: 'table-wrap' }, h('table', { class: 'scalars', 'aria-label': 'Each metric per run: last, min and max; click a header to sort' }, h('thead', {}, groups, stats), body));
}
