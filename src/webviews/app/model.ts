/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The model card's page (bundled to dist/webviews/model.js): renders one model version as the extension sends
// it, checked against the contract (../model/protocol.ts): its signature, metrics, its evaluation history (a table
// with a sparkline per metric), the latest evaluation's confusion matrix and ROC/PR curves (drawing shared with the
// run details panel: shared/confusionHeatmap.ts, shared/curveCharts.ts), permutation importance and Kernel SHAP
// bars, lineage (source run, params, datasets, git commit), where the model's aliases point and their history,
// and actions (point an alias here, reveal the file, open the source run) that the host carries out (it confirms
// an alias move first).
// No file or store access; the last data kept with setState so a hidden or reloaded panel shows the same.
import './model.css';
import type uPlot from 'uplot';
import { HostMessageSchema, PageStateSchema, type EvaluationRow, type Importance, type LatestEvaluation, type ModelCardData, type PageMessage, type PageState, type Shap, type Tensor } from '../model/protocol';
import { confusionHeatmap } from './shared/confusionHeatmap';
import { button, textField } from './shared/controls';
import { curveFigure, drawCurves } from './shared/curveCharts';
import { makeGridNavigable } from './shared/gridKeys';
import { sparkline } from './shared/sparkline';
import { h, vscodeApi } from './shared/vscodeApi';

const vscode = vscodeApi<PageState>();
const app = document.getElementById('app')!;
const charts: uPlot[] = [];
const restored = PageStateSchema.safeParse(vscode.getState() ?? {});
let state: PageState | undefined = restored.success ? restored.data : undefined;

function post(message: PageMessage): void {
  vscode.postMessage(message);
}

function destroyCharts(): void {
  for (const c of charts.splice(0)) c.destroy();
}

function showMessage(text: string): void {
  destroyCharts();
  app.replaceChildren(h('p', { class: 'note error', role: 'alert' }, text));
}

function formatMetric(v: number | string): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  return abs !== 0 && (abs < 1e-4 || abs >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

const when = (ms: number): string => new Date(ms).toLocaleString('en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const shape = (t: Tensor): string => (t.shape === null ? 'any shape' : `[${t.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`);
const version = (v: number | null): string => (v === null ? '–' : `v${v}`);

function table(label: string, className: string, head: string[], rows: HTMLTableRowElement[]): HTMLTableElement {
  const t = h('table', { class: `grid ${className}`, role: 'grid', 'aria-label': label }, h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, ...rows));
  makeGridNavigable(t);
  return t;
}

function section(title: string, id: string, ...children: (Node | string)[]): HTMLElement {
  return h('section', { class: 'card-section', 'aria-labelledby': `h-${id}`, 'data-section': id }, h('h2', { id: `h-${id}` }, title), ...children);
}

function render(data: ModelCardData): void {
  destroyCharts();
  const scroll = window.scrollY;
  document.title = `Model ${data.name} v${data.version}`;
  const here = data.aliases.filter((a) => a.version === data.version).map((a) => a.alias);
  const heading = h('h1', {}, `${data.name} `, h('span', { class: 'version' }, `v${data.version}`), ...here.map((a) => h('span', { class: 'badge', 'data-alias': a }, `@${a}`)));
  const facts = [`registered ${when(data.createdAt)}`, data.format ?? 'unknown format', data.sha256 ? `sha256 ${data.sha256.slice(0, 12)}…` : 'no hash recorded', data.versions[0] === data.version ? `newest of ${data.versions.length} version${data.versions.length === 1 ? '' : 's'}` : `newest is v${data.versions[0]}`];
  const notes: HTMLElement[] = [];
  if (data.description) notes.push(h('p', {}, data.description));
  if (!data.file.exists) notes.push(h('p', { class: 'note warning', role: 'status' }, data.file.path ? `The model file was deleted: ${data.file.path} is no longer in the artifact store.` : 'No model file was recorded for this version.'));

  const reveal = button('Reveal Model File', () => data.file.exists && post({ type: 'revealFile' }), { secondary: true, title: data.file.exists ? data.file.path ?? '' : 'The model file is gone' });
  if (!data.file.exists) reveal.setAttribute('disabled', '');
  const openRun = button('Open Source Run', () => data.source.kind === 'run' && post({ type: 'openSourceRun' }), { secondary: true, title: data.source.kind === 'run' ? data.source.name : 'The source run is not in the store' });
  if (data.source.kind !== 'run') openRun.setAttribute('disabled', '');
  const actions = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Actions' }, reveal, openRun);

  app.replaceChildren(heading, h('p', { class: 'facts' }, facts.join(' · ')), ...notes, actions, signatureSection(data), metricsSection(data), evaluationsSection(data.evaluations ?? [], data.latestEvaluation ?? null), importanceSection(data.importance ?? null), shapSection(data.shap ?? null), lineageSection(data), aliasSection(data), historySection(data));
  const latest = data.latestEvaluation;
  if (latest) {
    for (const kind of ['roc', 'pr'] as const) {
      const figure = document.querySelector<HTMLElement>(`[data-section="evaluations"] figure[data-curve="${kind}"]`);
      if (figure && latest[kind].length) charts.push(drawCurves(figure, kind, latest[kind]));
    }
  }
  window.scrollTo(0, scroll);
}

function signatureSection(data: ModelCardData): HTMLElement {
  if (!data.signature.ok) return section('Signature', 'signature', h('p', { class: 'note' }, data.signature.message));
  const row = (kind: string, t: Tensor): HTMLTableRowElement => h('tr', { 'data-kind': kind, 'data-name': t.name }, h('td', {}, kind), h('th', { scope: 'row' }, t.name), h('td', {}, t.type), h('td', {}, shape(t)));
  const rows = [...data.signature.inputs.map((t) => row('input', t)), ...data.signature.outputs.map((t) => row('output', t))];
  const extra: HTMLElement[] = [];
  if (data.features) extra.push(h('p', { class: 'sub' }, `Input columns, in order: ${data.features.join(', ')}.`));
  if (data.label && data.classes) extra.push(h('p', { class: 'sub' }, `Predicts ${data.label}: ${data.classes.join(', ')}.`));
  return section('Signature', 'signature', table('Inputs and outputs', 'signature', ['', 'name', 'type', 'shape'], rows), ...extra);
}

/** The figures a reader looks for first, in this order; then the rest alphabetically. */
const HEADLINE = ['accuracy', 'f1', 'f1_macro', 'precision', 'recall', 'roc_auc', 'log_loss', 'mae', 'rmse', 'r2'];

function metricsSection(data: ModelCardData): HTMLElement {
  const entries = Object.entries(data.metrics);
  if (entries.length === 0) return section('Metrics', 'metrics', h('p', { class: 'note' }, 'No metrics were recorded for the run that registered this version.'));
  const rank = (k: string): number => (HEADLINE.includes(k) ? HEADLINE.indexOf(k) : HEADLINE.length);
  const sorted = [...entries].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  // Keys with a '/' are cells and curve points (confusion/…, roc/…): kept apart, folded.
  const main = sorted.filter(([k]) => !k.includes('/'));
  const detail = sorted.filter(([k]) => k.includes('/'));
  const rows = (list: [string, number | string][]): HTMLTableRowElement[] => list.map(([k, v]) => h('tr', { 'data-key': k }, h('th', { scope: 'row' }, k), h('td', { class: 'num' }, formatMetric(v))));
  const parts: HTMLElement[] = [table('Metrics (latest value)', 'metrics', ['metric', 'value'], rows(main))];
  if (detail.length) parts.push(h('details', {}, h('summary', {}, `${detail.length} more: ${[...new Set(detail.map(([k]) => k.split('/')[0]))].join(', ')}`), table('Per-class metrics (latest value)', 'metrics detail', ['metric', 'value'], rows(detail))));
  return section('Metrics', 'metrics', ...parts);
}

/** The metrics the history shows, in this order, when some evaluation has them. */
const HISTORY_METRICS = ['accuracy', 'f1', 'f1_macro', 'roc_auc', 'log_loss', 'mae', 'rmse', 'r2'];

function evaluationsSection(list: EvaluationRow[], latest: LatestEvaluation | null): HTMLElement {
  if (list.length === 0) return section('Evaluations', 'evaluations', h('p', { class: 'note' }, 'Not evaluated yet: `sextant eval NAME@VERSION DATA` (or a pipeline\'s sextant/evaluate stage) evaluates the version and keeps the result with it.'));
  const keys = HISTORY_METRICS.filter((k) => list.some((e) => k in e.metrics));
  const newestFirst = [...list].reverse();
  const rows = newestFirst.map((e) =>
    h(
      'tr',
      { 'data-evaluation': String(e.id), class: latest?.id === e.id ? 'latest' : undefined },
      h('td', {}, when(e.createdAt)),
      h('th', { scope: 'row', title: e.data }, e.dataset ?? e.data),
      h('td', { class: 'num' }, String(e.rows)),
      ...keys.map((k) => h('td', { class: 'num', 'data-metric': k }, k in e.metrics ? formatMetric(e.metrics[k]!) : '–')),
    ),
  );
  const parts: HTMLElement[] = [table('Every evaluation of this version, newest first', 'evaluations', ['when', 'data', 'rows', ...keys], rows)];
  if (list.length >= 2) {
    // One line per metric over the evaluations in the order they ran (x: their index, so a burst of runs is not squashed).
    const steps = list.map((_, i) => i);
    const trend = keys.map((k) => {
      const values = list.map((e) => (typeof e.metrics[k] === 'number' ? (e.metrics[k] as number) : null));
      const finite = values.filter((v): v is number => v !== null);
      const range = finite.length ? `${formatMetric(Math.min(...finite))} … ${formatMetric(Math.max(...finite))}` : '–';
      return h('tr', { 'data-metric': k }, h('th', { scope: 'row' }, k), h('td', {}, sparkline(steps, values, `${k} over ${list.length} evaluations`, { width: 160, height: 24, dots: list.length <= 30 })), h('td', { class: 'num sub-cell' }, range));
    });
    parts.push(h('h3', {}, 'Trend'), table('Each metric over the evaluations, oldest to newest', 'trend', ['metric', `oldest → newest (${list.length})`, 'range'], trend));
  }
  if (latest) {
    parts.push(h('h3', {}, `Latest evaluation (${when(latest.createdAt)}, ${latest.dataset ?? latest.data})`));
    parts.push(confusionHeatmap(latest.classes, latest.matrix, 'Confusion matrix of the latest evaluation: rows are the true class, columns the predicted class', { 'data-evaluation': String(latest.id) }));
    const curves = h('div', { class: 'charts' });
    if (latest.roc.length) curves.append(curveFigure('roc', 'the latest evaluation'));
    if (latest.pr.length) curves.append(curveFigure('pr', 'the latest evaluation'));
    if (latest.roc.length || latest.pr.length) parts.push(curves);
  }
  return section('Evaluations', 'evaluations', ...parts);
}

const SVG = 'http://www.w3.org/2000/svg';

/** A horizontal bar (inline SVG: widths as attributes, no style attribute under the CSP), its share of `top`. */
function bar(value: number, std: number, top: number): SVGSVGElement {
  const width = 160;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', '12');
  svg.setAttribute('class', 'bar');
  svg.setAttribute('aria-hidden', 'true');
  const scale = (x: number): number => Math.max(0, Math.min(width, (x / top) * width));
  const rect = document.createElementNS(SVG, 'rect');
  rect.setAttribute('x', '0');
  rect.setAttribute('y', '1');
  rect.setAttribute('height', '10');
  rect.setAttribute('width', String(scale(value)));
  svg.append(rect);
  if (std > 0 && value > 0) {
    const line = document.createElementNS(SVG, 'line');
    line.setAttribute('class', 'spread');
    line.setAttribute('x1', String(scale(value - std)));
    line.setAttribute('x2', String(scale(value + std)));
    line.setAttribute('y1', '6');
    line.setAttribute('y2', '6');
    svg.append(line);
  }
  return svg;
}

/** Three significant digits: enough to rank features whose drops vary by more than that between repeats. */
const short = (v: number): string => String(Number(v.toPrecision(3)));

function importanceSection(imp: Importance | null): HTMLElement {
  if (!imp) return section('Feature importance', 'importance', h('p', { class: 'note' }, 'Not measured yet: `sextant models explain NAME@VERSION DATA` measures how much the metric drops when each feature is shuffled, and keeps it with the version.'));
  const top = Math.max(...imp.features.map((f) => f.importance + f.std), 1e-12);
  const loss = imp.metric === 'log_loss';
  const rows = imp.features.map((f) =>
    h('tr', { 'data-feature': f.feature }, h('th', { scope: 'row' }, f.feature), h('td', { class: 'num' }, short(f.importance)), h('td', { class: 'num sub-cell' }, `± ${short(f.std)}`), h('td', {}, bar(f.importance, f.std, top))),
  );
  const about = `${loss ? 'Rise of the log loss' : `Drop of ${imp.metric}`} (${formatMetric(imp.baseline)} on ${imp.rows} rows of ${imp.data.path}) when each feature is shuffled; mean ± std over ${imp.repeats} repeats, seed ${imp.seed}, ${when(imp.createdAt)}.`;
  return section('Feature importance', 'importance', h('p', { class: 'sub' }, about), table('Permutation feature importance', 'importance', ['feature', loss ? 'loss rise' : 'drop', '', ''], rows));
}

/** A bar from the middle of a fixed-width track: right (positive) or left (negative), its share of `top`. */
function signedBar(value: number, top: number): SVGSVGElement {
  const width = 200;
  const mid = width / 2;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', '12');
  svg.setAttribute('class', 'bar signed');
  svg.setAttribute('aria-hidden', 'true');
  const length = Math.min(mid, (Math.abs(value) / top) * mid);
  const rect = document.createElementNS(SVG, 'rect');
  rect.setAttribute('x', String(value >= 0 ? mid : mid - length));
  rect.setAttribute('y', '1');
  rect.setAttribute('height', '10');
  rect.setAttribute('width', String(length));
  rect.setAttribute('class', value >= 0 ? 'up' : 'down');
  const axis = document.createElementNS(SVG, 'line');
  axis.setAttribute('class', 'axis');
  axis.setAttribute('x1', String(mid));
  axis.setAttribute('x2', String(mid));
  axis.setAttribute('y1', '0');
  axis.setAttribute('y2', '12');
  svg.append(rect, axis);
  return svg;
}

/** Rows shown (one table each); more are in the store and the CLI's JSON. */
const SHAP_ROWS = 5;

function shapSection(shap: Shap | null): HTMLElement {
  if (!shap || shap.rows.length === 0) return section('Single predictions (SHAP)', 'shap', h('p', { class: 'note' }, 'No prediction explained yet: `sextant models explain NAME@VERSION DATA --row K` attributes one row\'s prediction to its features (Kernel SHAP) and keeps it with the version.'));
  const parts: HTMLElement[] = [h('p', { class: 'sub' }, `Kernel SHAP on ${shap.data}, against ${shap.background.rows} background rows (seed ${shap.background.seed}), ${when(shap.createdAt)}. Each bar moves the prediction from the background's mean; together they add up to the prediction.`)];
  for (const r of shap.rows.slice(0, SHAP_ROWS)) {
    const sorted = [...r.features].sort((a, b) => Math.abs(b.attribution) - Math.abs(a.attribution) || a.feature.localeCompare(b.feature));
    const top = Math.max(...sorted.map((f) => Math.abs(f.attribution)), 1e-12);
    const what = r.class === null ? 'prediction' : `P(${r.class})`;
    parts.push(h('h3', {}, `Row ${r.row} (line ${r.line}): ${what} ${short(r.prediction)}, from ${short(r.base)} (${r.method})`));
    parts.push(
      table(
        `Attributions of row ${r.row}, largest first`,
        'shap',
        ['feature', 'value', 'attribution', ''],
        sorted.map((f) => h('tr', { 'data-feature': f.feature, 'data-row': String(r.row) }, h('th', { scope: 'row' }, f.feature), h('td', { class: 'num' }, f.value === null ? '–' : formatMetric(f.value)), h('td', { class: 'num' }, `${f.attribution >= 0 ? '+' : ''}${short(f.attribution)}`), h('td', {}, signedBar(f.attribution, top)))),
      ),
    );
  }
  if (shap.rows.length > SHAP_ROWS) parts.push(h('p', { class: 'note' }, `${shap.rows.length - SHAP_ROWS} more rows were explained; \`sextant models explain … --json\` prints them all.`));
  return section('Single predictions (SHAP)', 'shap', ...parts);
}

function lineageSection(data: ModelCardData): HTMLElement {
  const s = data.source;
  const parts: HTMLElement[] = [];
  if (s.kind === 'none') parts.push(h('p', { class: 'note' }, 'No source run: the run that registered this version is not in the store (it was deleted for good, or none was recorded).'));
  else if (s.kind === 'deleted') parts.push(h('p', { class: 'note' }, `The source run "${s.name}" (${s.id.slice(0, 8)}) was deleted.`));
  else {
    const facts: [string, string][] = [
      ['run', `${s.name} (${s.id.slice(0, 8)})`],
      ['experiment', s.experiment],
      ['status', s.status],
      ...(s.startedAt !== null ? [['started', when(s.startedAt)] as [string, string]] : []),
      ...(s.stage ? [['registered by stage', s.stage] as [string, string]] : []),
      ['git commit', s.gitCommit ? `${s.gitCommit.slice(0, 12)}${s.gitDirty ? ' (with uncommitted changes)' : ''}` : 'not recorded'],
    ];
    parts.push(h('dl', { class: 'facts-list' }, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-fact': k }, v)])));
    const params = Object.entries(s.params);
    parts.push(h('h3', {}, 'Params'));
    parts.push(params.length ? table('Params of the source run', 'params', ['param', 'value'], params.map(([k, v]) => h('tr', { 'data-key': k }, h('th', { scope: 'row' }, k), h('td', {}, v)))) : h('p', { class: 'note' }, 'The source run has no params.'));
  }
  parts.push(h('h3', {}, 'Datasets'));
  if (data.datasets.length) {
    parts.push(table('Dataset versions the run read', 'datasets', ['dataset', 'version', 'content hash', 'rows', 'path'], data.datasets.map((d) => h('tr', { 'data-name': d.name }, h('th', { scope: 'row' }, d.name), h('td', {}, `v${d.version}`), h('td', { class: 'mono', title: d.hash }, d.hash.slice(0, 12)), h('td', { class: 'num' }, d.rows === null ? '–' : String(d.rows)), h('td', {}, d.path ?? '–')))));
  } else if (data.datasetNames.length) {
    parts.push(h('p', { class: 'note' }, `The stages read ${data.datasetNames.join(', ')}; no dataset version (content hash) was recorded with the run.`));
  } else {
    parts.push(h('p', { class: 'note' }, 'No dataset was recorded with the source run.'));
  }
  return section('Lineage', 'lineage', ...parts);
}

function aliasSection(data: ModelCardData): HTMLElement {
  const move = (alias: string): void => {
    const current = data.aliases.find((a) => a.alias === alias)?.version ?? null;
    post({ type: 'moveAlias', alias, expectedFrom: current });
  };
  const names = [...new Set([...data.aliases.map((a) => a.alias), 'staging', 'production'])].sort();
  const rows = names.map((alias) => {
    const at = data.aliases.find((a) => a.alias === alias)?.version ?? null;
    const cell = h('td', {});
    if (at !== data.version) cell.append(button(`Point @${alias} to v${data.version}`, () => move(alias), { title: `Move the alias "${alias}" ${at === null ? '(not set yet)' : `from v${at}`} to v${data.version}; you are asked to confirm` }));
    else cell.append(h('span', { class: 'sub' }, 'points here'));
    return h('tr', { 'data-alias': alias, class: at === data.version ? 'here' : undefined }, h('th', { scope: 'row' }, `@${alias}`), h('td', {}, at === null ? 'not set' : `v${at}`), cell);
  });
  let typed = '';
  const field = textField('Another alias', '', (v) => (typed = v.trim()), 'e.g. champion');
  const add = button(`Point it to v${data.version}`, () => typed && move(typed), { secondary: true });
  return section('Aliases', 'aliases', h('table', { class: 'grid aliases', 'aria-label': 'Where the aliases point' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'alias'), h('th', { scope: 'col' }, 'points at'), h('th', { scope: 'col' }, ''))), h('tbody', {}, ...rows)), h('div', { class: 'toolbar' }, field, add));
}

function historySection(data: ModelCardData): HTMLElement {
  if (data.history.length === 0) return section('Alias history', 'history', h('p', { class: 'note' }, 'No alias of this model has been moved yet.'));
  const rows = data.history.map((e) => h('tr', { 'data-alias': e.alias }, h('td', {}, when(e.at)), h('th', { scope: 'row' }, `@${e.alias}`), h('td', { class: 'move' }, `${version(e.from)} → ${e.to === null ? 'removed' : `v${e.to}`}`), h('td', {}, e.actor), h('td', {}, e.source)));
  return section('Alias history', 'history', table('Every move of the aliases, newest first', 'history', ['when', 'alias', 'move', 'who', 'via'], rows));
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const parsed = HostMessageSchema.safeParse(event.data);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).slice(0, 3).join('; ');
    post({ type: 'invalid', message });
    showMessage(`The model card received data it cannot show (${message}). Close it and open it again from the Models view.`);
    return;
  }
  const msg = parsed.data;
  if (msg.type === 'error') {
    showMessage(msg.message);
    return;
  }
  state = { model: msg.data.name, version: msg.data.version, data: msg.data };
  vscode.setState(state);
  render(msg.data);
});

if (state?.data) render(state.data);
post({ type: 'ready' });
