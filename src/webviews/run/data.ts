// Builds what the run details panel is sent, from the store (the host side; the page never reads the store
// or a file), and checks the page's requests against it. A pipeline run shows its stages in the order they
// ran (cached ones included, src/engine/runner/pipelineStages.ts), its stages' metrics and artifacts beside
// its own, and its log composed from theirs (src/engine/runner/runLog.ts). An evaluate stage's
// `confusion/<true>/<pred>` counts become a matrix and its `roc/<class>`, `pr/<class>` series curves.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, relative, isAbsolute } from 'node:path';
import type { PipelineStage } from '../../engine/runner/pipelineStages';
import type { Artifact, Run } from '../../engine/tracking/schemas';
import type { Tracker } from '../../engine/tracking/tracking';
import { toMetricNumber } from '../compare/protocol';
import type { Shown } from '../liveRefresh';
import type { Evaluation, RunArtifact, RunData, RunMetric, RunSeries, RunStage } from './protocol';

/** What the panel needs of a Tracker. */
export type RunSource = Pick<Tracker, 'listRuns' | 'listArtifacts' | 'readSeries' | 'artifactsDir' | 'file'>;
/** The engine functions it uses (src/engine/api.ts: loaded through the engine loader in the extension). */
export type RunEngine = Pick<typeof import('../../engine/api'), 'pipelineStages' | 'runLog'>;

/** Log tail sent to the page. */
export const LOG_TAIL_BYTES = 64 * 1024;
const EVALUATION_KEY = /^(confusion|roc|pr)\//;

type Built<T> = { ok: true; value: T } | { ok: false; message: string };

interface Gathered {
  run: Run;
  stages: PipelineStage[];
  /** The run, then each stage's run (its own, or the earlier one a cached stage reused), with the stage's name. */
  sources: { run: Run; stage?: string }[];
}

function gather(tracker: RunSource, engine: RunEngine, runId: string): Built<Gathered> {
  // Not getRun: it reads every metric point (seconds for a run of a million).
  const got = tracker.listRuns({ ids: [runId], includeDeleted: true });
  if (!got.ok) return { ok: false, message: got.error.message };
  const run = got.value[0];
  if (!run) return { ok: false, message: `Run ${runId.slice(0, 8)} is not in the store any more: it was deleted, or the store was replaced. Close this panel, or pick a run in the Experiments view.` };
  if (run.deleted) return { ok: false, message: `Run "${run.name}" (${run.id.slice(0, 8)}) was deleted. Restore it from the Experiments view (Undo), or close this panel.` };
  const stages = engine.pipelineStages(tracker, run);
  if (!stages.ok) return { ok: false, message: stages.error.message };
  const sources: Gathered['sources'] = [{ run }];
  for (const s of stages.value) if (s.run && !sources.some((x) => x.run.id === s.run!.id)) sources.push({ run: s.run, stage: s.name });
  return { ok: true, value: { run, stages: stages.value, sources } };
}

export function buildRunData(tracker: RunSource, engine: RunEngine, runId: string, options: { root?: string; maxPoints?: number } = {}): Built<RunData> {
  const g = gather(tracker, engine, runId);
  if (!g.ok) return g;
  const { run, stages, sources } = g.value;
  const kind = run.tags['sextant.kind'] === 'pipeline' || stages.length > 0 ? 'pipeline' : run.parentId ? 'stage' : 'run';
  const parent = run.parentId ? tracker.listRuns({ ids: [run.parentId] }) : undefined;
  const parentRun = parent?.ok ? parent.value[0] : undefined;

  // Metrics: the run's own, then its stages' (a later stage's wins, as in the compare panel: evaluate's `rows` over validate's).
  const metrics: RunMetric[] = [];
  const metricSource = new Map<string, string>();
  const evalSources: { run: Run; stage?: string }[] = [];
  for (const src of [sources[0]!, ...sources.slice(1).reverse()]) {
    let evaluates = false;
    for (const m of Object.values(src.run.metrics)) {
      if (EVALUATION_KEY.test(m.key)) {
        evaluates = true;
        continue;
      }
      if (metricSource.has(m.key)) continue;
      metricSource.set(m.key, src.run.id);
      metrics.push({ key: m.key, last: toMetricNumber(m.last), min: m.min === null ? null : toMetricNumber(m.min), max: m.max === null ? null : toMetricNumber(m.max), step: m.step, count: m.count, ...(src.stage ? { stage: src.stage } : {}) });
    }
    if (evaluates) evalSources.push(src);
  }
  metrics.sort((a, b) => a.key.localeCompare(b.key));

  const series: RunSeries[] = [];
  if (metrics.length > 0) {
    const read = tracker.readSeries({ runIds: [...new Set(metricSource.values())], keys: metrics.map((m) => m.key), maxPoints: options.maxPoints ?? 500 });
    if (!read.ok) return { ok: false, message: read.error.message };
    for (const m of metrics) {
      const s = read.value.find((x) => x.key === m.key && x.runId === metricSource.get(m.key));
      if (s && s.points.length) series.push({ key: m.key, steps: s.points.map((p) => p.step), values: s.points.map((p) => (Number.isFinite(p.value) ? p.value : null)), total: s.total, downsampled: s.downsampled });
    }
  }

  const evaluations: Evaluation[] = [];
  for (const src of evalSources) {
    const built = evaluation(tracker, src.run, src.stage ?? src.run.name);
    if (!built.ok) return built;
    evaluations.push(built.value);
  }

  const artifacts: RunArtifact[] = [];
  for (const src of sources) {
    const listed = tracker.listArtifacts(src.run.id);
    const list: Artifact[] = listed.ok ? listed.value : [];
    for (const a of list) artifacts.push({ runId: src.run.id, ...(src.stage ? { stage: src.stage } : {}), path: a.path, size: a.size, mediaType: a.mediaType, sha256: a.sha256, missing: !existsSync(a.file) });
  }

  const stageRows: RunStage[] = stages.map((s) => ({
    name: s.name,
    status: s.status,
    runId: s.run?.id ?? null,
    ...(s.run ? { runName: s.run.name } : {}),
    durationMs: s.status !== 'cached' && s.run?.startedAt != null && s.run.endedAt != null ? s.run.endedAt - s.run.startedAt : null,
    ...(s.reason ? { reason: s.reason } : {}),
  }));

  const root = options.root ?? run.cwd ?? dirname(dirname(tracker.file));
  const log = engine.runLog(tracker, run, { root, maxBytes: LOG_TAIL_BYTES });
  const logData = log.ok && log.value.log ? { ...log.value.log, canOpen: true } : null;

  return {
    ok: true,
    value: {
      run: {
        id: run.id,
        name: run.name,
        experiment: run.experiment,
        status: run.status,
        kind,
        parent: parentRun ? { id: parentRun.id, name: parentRun.name } : null,
        startedAt: run.startedAt,
        endedAt: run.endedAt,
        exitCode: run.exitCode,
        command: run.command,
      },
      params: sortKeys(Object.assign({}, ...[...sources].reverse().map((s) => s.run.params)) as Record<string, string>),
      metrics,
      series,
      tags: sortKeys(Object.fromEntries(Object.entries(run.tags).filter(([k]) => k !== 'sextant.stages'))),
      environment: environment(sources),
      artifacts,
      stages: stageRows,
      evaluations,
      log: logData,
    },
  };
}

/**
 * What the run details panel shows of the store (src/webviews/liveRefresh.ts): the run, its pipeline run,
 * its stages' runs (and the earlier runs cached stages reused), and any stage of it, new ones included. Without
 * data (the run is deleted or gone), the run alone: its restore shows it again.
 */
export function runShown(runId: string, data: RunData | undefined): Shown {
  const runs = new Set([runId]);
  if (data) {
    runs.add(data.run.id);
    if (data.run.parent) runs.add(data.run.parent.id);
    for (const s of data.stages) if (s.runId) runs.add(s.runId);
  }
  return { runs, parents: [data?.run.id ?? runId] };
}

/** The runner's `sextant.resources.*` tags: what the stage asked for (`resources:` in the pipeline). */
const RESOURCE_LABELS: Record<string, string> = { 'sextant.resources.gpu': 'GPUs requested', 'sextant.resources.cpu': 'CPU slots requested', 'sextant.resources.timeout_ms': 'timeout (ms)' };

function environment(sources: Gathered['sources']): { label: string; value: string }[] {
  const out: { label: string; value: string }[] = [];
  for (const { run: r, stage } of sources) {
    const at = stage ? ` (${stage})` : '';
    const add = (label: string, value: string | null | undefined): void => {
      // A stage that ran where its pipeline did adds nothing new.
      if (value && !out.some((e) => e.label.replace(/ \(.*\)$/, '') === label && e.value === value)) out.push({ label: `${label}${at}`, value });
    };
    add('git commit', r.gitCommit ? `${r.gitCommit}${r.gitDirty ? ' (uncommitted changes)' : ''}` : null);
    add('Python', r.pythonVersion);
    add('Node', r.nodeVersion);
    add('host', r.host);
    add('GPU', r.gpu);
    add('GPU given', r.tags['sextant.gpu']);
    for (const [k, v] of Object.entries(r.tags).sort(([a], [b]) => a.localeCompare(b))) if (k.startsWith('sextant.resources.')) add(RESOURCE_LABELS[k] ?? k, v);
    add('working folder', r.cwd);
  }
  return out;
}

/** The confusion matrix and the ROC/PR curves one run logged. */
function evaluation(tracker: RunSource, run: Run, stage: string): Built<Evaluation> {
  const trueClasses: string[] = [];
  const predClasses: string[] = [];
  const counts = new Map<string, number>();
  const curveKeys: string[] = [];
  for (const m of Object.values(run.metrics)) {
    const parts = m.key.split('/');
    if (parts[0] === 'confusion' && parts.length === 3) {
      if (!trueClasses.includes(parts[1]!)) trueClasses.push(parts[1]!);
      if (!predClasses.includes(parts[2]!)) predClasses.push(parts[2]!);
      counts.set(`${parts[1]}\u0000${parts[2]}`, m.last);
    } else if ((parts[0] === 'roc' || parts[0] === 'pr') && parts.length === 2) curveKeys.push(m.key);
  }
  const classes = [...trueClasses, ...predClasses.filter((c) => !trueClasses.includes(c))];
  const matrix = classes.map((t) => classes.map((p) => {
    const v = counts.get(`${t}\u0000${p}`);
    return v === undefined || !Number.isFinite(v) ? null : v;
  }));
  const curves: Evaluation['roc'] = [];
  if (curveKeys.length) {
    const read = tracker.readSeries({ runIds: [run.id], keys: curveKeys, maxPoints: 1001 });
    if (!read.ok) return { ok: false, message: read.error.message };
    for (const s of read.value) curves.push({ label: s.key, x: s.points.map((p) => p.step / 1000), y: s.points.map((p) => (Number.isFinite(p.value) ? p.value : null)) });
  }
  const named = (prefix: string): Evaluation['roc'] => curves.filter((c) => c.label.startsWith(prefix)).map((c) => ({ ...c, label: c.label.slice(prefix.length) })).sort((a, b) => a.label.localeCompare(b.label));
  return { ok: true, value: { stage, classes, matrix, roc: named('roc/'), pr: named('pr/') } };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * An artifact the page asks to open or reveal, checked against the store: it must be an artifact of this
 * run (or of one of its stages) by that path, its file inside the artifact store (links resolved), and
 * there. Anything else is refused with the reason (the host logs it and does nothing).
 */
export function checkArtifactRequest(tracker: RunSource, engine: RunEngine, panelRunId: string, request: { runId: string; path: string }): Built<{ file: string }> {
  const g = gather(tracker, engine, panelRunId);
  if (!g.ok) return g;
  const source = g.value.sources.find((s) => s.run.id === request.runId);
  if (!source) return { ok: false, message: `refused: run ${JSON.stringify(request.runId.slice(0, 40))} is not this run or one of its stages` };
  const listed = tracker.listArtifacts(source.run.id);
  if (!listed.ok) return { ok: false, message: listed.error.message };
  const artifact = listed.value.find((a) => a.path === request.path);
  if (!artifact) return { ok: false, message: `refused: ${JSON.stringify(request.path.slice(0, 200))} is not an artifact of run ${source.run.name}` };
  if (!existsSync(artifact.file)) return { ok: false, message: `the file of artifact ${artifact.path} is missing from the artifact store (${artifact.file})` };
  let real: string;
  let store: string;
  try {
    real = realpathSync(artifact.file);
    store = realpathSync(tracker.artifactsDir);
  } catch (err) {
    return { ok: false, message: `cannot resolve ${artifact.file}: ${(err as Error).message}` };
  }
  const inside = relative(store, real);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return { ok: false, message: `refused: the file of artifact ${artifact.path} leads outside the artifact store (${real})` };
  return { ok: true, value: { file: real } };
}

/** A run the page asks to open: one of this run's stages, the run a cached stage reused, or its pipeline run. */
export function checkRunRequest(tracker: RunSource, engine: RunEngine, panelRunId: string, runId: string): Built<{ runId: string }> {
  const g = gather(tracker, engine, panelRunId);
  if (!g.ok) return g;
  if (g.value.sources.some((s) => s.run.id === runId && s.run.id !== g.value.run.id) || g.value.run.parentId === runId) return { ok: true, value: { runId } };
  return { ok: false, message: `refused: run ${JSON.stringify(runId.slice(0, 40))} is not a stage or the pipeline of this run` };
}
