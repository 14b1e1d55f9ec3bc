/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The drift report's page (bundled to dist/webviews/drift.js): renders what the extension sends, checked
// against the contract (../drift/protocol.ts): the verdict and drift share, a sortable table of the tested
// columns (click or Enter/Space on a header; arrow keys move between cells) with a "drifted columns only"
// switch, each column's reference and current distributions (numbers: the same bins for both, overlaid;
// categories: side-by-side bars, top categories and "other"), drawn as SVG coloured by theme classes, and
// what could not be tested and why. No file access; the data and the switches kept with setState.
import './drift.css';
import { HostMessageSchema, PageStateSchema, SORT_KEYS, type DriftColumn, type DriftPanelData, type Histogram, type PageMessage, type PageState, type Sort } from '../drift/protocol';
import { button, checkbox } from './shared/controls';
import { makeGridNavigable } from './shared/gridKeys';
import { h, vscodeApi } from './shared/vscodeApi';

const vscode = vscodeApi<PageState>();
const app = document.getElementById('app')!;
const restored = PageStateSchema.safeParse(vscode.getState() ?? {});
let state: PageState | undefined = restored.success ? restored.data : undefined;

function post(message: PageMessage): void {
  vscode.postMessage(message);
}

function save(patch: Partial<PageState>): void {
  if (!state) return;
  state = { ...state, ...patch };
  vscode.setState(state);
}

const TEST_NAMES: Record<DriftColumn['test'], string> = {
  ks: 'Kolmogorov–Smirnov',
  chi2: 'chi-square',
  ztest: 'z-test',
  psi: 'PSI',
  wasserstein: 'Wasserstein (normed)',
  jensenshannon: 'Jensen–Shannon',
};
const HEADERS: Record<(typeof SORT_KEYS)[number], string> = { column: 'Column', type: 'Type', test: 'Test', statistic: 'Statistic', p_value: 'p-value / distance', threshold: 'Threshold', drifted: 'Verdict' };

function num(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
/** The value compared with the threshold: the p-value, or the distance (the statistic). */
const tested = (c: DriftColumn): number => c.p_value ?? c.statistic;

function compare(a: DriftColumn, b: DriftColumn, key: Sort['key']): number {
  switch (key) {
    case 'column':
    case 'type':
    case 'test':
      return a[key].localeCompare(b[key]);
    case 'drifted':
      return Number(a.drifted) - Number(b.drifted);
    case 'p_value':
      return tested(a) - tested(b);
    default:
      return a[key] - b[key];
  }
}

function sorted(columns: DriftColumn[], sort: Sort | undefined): DriftColumn[] {
  if (!sort) return columns;
  // A stable sort, ties in file order; descending reverses the order of values only.
  return columns.map((c, i) => ({ c, i })).sort((x, y) => (sort.descending ? -1 : 1) * compare(x.c, y.c, sort.key) || x.i - y.i).map((x) => x.c);
}

function showMessage(text: string): void {
  app.replaceChildren(h('p', { class: 'note error', role: 'alert' }, text));
}

/** The host could not compare the files (the engine's message names the file and line, and the fix): said, with Compare Again to retry once the file is fixed. */
function showCompareError(text: string): void {
  document.title = 'Drift: could not compare';
  app.replaceChildren(
    h('h1', {}, 'Drift: the files could not be compared'),
    h('p', { class: 'note error', role: 'alert' }, text),
    h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'View' }, button('Compare Again', () => post({ type: 'refresh' }), { title: 'Read both files again (after fixing the file named above)' })),
  );
}

// ---- charts (SVG; colours from the theme through classes in drift.css) ----

const SVG = 'http://www.w3.org/2000/svg';
function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}
const tip = (text: string): SVGTitleElement => s('title', {}, text);

const W = 320;
const PAD = { left: 40, right: 8, top: 8, bottom: 22 };

/** Numbers: both sides' shares over the same bins, overlaid. */
function binsChart(hist: Extract<Histogram, { kind: 'bins' }>, labels: { ref: string; cur: string }): SVGSVGElement {
  const H = 150;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const max = Math.max(...hist.reference, ...hist.current, 1e-12);
  const n = hist.reference.length;
  const bw = plotW / n;
  const y = (v: number): number => PAD.top + plotH - (v / max) * plotH;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'chart bins', role: 'img', 'aria-label': `${hist.column}: ${labels.ref} and ${labels.cur} over ${n} bins from ${num(hist.edges[0]!)} to ${num(hist.edges[n]!)}` });
  svg.append(s('line', { class: 'axis', x1: PAD.left, y1: PAD.top + plotH + 0.5, x2: W - PAD.right, y2: PAD.top + plotH + 0.5 }));
  svg.append(s('text', { class: 'tick', x: PAD.left - 4, y: PAD.top + 8, 'text-anchor': 'end' }, pct(max)), s('text', { class: 'tick', x: PAD.left - 4, y: PAD.top + plotH, 'text-anchor': 'end' }, '0'));
  for (const [side, values] of [['ref', hist.reference], ['cur', hist.current]] as const) {
    values.forEach((v, i) => {
      if (v <= 0) return;
      const rect = s('rect', { class: `bar ${side}`, x: PAD.left + i * bw + 0.5, y: y(v), width: Math.max(1, bw - 1), height: PAD.top + plotH - y(v) }, tip(`[${num(hist.edges[i]!)}, ${num(hist.edges[i + 1]!)}${i === n - 1 ? ']' : ')'}: ${labels.ref} ${pct(hist.reference[i]!)}, ${labels.cur} ${pct(hist.current[i]!)}`));
      svg.append(rect);
    });
  }
  const x = (i: number): number => PAD.left + i * bw;
  svg.append(
    s('text', { class: 'tick', x: x(0), y: H - 6, 'text-anchor': 'start' }, num(hist.edges[0]!)),
    s('text', { class: 'tick', x: x(n / 2), y: H - 6, 'text-anchor': 'middle' }, num((hist.edges[0]! + hist.edges[n]!) / 2)),
    s('text', { class: 'tick', x: x(n), y: H - 6, 'text-anchor': 'end' }, num(hist.edges[n]!)),
  );
  return svg;
}

/** Categories: a pair of bars per label (reference above current), the largest first. */
function categoriesChart(hist: Extract<Histogram, { kind: 'categories' }>, labels: { ref: string; cur: string }): SVGSVGElement {
  const LABEL = 96;
  const ROW = 22;
  const H = PAD.top + hist.labels.length * ROW + 4;
  const plotW = W - LABEL - 46;
  const max = Math.max(...hist.reference, ...hist.current, 1e-12);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'chart categories', role: 'img', 'aria-label': `${hist.column}: shares of ${hist.labels.length} categories in ${labels.ref} and ${labels.cur}` });
  hist.labels.forEach((label, i) => {
    const top = PAD.top + i * ROW;
    const shown = label.length > 14 ? `${label.slice(0, 13)}…` : label;
    const isOther = hist.otherCount > 0 && i === hist.labels.length - 1;
    svg.append(s('text', { class: `label${isOther ? ' other' : ''}`, x: LABEL - 6, y: top + 14, 'text-anchor': 'end' }, shown, tip(isOther ? `${hist.otherCount} other categories` : label)));
    for (const [k, side, values] of [[0, 'ref', hist.reference], [1, 'cur', hist.current]] as const) {
      const v = values[i]!;
      const width = Math.max(v > 0 ? 1 : 0, (v / max) * plotW);
      svg.append(s('rect', { class: `bar ${side}`, x: LABEL, y: top + 2 + k * 9, width, height: 8 }, tip(`${label}: ${labels.ref} ${pct(hist.reference[i]!)}, ${labels.cur} ${pct(hist.current[i]!)}`)));
    }
    svg.append(s('text', { class: 'tick', x: LABEL + plotW + 4, y: top + 14 }, pct(Math.max(hist.reference[i]!, hist.current[i]!))));
  });
  return svg;
}

// ---- the page ----

function verdict(data: DriftPanelData): HTMLElement {
  const drifted = data.columns.filter((c) => c.drifted).length;
  const tested = data.columns.length;
  const title = tested === 0 ? 'No column could be tested' : data.datasetDrift ? 'Dataset drift detected' : 'No dataset drift';
  const detail =
    tested === 0
      ? 'The section below says why for each column.'
      : `${drifted} of ${tested} tested column${tested === 1 ? '' : 's'} drifted (${pct(data.driftShare)}); the dataset drifts when ${pct(data.shareThreshold)} or more do.`;
  const kind = tested === 0 ? 'untested' : data.datasetDrift ? 'drift' : 'none';
  // no share when nothing was tested: 0% would read as "no drift"
  const share = tested === 0 ? [] : [h('span', { class: 'share', 'aria-label': `drift share ${pct(data.driftShare)}` }, pct(data.driftShare))];
  return h('div', { class: `verdict ${kind}`, role: 'status', 'data-verdict': kind }, h('strong', { class: 'verdict-title' }, title), ...share, h('span', { class: 'verdict-detail' }, detail));
}

function legend(data: DriftPanelData): HTMLElement {
  return h('div', { class: 'legend', 'aria-hidden': 'true' }, h('span', { class: 'swatch ref' }), `reference: ${data.reference.label}`, h('span', { class: 'swatch cur' }), `current: ${data.current.label}`);
}

function columnsTable(data: DriftPanelData): HTMLElement {
  const sort = state?.sort;
  const driftedOnly = state?.driftedOnly ?? false;
  const rows = sorted(data.columns, sort).filter((c) => !driftedOnly || c.drifted);
  const head = SORT_KEYS.map((key) => {
    const active = sort?.key === key;
    const th = h('th', { scope: 'col', class: 'sortable', 'data-key': key, 'aria-sort': active ? (sort!.descending ? 'descending' : 'ascending') : 'none', title: `Sort by ${HEADERS[key].toLowerCase()}` }, HEADERS[key], h('span', { class: 'arrow', 'aria-hidden': 'true' }, active ? (sort!.descending ? ' ▼' : ' ▲') : ''));
    const activate = (): void => {
      save({ sort: { key, descending: active ? !sort!.descending : key === 'drifted' } });
      render(data, key);
    };
    th.addEventListener('click', activate);
    th.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        activate();
      }
    });
    return th;
  });
  const body = rows.map((c) =>
    h(
      'tr',
      { 'data-column': c.column, class: c.drifted ? 'drifted' : '' },
      h('th', { scope: 'row' }, h('a', { href: `#chart-${encodeURIComponent(c.column)}`, title: 'Show its distributions' }, c.column)),
      h('td', {}, c.type),
      h('td', { title: c.why }, `${TEST_NAMES[c.test]} (${c.test})`),
      h('td', { class: 'num' }, num(c.statistic)),
      h('td', { class: 'num' }, c.p_value === null ? `distance ${num(c.statistic)}` : `p = ${num(c.p_value)}`),
      h('td', { class: 'num' }, c.p_value === null ? `≥ ${c.threshold}` : `< ${c.threshold}`),
      h('td', { class: 'verdict-cell' }, c.drifted ? 'drift' : 'no drift'),
    ),
  );
  const table = h('table', { class: 'grid columns', role: 'grid', 'aria-label': 'Tested columns', 'aria-rowcount': String(rows.length + 1) }, h('thead', {}, h('tr', {}, ...head)), h('tbody', {}, ...body));
  makeGridNavigable(table);
  const empty = rows.length === 0 ? [h('p', { class: 'note' }, driftedOnly ? 'No column drifted.' : 'No column could be tested.')] : [];
  return h('section', { class: 'section', 'aria-labelledby': 'h-columns' }, h('h2', { id: 'h-columns' }, 'Columns'), table, ...empty);
}

function chartsSection(data: DriftPanelData): HTMLElement[] {
  const names = { ref: data.reference.label, cur: data.current.label };
  const driftedOnly = state?.driftedOnly ?? false;
  const order = sorted(data.columns, state?.sort).filter((c) => !driftedOnly || c.drifted);
  const cards = order.flatMap((c) => {
    const hist = data.histograms.find((x) => x.column === c.column);
    if (!hist) return [];
    const chart = hist.kind === 'bins' ? binsChart(hist, names) : categoriesChart(hist, names);
    const note = hist.kind === 'bins' ? `${hist.reference.length} bins, the same for both` : hist.otherCount > 0 ? `top ${hist.labels.length - 1} categories, ${hist.otherCount} more as "other"` : `${hist.labels.length} ${c.type === 'numeric' ? 'values' : 'categories'}`;
    return [h('figure', { class: `card${c.drifted ? ' drifted' : ''}`, id: `chart-${encodeURIComponent(c.column)}`, 'data-column': c.column, 'data-kind': hist.kind }, h('figcaption', {}, h('strong', {}, c.column), ` ${c.drifted ? '· drift' : '· no drift'}`, h('span', { class: 'sub' }, ` ${note}`)), chart)];
  });
  // nothing tested: no distributions to draw, so no empty section either
  if (data.columns.length === 0) return [];
  return [h('section', { class: 'section', 'aria-labelledby': 'h-charts' }, h('h2', { id: 'h-charts' }, 'Distributions'), legend(data), h('div', { class: 'cards' }, ...cards))];
}

function notTestedSection(data: DriftPanelData): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (data.notTested.length > 0) {
    out.push(h('section', { class: 'section not-tested', 'aria-labelledby': 'h-not-tested' }, h('h2', { id: 'h-not-tested' }, 'Could not be tested'), h('ul', {}, ...data.notTested.map((n) => h('li', { 'data-column': n.column }, h('strong', {}, n.column), `: ${n.reason}`)))));
  }
  if (data.warnings.length > 0) {
    out.push(h('section', { class: 'section warnings', 'aria-labelledby': 'h-warnings' }, h('h2', { id: 'h-warnings' }, 'Warnings'), h('ul', {}, ...data.warnings.map((w) => h('li', { 'data-column': w.column }, `${w.file}:${w.line}: ${w.message}`)))));
  }
  return out;
}

/** Renders everything; `focusKey`: the header to give focus back to after a sort. */
function render(data: DriftPanelData, focusKey?: string): void {
  document.title = `Drift: ${data.current.label} vs ${data.reference.label}`;
  const only = checkbox('Drifted columns only', state?.driftedOnly ?? false, (checked) => {
    save({ driftedOnly: checked });
    render(data);
  });
  only.classList.add('drifted-only');
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'View' }, only, button('Compare Again', () => post({ type: 'refresh' }), { secondary: true, title: 'Read both files again' }));
  const side = (what: string, s: DriftPanelData['reference']): (Node | string)[] => [`${what} `, h('strong', {}, s.label), `: ${s.rows.toLocaleString('en-US')} rows, ${s.file}`];
  const facts = h('p', { class: 'facts' }, ...side('Reference', data.reference), ' · ', ...side('current', data.current));
  app.replaceChildren(
    h('h1', {}, `Drift: ${data.current.label} `, h('span', { class: 'vs' }, `vs ${data.reference.label}`)),
    facts,
    verdict(data),
    toolbar,
    columnsTable(data),
    ...notTestedSection(data),
    ...chartsSection(data),
    h('p', { class: 'footer' }, `Compared in ${Math.round(data.elapsedMs)} ms. Tests and thresholds: Evidently's defaults (docs/drift.md).`),
  );
  if (focusKey) (app.querySelector(`th[data-key="${focusKey}"]`) as HTMLElement | null)?.focus();
}

window.addEventListener('message', (event: MessageEvent) => {
  const parsed = HostMessageSchema.safeParse(event.data);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? 'invalid message';
    showMessage(`The drift report could not use what it was sent (${message}).`);
    post({ type: 'invalid', message });
    return;
  }
  const m = parsed.data;
  if (m.type === 'error') return showCompareError(m.message);
  const { data } = m;
  state = { ...(state ?? {}), reference: { file: data.reference.file, label: data.reference.label }, current: { file: data.current.file, label: data.current.label }, data };
  vscode.setState(state);
  render(data);
});

if (state?.data) render(state.data);
post({ type: 'ready' });
