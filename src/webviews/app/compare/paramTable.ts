/// <reference lib="dom" />
// The params and latest metrics side by side, one column per run: rows that differ first and marked.
import type { CompareRun } from '../../compare/protocol';
import { makeGridNavigable } from '../shared/gridKeys';
import { h } from '../shared/vscodeApi';
import { formatMetric, runColor } from './format';

export function paramTable(runs: CompareRun[], onlyDiffering: boolean): HTMLTableElement {
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
  table.classList.toggle('only-differing', onlyDiffering);
  makeGridNavigable(table);
  return table;
}
