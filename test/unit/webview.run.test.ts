// The run details panel's host side without VS Code: its message contract (src/webviews/run/protocol.ts),
// the data it is sent (src/webviews/run/data.ts) built from a store the real runner wrote (the demo
// pipeline, then its evaluate stage forced: validate and train cached), the engine queries under it
// (the stage record, pipelineStages, runLog, evaluate's curves) and the checks on what the page asks for.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as engine from '../../src/engine/api';
import { pipelineStages } from '../../src/engine/runner/pipelineStages';
import { runLog } from '../../src/engine/runner/runLog';
import { readStageRecords, STAGES_TAG } from '../../src/engine/runner/stageRecord';
import { classCurves } from '../../src/engine/train/curves';
import { Tracker } from '../../src/engine/tracking/tracking';
import { buildRunData, checkArtifactRequest, checkRunRequest } from '../../src/webviews/run/data';
import { HostMessageSchema, PageMessageSchema, PageStateSchema, type RunData } from '../../src/webviews/run/protocol';
import { runFixture, type RunFixture } from '../support/runFixture';
import { tempDir } from './tempDir';

function built(fx: RunFixture, id: string): RunData {
  const b = buildRunData(fx.tracker, engine, id, { root: fx.dir });
  if (!b.ok) throw new Error(b.message);
  assert.ok(HostMessageSchema.safeParse(JSON.parse(JSON.stringify({ type: 'data', data: b.value }))).success, 'what the host builds passes the contract, after JSON');
  return b.value;
}

describe('run details panel: the message contract', () => {
  it('the page may ask to open or reveal an artifact (by run and path), open the log, open a run; nothing else', () => {
    assert.ok(PageMessageSchema.safeParse({ type: 'openArtifact', runId: 'a', path: 'model.onnx' }).success);
    assert.ok(PageMessageSchema.safeParse({ type: 'revealArtifact', runId: 'a', path: 'model.onnx' }).success);
    assert.ok(PageMessageSchema.safeParse({ type: 'openLog' }).success);
    assert.ok(PageMessageSchema.safeParse({ type: 'openRun', runId: 'a' }).success);
    assert.equal(PageMessageSchema.safeParse({ type: 'openArtifact', path: '/etc/passwd' }).success, false, 'no run named');
    assert.equal(PageMessageSchema.safeParse({ type: 'openFile', path: '/etc/passwd' }).success, false);
    assert.equal(PageMessageSchema.safeParse({ type: 'openArtifact', runId: 'a', path: 7 }).success, false);
  });

  it('the saved state names the run; open curves default to none', () => {
    assert.deepEqual(PageStateSchema.parse({ runId: 'abc' }), { runId: 'abc', expanded: [] });
    assert.equal(PageStateSchema.safeParse({}).success, false);
    assert.equal(HostMessageSchema.safeParse({ type: 'data', data: { run: {} } }).success, false);
  });
});

describe('run details panel: the data the host sends, from a store the runner wrote', function () {
  this.timeout(120_000);
  let fx: RunFixture;
  before(async () => {
    fx = await runFixture(tempDir('sextant-run-panel-'));
  });
  after(() => fx?.tracker.close(true));

  it('the runner records the stages in the order it took them up, cached ones included (sextant.stages)', () => {
    assert.deepEqual(fx.second.stages.map((s) => [s.name, s.status]), [['validate', 'cached'], ['train', 'cached'], ['evaluate', 'ran']]);
    const run = fx.tracker.getRun(fx.ids.second);
    assert.ok(run.ok);
    const records = readStageRecords(run.value.tags);
    assert.ok(records, `the pipeline run has a ${STAGES_TAG} tag`);
    const firstStages = fx.first.stages;
    assert.deepEqual(records.map((r) => [r.stage, r.status, r.run]), [
      ['validate', 'cached', firstStages.find((s) => s.name === 'validate')!.run_id],
      ['train', 'cached', firstStages.find((s) => s.name === 'train')!.run_id],
      ['evaluate', 'ran', fx.ids.evaluate],
    ]);
    assert.ok(run.value.tags[STAGES_TAG]!.length < 400, 'compact');
  });

  it("a pipeline run's stages in execution order, cached ones marked and linked to the run they reused", () => {
    const data = built(fx, fx.ids.second);
    assert.equal(data.run.kind, 'pipeline');
    assert.match(data.run.name, /^pipeline \d{4}-\d\d-\d\d /, 'titled by its name, not a hash');
    assert.deepEqual(data.stages.map((s) => [s.name, s.status]), [['validate', 'cached'], ['train', 'cached'], ['evaluate', 'ran']]);
    const train = data.stages[1]!;
    assert.equal(train.runId, fx.first.stages.find((s) => s.name === 'train')!.run_id);
    assert.equal(train.runName, 'train');
    assert.equal(train.durationMs, null, 'a cached stage took no time in this run');
    assert.equal(data.stages[2]!.runId, fx.ids.evaluate);
    assert.ok(data.stages[2]!.durationMs! >= 0);
    // The first run ran every stage, in the DAG's order.
    assert.deepEqual(built(fx, fx.ids.first).stages.map((s) => `${s.name}:${s.status}`), ['validate:ran', 'train:ran', 'evaluate:ran', 'gate:ran', 'register:ran']);
    assert.equal(data.tags[STAGES_TAG], undefined, 'the record is shown as the stages, not as a tag');
  });

  it("a pipeline run's metrics come from its stages (cached ones too), each with a downsampled curve", () => {
    const data = built(fx, fx.ids.second);
    const keys = data.metrics.map((m) => m.key);
    assert.ok(keys.includes('accuracy') && keys.includes('train_loss'), keys.join(', '));
    assert.equal(data.metrics.find((m) => m.key === 'train_loss')!.stage, 'train', 'from the run the cached stage reused');
    assert.ok(!keys.some((k) => /^(confusion|roc|pr)\//.test(k)), 'the evaluation keys are drawn as a matrix and curves instead');
    const loss = data.series.find((s) => s.key === 'train_loss')!;
    assert.equal(loss.total, data.metrics.find((m) => m.key === 'train_loss')!.count);
    assert.ok(loss.steps.length > 1 && loss.steps.length <= 500);
    assert.deepEqual(data.params.lr, '0.1');
    assert.equal(data.metrics.find((m) => m.key === 'rows')!.stage, 'evaluate', "a later stage's value wins (validate logged rows too)");
  });

  it("evaluate's confusion matrix: the counts it logged as confusion/<true>/<pred>, rows summing to the rows evaluated", () => {
    const data = built(fx, fx.ids.second);
    assert.equal(data.evaluations.length, 1);
    const ev = data.evaluations[0]!;
    assert.equal(ev.stage, 'evaluate');
    assert.deepEqual(ev.classes, ['adelie', 'chinstrap', 'gentoo']);
    const stage = fx.tracker.getRun(fx.ids.evaluate);
    assert.ok(stage.ok);
    for (const [t, row] of ev.matrix.entries()) for (const [p, v] of row.entries()) assert.equal(v, stage.value.metrics[`confusion/${ev.classes[t]}/${ev.classes[p]}`]!.last);
    const total = ev.matrix.flat().reduce<number>((s, v) => s + (v ?? 0), 0);
    assert.equal(total, stage.value.metrics.rows!.last);
    const diagonal = ev.matrix.reduce<number>((s, row, i) => s + (row[i] ?? 0), 0);
    assert.ok(Math.abs(diagonal / total - stage.value.metrics.accuracy!.last) < 1e-9, 'the diagonal is the accuracy');
  });

  it('evaluate logs ROC and PR curves (roc/<class>, pr/<class>, x in thousandths as the step), its other metric names unchanged', () => {
    const ev = built(fx, fx.ids.second).evaluations[0]!;
    assert.deepEqual(ev.roc.map((c) => c.label), ['adelie', 'chinstrap', 'gentoo']);
    assert.deepEqual(ev.pr.map((c) => c.label), ['adelie', 'chinstrap', 'gentoo']);
    for (const c of ev.roc) {
      assert.equal(c.x[0], 0);
      assert.equal(c.x.at(-1), 1);
      assert.equal(c.y.at(-1), 1);
      for (let i = 1; i < c.y.length; i++) assert.ok(c.y[i]! >= c.y[i - 1]!, 'ROC rises');
    }
    const stage = fx.tracker.getRun(fx.ids.evaluate);
    assert.ok(stage.ok);
    for (const k of ['accuracy', 'precision', 'recall', 'f1', 'log_loss', 'roc_auc', 'rows', 'latency_p50_ms', 'latency_p95_ms', 'throughput_rps', 'confusion/adelie/adelie']) assert.ok(stage.value.metrics[k], k);
    // The area under the logged ROC points agrees with the roc_auc evaluate logged (macro over classes).
    const area = (c: { x: number[]; y: (number | null)[] }): number => c.x.slice(1).reduce((s, x, i) => s + (x - c.x[i]!) * ((c.y[i + 1]! + c.y[i]!) / 2), 0);
    const macro = ev.roc.reduce((s, c) => s + area(c), 0) / ev.roc.length;
    assert.ok(Math.abs(macro - stage.value.metrics.roc_auc!.last) < 0.01, `${macro} vs ${stage.value.metrics.roc_auc!.last}`);
  });

  it('classCurves: a perfect ranking, a reversed one, and a class with no positive', () => {
    const y = Int32Array.from([1, 1, 0, 0]);
    const proba = [0.1, 0.9, 0.2, 0.8, 0.7, 0.3, 0.6, 0.4];
    const perfect = classCurves(y, proba, 2, 1)!;
    // Both positives score above both negatives: the true-positive rate is 1 from a false-positive rate of 0.
    assert.deepEqual(perfect.roc, [{ step: 0, value: 1 }, { step: 500, value: 1 }, { step: 1000, value: 1 }]);
    assert.ok(perfect.pr.every((p) => p.value === 1));
    // Both negatives score above both positives: nothing is found until every negative is.
    const reversed = classCurves(y, [0.9, 0.1, 0.8, 0.2, 0.2, 0.8, 0.1, 0.9], 2, 1)!;
    assert.deepEqual(reversed.roc, [{ step: 0, value: 0 }, { step: 500, value: 0 }, { step: 1000, value: 1 }]);
    assert.deepEqual(reversed.pr.at(-1), { step: 1000, value: 0.5 });
    assert.equal(classCurves(Int32Array.from([0, 0]), [0.5, 0.5, 0.6, 0.4], 2, 1), undefined);
  });

  it("a pipeline run's log: its stages' logs in the order they ran, cached ones said, written as pipeline.log (Open Run Log)", () => {
    const run = fx.tracker.getRun(fx.ids.second);
    assert.ok(run.ok);
    assert.ok(run.value.logPath?.endsWith(join(fx.ids.second, 'pipeline.log')), `logPath ${run.value.logPath}`);
    const log = runLog(fx.tracker, run.value, { root: fx.dir });
    assert.ok(log.ok);
    assert.equal(log.value.file, run.value.logPath, 'Open Run Log opens this file');
    const text = readFileSync(log.value.file!, 'utf8');
    const at = (s: string): number => text.indexOf(s);
    assert.ok(at('── validate · cached ──') >= 0 && at('── validate · cached ──') < at('── train · cached ──') && at('── train · cached ──') < at('── evaluate · ran ──'), text.slice(0, 400));
    assert.match(text, /cached: not run, its outputs were up to date/);
    assert.ok(at('Evaluated models/penguins.onnx') > at('── evaluate · ran ──'));
    assert.match(text, /confusion matrix \(rows: true species, columns: predicted\)/);
    // The panel gets its tail, and can open the whole.
    const data = built(fx, fx.ids.second);
    assert.ok(data.log);
    assert.equal(data.log.canOpen, true);
    assert.equal(data.log.text, text);
  });

  it('while pipeline.log is not there (a running pipeline, an older run), the log is composed from the stage logs', () => {
    const run = fx.tracker.getRun(fx.ids.first);
    assert.ok(run.ok);
    const saved = readFileSync(run.value.logPath!, 'utf8');
    rmSync(run.value.logPath!);
    try {
      const log = runLog(fx.tracker, run.value, { root: fx.dir });
      assert.ok(log.ok);
      assert.equal(log.value.file, undefined);
      assert.equal(log.value.log!.text, saved, 'the same text the runner wrote');
      const tail = runLog(fx.tracker, run.value, { root: fx.dir, maxBytes: 200 });
      assert.ok(tail.ok && tail.value.log!.truncated);
      assert.ok(Buffer.byteLength(tail.value.log!.text) <= 200);
      assert.ok(saved.endsWith(tail.value.log!.text));
    } finally {
      writeFileSync(run.value.logPath!, saved);
    }
  });

  it('a stage run shows its own log and names its pipeline run', () => {
    const data = built(fx, fx.ids.evaluate);
    assert.equal(data.run.kind, 'stage');
    assert.equal(data.run.parent?.id, fx.ids.second);
    assert.match(data.log!.text, /^\[sextant\]|Evaluated/m);
    assert.deepEqual(data.stages, []);
    assert.equal(data.evaluations.length, 1, "a stage's own panel shows its matrix too");
    assert.ok(data.environment.some((e) => e.label === 'host'));
  });

  it('a script run: NaN metrics by name and as gaps, environment from what the store recorded, a deleted artifact marked missing', () => {
    const data = built(fx, fx.ids.script);
    assert.equal(data.run.kind, 'run');
    const loss = data.metrics.find((m) => m.key === 'loss')!;
    assert.equal(loss.count, 300);
    assert.equal(data.metrics.find((m) => m.key === 'score')!.last, 'NaN');
    const curve = data.series.find((s) => s.key === 'loss')!;
    assert.equal(curve.values[curve.steps.indexOf(150)], null, 'the NaN point is a gap');
    assert.deepEqual(data.series.find((s) => s.key === 'score')!.values, [null]);
    assert.deepEqual(data.environment, [
      { label: 'git commit', value: '0123456789abcdef0123456789abcdef01234567 (uncommitted changes)' },
      { label: 'Python', value: '3.11.9' },
      ...data.environment.filter((e) => e.label === 'host'),
      { label: 'GPU', value: 'NVIDIA H200' },
      { label: 'GPU given', value: '0' },
      { label: 'GPUs requested', value: '1' },
    ]);
    assert.deepEqual(data.artifacts.map((a) => [a.path, a.missing]), [['model/weights.bin', true], ['notes.txt', false]]);
    assert.equal(data.log, null, 'no log: said by the page');
  });

  it('a run that logged nothing, a run id that is gone, a deleted run: said plainly', () => {
    const empty = built(fx, fx.ids.empty);
    assert.deepEqual([empty.metrics, empty.series, empty.artifacts, empty.stages, empty.log], [[], [], [], [], null]);
    const gone = buildRunData(fx.tracker, engine, 'f'.repeat(32));
    assert.ok(!gone.ok);
    assert.match(gone.message, /^Run ffffffff is not in the store any more/);
    const doomed = fx.tracker.startRun({ experiment: 'scratch', name: 'doomed' });
    assert.ok(doomed.ok);
    const id = doomed.value.id;
    assert.ok(fx.tracker.deleteRuns([id]).ok);
    const deleted = buildRunData(fx.tracker, engine, id);
    assert.ok(!deleted.ok);
    assert.match(deleted.message, /Run "doomed" .* was deleted/);
  });

  describe('what the page asks for is checked against the store', () => {
    it('an artifact of this run (or one of its stages) opens: its file, inside the artifact store', () => {
      const ok = checkArtifactRequest(fx.tracker, engine, fx.ids.script, { runId: fx.ids.script, path: 'notes.txt' });
      assert.ok(ok.ok, ok.ok ? '' : ok.message);
      assert.ok(ok.value.file.startsWith(realpathSync(fx.tracker.artifactsDir)));
      assert.equal(readFileSync(ok.value.file, 'utf8'), 'kept\n');
      const stageLog = checkArtifactRequest(fx.tracker, engine, fx.ids.second, { runId: fx.ids.evaluate, path: 'logs/evaluate.log' });
      assert.ok(stageLog.ok, "a pipeline run's panel lists and opens its stages' artifacts");
    });

    it('a hostile or stale request is refused with the reason: a path that is no artifact, another run, a missing file, a file outside the store', () => {
      const ask = (runId: string, path: string): string => {
        const r = checkArtifactRequest(fx.tracker, engine, fx.ids.script, { runId, path });
        assert.ok(!r.ok, `${runId} ${path} should be refused`);
        return r.message;
      };
      assert.match(ask(fx.ids.script, '../../../../etc/passwd'), /refused: ".*etc\/passwd" is not an artifact of run train\.py lr=0\.3/);
      assert.match(ask(fx.ids.script, '/etc/passwd'), /refused/);
      assert.match(ask(fx.ids.evaluate, 'logs/evaluate.log'), /refused: run .* is not this run or one of its stages/, "another run's artifact, from this run's panel");
      assert.match(ask(fx.ids.script, 'model/weights.bin'), /missing from the artifact store/);
      // An artifact whose stored file was replaced by a link leading out of the store.
      const outside = join(fx.dir, 'secret.txt');
      writeFileSync(outside, 'secret\n');
      writeFileSync(join(fx.dir, 'linked.txt'), 'linked\n');
      const logged = fx.tracker.logArtifact(fx.ids.script, join(fx.dir, 'linked.txt'), { path: 'linked.txt' });
      assert.ok(logged.ok);
      rmSync(logged.value.file);
      symlinkSync(outside, logged.value.file);
      assert.match(ask(fx.ids.script, 'linked.txt'), /refused: the file of artifact linked.txt leads outside the artifact store/);
      assert.ok(existsSync(outside), 'nothing was done to it');
    });

    it('openRun: only a stage of this run, the run a cached stage reused, or its pipeline run', () => {
      assert.ok(checkRunRequest(fx.tracker, engine, fx.ids.second, fx.ids.evaluate).ok);
      assert.ok(checkRunRequest(fx.tracker, engine, fx.ids.second, fx.second.stages[0]!.run_id!).ok, 'the run cached validate reused');
      assert.ok(checkRunRequest(fx.tracker, engine, fx.ids.evaluate, fx.ids.second).ok, 'its pipeline run');
      assert.ok(!checkRunRequest(fx.tracker, engine, fx.ids.second, fx.ids.script).ok);
    });
  });
});

describe('run details panel: a pipeline run recorded before the stage record existed', () => {
  it('lists its stage runs by start time', () => {
    const dir = tempDir('sextant-run-old-');
    const opened = Tracker.open({ storePath: join(dir, 'sextant.db'), artifactsDir: join(dir, 'artifacts') }, { create: true });
    assert.ok(opened.ok);
    const t = opened.value;
    const p = t.startRun({ experiment: 'old', name: 'pipeline 2025', tags: { 'sextant.kind': 'pipeline' } });
    assert.ok(p.ok);
    for (const [name, startedAt] of [['evaluate', 3000], ['prepare', 1000], ['train', 2000]] as const) assert.ok(t.startRun({ experiment: 'old', name, parentId: p.value.id, startedAt, tags: { 'sextant.stage': name } }).ok);
    const run = t.listRuns({ ids: [p.value.id] });
    assert.ok(run.ok);
    const stages = pipelineStages(t, run.value[0]!);
    assert.ok(stages.ok);
    assert.deepEqual(stages.value.map((s) => `${s.name}:${s.status}`), ['prepare:running', 'train:running', 'evaluate:running']);
    t.close(true);
  });
});
