/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The experiments table's page (bundled to dist/webviews/table.js): one row per run of an experiment, sent by
// the extension and checked against the contract (../table/protocol.ts). Columns for name, status (a failed
// run says why), start, duration, then params and latest metrics; click (or Enter on) a header to sort; a
// filter box in the engine's filter language (the page posts the text, the host answers with the matching
// ids or the parser's error: the page never parses a filter); a column picker; row selection (checkboxes,
// shift-click for a range, Space on a focused row) → Compare; Open (or Enter) shows a run's details.
// Only the rows in view are in the DOM (a window of rows between two spacers), so thousands of runs scroll
// and sort quickly. State (experiment, filter, sort, hidden columns, selection, last data) kept with setState.
import './table.css';
import { formatDuration } from '../../engine/format';
import type { MetricNumber } from '../compare/protocol';
import { HostMessageSchema, PageStateSchema, type PageMessage, type PageState, type Sort, type TableData, type TableRow } from '../table/protocol';
import { button, checkbox, textField, type Control } from './shared/controls';
import { h, vscodeApi } from './shared/vscodeApi';

const vscode = vscodeApi<PageState>();
const app = document.getElementById('app')!;

const restored = PageStateSchema.safeParse(vscode.getState() ?? {});
let state: PageState = restored.success ? restored.data : { experiment: '', filter: '', hidden: [], selected: [] };
let data: TableData | undefined = state.data;

/** Ids that match the filter (undefined: no filter), and the filter's error to show under the box. */
let matching: Set<string> | undefined;
let filterError: { message: string; column?: number; fix?: string } | undefined;
/** Row indexes into data.rows, filtered and sorted: what the table shows, in order. */
let view: number[] = [];
const selected = new Set<string>(state.selected);
/** The row a shift-click or Shift+Space extends a selection from, and the row with the keyboard focus (indexes into view). */
let anchor: number | undefined;
let focusIndex = 0;
let rowHeight = 26;

function post(message: PageMessage): void {
  vscode.postMessage(message);
}

/** The data is kept in the state (drawn at once when the panel is shown again) up to this many rows; past it the page waits for the host's. */
const KEEP_ROWS = 1000;

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function save(): void {
  // Serialized on every save: a few thousand rows would cost each sort and click tens of milliseconds.
  state = { ...state, selected: [...selected], data: data && data.rows.length <= KEEP_ROWS ? data : undefined };
  if (saveTimer) return;
  // Coalesced: a shift-click over thousands of rows or typing in the filter saves once.
  saveTimer = setTimeout(() => {
    saveTimer = undefined;
    vscode.setState(state);
  }, 100);
}

// ---- columns ----

interface Column {
  id: string;
  label: string;
  group: 'run' | 'param' | 'metric';
  numeric: boolean;
  /** The value sorted by: a number, a string, or undefined (absent and NaN sort last either way). */
  key(row: TableRow): number | string | undefined;
  text(row: TableRow): string;
}

function metricValue(v: MetricNumber | undefined): number | undefined {
  if (v === undefined || v === 'NaN') return undefined;
  return v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v;
}

export function formatMetric(v: MetricNumber | undefined): string {
  if (v === undefined) return '–';
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  return abs !== 0 && (abs < 1e-4 || abs >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

function paramKey(v: string | undefined): number | string | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return v.trim() !== '' && !Number.isNaN(n) ? n : v;
}

function startedText(ms: number | null): string {
  if (ms === null) return '–';
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function durationOf(row: TableRow): number | undefined {
  if (row.startedAt === null) return undefined;
  const end = row.endedAt ?? (row.status === 'running' ? (data?.readAt ?? row.startedAt) : null);
  return end === null ? undefined : Math.max(0, end - row.startedAt);
}

/** The columns of the data last shown (built once per data: a param column is numeric when every value is a number). */
let columnsOf: { data: TableData; columns: Column[] } | undefined;
function allColumns(d: TableData): Column[] {
  if (columnsOf?.data !== d) columnsOf = { data: d, columns: buildColumns(d) };
  return columnsOf.columns;
}

function buildColumns(d: TableData): Column[] {
  const run: Column[] = [
    { id: 'name', label: 'Name', group: 'run', numeric: false, key: (r) => r.name.toLowerCase(), text: (r) => r.name },
    { id: 'status', label: 'Status', group: 'run', numeric: false, key: (r) => r.status, text: (r) => r.status },
    { id: 'started', label: 'Started', group: 'run', numeric: false, key: (r) => r.startedAt ?? undefined, text: (r) => startedText(r.startedAt) },
    {
      id: 'duration',
      label: 'Duration',
      group: 'run',
      numeric: true,
      key: durationOf,
      text: (r) => {
        const ms = durationOf(r);
        return ms === undefined ? '–' : `${formatDuration(ms)}${r.status === 'running' ? '+' : ''}`;
      },
    },
  ];
  const params: Column[] = d.params.map((k) => ({ id: `params.${k}`, label: k, group: 'param', numeric: d.rows.every((r) => typeof paramKey(r.params[k]) !== 'string'), key: (r) => paramKey(r.params[k]), text: (r) => r.params[k] ?? '–' }));
  const metrics: Column[] = d.metrics.map((k) => ({ id: `metrics.${k}`, label: k, group: 'metric', numeric: true, key: (r) => metricValue(r.metrics[k]), text: (r) => formatMetric(r.metrics[k]) }));
  return [...run, ...params, ...metrics];
}

const shownColumns = (d: TableData): Column[] => allColumns(d).filter((c) => c.id === 'name' || !state.hidden.includes(c.id));

// ---- filtering and sorting ----

/** Text compared as people read it ("run-2" before "run-10"); one collator, far quicker than localeCompare with options per pair. */
const collator = new Intl.Collator(undefined, { numeric: true });

/** Numbers before text; absent (and NaN) last whatever the direction. */
function compareKeys(a: number | string | undefined, b: number | string | undefined, sign: number): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : (a < b ? -1 : 1) * sign;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return collator.compare(a, b) * sign;
}

function computeView(): void {
  if (!data) return void (view = []);
  const rows = data.rows;
  let indexes = rows.map((_, i) => i);
  if (matching) indexes = indexes.filter((i) => matching!.has(rows[i]!.id));
  const sort = state.sort;
  const column = sort && allColumns(data).find((c) => c.id === sort.column);
  if (sort && column) {
    const sign = sort.direction === 'asc' ? 1 : -1;
    // Each row's key once, then a sort of indexes (ties keep the store's order: newest first).
    const keys: (number | string | undefined)[] = new Array(rows.length);
    for (const i of indexes) keys[i] = column.key(rows[i]!);
    indexes.sort((x, y) => compareKeys(keys[x], keys[y], sign) || x - y);
  }
  view = indexes;
}

// ---- rendering ----

let wrap: HTMLElement | undefined;
let tbody: HTMLTableSectionElement | undefined;
let summary: HTMLElement | undefined;
let errorLine: HTMLElement | undefined;
let compareButton: HTMLElement | undefined;
let picker: HTMLElement | undefined;
let filterField: Control | undefined;

function showMessage(text: string): void {
  app.replaceChildren(h('p', { class: 'note error', role: 'alert' }, text));
  wrap = tbody = undefined;
}

function render(): void {
  if (!data) return;
  document.title = `Runs: ${data.experiment}`;
  const heading = h('h1', {}, `Runs of ${data.experiment}`);
  if (data.rows.length === 0) {
    app.replaceChildren(heading, h('p', { class: 'note', role: 'status' }, `Experiment "${data.experiment}" has no runs yet. Run a pipeline, or a script that logs to Sextant, and they appear here.`));
    wrap = tbody = undefined;
    return;
  }
  filterField = textField('Filter', state.filter, onFilterInput, 'loss<0.3 lr=0.01 status=failed name~fold');
  filterField.classList.add('filter');
  errorLine = h('p', { class: 'filter-error', role: 'alert' });
  compareButton = button('Compare', () => compareSelected(), { title: 'Compare the selected runs (two or more)' });
  compareButton.classList.add('compare');
  const columnsButton = button('Columns…', () => togglePicker(), { secondary: true, title: 'Choose the columns to show' });
  columnsButton.setAttribute('aria-haspopup', 'true');
  const clearButton = button('Clear selection', () => setSelection([], false), { secondary: true });
  summary = h('span', { class: 'summary', role: 'status' });
  picker = h('section', { class: 'picker', hidden: '', 'aria-label': 'Columns' });
  const notes: HTMLElement[] = [];
  if (data.metrics.length === 0) notes.push(h('p', { class: 'note' }, 'None of these runs logged a metric yet.'));
  wrap = h('div', { class: 'table-wrap' });
  wrap.addEventListener('scroll', () => scheduleRows());
  app.replaceChildren(
    heading,
    h('div', { class: 'toolbar' }, h('div', { class: 'filter-box' }, filterField, errorLine), compareButton, clearButton, columnsButton, summary),
    picker,
    ...notes,
    wrap,
  );
  renderFilterError();
  renderTable();
}

/** Column widths in pixels (a param's or metric's: `value`). */
const WIDTHS = { select: 32, name: 220, status: 220, started: 136, duration: 96, value: 108 };

function renderTable(): void {
  if (!data || !wrap) return;
  const columns = shownColumns(data);
  const table = h('table', { class: 'runs', role: 'grid', 'aria-label': `Runs of ${data.experiment}`, 'aria-multiselectable': 'true' });
  // Fixed widths (table-layout: fixed): columns keep their width as rows scroll in and out.
  const widths = [WIDTHS.select, ...columns.map((c) => (c.group === 'run' ? WIDTHS[c.id as keyof typeof WIDTHS] : WIDTHS.value))];
  const colgroup = h('colgroup', {});
  for (const w of widths) {
    const col = h('col', {});
    col.style.width = `${w}px`;
    colgroup.append(col);
  }
  const all = h('input', { type: 'checkbox', 'aria-label': 'Select every run shown' });
  all.addEventListener('change', () => setSelection(all.checked ? view.map((i) => data!.rows[i]!.id) : [], true));
  const head = h('tr', { 'aria-rowindex': '1' }, h('th', { class: 'select', scope: 'col' }, all));
  for (const c of columns) {
    const sorted = state.sort?.column === c.id ? state.sort.direction : undefined;
    const label = h('button', { type: 'button', class: 'sort', title: `${c.group === 'run' ? c.label : `${c.group} ${c.label}`}: sort`, 'data-column': c.id });
    if (c.group !== 'run') label.append(h('span', { class: 'group' }, c.group));
    label.append(h('span', { class: 'label' }, c.label), h('span', { class: 'arrow', 'aria-hidden': 'true' }, sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''));
    label.addEventListener('click', () => sortBy(c.id));
    head.append(h('th', { scope: 'col', class: c.numeric ? 'num' : undefined, 'aria-sort': sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none', 'data-column': c.id }, label));
  }
  tbody = h('tbody', {});
  tbody.addEventListener('keydown', onRowKey);
  tbody.addEventListener('click', onRowClick);
  tbody.addEventListener('dblclick', (e) => {
    const tr = (e.target as HTMLElement).closest('tr[data-id]');
    if (tr && !(e.target as HTMLElement).closest('input, button')) openRun(tr.getAttribute('data-id')!);
  });
  table.append(colgroup, h('thead', {}, head), tbody);
  wrap.replaceChildren(table);
  table.style.width = `${widths.reduce((a, b) => a + b, 0)}px`;
  computeView();
  renderRows();
}

let rowsFrame = 0;
function scheduleRows(): void {
  if (rowsFrame) return;
  rowsFrame = requestAnimationFrame(() => {
    rowsFrame = 0;
    renderRows();
  });
}

/** Draws the rows in view (and a few around) between two spacer rows that keep the scroll height true. */
function renderRows(): void {
  if (!data || !wrap || !tbody) return;
  const columns = shownColumns(data);
  const table = tbody.parentElement!;
  table.setAttribute('aria-rowcount', String(view.length + 1));
  const headHeight = table.querySelector('thead')?.getBoundingClientRect().height ?? 0;
  const top = Math.max(0, wrap.scrollTop - headHeight);
  const count = Math.ceil((wrap.clientHeight || 800) / rowHeight) + 20;
  // Never past the end (the view may just have shrunk under a scrolled table).
  const first = Math.max(0, Math.min(Math.floor(top / rowHeight) - 10, view.length - count));
  const last = Math.min(view.length, first + count);
  const hadFocus = tbody.contains(document.activeElement) && document.activeElement?.tagName === 'TR';
  const span = String(columns.length + 1);
  const spacer = (rows: number): HTMLElement => {
    const tr = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: span }));
    tr.style.height = `${rows * rowHeight}px`;
    return tr;
  };
  const out: HTMLElement[] = [spacer(first)];
  if (view.length === 0) out.push(h('tr', { class: 'empty' }, h('td', { colspan: span }, matching ? 'No run matches this filter.' : 'No runs.')));
  // One tab stop among the rows: the focused row, or the first drawn when it scrolled away.
  const tabStop = focusIndex >= first && focusIndex < last ? focusIndex : first;
  for (let v = first; v < last; v++) out.push(rowElement(data.rows[view[v]!]!, v, columns, v === tabStop));
  out.push(spacer(view.length - last));
  tbody.replaceChildren(...out);
  const measured = tbody.querySelector<HTMLElement>('tr.row')?.getBoundingClientRect().height;
  if (measured && Math.abs(measured - rowHeight) > 0.5) {
    rowHeight = measured;
    scheduleRows();
  }
  if (hadFocus) tbody.querySelector<HTMLElement>(`tr[data-index="${focusIndex}"]`)?.focus({ preventScroll: true });
  updateSummary();
}

function rowElement(row: TableRow, index: number, columns: Column[], tabStop: boolean): HTMLElement {
  const isSelected = selected.has(row.id);
  const box = h('input', { type: 'checkbox', tabindex: '-1', 'aria-label': `Select ${row.name}` });
  box.checked = isSelected;
  const tr = h('tr', { class: `row status-${row.status}${isSelected ? ' selected' : ''}`, 'data-id': row.id, 'data-index': String(index), 'aria-rowindex': String(index + 2), 'aria-selected': String(isSelected), tabindex: tabStop ? '0' : '-1' }, h('td', { class: 'select' }, box));
  for (const c of columns) {
    const text = c.text(row);
    const td = h('td', { class: [c.numeric ? 'num' : '', text === '–' ? 'absent' : ''].join(' ').trim() || undefined, 'data-column': c.id });
    if (c.id === 'name') {
      td.append(h('span', { class: 'name', title: `${row.name} (${row.id})${row.stages ? ` · pipeline run, ${row.stages} stage${row.stages === 1 ? '' : 's'}` : ''}` }, text), h('button', { type: 'button', class: 'open', tabindex: '-1', 'aria-label': `Open run ${row.name}`, title: 'Show run details' }, 'Open'));
    } else if (c.id === 'status') {
      td.append(h('span', { class: `status ${row.status}` }, text));
      if (row.reason) {
        td.append(h('span', { class: 'reason' }, ` · ${row.reason}`));
        td.title = `${row.status}: ${row.reason}`;
      }
    } else {
      td.textContent = text;
      if (text.length > 12) td.title = text;
    }
    tr.append(td);
  }
  return tr;
}

function updateSummary(): void {
  if (!data || !summary || !compareButton) return;
  const total = data.rows.length;
  const chosen = selectedInView();
  const parts = [`${total.toLocaleString('en')} run${total === 1 ? '' : 's'}`];
  if (matching) parts.push(`${view.length.toLocaleString('en')} match`);
  if (selected.size) parts.push(`${selected.size.toLocaleString('en')} selected`);
  summary.textContent = parts.join(' · ');
  const canCompare = chosen.length >= 2 && chosen.length <= 50;
  if (canCompare) compareButton.removeAttribute('disabled');
  else compareButton.setAttribute('disabled', '');
  compareButton.textContent = chosen.length >= 2 ? `Compare ${chosen.length}` : 'Compare';
  compareButton.title = chosen.length > 50 ? 'Compare at most 50 runs at once' : 'Compare the selected runs (two or more)';
  const all = tbody?.parentElement?.querySelector<HTMLInputElement>('thead th.select input');
  if (all) {
    all.checked = view.length > 0 && chosen.length === view.length;
    all.indeterminate = chosen.length > 0 && chosen.length < view.length;
  }
}

// ---- actions ----

/** The selected runs the filter shows, in the table's order (a selected run the filter hides is not compared). */
function selectedInView(): string[] {
  if (!data) return [];
  return view.map((i) => data!.rows[i]!.id).filter((id) => selected.has(id));
}

function setSelection(ids: string[], keep: boolean): void {
  if (!keep) selected.clear();
  else for (const i of view) selected.delete(data!.rows[i]!.id);
  for (const id of ids) selected.add(id);
  save();
  renderRows();
}

function toggleRow(index: number, extend: boolean, checked?: boolean): void {
  if (!data) return;
  const id = data.rows[view[index]!]!.id;
  const on = checked ?? !selected.has(id);
  const [from, to] = extend && anchor !== undefined ? [Math.min(anchor, index), Math.max(anchor, index)] : [index, index];
  for (let v = from; v <= to; v++) {
    const rowId = data.rows[view[v]!]!.id;
    if (on) selected.add(rowId);
    else selected.delete(rowId);
  }
  if (!extend) anchor = index;
  save();
  renderRows();
}

function compareSelected(): void {
  const ids = selectedInView();
  if (ids.length >= 2 && ids.length <= 50) post({ type: 'compare', runIds: ids });
}

function openRun(id: string): void {
  post({ type: 'open', runId: id });
}

function sortBy(column: string): void {
  const direction: Sort['direction'] = state.sort?.column === column && state.sort.direction === 'asc' ? 'desc' : 'asc';
  state = { ...state, sort: { column, direction } };
  save();
  const focused = document.activeElement?.getAttribute('data-column');
  focusIndex = 0;
  if (wrap) wrap.scrollTop = 0;
  renderTable();
  if (focused) tbody?.parentElement?.querySelector<HTMLElement>(`thead button[data-column="${CSS.escape(focused)}"]`)?.focus();
}

function onRowClick(e: MouseEvent): void {
  const target = e.target as HTMLElement;
  const tr = target.closest<HTMLElement>('tr.row');
  if (!tr) return;
  const index = Number(tr.dataset.index);
  focusIndex = index;
  if (target.closest('button.open')) return openRun(tr.dataset.id!);
  if (target instanceof HTMLInputElement && target.type === 'checkbox') return toggleRow(index, e.shiftKey, target.checked);
}

function onRowKey(e: KeyboardEvent): void {
  const tr = (e.target as HTMLElement).closest<HTMLElement>('tr.row');
  if (!tr || e.target !== tr) return;
  const index = Number(tr.dataset.index);
  const page = Math.max(1, Math.floor((wrap?.clientHeight ?? 400) / rowHeight) - 1);
  const moves: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1, PageDown: index + page, PageUp: index - page, Home: 0, End: view.length - 1 };
  if (e.key in moves) {
    e.preventDefault();
    moveFocus(Math.max(0, Math.min(view.length - 1, moves[e.key]!)));
  } else if (e.key === ' ') {
    e.preventDefault();
    toggleRow(index, e.shiftKey);
  } else if (e.key === 'Enter') {
    e.preventDefault();
    openRun(tr.dataset.id!);
  }
}

/** Moves the keyboard focus to a row, scrolling it into view (it is drawn once in view). */
function moveFocus(index: number): void {
  if (!wrap || !tbody) return;
  focusIndex = index;
  const headHeight = tbody.parentElement!.querySelector('thead')!.getBoundingClientRect().height;
  const rowTop = index * rowHeight;
  const viewTop = wrap.scrollTop;
  const viewHeight = wrap.clientHeight - headHeight;
  if (rowTop < viewTop) wrap.scrollTop = rowTop;
  else if (rowTop + rowHeight > viewTop + viewHeight) wrap.scrollTop = rowTop + rowHeight - viewHeight;
  renderRows();
  tbody.querySelector<HTMLElement>(`tr[data-index="${index}"]`)?.focus({ preventScroll: true });
}

// ---- the filter: evaluated by the host, in the engine's filter language ----

let filterTimer: ReturnType<typeof setTimeout> | undefined;
function onFilterInput(text: string): void {
  state = { ...state, filter: text };
  save();
  if (filterTimer) clearTimeout(filterTimer);
  filterTimer = setTimeout(() => requestFilter(), 150);
}

function requestFilter(): void {
  if (state.filter.trim() === '') {
    // No terms: every run (nothing to parse).
    matching = undefined;
    filterError = undefined;
    renderFilterError();
    computeView();
    focusIndex = 0;
    if (wrap) wrap.scrollTop = 0;
    renderRows();
    return;
  }
  post({ type: 'filter', text: state.filter });
}

function renderFilterError(): void {
  if (!errorLine) return;
  filterField?.classList.toggle('invalid', Boolean(filterError));
  if (!filterError) return void errorLine.replaceChildren();
  const where = filterError.column !== undefined ? `Column ${filterError.column}: ` : '';
  errorLine.replaceChildren(`${where}${filterError.message}`);
  if (filterError.fix) errorLine.append(h('span', { class: 'fix' }, ` ${filterError.fix}`));
  if (matching) errorLine.append(h('span', { class: 'fix' }, ' (The rows shown match the last filter that could be read.)'));
}

// ---- the column picker ----

function togglePicker(): void {
  if (!picker || !data) return;
  if (!picker.hidden) {
    picker.hidden = true;
    return;
  }
  const groups: [string, Column[]][] = [
    ['Run', allColumns(data).filter((c) => c.group === 'run' && c.id !== 'name')],
    ['Params', allColumns(data).filter((c) => c.group === 'param')],
    ['Metrics', allColumns(data).filter((c) => c.group === 'metric')],
  ];
  picker.replaceChildren();
  for (const [title, columns] of groups) {
    if (columns.length === 0) continue;
    const list = h('div', { class: 'choices' });
    for (const c of columns) {
      const box = checkbox(c.label, !state.hidden.includes(c.id), (on) => setHidden([c.id], !on));
      box.dataset.column = c.id;
      list.append(box);
    }
    const all = button('All', () => setHidden(columns.map((c) => c.id), false, true), { secondary: true, title: `Show every ${title.toLowerCase()} column` });
    const none = button('None', () => setHidden(columns.map((c) => c.id), true, true), { secondary: true, title: `Hide every ${title.toLowerCase()} column` });
    picker.append(h('div', { class: 'group', role: 'group', 'aria-label': title }, h('div', { class: 'group-head' }, h('span', { class: 'title' }, title), all, none), list));
  }
  picker.append(h('div', { class: 'picker-actions' }, button('Done', () => togglePicker())));
  picker.hidden = false;
  picker.querySelector<HTMLElement>('vscode-checkbox')?.focus();
}

function setHidden(ids: string[], hide: boolean, redrawPicker = false): void {
  const hidden = new Set(state.hidden);
  for (const id of ids) {
    if (hide) hidden.add(id);
    else hidden.delete(id);
  }
  state = { ...state, hidden: [...hidden] };
  save();
  renderTable();
  if (redrawPicker && picker) {
    for (const box of picker.querySelectorAll<HTMLElement & { checked: boolean }>('vscode-checkbox')) box.checked = !hidden.has(box.dataset.column!);
  }
}

// ---- messages from the host ----

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const parsed = HostMessageSchema.safeParse(event.data);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).slice(0, 3).join('; ');
    post({ type: 'invalid', message });
    showMessage(`The table received data it cannot show (${message}). Close it and open the experiment's table again.`);
    return;
  }
  const msg = parsed.data;
  if (msg.type === 'error') return showMessage(msg.message);
  if (msg.type === 'filtered') {
    if (msg.text !== state.filter) return; // an answer to text since changed
    if (msg.error) filterError = msg.error;
    else {
      filterError = undefined;
      matching = new Set(msg.ids ?? []);
    }
    renderFilterError();
    computeView();
    focusIndex = 0;
    if (wrap) wrap.scrollTop = 0;
    renderRows();
    return;
  }
  const first = !data || !wrap;
  data = msg.data;
  state = { ...state, experiment: msg.data.experiment };
  // Runs deleted since are no longer selected.
  const ids = new Set(data.rows.map((r) => r.id));
  for (const id of selected) if (!ids.has(id)) selected.delete(id);
  save();
  if (first) render();
  else renderTable();
  // The filter is evaluated again over the new rows (a run that just finished may now match).
  if (state.filter.trim() !== '') requestFilter();
});

if (data) {
  render();
  if (state.filter.trim() !== '') requestFilter();
}
post({ type: 'ready' });
