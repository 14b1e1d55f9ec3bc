// The compare panel's host side without VS Code: its message contract (src/webviews/compare/protocol.ts),
// the page's HTML and CSP (src/webviews/html.ts), and the data it is sent, built from a real store.
import { strict as assert } from 'node:assert';
import { buildCompareData, compareTitle } from '../../src/webviews/compare/data';
import { HostMessageSchema, PageMessageSchema, PageStateSchema, toMetricNumber, type CompareData } from '../../src/webviews/compare/protocol';
import { contentSecurityPolicy, pageHtml } from '../../src/webviews/html';
import { compareFixture, type CompareFixture } from '../support/compareFixture';
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
