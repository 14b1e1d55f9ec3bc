// The compare panel's host side without VS Code: its message contract (src/webviews/compare/protocol.ts),
// the page's HTML and CSP (src/webviews/html.ts), and the data it is sent, built from a real store.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { lowerIsBetter } from '../../src/engine/pipeline/paramHistory';
import { metricDirection } from '../../src/engine/tracking/direction';
import { Tracker } from '../../src/engine/tracking/tracking';
import { alignLines } from '../../src/webviews/app/compare/align';
import { csvField, curvesCsv, runsCsv } from '../../src/webviews/compare/csv';
import { ema, lineOf, nearestIndex, xsOf } from '../../src/webviews/compare/curves';
import { buildCompareData, compareTitle } from '../../src/webviews/compare/data';
import { exportContent } from '../../src/webviews/compare/exportContent';
import { DEFAULT_VIEW, HostMessageSchema, PageMessageSchema, PageStateSchema, toMetricNumber, type CompareData, type ExportRequest } from '../../src/webviews/compare/protocol';
import { chartSvg, niceTicks } from '../../src/webviews/compare/svg';
import { contentSecurityPolicy, pageHtml } from '../../src/webviews/html';
import { awkwardFixture, compareFixture, type CompareFixture } from '../support/compareFixture';
import { tempDir } from './tempDir';

describe('compare panel: the message contract', () => {
  const data: CompareData = {
    runs: [{ id: 'a'.repeat(32), name: 'baseline', experiment: 'churn', status: 'finished', params: { lr: '0.01' }, metrics: { loss: 0.1, score: 'NaN' }, scalars: { loss: { min: 0.1, max: 1, count: 2 }, score: { min: null, max: null, count: 1 } } }],
    missing: [],
    series: [{ runId: 'a'.repeat(32), key: 'loss', steps: [0, 1], timestamps: [1_780_000_000_000, 1_780_000_000_050], values: [1, null], total: 2, downsampled: false }],
    directions: { loss: 'lower' },
  };

  it('accepts the messages the host sends, and survives JSON (NaN travels by name, gaps as null)', () => {
    const sent = JSON.parse(JSON.stringify({ type: 'data', data })) as unknown;
    assert.deepEqual(HostMessageSchema.parse(sent), { type: 'data', data });
    assert.deepEqual(HostMessageSchema.parse({ type: 'error', message: 'gone' }), { type: 'error', message: 'gone' });
  });

  it('rejects what is not in it: an unknown type, a metric that is not a number or its name, a missing field', () => {
    assert.equal(HostMessageSchema.safeParse({ type: 'render', data }).success, false);
    assert.equal(HostMessageSchema.safeParse({ type: 'data', data: { ...data, runs: [{ ...data.runs[0], metrics: { loss: '0.1' } }] } }).success, false);
    assert.equal(HostMessageSchema.safeParse({ type: 'data', data: { runs: [], series: [] } }).success, false);
    assert.equal(PageMessageSchema.safeParse({ type: 'ready' }).success, true);
    assert.equal(PageMessageSchema.safeParse({ type: 'invalid', message: 'x' }).success, true);
    assert.equal(PageMessageSchema.safeParse({ type: 'openFile', path: '/etc/passwd' }).success, false);
    assert.equal(PageMessageSchema.safeParse('ready').success, false);
  });

  it('the saved page state names the runs; the switch defaults to off', () => {
    assert.deepEqual(PageStateSchema.parse({ runIds: ['a', 'b'] }), { runIds: ['a', 'b'], onlyDiffering: false });
    assert.equal(PageStateSchema.safeParse({}).success, false);
  });

  it('non-finite metrics travel by name', () => {
    assert.deepEqual([NaN, Infinity, -Infinity, 0.5].map(toMetricNumber), ['NaN', 'Infinity', '-Infinity', 0.5]);
  });
});

describe('compare panel: the page HTML', () => {
  it('a strict CSP with the nonce on the one script and the stylesheet, no inline handler or style', () => {
    const html = pageHtml({ cspSource: 'https://file+.vscode-resource.example', scriptUri: 'https://x/compare.js', styleUri: 'https://x/compare.css', title: 'Compare <runs>', nonce: 'abc123' });
    const csp = contentSecurityPolicy('https://file+.vscode-resource.example', 'abc123');
    assert.equal(csp, "default-src 'none'; script-src 'nonce-abc123'; style-src https://file+.vscode-resource.example 'nonce-abc123'; img-src https://file+.vscode-resource.example data:; font-src https://file+.vscode-resource.example");
    assert.ok(html.includes(`content="${csp}"`));
    assert.match(html, /<script nonce="abc123" src="https:\/\/x\/compare.js"><\/script>/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.doesNotMatch(html, /\son[a-z]+=/i);
    assert.doesNotMatch(html, /style=/);
    assert.match(html, /<title>Compare &lt;runs&gt;<\/title>/);
  });

  it('a fresh nonce per load', () => {
    const nonce = (html: string): string => /script-src 'nonce-([^']+)'/.exec(html)![1]!;
    const sources = { cspSource: 'x', scriptUri: 'a.js', styleUri: 'a.css', title: 't' };
    const a = nonce(pageHtml(sources));
    const b = nonce(pageHtml(sources));
    assert.notEqual(a, b);
    assert.ok(a.length >= 16);
  });
});

describe('compare panel: the data the host sends, from a real store', () => {
  let fx: CompareFixture;
  before(() => {
    fx = compareFixture(tempDir('sextant-compare-'));
  });
  after(() => fx.tracker.close());

  it('params and latest metrics side by side, in the order asked, with ids no longer in the store listed', () => {
    const built = buildCompareData(fx.tracker, [fx.ids.wide, fx.ids.baseline, 'f'.repeat(32)]);
    assert.ok(built.ok);
    const { runs, missing } = built.value;
    assert.deepEqual(runs.map((r) => r.name), ['wide-lr', 'baseline']);
    assert.deepEqual(runs.map((r) => r.params), [{ layers: '2', lr: '0.1', seed: '7' }, { layers: '2', lr: '0.01', seed: '7' }]);
    assert.deepEqual(Object.keys(runs[0]!.metrics), ['loss', 'val_acc']);
    assert.ok(Math.abs((runs[1]!.metrics.loss as number) - (Math.exp(-0.002 * 1999) + 0.05)) < 1e-9);
    assert.deepEqual(missing, ['f'.repeat(32)]);
    assert.ok(HostMessageSchema.safeParse({ type: 'data', data: built.value }).success, 'what the host builds passes the contract');
  });

  it('curves come downsampled by the engine: one series per run and key, at most maxPoints points', () => {
    const built = buildCompareData(fx.tracker, [fx.ids.baseline, fx.ids.wide], { maxPoints: 100 });
    assert.ok(built.ok);
    const { series } = built.value;
    assert.deepEqual(series.map((s) => `${s.key}:${s.runId === fx.ids.baseline ? 'baseline' : 'wide'}`).sort(), ['loss:baseline', 'loss:wide', 'val_acc:baseline', 'val_acc:wide']);
    const loss = series.find((s) => s.key === 'loss' && s.runId === fx.ids.baseline)!;
    assert.equal(loss.total, 2000);
    assert.equal(loss.downsampled, true);
    assert.ok(loss.steps.length <= 100 && loss.steps.length >= 50, `${loss.steps.length} points`);
    assert.equal(loss.steps.length, loss.values.length);
    const acc = series.find((s) => s.key === 'val_acc' && s.runId === fx.ids.wide)!;
    assert.equal(acc.downsampled, false);
    assert.equal(acc.steps.length, 20);
  });

  it("a pipeline run's column merges its stages' params and metrics; NaN is sent by name and its points as gaps", () => {
    const built = buildCompareData(fx.tracker, [fx.ids.pipeline, fx.ids.baseline]);
    assert.ok(built.ok);
    const pipeline = built.value.runs[0]!;
    assert.equal(pipeline.name, 'pipeline 12:00');
    assert.deepEqual(pipeline.params, { lr: '0.05', max_depth: '4' });
    assert.deepEqual(pipeline.metrics, { loss: 0.25, score: 'NaN' });
    const loss = built.value.series.find((s) => s.runId === fx.ids.pipeline && s.key === 'loss')!;
    assert.deepEqual(loss.values, [1, 0.5, 1 / 3, 0.25]);
    const score = built.value.series.find((s) => s.runId === fx.ids.pipeline && s.key === 'score')!;
    assert.deepEqual(score.values, [null]);
  });

  it('the title names the runs', () => {
    assert.equal(compareTitle(['baseline', 'wide-lr']), 'Compare: baseline ↔ wide-lr');
    assert.equal(compareTitle(['a', 'b', 'c', 'd']), 'Compare 4 runs: a, b, c, …');
  });
});

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function wrap<T>(r: { ok: true; value: T } | { ok: false; message: string }): { ok: true; value: T } | { ok: false; error: { message: string } } {
  return r.ok ? r : { ok: false, error: { message: r.message } };
}

describe('compare panel: curves carry their times (Tracker.readSeries)', () => {
  const T0 = 1_780_000_000_000;
  it('each point has a timestamp: a raw point its own, a bucket of points their mean time, a merged rollup the time of its step', () => {
    const dir = tempDir('sextant-series-time-');
    const tracker = must(Tracker.open({ storePath: join(dir, 's.db'), artifactsDir: join(dir, 'a') }, { create: true }));
    try {
      const run = must(tracker.startRun({ experiment: 'e' })).id;
      // One point every 50 ms, step by step: the time of step s is T0 + 50 s.
      for (const [key, n] of [['short', 50], ['medium', 500], ['long', 10_000]] as const) must(tracker.logMetrics(run, Array.from({ length: n }, (_, s) => ({ key, value: s, step: s, timestamp: T0 + 50 * s }))));
      must(tracker.flush());
      const series = must(tracker.readSeries({ runIds: [run], keys: ['short', 'medium', 'long'], maxPoints: 100 }));
      const get = (key: string) => series.find((s) => s.key === key)!;
      assert.deepEqual(get('short').points.map((p) => p.timestamp), Array.from({ length: 50 }, (_, s) => T0 + 50 * s));
      // 5 steps a bucket, computed from the points: the mean time is the time of the mean step.
      const medium = get('medium');
      assert.equal(medium.downsampled, true);
      for (const p of medium.points) assert.equal(p.timestamp, T0 + 50 * p.step);
      // From the 8-step rollups (no times kept): the time of the first point at or after the bucket's mean step.
      const long = get('long');
      assert.equal(long.downsampled, true);
      assert.ok(long.points.length > 50);
      for (const p of long.points) assert.equal(p.timestamp, T0 + 50 * Math.floor(p.step));
    } finally {
      tracker.close();
    }
  });
});

describe('compare panel: which way a metric improves (src/engine/tracking/direction.ts)', () => {
  it('losses and errors lower, scores higher, anything else unknown', () => {
    const cases: Record<string, 'lower' | 'higher' | undefined> = {
      loss: 'lower', train_loss: 'lower', valLoss: 'lower', error_rate: 'lower', mae: 'lower', val_mse: 'lower', rmse: 'lower', log_loss: 'lower', latency_ms: 'lower',
      accuracy: 'higher', val_acc: 'higher', f1: 'higher', f1_macro: 'higher', precision: 'higher', recall: 'higher', roc_auc: 'higher', 'test/r2': 'higher', valAccuracy: 'higher',
      accumulated: undefined, score: undefined, lr: undefined, epoch: undefined,
    };
    assert.deepEqual(Object.fromEntries(Object.keys(cases).map((k) => [k, metricDirection(k)])), cases);
  });

  it('the param CodeLens reads the same module', () => {
    assert.equal(lowerIsBetter('val_rmse'), true);
    assert.equal(lowerIsBetter('f1'), false);
  });
});

describe('compare panel: drawing a curve (src/webviews/compare/curves.ts)', () => {
  const series = { runId: 'r', key: 'loss', steps: [0, 1, 2, 3], timestamps: [5000, 6000, 8000, 11_000], values: [4, null, 0, 2], total: 4, downsampled: false };

  it('x by step, by seconds since the first point, or by wall-clock seconds', () => {
    assert.deepEqual(xsOf(series, 'step'), [0, 1, 2, 3]);
    assert.deepEqual(xsOf(series, 'relative'), [0, 1, 3, 6]);
    assert.deepEqual(xsOf(series, 'wall'), [5, 6, 8, 11]);
  });

  it('EMA smoothing is debiased (starts at the first value), skips gaps, and 0 leaves the line as it is', () => {
    assert.deepEqual(ema([4, null, 0, 2], 0), [4, null, 0, 2]);
    const s = ema([4, null, 0, 2], 0.5);
    assert.equal(s[0], 4);
    assert.equal(s[1], null);
    // The average so far weighted 1/2 per point back, divided by the weights' sum (1 − 0.5^n).
    assert.ok(Math.abs(s[2]! - (0.5 * 0 + 0.25 * 4) / 0.75) < 1e-12);
    assert.ok(Math.abs(s[3]! - (0.5 * 2 + 0.25 * 0 + 0.125 * 4) / 0.875) < 1e-12);
  });

  it('on a log scale values ≤ 0 are left out and counted; smoothing is off unless asked', () => {
    const line = lineOf(series, { ...DEFAULT_VIEW, log: true });
    assert.deepEqual(line.raw, [4, null, null, 2]);
    assert.equal(line.nonPositive, 1);
    assert.equal(line.smooth, undefined);
    assert.equal(lineOf(series, { ...DEFAULT_VIEW, smoothing: 0.6 }).smooth?.length, 4);
  });

  it("lines on one x array for uPlot: shared xs as they are; otherwise every x of every line, points at the same x each on a row of their own", () => {
    const a = { xs: [0, 1, 2], raw: [1, 2, 3], smooth: [1, 1.5, 2], nonPositive: 0 };
    const b = { xs: [0, 1, 2], raw: [4, null, 6], nonPositive: 0 };
    assert.deepEqual(alignLines([a, b], false), [[0, 1, 2], [1, 2, 3], [null, null, null], [4, null, 6], [null, null, null]]);
    // Two points of c logged in the same millisecond (x 5 twice), d at other times: nothing overwritten.
    const c = { xs: [5, 5, 7], raw: [10, 11, 12], smooth: [10, 10.5, 11], nonPositive: 0 };
    const d = { xs: [4, 5, 8], raw: [20, 21, 22], smooth: [20, 20.5, 21], nonPositive: 0 };
    assert.deepEqual(alignLines([c, d], true), [
      [4, 5, 5, 7, 8],
      [null, 10, 11, 12, null],
      [null, 10, 10.5, 11, null],
      [20, 21, null, null, 22],
      [20, 20.5, null, null, 21],
    ]);
  });

  it('the nearest point to an x', () => {
    assert.deepEqual([-5, 0, 0.4, 0.6, 2.9, 99].map((x) => nearestIndex([0, 1, 3], x)), [0, 0, 0, 1, 2, 2]);
    assert.equal(nearestIndex([], 1), -1);
  });
});

describe('compare panel: CSV (src/webviews/compare/csv.ts)', () => {
  it('quotes commas, quotes, line breaks and edge spaces; non-finite by name; absent empty', () => {
    assert.deepEqual(
      ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r', ' padded', 0.5, NaN, Infinity, -Infinity, 'NaN', null, undefined].map(csvField),
      ['plain', '"a,b"', '"say ""hi"""', '"two\nlines"', '"cr\r"', '" padded"', '0.5', 'NaN', 'Infinity', '-Infinity', 'NaN', '', ''],
    );
  });

  it('one row per run: params, then last/min/max of each metric', () => {
    const data: CompareData = {
      runs: [
        { id: 'a1', name: 'base, "v2"', experiment: 'e', status: 'finished', params: { lr: '0.1', note: 'line\nbreak' }, metrics: { loss: 0.2, score: 'NaN' }, scalars: { loss: { min: 0.1, max: 1, count: 3 }, score: { min: null, max: null, count: 1 } } },
        { id: 'b2', name: 'other', experiment: 'e', status: 'running', params: { lr: '0.2' }, metrics: { loss: 'Infinity' }, scalars: { loss: { min: 0.3, max: 'Infinity', count: 2 } } },
      ],
      missing: [],
      series: [{ runId: 'b2', key: 'loss', steps: [0, 1], timestamps: [0, 1500], values: [0.3, null], total: 2, downsampled: false }],
      directions: { loss: 'lower' },
    };
    assert.equal(
      runsCsv(data),
      'run,run_id,experiment,status,lr,note,loss_last,loss_min,loss_max,score_last,score_min,score_max\r\n' +
        '"base, ""v2""",a1,e,finished,0.1,"line\nbreak",0.2,0.1,1,NaN,,\r\n' +
        'other,b2,e,running,0.2,,Infinity,0.3,Infinity,,,\r\n',
    );
    assert.equal(curvesCsv(data), 'run,run_id,metric,step,time,value\r\nother,b2,loss,0,1970-01-01T00:00:00.000Z,0.3\r\nother,b2,loss,1,1970-01-01T00:00:01.500Z,\r\n');
  });
});

describe('compare panel: a chart as SVG (src/webviews/compare/svg.ts)', () => {
  const colors = { background: '#1f1f1f', foreground: '#cccccc', grid: '#454545', runs: ['#3794ff', '#d18616'] };
  const data: CompareData = {
    runs: [
      { id: 'a', name: 'a <&> "b"', experiment: 'e', status: 'finished', params: {}, metrics: { loss: 1 }, scalars: {} },
      { id: 'b', name: 'second', experiment: 'e', status: 'finished', params: {}, metrics: { loss: 1 }, scalars: {} },
    ],
    missing: [],
    series: [
      { runId: 'a', key: 'loss', steps: [0, 1, 2, 3, 4], timestamps: [0, 1000, 2000, 3000, 4000], values: [1, 0.5, null, 0.25, 0.2], total: 5, downsampled: false },
      { runId: 'b', key: 'loss', steps: [0, 1, 2, 3, 4], timestamps: [0, 1000, 2000, 3000, 4000], values: [2, 1, 0, 0.5, 0.4], total: 5, downsampled: false },
    ],
    directions: {},
  };
  const polylines = (svg: string): string[][] => [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1]!.split(' '));

  it('a polyline per stretch of each run (broken at gaps), inside the plot, names escaped, the run colours', () => {
    const { svg, lines } = chartSvg(data, 'loss', DEFAULT_VIEW, colors);
    assert.equal(lines, 2);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="720"/);
    assert.deepEqual(polylines(svg).map((p) => p.length), [2, 2, 5], 'run a: two stretches around the gap; run b: one');
    for (const [x, y] of polylines(svg).flat().map((p) => p.split(',').map(Number))) {
      assert.ok(x! >= 72 && x! <= 700 && y! >= 32 && y! <= 312, `${x},${y} inside the plot`);
    }
    assert.ok(svg.includes('a &lt;&amp;&gt; &quot;b&quot;'));
    assert.ok(!svg.includes('a <&>'));
    assert.ok(svg.includes('stroke="#d18616"'));
  });

  it('smoothing draws the raw line faint behind; log leaves out values ≤ 0; a range keeps the points inside it', () => {
    const smooth = chartSvg(data, 'loss', { ...DEFAULT_VIEW, smoothing: 0.5 }, colors).svg;
    assert.equal((smooth.match(/stroke-opacity="0.25"/g) ?? []).length, 3, 'the raw stretches, faint');
    const log = chartSvg(data, 'loss', { ...DEFAULT_VIEW, log: true }, colors).svg;
    assert.deepEqual(polylines(log).map((p) => p.length), [2, 2, 2, 2], 'b broken where it was 0');
    const zoomed = chartSvg(data, 'loss', DEFAULT_VIEW, colors, [3, 4]).svg;
    assert.deepEqual(polylines(zoomed).map((p) => p.length), [2, 2]);
    assert.match(chartSvg(data, 'absent', DEFAULT_VIEW, colors).svg, /No finite value to draw/);
  });

  it('round ticks', () => {
    assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0, 9000, 4), [0, 2000, 4000, 6000, 8000]);
  });
});

describe('compare panel: the data the host sends for the new views, from a real store', () => {
  let fx: CompareFixture;
  before(() => {
    fx = compareFixture(tempDir('sextant-compare-views-'));
  });
  after(() => fx.tracker.close());

  it("each metric's min and max over all its points (the store's summary), the better direction, and each point's time", () => {
    const built = buildCompareData(fx.tracker, [fx.ids.baseline, fx.ids.wide, fx.ids.pipeline]);
    assert.ok(built.ok);
    const [baseline, , pipeline] = built.value.runs;
    const loss = Array.from({ length: 2000 }, (_, s) => Math.exp(-0.002 * s) + 0.05);
    assert.deepEqual(baseline!.scalars.loss, { min: Math.min(...loss), max: Math.max(...loss), count: 2000 });
    assert.deepEqual(baseline!.scalars.val_acc, { min: 0, max: 0.86 * (1 - Math.exp(-1900 / 400)), count: 20 });
    assert.deepEqual(pipeline!.scalars.score, { min: null, max: null, count: 1 }, 'NaN only: no min or max');
    assert.deepEqual(pipeline!.scalars.loss, { min: 0.25, max: 1, count: 4 });
    assert.deepEqual(built.value.directions, { loss: 'lower', val_acc: 'higher' });
    for (const s of built.value.series) {
      assert.equal(s.timestamps.length, s.steps.length);
      assert.ok(s.timestamps.every((t) => t > 1_700_000_000_000));
    }
  });

  it('an export: the runs as CSV, every point of the curves as CSV (not downsampled), a chart as SVG, a PNG as sent', () => {
    const ids = [fx.ids.baseline, fx.ids.wide];
    const text = (r: ExportRequest): string => Buffer.from(must(wrap(exportContent(fx.tracker, ids, r))).bytes).toString('utf8');
    const runs = text({ type: 'export', format: 'csv', table: 'runs' }).split('\r\n');
    assert.equal(runs[0], 'run,run_id,experiment,status,layers,lr,seed,loss_last,loss_min,loss_max,val_acc_last,val_acc_min,val_acc_max');
    assert.ok(runs[1]!.startsWith(`baseline,${fx.ids.baseline},churn,finished,2,0.01,7,`));
    const curves = text({ type: 'export', format: 'csv', table: 'curves' }).trimEnd().split('\r\n');
    assert.equal(curves.length, 1 + 2 * (2000 + 20));
    assert.match(curves[1]!, new RegExp(`^baseline,${fx.ids.baseline},loss,0,\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z,1.05$`));
    const svg = text({ type: 'export', format: 'svg', key: 'loss', view: DEFAULT_VIEW, colors: { background: '#fff', foreground: '#000', grid: '#ccc', runs: ['#00f', '#f80'] } });
    assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
    const png = must(wrap(exportContent(fx.tracker, ids, { type: 'export', format: 'png', key: 'loss', base64: 'iVBORw0KGgo=' })));
    assert.deepEqual([...png.bytes.slice(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.equal(png.fileName, 'compare-loss.png');
    const none = exportContent(fx.tracker, ids, { type: 'export', format: 'svg', key: 'nope', view: DEFAULT_VIEW, colors: { background: '#fff', foreground: '#000', grid: '#ccc', runs: [] } });
    assert.equal(none.ok, false);
  });

  it('runs that are hard to compare: non-finite points are gaps, a run without points has no curve', () => {
    const odd = awkwardFixture(tempDir('sextant-compare-odd-'));
    try {
      const built = buildCompareData(odd.tracker, [odd.ids.noisy, odd.ids.other, odd.ids.silent]);
      assert.ok(built.ok);
      const noisy = built.value.series.find((s) => s.runId === odd.ids.noisy)!;
      assert.deepEqual(noisy.values.map((v, i) => (v === null ? i : -1)).filter((i) => i >= 0), [5, 15, 25, 35]);
      assert.deepEqual(built.value.runs.map((r) => Object.keys(r.metrics)), [['loss'], ['acc'], []]);
      assert.equal(built.value.series.some((s) => s.runId === odd.ids.silent), false);
      // min and max skip NaN but keep ±Infinity (as the store does).
      assert.deepEqual(built.value.runs[0]!.scalars.loss, { min: '-Infinity', max: 'Infinity', count: 40 });
    } finally {
      odd.tracker.close();
    }
  });
});

describe('compare panel: the export messages in the contract', () => {
  it('accepts CSV, PNG and SVG requests and nothing else', () => {
    const colors = { background: '#fff', foreground: '#000', grid: 'rgba(0, 0, 0, 0.2)', runs: ['#00f'] };
    assert.ok(PageMessageSchema.safeParse({ type: 'export', format: 'csv', table: 'runs' }).success);
    assert.ok(PageMessageSchema.safeParse({ type: 'export', format: 'png', key: 'loss', base64: 'iVBORw0KGgo=' }).success);
    assert.ok(PageMessageSchema.safeParse({ type: 'export', format: 'svg', key: 'loss', view: DEFAULT_VIEW, range: [1, 2], colors }).success);
    assert.equal(PageMessageSchema.safeParse({ type: 'export', format: 'csv', table: 'everything' }).success, false);
    assert.equal(PageMessageSchema.safeParse({ type: 'export', format: 'gif', key: 'loss' }).success, false);
    assert.equal(PageMessageSchema.safeParse({ type: 'export', format: 'png', key: 'loss', base64: 'data:image/png;base64,xx' }).success, false);
    assert.equal(PageMessageSchema.safeParse({ type: 'export', format: 'svg', key: 'loss', view: DEFAULT_VIEW, colors: { ...colors, background: 'red" onload="x' } }).success, false);
    assert.equal(PageMessageSchema.safeParse({ type: 'export', format: 'svg', key: 'loss', view: { ...DEFAULT_VIEW, smoothing: 2 }, colors }).success, false);
  });

  it("the page's saved choices are optional (a state saved by an older page still parses)", () => {
    const state = PageStateSchema.parse({ runIds: ['a'], view: { x: 'wall', smoothing: 0.6, log: true }, zoom: { loss: [10, 20] }, sort: { key: 'loss', stat: 'min', descending: false }, scatter: { param: 'lr', metric: 'loss' } });
    assert.deepEqual(state.zoom, { loss: [10, 20] });
    assert.equal(PageStateSchema.safeParse({ runIds: [], sort: { key: 'loss', stat: 'median', descending: false } }).success, false);
  });
});
