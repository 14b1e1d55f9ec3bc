// The drift report panel's host side: its contract (both directions and the saved state), the data it
// sends built by the drift engine from real generated CSV files (the verdict and share, every tested
// column, numeric histograms on the same bins for both sides, categories with top-N and "other",
// personal data masked in category labels, what could not be tested and why: one side only, all
// missing, a 1-row reference; a stray text in a numeric column as a warning with its line), and how VS
// Code reaches it (commands, menus, activation event, serializer).
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareWithHistograms, TOP_CATEGORIES } from '../../src/engine/drift/histograms';
import { compareFiles } from '../../src/engine/drift/report';
import { driftPanelData, driftTitle, type DriftPair } from '../../src/webviews/drift/data';
import { DRIFT_VIEW_TYPE, HostMessageSchema, PageMessageSchema, PageStateSchema, type DriftPanelData, type Histogram } from '../../src/webviews/drift/protocol';
import { writeDriftCsv } from './driftData';
import { tempDir } from './tempDir';

const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);

function build(pair: DriftPair): DriftPanelData {
  const compared = compareWithHistograms(pair.reference.file, pair.current.file);
  assert.ok(compared.ok, compared.ok ? '' : compared.error.message);
  const data = driftPanelData(pair, compared.value, 12);
  // What the host posts passes the page's check.
  const parsed = HostMessageSchema.safeParse(JSON.parse(JSON.stringify({ type: 'data', data })));
  assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues[0]));
  return data;
}

const pairOf = (dir: string, ref: string, cur: string): DriftPair => ({ reference: { file: join(dir, ref), label: ref }, current: { file: join(dir, cur), label: cur } });
const hist = (data: DriftPanelData, column: string): Histogram => {
  const found = data.histograms.find((x) => x.column === column);
  assert.ok(found, `no histogram for ${column}`);
  return found;
};

describe('drift report panel: data from the engine', function () {
  this.timeout(60_000);
  let dir: string;
  let drifted: DriftPanelData;

  before(() => {
    dir = tempDir('sextant-drift-panel-');
    writeDriftCsv(join(dir, 'reference.csv'), { rows: 400, shift: 0, seed: 1, side: 'reference', untestable: true });
    writeDriftCsv(join(dir, 'current.csv'), { rows: 300, shift: 1, seed: 3, side: 'current', untestable: true });
    drifted = build(pairOf(dir, 'reference.csv', 'current.csv'));
  });

  it('carries the engine\'s verdict, share and tested columns unchanged', () => {
    const report = compareFiles(join(dir, 'reference.csv'), join(dir, 'current.csv'));
    assert.ok(report.ok);
    assert.equal(drifted.datasetDrift, report.value.dataset_drift);
    assert.equal(drifted.datasetDrift, true);
    assert.equal(drifted.driftShare, 0.5);
    assert.equal(drifted.shareThreshold, 0.5);
    assert.deepEqual(drifted.columns, report.value.columns);
    assert.deepEqual(drifted.columns.map((c) => [c.column, c.test, c.drifted]), [
      ['age', 'ks', true],
      ['income', 'ks', false],
      ['plan', 'chi2', true],
      ['churned', 'ztest', false],
    ]);
    assert.deepEqual([drifted.reference.rows, drifted.current.rows], [400, 300]);
    assert.equal(driftTitle(pairOf(dir, 'reference.csv', 'current.csv')), 'Drift: current.csv vs reference.csv');
  });

  it('says what could not be tested and why: a column on one side only, a column all missing on one side', () => {
    assert.deepEqual(drifted.notTested.map((n) => n.column).sort(), ['coupon', 'notes']);
    assert.match(drifted.notTested.find((n) => n.column === 'notes')!.reason, /only in the reference file/);
    assert.match(drifted.notTested.find((n) => n.column === 'coupon')!.reason, /every value is missing in the current file/);
    assert.ok(!drifted.histograms.some((x) => x.column === 'notes' || x.column === 'coupon'), 'no histogram for a column not tested');
  });

  it('numbers: both sides on the same bins (shares summing to 1); the binned shares shift with the data', () => {
    const age = hist(drifted, 'age');
    assert.equal(age.kind, 'bins');
    if (age.kind !== 'bins') return;
    assert.equal(age.reference.length, age.edges.length - 1);
    assert.equal(age.current.length, age.edges.length - 1);
    assert.ok(Math.abs(sum(age.reference) - 1) < 1e-12 && Math.abs(sum(age.current) - 1) < 1e-12);
    for (let i = 1; i < age.edges.length; i++) assert.ok(age.edges[i]! > age.edges[i - 1]!);
    // Sturges over both samples: ceil(log2(700) + 1) = 11 bins, from the smallest to the largest value.
    assert.equal(age.edges.length - 1, 11);
    const ages = (file: string): number[] => readFileSync(join(dir, file), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0]));
    const all = [...ages('reference.csv'), ...ages('current.csv')];
    assert.equal(age.edges[0], Math.min(...all));
    assert.equal(age.edges.at(-1), Math.max(...all));
    const mean = (shares: number[]): number => sum(shares.map((s, i) => s * (age.edges[i]! + age.edges[i + 1]!) / 2));
    assert.ok(mean(age.current) > mean(age.reference) + 4, 'the current ages are about 8 years older');
  });

  it('categories: a bar per category on each side (shares summing to 1); binary and few-valued columns too', () => {
    const plan = hist(drifted, 'plan');
    assert.equal(plan.kind, 'categories');
    if (plan.kind !== 'categories') return;
    assert.deepEqual([...plan.labels].sort(), ['basic', 'plus', 'pro', 'team']);
    assert.equal(plan.otherCount, 0);
    assert.ok(Math.abs(sum(plan.reference) - 1) < 1e-12 && Math.abs(sum(plan.current) - 1) < 1e-12);
    assert.equal(plan.current[plan.labels.indexOf('pro')], 0, 'a category seen in the reference only is a zero bar in the current');
    const churned = hist(drifted, 'churned');
    assert.equal(churned.kind, 'categories');
    if (churned.kind === 'categories') assert.deepEqual([...churned.labels].sort(), ['no', 'yes']);
  });

  it('many categories: the top ones and "other" summing the rest; personal data masked in labels', () => {
    const lines = (n: number, shift: number): string => ['city,email,score', ...Array.from({ length: n }, (_, i) => `city${String((i * 7 + shift) % 25).padStart(2, '0')},user${i % 30}@example.com,${i % 4}`)].join('\n') + '\n';
    writeFileSync(join(dir, 'cities-ref.csv'), lines(500, 0));
    writeFileSync(join(dir, 'cities-cur.csv'), lines(400, 3));
    const data = build(pairOf(dir, 'cities-ref.csv', 'cities-cur.csv'));
    const city = hist(data, 'city');
    assert.ok(city.kind === 'categories');
    if (city.kind !== 'categories') return;
    assert.equal(city.labels.length, TOP_CATEGORIES);
    assert.equal(city.labels.at(-1), 'other');
    assert.equal(city.otherCount, 25 - (TOP_CATEGORIES - 1));
    assert.ok(Math.abs(sum(city.reference) - 1) < 1e-12 && Math.abs(sum(city.current) - 1) < 1e-12);
    const email = hist(data, 'email');
    assert.ok(email.kind === 'categories');
    const text = JSON.stringify(email);
    assert.doesNotMatch(text, /user\d+@example\.com/, 'no raw e-mail address reaches the panel');
    assert.match(text, /u\*\*\*@\*\*\*\.com/);
    // A numeric column of 4 distinct values: one bar per value, in order.
    const score = hist(data, 'score');
    assert.ok(score.kind === 'categories');
    if (score.kind === 'categories') assert.deepEqual(score.labels, ['0', '1', '2', '3']);
  });

  it('a reference of 1 row: every column is listed as not tested, with the reason', () => {
    writeFileSync(join(dir, 'one.csv'), 'age,plan\n41,basic\n');
    const data = build(pairOf(dir, 'one.csv', 'current.csv'));
    assert.deepEqual(data.columns, []);
    assert.equal(data.datasetDrift, false);
    for (const c of ['age', 'plan']) assert.match(data.notTested.find((n) => n.column === c)!.reason, /the reference has 1 value/);
  });

  it('a stray text in a numeric column: compared as categories, with a warning naming the file and line', () => {
    const rows = (n: number, bad: number): string => ['v', ...Array.from({ length: n }, (_, i) => (i === bad ? 'abc' : String(i % 50)))].join('\n') + '\n';
    writeFileSync(join(dir, 'v-ref.csv'), rows(60, -1));
    writeFileSync(join(dir, 'v-cur.csv'), rows(60, 20));
    const data = build(pairOf(dir, 'v-ref.csv', 'v-cur.csv'));
    assert.equal(data.columns[0]!.type, 'categorical');
    assert.deepEqual(data.warnings.map((w) => [w.file, w.line]), [[join(dir, 'v-cur.csv'), 22]]);
    assert.equal(hist(data, 'v').kind, 'categories');
  });

  it('a file that cannot be read: the engine\'s error, naming the file', () => {
    writeFileSync(join(dir, 'ragged.csv'), 'a,b\n1,2\n3\n');
    const r = compareWithHistograms(join(dir, 'ragged.csv'), join(dir, 'current.csv'));
    assert.ok(!r.ok);
    assert.equal(r.error.file, join(dir, 'ragged.csv'));
    assert.equal(r.error.line, 3);
  });
});

describe('drift report panel: contract', () => {
  it('the page accepts data and errors; the host accepts ready, invalid and refresh only', () => {
    assert.ok(HostMessageSchema.safeParse({ type: 'error', message: 'x' }).success);
    assert.ok(!HostMessageSchema.safeParse({ type: 'data', data: {} }).success);
    for (const m of [{ type: 'ready' }, { type: 'invalid', message: 'x' }, { type: 'refresh' }]) assert.ok(PageMessageSchema.safeParse(m).success);
    assert.ok(!PageMessageSchema.safeParse({ type: 'openFile', path: '/etc/passwd' }).success);
  });

  it('the saved state names both files (what the serializer revives the panel from)', () => {
    assert.ok(PageStateSchema.safeParse({ reference: { file: '/a.csv', label: 'a' }, current: { file: '/b.csv', label: 'b' }, sort: { key: 'p_value', descending: false }, driftedOnly: true }).success);
    assert.ok(!PageStateSchema.safeParse({ reference: { file: '/a.csv', label: 'a' } }).success);
    assert.ok(!PageStateSchema.safeParse({ reference: { file: '/a.csv', label: 'a' }, current: { file: '/b.csv', label: 'b' }, sort: { key: 'nope', descending: false } }).success);
  });
});

describe('drift report panel: how VS Code reaches it', () => {
  const ROOT = join(__dirname, '..', '..');
  type Menu = { command: string; when?: string; group?: string };
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    activationEvents: string[];
    contributes: { commands: { command: string; title: string }[]; menus: Record<string, Menu[]> };
  };

  it('Compare Datasets for Drift… in the palette; Compare With Reference… on a dataset in the Datasets view', () => {
    assert.equal(manifest.contributes.commands.find((c) => c.command === 'sextant.drift.compare')?.title, 'Compare Datasets for Drift…');
    assert.equal(manifest.contributes.menus.commandPalette!.find((m) => m.command === 'sextant.drift.compare'), undefined, 'shown in the palette');
    assert.equal(manifest.contributes.commands.find((c) => c.command === 'sextant.datasets.compareWithReference')?.title, 'Compare With Reference…');
    assert.deepEqual(manifest.contributes.menus['view/item/context']!.filter((m) => m.command === 'sextant.datasets.compareWithReference').map((m) => m.when), ['view == sextant.datasets && viewItem == dataset', 'view == sextant.datasets && viewItem == version-current']);
    assert.equal(manifest.contributes.menus.commandPalette!.find((m) => m.command === 'sextant.datasets.compareWithReference')?.when, 'false', 'needs a dataset');
    const commands = readFileSync(join(ROOT, 'src', 'views', 'driftCommands.ts'), 'utf8');
    assert.match(commands, /'sextant\.drift\.compare': async/);
    assert.match(commands, /'sextant\.datasets\.compareWithReference': async/);
    assert.match(readFileSync(join(ROOT, 'src', 'extension.ts'), 'utf8'), /\.\.\.driftCommands\(ctx\)/);
  });

  it('a report open when the window reloads comes back: the activation event and the serializer', () => {
    assert.equal(DRIFT_VIEW_TYPE, 'sextant.drift');
    assert.ok(manifest.activationEvents.includes(`onWebviewPanel:${DRIFT_VIEW_TYPE}`));
    assert.match(readFileSync(join(ROOT, 'src', 'webviews', 'register.ts'), 'utf8'), /registerWebviewPanelSerializer\(DRIFT_VIEW_TYPE, \{\s*deserializeWebviewPanel: async \(panel, saved: unknown\) => loadWebviewHost\(\)\.reviveDriftPanel\(/);
  });
});
