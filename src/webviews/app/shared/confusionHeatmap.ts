/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The confusion matrix as a table whose cells are shaded by count (six levels of a theme colour, charts.css),
// the count written in each, and each row's total: the run details panel's evaluate stages and the model card's
// latest evaluation.
import './charts.css';
import { makeGridNavigable } from './gridKeys';
import { h } from './vscodeApi';

/** `matrix[true][predicted]`, in the order of `classes`; null where no count was logged. `attrs` go on the table. */
export function confusionHeatmap(classes: string[], matrix: (number | null)[][], label: string, attrs: Record<string, string> = {}): HTMLTableElement {
  const max = Math.max(1, ...matrix.flat().filter((v): v is number => v !== null));
  const rowTotal = (r: (number | null)[]): number => r.reduce<number>((s, v) => s + (v ?? 0), 0);
  const table = h(
    'table',
    { ...attrs, class: 'heatmap', 'aria-label': label },
    h('caption', {}, 'Confusion matrix (rows: true class, columns: predicted)'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'corner' }, 'true ↓ predicted →'), ...classes.map((c) => h('th', { scope: 'col' }, c)), h('th', { scope: 'col', class: 'total' }, 'rows'))),
    h(
      'tbody',
      {},
      ...matrix.map((row, t) =>
        h(
          'tr',
          { 'data-true': classes[t]! },
          h('th', { scope: 'row' }, classes[t]!),
          ...row.map((v, p) => {
            const level = v === null ? 'none' : String(Math.round((v / max) * 5));
            return h('td', { class: `cell level-${level}${t === p ? ' diagonal' : ''}`, 'data-pred': classes[p]!, title: `true ${classes[t]}, predicted ${classes[p]}: ${v ?? 'not logged'}` }, v === null ? '–' : String(v));
          }),
          h('td', { class: 'total num' }, String(rowTotal(row))),
        ),
      ),
    ),
  );
  makeGridNavigable(table);
  return table;
}
