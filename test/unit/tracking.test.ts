import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tracker } from '../../src/engine/tracking/tracking';
import { assertRollupsMatchPoints } from './trackingHelpers';
import { parseProtocolLine } from '../../src/engine/tracking/protocol';
import { ProtocolIngestor } from '../../src/engine/tracking/protocolIngest';
import { readMetricsFile } from '../../src/engine/tracking/metricsFile';
import { MetricPointInputSchema, type Run } from '../../src/engine/tracking/schemas';
import { parseRunFilter, runMatches, sortRuns } from '../../src/engine/tracking/runFilter';
import { tempDir } from './tempDir';

function fresh(options: { clock?: () => number } = {}): { tracker: Tracker; dir: string } {
  const dir = tempDir('sextant-tracking-');
  const t = Tracker.open({ storePath: join(dir, '.sextant', 'sextant.db'), artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true, ...options });
  if (!t.ok) throw new Error(t.error.message);
  return { tracker: t.value, dir };
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('tracking API', () => {
  it('records a run with params, tags, metrics and status, and reads it back', () => {
    let now = 1_000_000;
    const { tracker } = fresh({ clock: () => now });
    const { id } = must(tracker.startRun({ experiment: 'churn', name: 'baseline', command: 'python train.py', pid: 4242, gitCommit: 'abc123', gitDirty: true, gpu: '0', pythonVersion: '3.11.2', params: { lr: 0.01, layers: [64, 32] }, tags: { stage: 'train' } }));
    assert.match(id, /^[0-9a-f]{32}$/);
    now += 10;
    must(tracker.logMetrics(id, [
      { key: 'loss', value: 0.9, step: 0 },
      { key: 'loss', value: 0.5, step: 1 },
      { key: 'loss', value: 0.3, step: 2 },
      { key: 'acc', value: 0.7, step: 2 },
    ]));
    now += 5000;
    must(tracker.finishRun(id, 'finished', 0));
    const run = must(tracker.getRun(id));
    assert.equal(run.experiment, 'churn');
    assert.equal(run.name, 'baseline');
    assert.equal(run.status, 'finished');
    assert.equal(run.exitCode, 0);
    assert.equal(run.startedAt, 1_000_000);
    assert.equal(run.endedAt, 1_005_010);
    assert.equal(run.gitCommit, 'abc123');
    assert.equal(run.gitDirty, true);
    assert.equal(run.pid, 4242);
    assert.deepEqual(run.params, { layers: '[64,32]', lr: '0.01' });
    assert.deepEqual(run.tags, { stage: 'train' });
    assert.equal(run.metrics.loss!.last, 0.3);
    assert.equal(run.metrics.loss!.min, 0.3);
    assert.equal(run.metrics.loss!.max, 0.9);
    assert.equal(run.metrics.loss!.count, 3);
    assert.deepEqual(run.history.loss!.map((p) => [p.step, p.value]), [[0, 0.9], [1, 0.5], [2, 0.3]]);
    // A prefix of the id finds it too.
    assert.equal(must(tracker.getRun(id.slice(0, 8))).id, id);
    const list = must(tracker.listRuns({ experiment: 'churn' }));
    assert.equal(list.length, 1);
    assert.equal(list[0]!.metrics.acc!.last, 0.7);
    assert.deepEqual(must(tracker.listExperiments()).map((e) => [e.name, e.runCount]), [['churn', 1]]);
    const missing = tracker.getRun('ffffffffffff');
    assert.equal(missing.ok, false);
    if (!missing.ok) assert.equal(missing.error.code, 'run-not-found');
  });

  it('keeps NaN and ±Infinity, accepts unicode keys, rejects what cannot be stored with a reason', () => {
    const { tracker } = fresh();
    const { id } = must(tracker.startRun({ experiment: 'e' }));
    const logged = must(tracker.logMetrics(id, [
      { key: 'loss', value: NaN, step: 0 },
      { key: 'loss', value: Infinity, step: 1 },
      { key: 'loss', value: -Infinity, step: 2 },
      { key: '損失/検証 🚀', value: 0.25, step: 0 },
      { key: 'Cafe\u0301', value: 1, step: 0 }, // NFC-normalized to Café
      { key: '', value: 1, step: 0 },
      { key: 'bad\nkey', value: 1, step: 0 },
      { key: 'x'.repeat(300), value: 1, step: 0 },
      { key: 'notnum', value: 'high' as unknown as number, step: 0 },
      { key: 'frac', value: 1, step: 1.5 },
    ]));
    assert.deepEqual(logged.rejected.map((r) => r.key.slice(0, 8)), ['', 'bad\nkey', 'xxxxxxxx', 'notnum', 'frac']);
    assert.match(logged.rejected[0]!.reason, /empty/);
    assert.match(logged.rejected[1]!.reason, /control characters/);
    assert.match(logged.rejected[2]!.reason, /limit is 250/);
    assert.match(logged.rejected[3]!.reason, /must be a number/);
    assert.match(logged.rejected[4]!.reason, /whole number/);
    const params = must(tracker.logParams(id, { small: 'ok', huge: 'x'.repeat(10 * 1024 * 1024), 'ключ': 'значение' }));
    assert.equal(params.rejected.length, 1);
    assert.equal(params.rejected[0]!.key, 'huge');
    assert.match(params.rejected[0]!.reason, /10 MiB.*64 KiB.*artifact/);
    must(tracker.flush());
    const run = must(tracker.getRun(id));
    const loss = run.history.loss!.map((p) => p.value);
    assert.ok(Number.isNaN(loss[0]));
    assert.equal(loss[1], Infinity);
    assert.equal(loss[2], -Infinity);
    assert.equal(run.metrics.loss!.last, -Infinity);
    assert.equal(run.history['損失/検証 🚀']![0]!.value, 0.25);
    assert.ok(run.history['Café']);
    assert.deepEqual(run.params, { small: 'ok', 'ключ': 'значение' });
  });

  it('the zod schemas at the edges accept NaN and ±Infinity as metric values', () => {
    for (const value of [NaN, Infinity, -Infinity, 0.5]) assert.ok(MetricPointInputSchema.safeParse({ key: 'k', value }).success, String(value));
    assert.equal(MetricPointInputSchema.safeParse({ key: 'k', value: '0.5' }).success, false);
  });

  it('numbers steps itself when the caller gives none, continuing after earlier points', () => {
    const { tracker } = fresh();
    const { id } = must(tracker.startRun({ experiment: 'e' }));
    must(tracker.logMetric(id, 'loss', 1));
    must(tracker.logMetric(id, 'loss', 2));
    must(tracker.logMetric(id, 'loss', 3, 10));
    must(tracker.logMetric(id, 'loss', 4));
    must(tracker.flush());
    assert.deepEqual(must(tracker.getRun(id)).history.loss!.map((p) => p.step), [0, 1, 10, 11]);
  });

  it('links pipeline stages to their parent and deletes with undo', () => {
    const { tracker } = fresh();
    const parent = must(tracker.startRun({ experiment: 'pipe', name: 'pipeline' })).id;
    const stage = must(tracker.startRun({ experiment: 'pipe', name: 'train', parentId: parent, status: 'queued' })).id;
    assert.equal(must(tracker.getRun(stage)).status, 'queued');
    assert.equal(must(tracker.getRun(stage)).startedAt, null);
    must(tracker.markRunning(stage, process.pid));
    assert.equal(must(tracker.getRun(stage)).status, 'running');
    assert.deepEqual(must(tracker.getRun(parent)).children, [stage]);
    assert.equal(must(tracker.listRuns({ parentId: null })).length, 1);
    must(tracker.deleteRuns([parent]));
    assert.equal(must(tracker.listRuns()).length, 0);
    must(tracker.restoreRuns([parent]));
    assert.equal(must(tracker.listRuns()).length, 2);
    must(tracker.logMetric(stage, 'loss', 1, 0));
    must(tracker.deleteRuns([parent]));
    assert.equal(must(tracker.purgeDeletedRuns()), 2);
    assert.equal(tracker.db.prepare('SELECT count(*) FROM metrics').pluck().get(), 0);
    assert.equal(tracker.db.prepare('SELECT count(*) FROM runs').pluck().get(), 0);
  });

  it('stores artifacts by content: same bytes once, hash, size and media type recorded', () => {
    const { tracker, dir } = fresh();
    const { id } = must(tracker.startRun({ experiment: 'e' }));
    writeFileSync(join(dir, 'a.json'), '{"x": 1}');
    writeFileSync(join(dir, 'b.json'), '{"x": 1}');
    const a = must(tracker.logArtifact(id, join(dir, 'a.json')));
    const b = must(tracker.logArtifact(id, join(dir, 'b.json'), { path: 'copies/b.json' }));
    assert.equal(a.sha256, createHash('sha256').update('{"x": 1}').digest('hex'));
    assert.equal(a.sha256, b.sha256);
    assert.equal(a.size, 8);
    assert.equal(a.mediaType, 'application/json');
    assert.equal(a.file, join(dir, '.sextant', 'artifacts', a.sha256.slice(0, 2), a.sha256));
    assert.equal(readFileSync(a.file, 'utf8'), '{"x": 1}');
    assert.deepEqual(must(tracker.getRun(id)).artifacts.map((x) => x.path), ['a.json', 'copies/b.json']);
    const missing = tracker.logArtifact(id, join(dir, 'nope.bin'));
    assert.equal(missing.ok, false);
    if (!missing.ok) assert.equal(missing.error.file, join(dir, 'nope.bin'));
  });

  it('downsamples long curves: bucket mean, min and max (from rollups or points); short ones come back whole', () => {
    const { tracker } = fresh();
    const long = must(tracker.startRun({ experiment: 'e' })).id;
    const medium = must(tracker.startRun({ experiment: 'e' })).id;
    const short = must(tracker.startRun({ experiment: 'e' })).id;
    const value = (s: number): number => (s % 10 === 0 ? 100 : s / 10_000);
    must(tracker.logMetrics(long, Array.from({ length: 10_000 }, (_, s) => ({ key: 'loss', value: value(s), step: s }))));
    must(tracker.logMetrics(medium, Array.from({ length: 500 }, (_, s) => ({ key: 'loss', value: value(s), step: s }))));
    must(tracker.logMetrics(short, Array.from({ length: 50 }, (_, s) => ({ key: 'loss', value: s, step: s }))));
    must(tracker.flush());
    const series = must(tracker.readSeries({ runIds: [long, medium, short], keys: ['loss', 'absent'], maxPoints: 100 }));
    assert.equal(series.length, 3);
    const check = (points: { step: number; value: number; min: number; max: number }[], index: number, from: number, to: number): void => {
      const steps = Array.from({ length: to - from }, (_, i) => from + i);
      const p = points[index]!;
      assert.equal(p.step, (from + to - 1) / 2);
      assert.ok(Math.abs(p.value - steps.map(value).reduce((a, b) => a + b) / steps.length) < 1e-9);
      assert.equal(p.min, Math.min(...steps.map(value)));
      assert.equal(p.max, Math.max(...steps.map(value)));
    };
    // 10,000 steps into ≤ 100 points: from the 8-step rollups, 13 rollups (104 steps) per point.
    const l = series.find((s) => s.runId === long)!;
    assert.equal(l.downsampled, true);
    assert.equal(l.total, 10_000);
    assert.equal(l.points.length, Math.ceil(1250 / 13));
    check(l.points, 0, 0, 104);
    check(l.points, 50, 5200, 5304);
    check(l.points, l.points.length - 1, 9984, 10_000);
    // 500 steps into ≤ 100 points: 5 steps per point (narrower than a rollup), from the points.
    const m = series.find((s) => s.runId === medium)!;
    assert.equal(m.points.length, 100);
    check(m.points, 0, 0, 5);
    check(m.points, 99, 495, 500);
    assert.equal(m.points[6]!.max, 100); // the spike at step 30 survives
    assert.equal(m.points[7]!.max, 39 / 10_000);
    const s = series.find((x) => x.runId === short)!;
    assert.equal(s.downsampled, false);
    assert.deepEqual(s.points.map((p) => p.value), Array.from({ length: 50 }, (_, i) => i));
  });

  it('keeps the rollups equal to the points, whatever order and batches they came in', () => {
    const { tracker } = fresh();
    const a = must(tracker.startRun({ experiment: 'e' })).id;
    const b = must(tracker.startRun({ experiment: 'e' })).id;
    // interleaved keys and runs, out-of-order steps, NaN, negative steps, batch boundaries mid-bucket
    for (let s = 0; s < 3000; s++) {
      must(tracker.logMetrics(s % 2 ? a : b, [{ key: 'loss', value: s % 97 === 0 ? NaN : Math.sin(s), step: (s * 7919) % 3001 - 50 }, { key: 'acc', value: s, step: s }]));
      if (s % 777 === 0) must(tracker.flush());
    }
    must(tracker.flush());
    assertRollupsMatchPoints(tracker);
  });

  it('marks a running run whose process is gone as killed, leaves live ones alone', () => {
    const { tracker } = fresh();
    const dead = must(tracker.startRun({ experiment: 'e', pid: 999_999_99 })).id;
    const alive = must(tracker.startRun({ experiment: 'e', pid: process.pid })).id;
    const elsewhere = must(tracker.startRun({ experiment: 'e', pid: 999_999_98, host: 'another-machine' })).id;
    const waiting = must(tracker.startRun({ experiment: 'e', pid: 999_999_97, status: 'queued' })).id;
    assert.deepEqual(must(tracker.reapDeadRuns()).sort(), [dead, waiting].sort());
    assert.equal(must(tracker.getRun(waiting)).status, 'killed');
    assert.equal(must(tracker.getRun(dead)).status, 'killed');
    assert.equal(must(tracker.getRun(alive)).status, 'running');
    assert.equal(must(tracker.getRun(elsewhere)).status, 'running');
  });
});

describe('line protocol', () => {
  it('parses metric, param, tag and artifact lines; ordinary output is not ours', () => {
    assert.equal(parseProtocolLine('epoch 1: loss 0.3'), undefined);
    assert.equal(parseProtocolLine('::sextantish x=1'), undefined);
    const m = parseProtocolLine('::sextant metric loss=0.25 acc=9.1e-1 step=10 timestamp=1700000000000\r\n');
    assert.ok(m?.ok);
    assert.deepEqual(m.value.event, { kind: 'metric', values: { loss: 0.25, acc: 0.91 }, step: 10, timestamp: 1700000000000 });
    const nan = parseProtocolLine('  ::sextant metric a=nan b=inf c=-Infinity "val loss"=1');
    assert.ok(nan?.ok);
    const values = (nan.value.event as { values: Record<string, number> }).values;
    assert.ok(Number.isNaN(values.a));
    assert.equal(values.b, Infinity);
    assert.equal(values.c, -Infinity);
    assert.equal(values['val loss'], 1);
    const p = parseProtocolLine('::sextant param lr=0.01 "note"="two words, \\"quoted\\"" 名前=値');
    assert.ok(p?.ok);
    assert.deepEqual(p.value.event, { kind: 'param', values: { lr: '0.01', note: 'two words, "quoted"', '名前': '値' } });
    const a = parseProtocolLine('::sextant artifact "models/my model.onnx"');
    assert.ok(a?.ok);
    assert.deepEqual(a.value.event, { kind: 'artifact', path: 'models/my model.onnx' });
  });

  it('reports malformed lines with the reason, and skips only the bad values of a line', () => {
    const cases: [string, RegExp][] = [
      ['::sextant metrik loss=1', /unknown kind "metrik"/],
      ['::sextant metric loss', /without "="/],
      ['::sextant metric', /at least one key=value/],
      ['::sextant metric loss=1 step=1.5', /step must be a whole number/],
      ['::sextant metric loss=1 step=', /step must be a whole number/],
      ['::sextant metric loss=1 timestamp=-5', /timestamp must be a whole number/],
      ['::sextant param "open=1', /unterminated quote/],
      ['::sextant metric a=1x=2', /unexpected/],
      ['::sextant artifact', /needs a path/],
    ];
    for (const [line, reason] of cases) {
      const r = parseProtocolLine(line);
      assert.ok(r && !r.ok, line);
      assert.match(r.error.message, reason, line);
      assert.equal(r.error.code, 'protocol-malformed');
    }
    const partial = parseProtocolLine('::sextant metric loss=0.5 acc=high =3');
    assert.ok(partial?.ok);
    assert.deepEqual((partial.value.event as { values: object }).values, { loss: 0.5 });
    assert.deepEqual(partial.value.rejected.map((r) => r.key), ['acc', '']);
  });

  it('applies a run\'s output to the store and keeps going past bad lines', () => {
    const { tracker, dir } = fresh();
    const { id } = must(tracker.startRun({ experiment: 'e' }));
    writeFileSync(join(dir, 'report.txt'), 'hello');
    const ingest = new ProtocolIngestor(tracker, id, { cwd: dir });
    ingest.write('starting\n::sextant param lr=0.1\n::sextant metric loss=0.9 step=0\n::sextant metric loss=oops step=1\n::sext');
    ingest.write('ant metric loss=0.5 step=1\n::sextant nonsense\n::sextant tag phase=done\n::sextant artifact report.txt\n::sextant artifact missing.bin\n::sextant metric loss=0.1 step=2');
    ingest.end();
    must(tracker.flush());
    const run = must(tracker.getRun(id));
    assert.deepEqual(run.history.loss!.map((p) => [p.step, p.value]), [[0, 0.9], [1, 0.5], [2, 0.1]]);
    assert.deepEqual(run.params, { lr: '0.1' });
    assert.deepEqual(run.tags, { phase: 'done' });
    assert.deepEqual(run.artifacts.map((a) => a.path), ['report.txt']);
    assert.deepEqual(ingest.problems.map((p) => p.line), [4, 6, 9]);
    assert.match(ingest.problems[0]!.message, /"loss" skipped: "oops" is not a number/);
    assert.match(ingest.problems[1]!.message, /unknown kind "nonsense"/);
    assert.match(ingest.problems[2]!.message, /missing\.bin/);
  });
});

describe('metrics files', () => {
  it('reads flat, nested, history and record shapes in JSON and YAML', () => {
    const dir = tempDir('sextant-mfile-');
    writeFileSync(join(dir, 'flat.json'), JSON.stringify({ accuracy: 0.91, val: { f1: 0.88, note: 'good' }, loss: [0.9, 0.5], ok: 'NaN' }));
    const flat = must(readMetricsFile(join(dir, 'flat.json'), { step: 5 }));
    assert.deepEqual(flat.points.map((p) => [p.key, p.value, p.step]), [['accuracy', 0.91, 5], ['val.f1', 0.88, 5], ['loss', 0.9, 0], ['loss', 0.5, 1], ['ok', NaN, 5]]);
    assert.deepEqual(flat.rejected.map((r) => r.key), ['val.note']);
    writeFileSync(join(dir, 'records.yaml'), '- {step: 1, loss: 0.5, acc: .nan}\n- {step: 2, loss: .inf}\n');
    const rec = must(readMetricsFile(join(dir, 'records.yaml')));
    assert.deepEqual(rec.points.map((p) => [p.key, p.step]), [['loss', 1], ['acc', 1], ['loss', 2]]);
    assert.ok(Number.isNaN(rec.points[1]!.value));
    assert.equal(rec.points[2]!.value, Infinity);
    writeFileSync(join(dir, 'python.json'), '{"loss": NaN, "gain": Infinity}');
    const py = must(readMetricsFile(join(dir, 'python.json')));
    assert.deepEqual(py.points.map((p) => [p.key, String(p.value)]), [['loss', 'NaN'], ['gain', 'Infinity']]);
    writeFileSync(join(dir, 'broken.json'), '{\n  "loss": 0.5,\n  "acc": \n}');
    const broken = readMetricsFile(join(dir, 'broken.json'));
    assert.equal(broken.ok, false);
    if (!broken.ok) {
      assert.equal(broken.error.file, join(dir, 'broken.json'));
      assert.match(broken.error.message, /not valid JSON/);
    }
    const missing = readMetricsFile(join(dir, 'nope.json'));
    assert.equal(missing.ok, false);
    assert.ok(!existsSync(join(dir, 'nope.json')));
  });
});

describe('run filter and sort', () => {
  const base = { experimentId: 1, parentId: null, createdAt: 0, endedAt: null, gitCommit: null, gitDirty: null, command: null, cwd: null, host: null, pid: null, pythonVersion: null, nodeVersion: null, gpu: null, exitCode: null, logPath: null, deleted: false, tags: {} };
  const metric = (key: string, last: number) => ({ key, last, step: 0, timestamp: 0, min: last, max: last, count: 1 });
  const runs: Run[] = [
    { ...base, id: 'aaaa1111', experiment: 'churn', name: 'fold-1', status: 'finished', startedAt: 3, params: { lr: '0.01', opt: 'adam' }, metrics: { loss: metric('loss', 0.2) } },
    { ...base, id: 'bbbb2222', experiment: 'churn', name: 'fold-2', status: 'failed', startedAt: 1, params: { lr: '0.1', opt: 'sgd' }, metrics: { loss: metric('loss', 0.5) } },
    { ...base, id: 'cccc3333', experiment: 'other', name: 'baseline', status: 'finished', startedAt: 2, params: { lr: '0.001' }, metrics: {}, tags: { stage: 'train' } },
  ];
  const ids = (rs: Run[]): string[] => rs.map((r) => r.id.slice(0, 4));
  const filter = (text: string): string[] => {
    const terms = parseRunFilter(text);
    if (!terms.ok) throw new Error(terms.error.message);
    return ids(runs.filter((r) => runMatches(r, terms.value)));
  };

  it('filters by metric, param, tag, status, name and id', () => {
    assert.deepEqual(filter('loss<0.3'), ['aaaa']);
    assert.deepEqual(filter('metrics.loss>=0.2, status=finished'), ['aaaa']);
    assert.deepEqual(filter('lr=0.1'), ['bbbb']);
    assert.deepEqual(filter('params.lr<0.05'), ['aaaa', 'cccc']);
    assert.deepEqual(filter('opt!=adam'), ['bbbb', 'cccc']);
    assert.deepEqual(filter('tags.stage=train'), ['cccc']);
    assert.deepEqual(filter('fold'), ['aaaa', 'bbbb']);
    assert.deepEqual(filter('cccc'), ['cccc']);
    assert.deepEqual(filter('name~BASE experiment=other'), ['cccc']);
    assert.deepEqual(filter(''), ['aaaa', 'bbbb', 'cccc']);
    const bad = parseRunFilter('loss<');
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.error.message, /no value/);
    assert.equal(parseRunFilter('status>3').ok, false);
  });

  it('sorts by metric or param (missing last), name or start time', () => {
    assert.deepEqual(ids(sortRuns(runs, { by: 'metric', key: 'loss', direction: 'asc' })), ['aaaa', 'bbbb', 'cccc']);
    assert.deepEqual(ids(sortRuns(runs, { by: 'metric', key: 'loss', direction: 'desc' })), ['bbbb', 'aaaa', 'cccc']);
    assert.deepEqual(ids(sortRuns(runs, { by: 'param', key: 'lr', direction: 'asc' })), ['cccc', 'aaaa', 'bbbb']);
    assert.deepEqual(ids(sortRuns(runs, { by: 'started', direction: 'desc' })), ['aaaa', 'cccc', 'bbbb']);
    assert.deepEqual(ids(sortRuns(runs, { by: 'name', direction: 'asc' })), ['cccc', 'aaaa', 'bbbb']);
  });
});
