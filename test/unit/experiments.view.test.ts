// The Experiments view's rows, on runs the real runner recorded in a real store (issue 9's faults):
// metric choices and scores of pipeline runs come from their stages; a failed run says which stage failed
// and its error line; stages list in execution order with cached ones marked and the run they reuse; a
// fully cached run is not recorded; the param CodeLens refreshes when a run ends; Create Demo's default
// button keeps the files; the palette hides what does not apply; the most useful figure comes first.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { runPipeline } from '../../src/engine/runner/executor';
import { pipelineStages, type PipelineStage } from '../../src/engine/runner/pipelineStages';
import { StoreTracker } from '../../src/engine/runner/storeTracker';
import { isUnchangedPipelineRun } from '../../src/engine/runner/unchangedRun';
import type { PipelineResult } from '../../src/engine/runner/types';
import { metricDirection } from '../../src/engine/tracking/direction';
import type { Run } from '../../src/engine/tracking/schemas';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { demoOverwriteQuestion, overwriteAnswer, OVERWRITE } from '../../src/demoOverwrite';
import * as engine from '../../src/engine/api';
import { ago, experimentsModel, HEAD_MAX, runRow, stageNodes, stageRow } from '../../src/views/experimentsItems';
import { buildServer } from '../support/buildServer';
import { LspClient } from '../support/lspClient';
import { tempDir } from './tempDir';

const ROOT = join(__dirname, '..', '..');

/** A pipeline like the demo's, in shell: prepare logs rows, train logs train_loss, evaluate logs accuracy and f1. */
function penguins(evaluate = "echo '::sextant metric accuracy=0.9714 f1=0.96'", evaluateDeps = ['model.txt']): string {
  const dir = tempDir('sextant-view-');
  const pipeline = {
    version: 1,
    name: 'penguins',
    params: { lr: 0.1 },
    stages: {
      prepare: { run: "printf 'bill,flipper\\n' > data.csv && echo '::sextant metric rows=344'", outs: ['data.csv'] },
      train: { needs: ['prepare'], deps: ['data.csv'], run: "echo 'lr=${{ params.lr }}' > model.txt && echo '::sextant metric train_loss=0.31'", outs: ['model.txt'] },
      evaluate: { needs: ['train'], deps: evaluateDeps, run: evaluate },
    },
  };
  writeFileSync(join(dir, 'sextant.yaml'), stringify(pipeline));
  return dir;
}

function setLr(dir: string, lr: number): void {
  const file = join(dir, 'sextant.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/lr: [\d.]+/, `lr: ${lr}`));
}

function openTracker(dir: string): Tracker {
  const t = Tracker.open(workspaceLayout(dir), { create: true });
  if (!t.ok) throw new Error(t.error.message);
  return t.value;
}

async function run(dir: string, tracker: Tracker): Promise<PipelineResult> {
  const r = await runPipeline({ file: join(dir, 'sextant.yaml'), tracker: new StoreTracker(tracker), gpus: 'never', maxParallel: 2 });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

/** The experiment's top-level runs with their stages, as the view reads them. */
function topRuns(tracker: Tracker): { run: Run; stages: PipelineStage[] }[] {
  const runs = tracker.listRuns({ parentId: null });
  assert.ok(runs.ok);
  return runs.value.map((r) => {
    const stages = pipelineStages(tracker, r);
    assert.ok(stages.ok);
    return { run: r, stages: stages.value };
  });
}

const head = (description: string): string => description.split(' · ')[0]!;

/** The view's root, built from the store as the tree builds it (newest first, no filter). */
function viewModel(tracker: Tracker, primaryMetric?: string): ReturnType<typeof experimentsModel> {
  const experiments = tracker.listExperiments();
  const runs = tracker.listRuns();
  assert.ok(experiments.ok && runs.ok);
  return experimentsModel({ experiments: experiments.value, runs: runs.value }, engine, { filter: [], sort: { by: 'started', direction: 'desc' }, primaryMetric });
}

describe('Experiments view: pipeline runs (src/views/experimentsItems.ts on runs the runner recorded)', function () {
  this.timeout(60_000);

  it('Set Primary Metric offers the metrics its pipeline runs\' stages logged', async () => {
    const dir = penguins();
    const tracker = openTracker(dir);
    assert.equal((await run(dir, tracker)).status, 'succeeded');
    const [top] = topRuns(tracker);
    // The pipeline run logs nothing itself: its stages do.
    assert.deepEqual(Object.keys(top!.run.metrics), []);
    const [experiment] = viewModel(tracker).experiments;
    assert.equal(experiment!.name, 'penguins');
    assert.deepEqual(experiment!.metricKeys, ['accuracy', 'f1', 'rows', 'train_loss']);
    // with no primary metric set, the experiment shows a score
    assert.equal(experiment!.primaryMetric, 'accuracy');
    tracker.close(true);
  });

  it('a pipeline run\'s row shows its primary metric from its stages, before the time', async () => {
    const dir = penguins();
    const tracker = openTracker(dir);
    await run(dir, tracker);
    const [top] = topRuns(tracker);
    const now = top!.run.startedAt! + 2 * 3_600_000 + 5_000;
    assert.equal(runRow(top!.run, top!.stages, 'accuracy', metricDirection, now).description, 'accuracy 0.9714 · 2h ago');
    assert.equal(runRow(top!.run, top!.stages, 'train_loss', metricDirection, now).description, 'train_loss 0.31 · 2h ago');
    // No primary metric set: a score (accuracy, f1) is chosen over rows or a loss.
    assert.equal(runRow(top!.run, top!.stages, undefined, metricDirection, now).description, 'accuracy 0.9714 · 2h ago');
    tracker.close(true);
  });

  it('a failed pipeline run\'s row names the stage that failed and its error line (recorded as sextant.error)', async () => {
    const dir = penguins("echo 'Traceback (most recent call last):' >&2; echo 'ValueError: lr must be below 1, got 3' >&2; exit 1");
    const tracker = openTracker(dir);
    const result = await run(dir, tracker);
    assert.equal(result.status, 'failed');
    const [top] = topRuns(tracker);
    const evaluate = top!.stages.find((s) => s.name === 'evaluate')!;
    assert.equal(evaluate.status, 'failed');
    assert.equal(evaluate.run?.tags['sextant.error'], 'ValueError: lr must be below 1, got 3');
    const row = runRow(top!.run, top!.stages, 'accuracy', metricDirection, top!.run.startedAt! + 60_000);
    assert.equal(row.description, 'evaluate: ValueError: lr must… · 1m ago');
    assert.ok(head(row.description).length <= HEAD_MAX);
    assert.match(row.accessibility, /failed in evaluate: ValueError: lr must be below 1, got 3/);
    assert.equal(stageRow(evaluate, top!.run.id, 'accuracy', metricDirection, Date.now()).description.split(' · ')[0], 'failed: ValueError: lr must b…');
    tracker.close(true);
  });

  it('a stage that failed before it started (a missing input) gives the runner\'s reason', async () => {
    const dir = penguins(undefined, ['model.txt', 'labels.csv']);
    const tracker = openTracker(dir);
    assert.equal((await run(dir, tracker)).status, 'failed');
    const [top] = topRuns(tracker);
    assert.equal(head(runRow(top!.run, top!.stages, 'accuracy', metricDirection, Date.now()).description), 'evaluate: Missing input: labe…');
    tracker.close(true);
  });

  it('stages list in execution order, cached ones shown with the run they reuse', async () => {
    const dir = penguins();
    const tracker = openTracker(dir);
    const first = await run(dir, tracker);
    setLr(dir, 0.05);
    const second = await run(dir, tracker);
    assert.deepEqual(second.stages.map((s) => s.status), ['cached', 'ran', 'ran']);
    const runs = topRuns(tracker);
    assert.equal(runs.length, 2);
    const latest = runs.find((r) => r.run.id === second.run_id)!;
    assert.deepEqual(latest.stages.map((s) => [s.name, s.status]), [['prepare', 'cached'], ['train', 'ran'], ['evaluate', 'ran']]);
    const firstPrepare = first.stages.find((s) => s.name === 'prepare')!.run_id!;
    const prepare = latest.stages[0]!;
    assert.equal(prepare.run?.id, firstPrepare, 'the cached stage names the run whose outputs it reused');
    const row = stageRow(prepare, latest.run.id, 'accuracy', metricDirection, Date.now());
    assert.equal(row.description, `cached · rows 344 · from ${firstPrepare.slice(0, 8)}`);
    assert.equal(row.reuses, firstPrepare);
    // the stages that ran are this run's own, in the order they ran
    assert.ok(latest.stages.slice(1).every((s) => s.run?.parentId === latest.run.id));
    // in the tree: the cached stage is a stage node, the others are their runs (Show Run, Open Run Log act on them)
    const model = viewModel(tracker);
    const node = model.experiments[0]!.runs.map((r) => ({ kind: 'run' as const, run: r, stages: model.stagesOf.get(r.id) ?? [], primaryMetric: 'accuracy' })).find((n) => n.run.id === second.run_id)!;
    assert.deepEqual(stageNodes(node).map((n) => (n.kind === 'stage' ? `${n.stage.name} (cached)` : n.kind === 'run' ? n.run.name : n.kind)), ['prepare (cached)', 'train', 'evaluate']);
    assert.ok(latest.stages[1]!.run!.startedAt! <= latest.stages[2]!.run!.startedAt!);
    // its score is still the attempt's: evaluate ran again
    assert.equal(head(runRow(latest.run, latest.stages, 'accuracy', metricDirection, Date.now()).description), 'accuracy 0.9714');
    tracker.close(true);
  });

  it('sorted by a metric, pipeline runs sort by their stages\' values', async () => {
    const dir = penguins("echo '::sextant metric accuracy=${{ params.lr }}'");
    const tracker = openTracker(dir);
    const ids: Record<string, string> = {};
    for (const lr of [0.1, 0.3, 0.05]) {
      setLr(dir, lr);
      ids[lr] = (await run(dir, tracker)).run_id!;
    }
    const experiments = tracker.listExperiments();
    const runs = tracker.listRuns();
    assert.ok(experiments.ok && runs.ok);
    const sorted = experimentsModel({ experiments: experiments.value, runs: runs.value }, engine, { filter: [], sort: { by: 'metric', key: 'accuracy', direction: 'desc' }, primaryMetric: undefined });
    assert.deepEqual(sorted.experiments[0]!.runs.map((r) => r.id), [ids[0.3], ids[0.1], ids[0.05]]);
    tracker.close(true);
  });

  it('a fully cached run records nothing: no empty "pipeline <time>" row, no run id', async () => {
    const dir = penguins();
    const tracker = openTracker(dir);
    const first = await run(dir, tracker);
    const again = await run(dir, tracker);
    const third = await run(dir, tracker);
    assert.deepEqual(again.stages.map((s) => s.status), ['cached', 'cached', 'cached']);
    assert.equal(again.run_id, null);
    assert.equal(third.run_id, null);
    assert.deepEqual(topRuns(tracker).map((r) => r.run.id), [first.run_id]);
    assert.deepEqual(viewModel(tracker).experiments[0]!.runs.map((r) => r.id), [first.run_id]);
    tracker.close(true);
  });

  it('an empty pipeline run recorded by an earlier version is recognised (and left out of lists); real ones are not', async () => {
    const dir = penguins();
    const tracker = openTracker(dir);
    await run(dir, tracker);
    const legacy = tracker.startRun({ experiment: 'penguins', name: 'pipeline 2026-11-30 10:00:00', tags: { 'sextant.kind': 'pipeline', 'sextant.pipeline': join(dir, 'sextant.yaml') } });
    assert.ok(legacy.ok);
    tracker.finishRun(legacy.value.id, 'finished', null);
    const failedEarly = tracker.startRun({ experiment: 'penguins', name: 'pipeline 2026-11-30 11:00:00', tags: { 'sextant.kind': 'pipeline' } });
    assert.ok(failedEarly.ok);
    tracker.finishRun(failedEarly.value.id, 'failed', null);
    const all = tracker.listRuns();
    assert.ok(all.ok);
    const stagesOf = (r: Run): Run[] => all.value.filter((c) => c.parentId === r.id);
    const unchanged = all.value.filter((r) => isUnchangedPipelineRun(r, stagesOf(r))).map((r) => r.id);
    assert.deepEqual(unchanged, [legacy.value.id]);
    const model = viewModel(tracker);
    assert.equal(model.total, 2, 'the real pipeline run and the one that failed early');
    assert.ok(!model.experiments[0]!.runs.some((r) => r.id === legacy.value.id));
    tracker.close(true);
  });
});

describe('Experiments view: descriptions put the most useful figure first, within the sidebar width', () => {
  it('short relative times', () => {
    const now = Date.UTC(2026, 11, 1, 12);
    assert.equal(ago(now - 20_000, now), 'just now');
    assert.equal(ago(now - 5 * 60_000, now), '5m ago');
    assert.equal(ago(now - 2 * 3_600_000, now), '2h ago');
    assert.equal(ago(now - 3 * 86_400_000, now), '3d ago');
    assert.equal(ago(Date.UTC(2026, 8, 1), now), '2026-09-01');
  });

  it('plain runs: the score first and at most 30 characters before the first separator, its value always shown', () => {
    const dir = tempDir('sextant-view-plain-');
    const tracker = openTracker(dir);
    const long = tracker.startRun({ experiment: 'scripts', name: 'sweep-17' });
    const plain = tracker.startRun({ experiment: 'scripts', name: 'baseline' });
    const crashed = tracker.startRun({ experiment: 'scripts', name: 'crashed' });
    assert.ok(long.ok && plain.ok && crashed.ok);
    tracker.logMetrics(long.value.id, [{ key: 'validation_accuracy_macro_weighted', value: 0.912345 }]);
    tracker.logMetrics(plain.value.id, [{ key: 'loss', value: 0.25 }, { key: 'acc', value: 0.9 }]);
    tracker.finishRun(long.value.id, 'finished', 0);
    tracker.finishRun(plain.value.id, 'finished', 0);
    tracker.finishRun(crashed.value.id, 'failed', 2);
    tracker.flush();
    const runs = tracker.listRuns();
    assert.ok(runs.ok);
    const byName = new Map(runs.value.map((r) => [r.name, r]));
    const at = (r: Run): number => r.startedAt! + 3 * 3_600_000;
    const sweep = runRow(byName.get('sweep-17')!, [], undefined, metricDirection, at(byName.get('sweep-17')!)).description;
    assert.equal(sweep, 'validation_accuracy_ma… 0.9123 · 3h ago');
    assert.ok(head(sweep).length <= HEAD_MAX, head(sweep));
    assert.equal(runRow(byName.get('baseline')!, [], undefined, metricDirection, at(byName.get('baseline')!)).description, 'acc 0.9 · 3h ago');
    assert.equal(runRow(byName.get('baseline')!, [], 'loss', metricDirection, at(byName.get('baseline')!)).description, 'loss 0.25 · 3h ago');
    assert.equal(runRow(byName.get('crashed')!, [], undefined, metricDirection, at(byName.get('crashed')!)).description, 'exit 2 · 3h ago');
    tracker.close(true);
  });
});

describe('the param CodeLens refreshes when a run ends (sextant/runsChanged)', function () {
  this.timeout(60_000);
  let server: string;
  let client: LspClient | undefined;
  before(async () => {
    server = await buildServer(ROOT);
  });
  afterEach(async () => {
    await client?.stop();
    client = undefined;
  });

  /** A finished pipeline run of the demo's experiment at `lr`, its accuracy logged by a stage. */
  function recordRun(tracker: Tracker, lr: number, accuracy: number): void {
    const pipeline = tracker.startRun({ experiment: 'penguins', name: `pipeline lr=${lr}`, params: { lr }, tags: { 'sextant.kind': 'pipeline' } });
    assert.ok(pipeline.ok);
    const stage = tracker.startRun({ experiment: 'penguins', name: 'evaluate', parentId: pipeline.value.id });
    assert.ok(stage.ok);
    tracker.logMetrics(stage.value.id, [{ key: 'accuracy', value: accuracy }]);
    tracker.finishRun(stage.value.id, 'finished', 0);
    tracker.finishRun(pipeline.value.id, 'finished', null);
    tracker.flush();
  }

  it('the server asks the editor to refresh its lenses, which then show the new run', async () => {
    const dir = tempDir('sextant-lens-refresh-');
    const tracker = openTracker(dir);
    recordRun(tracker, 0.05, 0.95);
    client = LspClient.spawn(process.execPath, [server, '--stdio']);
    const rootUri = pathToFileURL(dir).toString();
    await client.request('initialize', { processId: process.pid, rootUri, workspaceFolders: [{ uri: rootUri, name: 'root' }], capabilities: { workspace: { codeLens: { refreshSupport: true } } }, initializationOptions: { commands: ['sextant.runWithParam'], storePath: tracker.file } });
    client.notify('initialized', {});
    const uri = pathToFileURL(join(dir, 'sextant.yaml')).toString();
    await client.openDocument(uri, readFileSync(join(ROOT, 'media/demo/sextant.yaml'), 'utf8'), 1);
    const titles = async (): Promise<string[]> => ((await client!.request<{ command: { title: string } }[]>('textDocument/codeLens', { textDocument: { uri } })) ?? []).map((l) => l.command.title);
    assert.deepEqual(await titles(), ['no accuracy recorded for this value yet · best 0.950 at lr = 0.05', 'Run with lr = 0.05']);

    // A run at the file's value (lr 0.1) ends; the extension tells the server (src/lsp/client.ts on onStoreChanged).
    recordRun(tracker, 0.1, 0.97);
    const refresh = client.waitFor('workspace/codeLens/refresh', () => true, 10_000);
    client.notify('sextant/runsChanged', null);
    await refresh;
    assert.deepEqual(await titles(), ['accuracy at this value: last 0.970, best 0.970 (1 run) · best 0.950 at lr = 0.05']);
    tracker.close(true);
  });
});

describe('Create Demo Pipeline over existing files: the default button keeps them (src/demoOverwrite.ts)', () => {
  it('asks in a modal whose first (default) button opens the existing file, never Overwrite', () => {
    const q = demoOverwriteQuestion('3 demo file(s) already exist here (sextant.yaml, train.py, data/penguins.csv); nothing was written.', '/ws/sextant.yaml');
    assert.equal(q.options.modal, true);
    assert.deepEqual(q.buttons, ['Open sextant.yaml', OVERWRITE]);
    assert.notEqual(q.buttons[0], OVERWRITE);
    assert.match(q.options.detail, /sextant\.yaml, train\.py/);
    assert.equal(overwriteAnswer(q, 'Open sextant.yaml'), 'open');
    assert.equal(overwriteAnswer(q, OVERWRITE), 'overwrite');
    assert.equal(overwriteAnswer(q, undefined), 'cancel');
  });
});

describe('the command palette hides what does not apply (package.json menus.commandPalette)', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    contributes: { commands: { command: string }[]; menus: Record<string, { command: string; when?: string }[]> };
  };
  const menus = manifest.contributes.menus;
  const palette = new Map(menus.commandPalette!.map((e) => [e.command, e.when]));
  /** Commands shown on tree items that also work from the palette, asking for what they need: compare (the view's selection), the experiment table (a pick of experiments), stop serving (a pick of the running servers, shown only while one runs). */
  const PALETTE_FALLBACK = new Set(['sextant.experiments.compare', 'sextant.experiments.openTable', 'sextant.models.stopServing']);

  it('every command that acts on a tree node is hidden from the palette (when: false)', () => {
    const nodeCommands = [...new Set(menus['view/item/context']!.map((e) => e.command))].filter((c) => !PALETTE_FALLBACK.has(c));
    assert.ok(nodeCommands.length >= 8, nodeCommands.join(', '));
    const shown = nodeCommands.filter((c) => palette.get(c) !== 'false');
    assert.deepEqual(shown, [], `node commands shown in the palette: ${shown.map((c) => `${c} (when: ${palette.get(c) ?? 'none'})`).join(', ')}`);
    for (const c of PALETTE_FALLBACK) assert.ok(palette.get(c) && palette.get(c) !== 'false', `${c} has a palette condition`);
  });

  it('commands that need a store, a pipeline or a filter say so, with context keys the extension sets', () => {
    assert.equal(palette.get('sextant.experiments.clearFilter'), 'sextant.experiments.filtered');
    for (const c of ['sextant.experiments.filter', 'sextant.experiments.sort']) assert.equal(palette.get(c), 'sextant.storeState == ok', c);
    for (const c of ['sextant.runPipeline', 'sextant.runPipelineForce', 'sextant.runStage']) assert.match(palette.get(c) ?? '', /sextant\.state == ready/, c);
    // every sextant.* key a when clause reads is one the extension sets (a typo would hide a command for good)
    const sources = (readdirSync(join(ROOT, 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(ROOT, 'src', f), 'utf8')).join('\n');
    const set = new Set([...sources.matchAll(/'setContext',\s*'(sextant\.[\w.]+)'/g)].map((m) => m[1]!));
    assert.ok(set.has('sextant.storeState') && set.has('sextant.state'), [...set].join(', '));
    // keys, not values: `view == sextant.experiments` compares with a view id
    const read = new Set(Object.values(menus).flatMap((entries) => entries.flatMap((e) => [...(e.when ?? '').matchAll(/(?<!(?:==|!=)\s*)\b(sextant\.[\w.]+)/g)].map((m) => m[1]!))));
    const unknown = [...read].filter((k) => !set.has(k));
    assert.deepEqual(unknown, [], `when clauses read keys nobody sets: ${unknown.join(', ')}`);
  });
});
