// What the Experiments view shows, from engine data: the experiments and their runs (filtered, sorted, a
// pipeline run by its stages' metrics), a pipeline run's stages in execution order (cached ones marked,
// with the run they reuse), each row's description with the most useful figure first (a run's score, or
// for a failed run the stage that failed and its error line, then a short "2h ago"), and the metrics an
// experiment's runs and their stages logged; the nodes kept by identity across refreshes (ExperimentNodes:
// what to refresh after a store change), the defaults that scale (collapsed experiments, 50 runs a page, an
// overview row) and the one-at-a-time refresh. No `vscode` import: experimentsTree.ts reads the store and
// wraps these in TreeItems; test/unit/experiments.view.test.ts and experiments.scale.test.ts check them in plain Node.
import { formatDuration } from '../engine/format';
import { hasNoEnd } from '../engine/mlflow/noEnd';
import type { Pipeline } from '../engine/pipeline/schema';
import type { PipelineStage } from '../engine/runner/pipelineStages';
import type { MetricDirection } from '../engine/tracking/direction';
import type { FilterTerm, RunSort } from '../engine/tracking/runFilter';
import type { StoreChanges } from '../engine/tracking/changes';
import type { Experiment, ListRunsFilter, Run } from '../engine/tracking/schemas';
import { mergeStages } from '../webviews/mergedRun';
import type { ExperimentNode } from './experimentsState';
import { formatValue } from './runMarkdown';

/** The engine functions the tree is built with: loaded through the engine loader in the view, imported in tests. */
export type TreeEngine = Pick<typeof import('../engine/api'), 'pipelineStages' | 'runMatches' | 'sortRuns' | 'isUnchangedPipelineRun' | 'metricDirection'>;

export interface ExperimentsModel {
  /** The experiments that have runs to show, each with its runs sorted. */
  experiments: Extract<ExperimentNode, { kind: 'experiment' }>[];
  /** Each top-level run's stages in execution order (absent: not a pipeline run). */
  stagesOf: Map<string, PipelineStage[]>;
  /** Runs shown (after the filter) and in all. */
  shown: number;
  total: number;
}

type ExperimentEntry = Extract<ExperimentNode, { kind: 'experiment' }>;

/**
 * What experimentsModel built for each experiment and plain run, reused while they are the same objects: the
 * view replaces only the changed runs' objects (mergeChangedRuns), so a script logging into one run costs the
 * rebuild of its experiment, not of 2,000 runs'. An experiment's entry holds while its experiment row, its
 * runs and their stage runs are the same objects and the view (filter, sort, primary metric, gate metrics) is
 * the same; a run's "no stages" holds while it is the same object with the same (no) children.
 */
export class ModelMemo {
  private readonly experiments = new Map<Experiment['id'], { experiment: Experiment; view: string; runs: readonly Run[]; entry: ExperimentEntry | undefined; total: number }>();
  private readonly plain = new WeakSet<Run>();

  /** The experiment's entry built before from the same objects (undefined inside: it had nothing to show), or undefined: build it. */
  entry(experiment: Experiment, view: string, runs: readonly Run[]): { entry: ExperimentEntry | undefined; total: number } | undefined {
    const kept = this.experiments.get(experiment.id);
    if (!kept || kept.experiment !== experiment || kept.view !== view || kept.runs.length !== runs.length) return undefined;
    for (let i = 0; i < runs.length; i++) if (kept.runs[i] !== runs[i]) return undefined;
    return kept;
  }

  keep(experiment: Experiment, view: string, runs: readonly Run[], entry: ExperimentEntry | undefined, total: number): void {
    this.experiments.set(experiment.id, { experiment, view, runs, entry, total });
  }

  /** Whether this run object was found to have no stages (and no child runs). */
  isPlain(run: Run): boolean {
    return this.plain.has(run);
  }

  markPlain(run: Run): void {
    this.plain.add(run);
  }
}

/**
 * The view's root from everything read from the store. A finished pipeline run in which no stage ran (what
 * earlier versions recorded for a fully cached run) is left out. The primary metric is the setting's, else
 * the experiment's, else a metric the workspace's pipelines gate on (`gateMetrics`) that its newest run
 * logged, else a score of its newest run (a pipeline run's from its stages). With a `memo`, what is built
 * from the same objects as before is taken from it.
 */
export function experimentsModel(read: { experiments: Experiment[]; runs: Run[] }, engine: TreeEngine, view: { filter: FilterTerm[]; sort: RunSort; primaryMetric: string | undefined; gateMetrics?: readonly string[] }, memo?: ModelMemo): ExperimentsModel {
  const byParent = new Map<string, Run[]>();
  for (const r of read.runs) if (r.parentId) (byParent.get(r.parentId) ?? byParent.set(r.parentId, []).get(r.parentId)!).push(r);
  // Each pipeline run's stages through the engine's pipelineStages, from the runs in hand (no query per run).
  const byId = new Map(read.runs.map((r) => [r.id, r]));
  const inHand = { listRuns: (f: ListRunsFilter = {}) => ({ ok: true as const, value: f.parentId ? (byParent.get(f.parentId) ?? []) : (f.ids ?? []).flatMap((id) => byId.get(id) ?? []) }) };
  const stagesOf = new Map<string, PipelineStage[]>();
  for (const r of read.runs) {
    if (r.parentId || (memo?.isPlain(r) && !byParent.has(r.id))) continue;
    const stages = engine.pipelineStages(inHand, r);
    if (stages.ok && stages.value.length) stagesOf.set(r.id, stages.value);
    else if (stages.ok && !byParent.has(r.id)) memo?.markPlain(r);
  }
  const experiments: ExperimentsModel['experiments'] = [];
  let shown = 0;
  let total = 0;
  // Each experiment's top-level runs, in one pass over the runs (not one pass per experiment).
  const topOf = new Map<Run['experimentId'], Run[]>();
  for (const r of read.runs) if (!r.parentId) (topOf.get(r.experimentId) ?? topOf.set(r.experimentId, []).get(r.experimentId)!).push(r);
  const viewKey = memo ? JSON.stringify([view.filter, view.sort, view.primaryMetric, view.gateMetrics]) : '';
  for (const e of read.experiments) {
    const own = topOf.get(e.id) ?? [];
    // What the experiment's entry is built from: its runs and their stage runs.
    const from = memo ? own.flatMap((r) => (byParent.has(r.id) ? [r, ...byParent.get(r.id)!] : [r])) : [];
    const hit = memo?.entry(e, viewKey, from);
    if (hit) {
      total += hit.total;
      if (hit.entry) {
        shown += hit.entry.runs.length;
        experiments.push(hit.entry);
      }
      continue;
    }
    const top = own.filter((r) => !engine.isUnchangedPipelineRun(r, byParent.get(r.id) ?? []));
    total += top.length;
    const kept = top.filter((r) => engine.runMatches(r, view.filter) || (byParent.get(r.id) ?? []).some((c) => engine.runMatches(c, view.filter)));
    if (kept.length === 0) {
      memo?.keep(e, viewKey, from, undefined, top.length);
      continue;
    }
    shown += kept.length;
    // A run without stages is its own merged run (no copy).
    const merged = (r: Run): Run => (stagesOf.has(r.id) ? { ...r, metrics: runMetrics(r, stagesOf.get(r.id)!) } : r);
    const newest = Object.keys(merged(kept[0]!).metrics);
    const primaryMetric = view.primaryMetric ?? e.primaryMetric ?? view.gateMetrics?.find((k) => newest.includes(k)) ?? defaultMetric(newest, engine.metricDirection);
    // Sorted by a metric, a pipeline run sorts by its stages' value.
    const runs = engine.sortRuns(kept.map(merged), view.sort).map((r) => byId.get(r.id)!);
    const metricKeys = experimentMetricKeys(top.map((run) => ({ run, stages: stagesOf.get(run.id) ?? [] })));
    const entry: ExperimentEntry = { kind: 'experiment', name: e.name, primaryMetric, runs, total: top.length, metricKeys };
    memo?.keep(e, viewKey, from, entry, top.length);
    experiments.push(entry);
  }
  return { experiments, stagesOf, shown, total };
}

/** A pipeline run's children, in execution order: a stage that ran in it is its own run (commands act on it); a cached, skipped or unstarted one is a stage node. */
export function stageNodes(node: Extract<ExperimentNode, { kind: 'run' }>): ExperimentNode[] {
  const pipelineRunId = node.run.id;
  return node.stages.map((stage): ExperimentNode =>
    stage.run && stage.run.parentId === pipelineRunId ? { kind: 'run', run: stage.run, stages: [], primaryMetric: node.primaryMetric, stageOf: pipelineRunId } : { kind: 'stage', stage, pipelineRunId, primaryMetric: node.primaryMetric },
  );
}

/** What fits before the first ` · ` at the sidebar's default width (about 30 characters with a run name). */
export const HEAD_MAX = 30;

/** `just now`, `5m ago`, `2h ago`, `3d ago`; a date after four weeks. */
export function ago(ms: number, now: number): string {
  const d = now - ms;
  if (d < 60_000) return 'just now';
  if (d < 3_600_000) return `${Math.floor(d / 60_000)}m ago`;
  if (d < 86_400_000) return `${Math.floor(d / 3_600_000)}h ago`;
  if (d < 28 * 86_400_000) return `${Math.floor(d / 86_400_000)}d ago`;
  return new Date(ms).toISOString().slice(0, 10);
}

/** `text` in at most `max` characters, with an ellipsis when cut. */
export function clipHead(text: string, max = HEAD_MAX): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `accuracy 0.9714`; a long key is shortened so that the value always shows. */
export function scoreText(key: string, value: number, max = HEAD_MAX): string {
  const v = formatValue(value);
  return key.length + 1 + v.length <= max ? `${key} ${v}` : `${key.slice(0, Math.max(1, max - v.length - 2))}… ${v}`;
}

/** The metric shown for a run when the experiment names none: a score, else a loss, else the first. */
export function defaultMetric(keys: readonly string[], direction: (key: string) => MetricDirection | undefined): string | undefined {
  return keys.find((k) => direction(k) === 'higher') ?? keys.find((k) => direction(k) === 'lower') ?? keys[0];
}

/** The runs that hold a pipeline run's results: its stages' own runs, and for cached stages the runs they reuse. */
function stageRuns(stages: readonly PipelineStage[]): Run[] {
  return stages.map((s) => s.run).filter((r): r is Run => r !== undefined);
}

/** The run's metrics with its stages' merged in (a pipeline run logs its metrics in its stages). */
export function runMetrics(run: Run, stages: readonly PipelineStage[]): Run['metrics'] {
  return mergeStages(run, stageRuns(stages)).metrics;
}

/** Every metric key logged by these runs or their stages (cached stages' reused runs included), sorted. */
export function experimentMetricKeys(runs: readonly { run: Run; stages: readonly PipelineStage[] }[]): string[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k of Object.keys(runMetrics(r.run, r.stages))) keys.add(k);
  return [...keys].sort();
}

export interface Failure {
  /** The stage that failed (a pipeline run). */
  stage?: string;
  /** Its error line: what the stage wrote last to stderr, or the runner's reason. */
  line: string;
}

/** Why a failed run failed: the failing stage and its error line, as far as the store knows. */
export function failureOf(run: Run, stages: readonly PipelineStage[]): Failure | undefined {
  if (run.status !== 'failed') return undefined;
  const failed = stages.find((s) => s.status === 'failed');
  if (failed) {
    const own = failed.run && failed.run.parentId === run.id ? failed.run : undefined;
    const line = own?.tags['sextant.error'] ?? failed.reason ?? (own?.exitCode ? `exit ${own.exitCode}` : 'failed');
    return { stage: failed.name, line };
  }
  const line = run.tags['sextant.error'] ?? (run.exitCode ? `exit ${run.exitCode}` : undefined);
  return line ? { line } : undefined;
}

/** The metric a row shows: the experiment's primary metric when the run has it, else the run's default one. */
function scoreOf(metrics: Run['metrics'], primaryMetric: string | undefined, direction: (key: string) => MetricDirection | undefined): { key: string; value: number } | undefined {
  const key = primaryMetric && metrics[primaryMetric] ? primaryMetric : defaultMetric(Object.keys(metrics), direction);
  return key ? { key, value: metrics[key]!.last } : undefined;
}

export interface RowText {
  description: string;
  /** For screen readers: the status and the description's facts in words. */
  accessibility: string;
}

/** A run's row (a pipeline run with its stages, or a plain run): score or failure first, then the time. */
export function runRow(run: Run, stages: readonly PipelineStage[], primaryMetric: string | undefined, direction: (key: string) => MetricDirection | undefined, now: number): RowText {
  const score = scoreOf(runMetrics(run, stages), primaryMetric, direction);
  const failure = failureOf(run, stages);
  const head = failure ? clipHead(failure.stage ? `${failure.stage}: ${failure.line}` : failure.line) : score ? scoreText(score.key, score.value) : '';
  const when = hasNoEnd(run) ? 'no end recorded' : run.status === 'running' && run.startedAt !== null ? formatDuration(now - run.startedAt) : ago(run.startedAt ?? run.createdAt, now);
  const description = [head, when].filter(Boolean).join(' · ');
  const facts = [failure ? `failed${failure.stage ? ` in ${failure.stage}` : ''}: ${failure.line}` : score ? `${score.key} ${formatValue(score.value)}` : '', when].filter(Boolean);
  return { description, accessibility: `${run.name}, ${run.status}${facts.length ? `, ${facts.join(', ')}` : ''}` };
}

/** A stage's row under its pipeline run: cached, failed and skipped say so first; a stage that ran shows its score and duration. */
export function stageRow(stage: PipelineStage, pipelineRunId: string, primaryMetric: string | undefined, direction: (key: string) => MetricDirection | undefined, now: number): RowText & { reuses?: string } {
  const run = stage.run;
  const score = run ? scoreOf(run.metrics, primaryMetric, direction) : undefined;
  const scoreLabel = score ? scoreText(score.key, score.value) : '';
  const took = run && run.startedAt !== null && stage.status !== 'cached' ? formatDuration((run.endedAt ?? now) - run.startedAt) : '';
  let parts: string[];
  let reuses: string | undefined;
  switch (stage.status) {
    case 'cached':
      reuses = run && run.parentId !== pipelineRunId ? run.id : undefined;
      parts = ['cached', scoreLabel, reuses ? `from ${reuses.slice(0, 8)}` : ''];
      break;
    case 'failed': {
      const line = (run?.parentId === pipelineRunId ? run.tags['sextant.error'] : undefined) ?? stage.reason ?? 'failed';
      parts = [clipHead(`failed: ${line}`), took];
      break;
    }
    case 'skipped':
      parts = [clipHead(stage.reason ? `skipped: ${stage.reason.replace(/^Not run: /, '')}` : 'skipped')];
      break;
    case 'running':
    case 'queued':
      parts = [stage.status, scoreLabel, took];
      break;
    case 'killed':
      parts = ['killed', took];
      break;
    default:
      parts = [scoreLabel, took];
  }
  const description = parts.filter(Boolean).join(' · ');
  return { description, accessibility: `stage ${stage.name}, ${stage.status}${description ? `, ${description}` : ''}`, ...(reuses ? { reuses } : {}) };
}

/** Puts the runs the change feed named into the runs in hand: those read again replace them, the others (deleted, purged) leave. */
export function mergeChangedRuns(runs: Map<string, Run>, changed: readonly string[], fresh: readonly Run[]): void {
  for (const id of changed) runs.delete(id);
  for (const r of fresh) runs.set(r.id, r);
}

/** The metrics the pipelines gate on, in file order: `sextant/gate`'s `require` keys and `sextant/register`'s `gates[].metric`. */
export function gateMetrics(pipelines: readonly Pipeline[]): string[] {
  const keys = new Set<string>();
  for (const p of pipelines) {
    for (const stage of Object.values(p.stages)) {
      const w = (stage.with ?? {}) as { require?: unknown; gates?: unknown };
      if (stage.uses === 'sextant/gate' && w.require && typeof w.require === 'object') for (const k of Object.keys(w.require)) keys.add(k);
      if (stage.uses === 'sextant/register' && Array.isArray(w.gates)) for (const g of w.gates as { metric?: unknown }[]) if (typeof g?.metric === 'string') keys.add(g.metric);
    }
  }
  return [...keys];
}

/** Runs an experiment lists before its "show more" row; each click on it shows this many more. */
export const RUNS_PER_PAGE = 50;

type ExperimentItem = Extract<ExperimentNode, { kind: 'experiment' }>;
type RunItem = Extract<ExperimentNode, { kind: 'run' }>;

/** The experiments shown expanded at first: those with a running (or queued) run, else the one with the most recent run. */
export function expandedByDefault(experiments: readonly ExperimentItem[]): Set<string> {
  const active = experiments.filter((e) => e.runs.some((r) => r.status === 'running' || r.status === 'queued')).map((e) => e.name);
  if (active.length) return new Set(active);
  let newest: { name: string; at: number } | undefined;
  for (const e of experiments) for (const r of e.runs) {
    const at = r.startedAt ?? r.createdAt;
    if (!newest || at > newest.at) newest = { name: e.name, at };
  }
  return new Set(newest ? [newest.name] : []);
}

/** An experiment's row: `120 runs · 2 running · best accuracy 0.9714` (shown/total under a filter). */
export function experimentOverview(node: ExperimentItem, stagesOf: ReadonlyMap<string, PipelineStage[]>, direction: (key: string) => MetricDirection | undefined): string {
  const running = node.runs.filter((r) => r.status === 'running').length;
  const count = `${node.runs.length === node.total ? node.total : `${node.runs.length}/${node.total}`} run${node.total === 1 ? '' : 's'}`;
  const key = node.primaryMetric;
  const way = key ? direction(key) : undefined;
  let best: number | undefined;
  if (key) {
    for (const r of node.runs) {
      const v = runMetrics(r, stagesOf.get(r.id) ?? [])[key]?.last;
      if (v === undefined || !Number.isFinite(v)) continue;
      if (best === undefined || (way === 'lower' ? v < best : v > best)) best = v;
    }
  }
  const score = key ? (best !== undefined && way ? `best ${key} ${formatValue(best)}` : key) : '';
  return [count, running ? `${running} running` : '', score].filter(Boolean).join(' · ');
}

/**
 * At most this often an experiment's row is drawn again for its summary alone (its best metric moving while a
 * run logs): VS Code answers the refresh of an expanded experiment by asking for all its shown runs again.
 */
const SUMMARY_MS = 10_000;

/**
 * The nodes the view has handed to VS Code, kept by identity across refreshes: VS Code updates an element
 * only when the event names the same object it was given. apply() takes a freshly built model, moves its
 * values into the existing objects, and says what to refresh: the root when the experiments themselves
 * changed, else the experiments whose children or run counts changed and the runs whose rows changed. An
 * experiment whose row changed only in its best metric is refreshed at most every SUMMARY_MS (dueSummaries()
 * names it when its time comes without another change).
 */
export class ExperimentNodes {
  /** `sig`: what the experiment's children and counts are drawn from; `summary`: its row as last drawn, and when; `waiting`: a new summary waits for its time. */
  private experiments = new Map<string, { node: ExperimentItem; sig: string; summary: string; drawnAt: number; waiting: boolean }>();
  private runs = new Map<string, { node: RunItem; sig: string }>();
  private order = '';
  /** How many runs each experiment shows (grows with "show more"). */
  private limits = new Map<string, number>();
  stagesOf: ReadonlyMap<string, PipelineStage[]> = new Map();

  constructor(
    private readonly direction: (key: string) => MetricDirection | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** The experiments, same objects as before where the name is the same, and what changed since the previous model. */
  apply(model: ExperimentsModel): { roots: ExperimentItem[]; changed: ExperimentNode[] | 'root' } {
    this.stagesOf = model.stagesOf;
    const order = model.experiments.map((e) => e.name).join('\n');
    const root = order !== this.order;
    this.order = order;
    const changed: ExperimentNode[] = [];
    const seen = new Set<string>();
    const now = this.now();
    const roots = model.experiments.map((fresh) => {
      seen.add(fresh.name);
      const sig = this.experimentSignature(fresh);
      const summary = experimentOverview(fresh, model.stagesOf, this.direction);
      const kept = this.experiments.get(fresh.name);
      if (!kept) {
        this.experiments.set(fresh.name, { node: fresh, sig, summary, drawnAt: now, waiting: false });
        return fresh;
      }
      Object.assign(kept.node, fresh);
      // The summary alone (a best metric that moved) waits for its time; kept.summary stays the one drawn.
      if (kept.sig !== sig || (kept.summary !== summary && now - kept.drawnAt >= SUMMARY_MS)) {
        changed.push(kept.node);
        Object.assign(kept, { sig, summary, drawnAt: now, waiting: false });
      } else if (kept.summary !== summary) kept.waiting = true;
      for (const r of this.shownRuns(kept.node)) {
        const before = this.runs.get(r.id);
        const beforeSig = before?.sig;
        const node = this.runNode(r, kept.node.primaryMetric);
        if (before && beforeSig !== this.runs.get(r.id)!.sig) changed.push(node);
      }
      return kept.node;
    });
    for (const name of [...this.experiments.keys()]) if (!seen.has(name)) this.experiments.delete(name);
    return { roots, changed: root ? 'root' : changed };
  }

  /** The experiments whose row waits to be drawn with a new summary and whose time has come (the view asks every few seconds). */
  dueSummaries(): ExperimentItem[] {
    const now = this.now();
    const due: ExperimentItem[] = [];
    for (const kept of this.experiments.values()) {
      if (!kept.waiting || now - kept.drawnAt < SUMMARY_MS) continue;
      kept.waiting = false;
      const summary = experimentOverview(kept.node, this.stagesOf, this.direction);
      if (summary === kept.summary) continue;
      Object.assign(kept, { summary, drawnAt: now });
      due.push(kept.node);
    }
    return due;
  }

  /** What an experiment's children and counts are drawn from: a change refreshes its row at once. */
  private experimentSignature(node: ExperimentItem): string {
    const running = node.runs.filter((r) => r.status === 'running').length;
    return `${node.primaryMetric}|${node.total}|${node.runs.length}|${running}|${this.shownRuns(node).map((r) => r.id).join(',')}`;
  }

  private shownRuns(node: ExperimentItem): Run[] {
    return node.runs.slice(0, this.limits.get(node.name) ?? RUNS_PER_PAGE);
  }

  /** An experiment's rows: its first runs and, when it has more, a "show more" row. */
  children(node: ExperimentItem): ExperimentNode[] {
    const shown = this.shownRuns(node);
    const rows: ExperimentNode[] = shown.map((r) => this.runNode(r, node.primaryMetric));
    if (node.runs.length > shown.length) rows.push({ kind: 'more', experiment: node.name, hidden: node.runs.length - shown.length });
    return rows;
  }

  /** Shows the next page of an experiment's runs; returns its node to refresh. */
  showMore(experiment: string): ExperimentItem | undefined {
    const kept = this.experiments.get(experiment);
    if (!kept) return undefined;
    this.limits.set(experiment, (this.limits.get(experiment) ?? RUNS_PER_PAGE) + RUNS_PER_PAGE);
    return kept.node;
  }

  /** The run's node (the same object as before for the same run), updated to this run and its stages. */
  runNode(run: Run, primaryMetric: string | undefined): RunItem {
    const stages = this.stagesOf.get(run.id) ?? [];
    const sig = runSignature(run, stages, primaryMetric);
    const kept = this.runs.get(run.id);
    if (!kept) {
      const node: RunItem = { kind: 'run', run, stages, primaryMetric };
      this.runs.set(run.id, { node, sig });
      return node;
    }
    Object.assign(kept.node, { run, stages, primaryMetric });
    kept.sig = sig;
    return kept.node;
  }

  /** The running runs' nodes (their elapsed time needs ticking). */
  running(): RunItem[] {
    return [...this.runs.values()].map((k) => k.node).filter((n) => n.run.status === 'running');
  }
}

/**
 * Signatures of runs without stages, by the Run object: the view replaces only the changed runs' objects
 * (mergeChangedRuns), so a rebuild after one run logged computes one signature, not one per row shown.
 */
const plainSignatures = new WeakMap<Run, { primaryMetric: string | undefined; sig: string }>();

/** What a run's row and children are drawn from: when it changes, the row is refreshed. */
function runSignature(run: Run, stages: readonly PipelineStage[], primaryMetric: string | undefined): string {
  if (stages.length > 0) return signatureOf(run, stages, primaryMetric);
  const kept = plainSignatures.get(run);
  if (kept && kept.primaryMetric === primaryMetric) return kept.sig;
  const sig = signatureOf(run, stages, primaryMetric);
  plainSignatures.set(run, { primaryMetric, sig });
  return sig;
}

function signatureOf(run: Run, stages: readonly PipelineStage[], primaryMetric: string | undefined): string {
  const metrics = Object.values(run.metrics).map((m) => `${m.key}=${m.last}@${m.step}`).join(',');
  return `${run.status}|${run.name}|${run.endedAt}|${primaryMetric}|${metrics}|${JSON.stringify(run.tags)}|${stages.map((s) => `${s.name}:${s.status}:${s.run?.id}:${s.run ? Object.values(s.run.metrics).map((m) => `${m.key}=${m.last}`).join(',') : ''}`).join(';')}`;
}

/**
 * The view's header. A filter is the view's message, the line above the rows that wraps and that nothing
 * covers (the view's description sits beside its title, where the toolbar's buttons hide it in a narrow
 * sidebar): what filters the runs, how many it shows, how to clear it. The sort, short, stays the description.
 * `counts`: undefined while the filter does not parse (the row under it says why).
 */
export function viewHeader(filter: string, sort: RunSort, counts: { shown: number; total: number } | undefined): { message: string | undefined; description: string | undefined } {
  const sorted = sort.by === 'started' ? (sort.direction === 'desc' ? '' : 'oldest first') : `sorted by ${sort.by === 'name' ? 'name' : sort.key} ${sort.direction === 'asc' ? '↑' : '↓'}`;
  const runs = (n: number): string => `${n.toLocaleString('en')} run${n === 1 ? '' : 's'}`;
  const message = filter && counts?.total !== 0 ? `Filter: ${filter}${counts ? ` · ${counts.shown.toLocaleString('en')} of ${runs(counts.total)}` : ''} · Clear Run Filter (toolbar) shows all` : undefined;
  return { message, description: sorted || undefined };
}

/**
 * What the change feed named that the view has not drawn yet. A new run, a status, a name or a deletion is
 * drawn at once (with the points gathered so far); runs that only logged points at most every `pointsMs`,
 * so a script logging steadily costs a model rebuild every `pointsMs`, not one per commit.
 */
export class PendingChanges {
  private readonly ids = new Set<string>();
  private added = false;
  private drawn = -Infinity;

  constructor(
    private readonly pointsMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds what the feed reported; the runs to draw now (and whether any is new), or undefined: wait. */
  take(changes: StoreChanges | undefined): { ids: string[]; added: boolean } | undefined {
    for (const id of changes?.runs ?? []) this.ids.add(id);
    if (changes?.added.length) this.added = true;
    if (this.ids.size === 0) return undefined;
    const structural = changes !== undefined && (changes.added.length > 0 || changes.status.length > 0 || changes.updated.length > 0 || changes.removed.length > 0);
    if (!structural && this.now() - this.drawn < this.pointsMs) return undefined;
    const due = { ids: [...this.ids], added: this.added };
    this.clear();
    this.drawn = this.now();
    return due;
  }

  clear(): void {
    this.ids.clear();
    this.added = false;
  }
}

/**
 * Runs `refresh` one at a time: a request while one is in flight is not started beside it; once it ends,
 * `refresh` runs once more for every request that came meanwhile (the newest supersedes the pending ones,
 * and a pending one is never dropped). The promise settles when no request is left.
 */
export function oneAtATime(refresh: () => Promise<void>): { request(): Promise<void>; readonly inFlight: boolean } {
  let running: Promise<void> | undefined;
  let again = false;
  return {
    request() {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          do {
            again = false;
            await refresh();
          } while (again);
        } finally {
          running = undefined;
        }
      })();
      return running;
    },
    get inFlight() {
      return running !== undefined;
    },
  };
}
