// `sextant drift` and the `sextant/drift` built-in on real CSV files: the test chosen per column (Evidently's
// defaults), the JSON shape, exit codes, what could not be tested, bad input named by file and line, and
// the p-values through the CSV reader equal SciPy's on the same file (skipped loudly without python3-scipy).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { DriftReportSchema, type DriftReport } from '../../src/engine/drift/report';
import { readColumns } from '../../src/engine/data/read/columnTable';
import { runPipeline } from '../../src/engine/runner/executor';
import { MemoryTracker } from '../../src/engine/runner/tracker';
import { Rng } from '../../src/engine/train/rng';
import { tempDir } from './tempDir';

function capture(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
}

async function drift(dir: string, ...args: string[]): Promise<{ code: number; out: string; err: string; report?: DriftReport }> {
  const io = capture(dir);
  const code = await main(['drift', ...args], io);
  const out = io.stdout.join('\n');
  const report = args.includes('--json') && code !== 2 && out.startsWith('{"reference"') ? DriftReportSchema.parse(JSON.parse(out)) : undefined;
  return { code, out, err: io.stderr.join('\n'), ...(report ? { report } : {}) };
}

/** A CSV of `n` rows: num (normal, shifted by `shift`), few (0..2), flag (yes/no), colour (4 categories). */
function dataset(rng: Rng, n: number, shift: number): string {
  const colours = ['red', 'green', 'blue', 'grey'];
  const lines = ['num,few,flag,colour'];
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    lines.push([(rng.normal() + shift).toFixed(6), Math.floor(rng.next() * 3 + (shift > 0 && u < 0.5 ? 1 : 0)) % 3, rng.next() < 0.5 + shift / 4 ? 'yes' : 'no', colours[Math.floor(rng.next() * (shift > 0 ? 2 : 4))]].join(','));
  }
  return `${lines.join('\n')}\n`;
}

const column = (r: DriftReport, name: string) => r.columns.find((c) => c.column === name)!;

describe('sextant drift (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = tempDir('sextant-drift-');
    const rng = new Rng(3);
    writeFileSync(join(dir, 'ref.csv'), dataset(rng, 500, 0));
    writeFileSync(join(dir, 'same.csv'), dataset(rng, 400, 0));
    writeFileSync(join(dir, 'shifted.csv'), dataset(rng, 450, 1));
    writeFileSync(join(dir, 'big-ref.csv'), dataset(rng, 3000, 0));
    writeFileSync(join(dir, 'big-cur.csv'), dataset(rng, 2000, 1));
  });

  it('small reference: KS for numbers, chi-square for few values or categories, z-test when binary; no drift → exit 0', async () => {
    const r = await drift(dir, 'ref.csv', 'same.csv', '--json');
    assert.equal(r.code, 0, r.err);
    const report = r.report!;
    assert.deepEqual(
      report.columns.map((c) => [c.column, c.type, c.test, c.threshold]),
      [
        ['num', 'numeric', 'ks', 0.05],
        ['few', 'numeric', 'chi2', 0.05],
        ['flag', 'categorical', 'ztest', 0.05],
        ['colour', 'categorical', 'chi2', 0.05],
      ],
    );
    assert.equal(report.dataset_drift, false);
    assert.ok(report.columns.every((c) => c.p_value !== null && c.p_value >= 0 && c.p_value <= 1));
    assert.equal(report.reference.rows, 500);
    assert.equal(report.current.rows, 400);
    assert.match(column(report, 'few').why, /3 distinct values \(<= 5\)/);
  });

  it('drift found → exit 1, dataset_drift, drifted columns; the human table says so', async () => {
    const r = await drift(dir, 'ref.csv', 'shifted.csv', '--json');
    assert.equal(r.code, 1);
    assert.equal(r.report!.dataset_drift, true);
    assert.ok(r.report!.drift_share >= 0.5);
    assert.equal(column(r.report!, 'num').drifted, true);
    assert.ok(column(r.report!, 'num').p_value! < 1e-10);
    const human = await drift(dir, 'ref.csv', 'shifted.csv');
    assert.equal(human.code, 1);
    assert.match(human.out, /^column\s+type\s+test\s+statistic\s+p-value\s+threshold\s+drift$/m);
    assert.match(human.out, /^num\s+numeric\s+ks\s+\S+\s+\S+\s+0\.05\s+DRIFT$/m);
    assert.match(human.out, /Dataset drift: YES \(\d of 4 columns drifted/);
  });

  it('large reference (> 1000): Wasserstein over std for numbers, Jensen–Shannon for categories and few values', async () => {
    const r = await drift(dir, 'big-ref.csv', 'big-cur.csv', '--json');
    assert.deepEqual(
      r.report!.columns.map((c) => [c.column, c.test, c.p_value, c.threshold]),
      [
        ['num', 'wasserstein', null, 0.1],
        ['few', 'jensenshannon', null, 0.1],
        ['flag', 'jensenshannon', null, 0.1],
        ['colour', 'jensenshannon', null, 0.1],
      ],
    );
    assert.ok(Math.abs(column(r.report!, 'num').statistic - 1) < 0.1, 'a shift of one std is a normed Wasserstein distance of about 1');
    assert.equal(r.code, 1);
  });

  it('--test for every column or per column, --columns, and a numbers-only test on categories is not tested', async () => {
    const psi = await drift(dir, 'big-ref.csv', 'big-cur.csv', '--test', 'psi', '--json');
    assert.ok(psi.report!.columns.every((c) => c.test === 'psi' && c.p_value === null));
    const per = await drift(dir, 'ref.csv', 'shifted.csv', '--test', 'num=wasserstein,colour=jensenshannon', '--columns', 'num,colour,flag', '--json');
    assert.deepEqual(per.report!.columns.map((c) => [c.column, c.test]), [['num', 'wasserstein'], ['colour', 'jensenshannon'], ['flag', 'ztest']]);
    const ks = await drift(dir, 'ref.csv', 'same.csv', '--test', 'ks', '--json');
    assert.deepEqual(ks.report!.not_tested, [
      { column: 'flag', reason: 'ks needs numbers; this column is categorical' },
      { column: 'colour', reason: 'ks needs numbers; this column is categorical' },
    ]);
  });

  it('bad usage exits 2: one file, an unknown test, an unknown column, an unknown option', async () => {
    assert.equal((await drift(dir, 'ref.csv')).code, 2);
    const t = await drift(dir, 'ref.csv', 'same.csv', '--test', 'ttest');
    assert.equal(t.code, 2);
    assert.match(t.err, /unknown test "ttest" \(the tests: ks, chi2, ztest, psi, wasserstein, jensenshannon\)/);
    const c = await drift(dir, 'ref.csv', 'same.csv', '--columns', 'num,nope');
    assert.equal(c.code, 2);
    assert.match(c.err, /No column "nope"/);
    assert.equal((await drift(dir, 'ref.csv', 'same.csv', '--bins', '3')).code, 2);
  });

  it('columns on one side only, all-missing columns and a 1-row reference are reported as not tested', async () => {
    writeFileSync(join(dir, 'a.csv'), 'x,gone,empty\n1,a,\n2,b,NA\n3,c,\n4,d,\n5,e,\n6,f,\n');
    writeFileSync(join(dir, 'b.csv'), 'x,empty,new\n1,,u\n2,,v\n4,,w\n5,,x\n7,,y\n9,,z\n');
    const r = await drift(dir, 'a.csv', 'b.csv', '--json');
    assert.deepEqual(r.report!.columns.map((c) => c.column), ['x']);
    assert.deepEqual(r.report!.not_tested, [
      { column: 'gone', reason: `only in the reference file (${join(dir, 'a.csv')})` },
      { column: 'empty', reason: 'every value is missing in the reference file' },
      { column: 'new', reason: `only in the current file (${join(dir, 'b.csv')})` },
    ]);
    writeFileSync(join(dir, 'one.csv'), 'x,y\n1,a\n');
    const one = await drift(dir, 'one.csv', 'b.csv', '--columns', 'x', '--json');
    assert.deepEqual(one.report!.not_tested, [{ column: 'x', reason: 'the reference has 1 value: too few to compare a distribution with' }]);
    assert.equal(one.code, 1, 'nothing tested is a failure, not a pass');
  });

  it('bad input names the file and line: ragged row, unclosed quote, empty file, UTF-16, Latin-1', async () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ['ragged.csv', 'x,y\n1,2\n3,4\n5\n', /ragged\.csv:4: Row has 1 field, but the header has 2 \(x, y\)/],
      ['quote.csv', 'x,y\n1,"open\n2,3\n', /quote\.csv:2: A quoted field is never closed/],
      ['empty.csv', '', /empty\.csv:1: The file is empty/],
      ['utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x,y\n1,2\n', 'utf16le')]), /utf16\.csv:1: The file is UTF-16/],
      ['latin1.csv', Buffer.concat([Buffer.from('x,y\n1,a\n2,b\n3,caf'), Buffer.from([0xe9]), Buffer.from('\n')]), /latin1\.csv:4: This line is not valid UTF-8/],
    ];
    for (const [name, content, message] of cases) {
      writeFileSync(join(dir, name), content);
      const r = await drift(dir, 'ref.csv', name);
      assert.equal(r.code, 1, name);
      assert.match(r.err, message, name);
      const j = await drift(dir, 'ref.csv', name, '--json');
      const parsed = JSON.parse(j.out) as { ok: boolean; error: { file: string; line: number } };
      assert.equal(parsed.ok, false);
      assert.equal(parsed.error.file, join(dir, name));
    }
  });

  it('a mostly numeric column with a stray "abc" is compared as categories, with a warning naming file and line', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i % 7},${i}`);
    rows[20] = 'abc,20';
    writeFileSync(join(dir, 'stray.csv'), `v,w\n${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'clean.csv'), `v,w\n${Array.from({ length: 30 }, (_, i) => `${(i + 1) % 7},${i}`).join('\n')}\n`);
    const r = await drift(dir, 'clean.csv', 'stray.csv', '--json');
    assert.equal(column(r.report!, 'v').type, 'categorical');
    assert.equal(column(r.report!, 'w').type, 'numeric');
    assert.deepEqual(r.report!.warnings, [{ column: 'v', file: join(dir, 'stray.csv'), line: 22, message: 'Column "v" is 96.7% numbers but has "abc" here, so it was compared as categories.' }]);
  });

  it('reads quotes, newlines in quotes, CRLF, a BOM, ";" and files larger than one 16 MB chunk', () => {
    writeFileSync(join(dir, 'odd.csv'), '\ufeffa;b\r\n"1,5";"x\r\ny"\r\n2;"say ""hi"""\r\n\r\n3;z');
    const odd = readColumns(join(dir, 'odd.csv'));
    assert.ok(odd.ok, JSON.stringify(odd));
    assert.deepEqual(odd.value.columns, ['a', 'b']);
    assert.equal(odd.value.rowCount, 3);
    const b = odd.value.data[1]!;
    assert.ok(b.kind === 'categorical');
    assert.deepEqual([...b.codes].map((c) => b.categories[c]), ['x\r\ny', 'say "hi"', 'z']);
    const a = odd.value.data[0]!;
    assert.ok(a.kind === 'categorical', '"1,5" is not a number');

    const rows = 420_000;
    const parts: string[] = ['id,value,label\n'];
    let sum = 0;
    for (let i = 0; i < rows; i++) {
      const v = (i * 7919) % 100003;
      sum += v / 8;
      parts.push(i % 1000 === 0 ? `${i},${v / 8},"multi\nline ${i % 3}"\n` : `${i},${v / 8},l${i % 3}\n`);
    }
    const big = join(dir, 'big.csv');
    writeFileSync(big, parts.join(''));
    const t = readColumns(big);
    assert.ok(t.ok, JSON.stringify(t));
    assert.equal(t.value.rowCount, rows);
    const ids = t.value.data[0]!;
    const values = t.value.data[1]!;
    const labels = t.value.data[2]!;
    assert.ok(ids.kind === 'numeric' && values.kind === 'numeric' && labels.kind === 'categorical');
    assert.ok(ids.values.every((x, i) => x === i), 'every row read once, in order, across chunk boundaries');
    assert.equal(values.values.reduce((s, x) => s + x, 0), sum);
    assert.equal(labels.categories.length, 6);
  });

  it('p-values read from the CSV files equal SciPy on the same files', async function () {
    if (!existsSync('/usr/bin/python3') || spawnSync('/usr/bin/python3', ['-c', 'import scipy'], { encoding: 'utf8' }).status !== 0) {
      console.warn('\n  SKIPPED drift.cli SciPy comparison: python3-scipy is missing in /usr/bin/python3 (`apt-get install -y python3-scipy`).\n');
      this.skip();
    }
    const r = await drift(dir, 'ref.csv', 'shifted.csv', '--json');
    const script = `
import csv, json, sys
from scipy.stats import ks_2samp, chi2_contingency
def read(p):
    with open(p) as f: return list(csv.DictReader(f))
a, b = read(sys.argv[1]), read(sys.argv[2])
out = {'num': float(ks_2samp([float(r['num']) for r in a], [float(r['num']) for r in b]).pvalue)}
for col in ('few', 'colour'):
    keys = sorted(set(r[col] for r in a) | set(r[col] for r in b))
    out[col] = float(chi2_contingency([[sum(1 for r in a if r[col] == k) for k in keys], [sum(1 for r in b if r[col] == k) for k in keys]])[1])
print(json.dumps(out))`;
    const py = spawnSync('/usr/bin/python3', ['-c', script, join(dir, 'ref.csv'), join(dir, 'shifted.csv')], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    const expected = JSON.parse(py.stdout) as Record<string, number>;
    for (const [name, p] of Object.entries(expected)) {
      const got = column(r.report!, name).p_value!;
      assert.ok(Math.abs(got - p) <= 1e-9 * p, `${name}: ${got} vs SciPy ${p}`);
    }
  });
});

describe('sextant/drift built-in', function () {
  this.timeout(60_000);
  async function stage(current: 'same' | 'shifted') {
    const dir = tempDir('sextant-drift-stage-');
    const rng = new Rng(5);
    writeFileSync(join(dir, 'ref.csv'), dataset(rng, 300, 0));
    writeFileSync(join(dir, 'cur.csv'), current === 'same' ? dataset(rng, 300, 0) : dataset(rng, 300, 1));
    writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, datasets: { ref: { path: 'ref.csv' }, cur: { path: 'cur.csv' } }, stages: { d: { uses: 'sextant/drift', with: { reference: 'ref', current: 'cur' } } } }));
    const tracker = new MemoryTracker();
    const r = await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [], tracker });
    assert.ok(r.ok);
    const s = r.value.stages.find((x) => x.name === 'd')!;
    const run = [...tracker.runs.values()].find((x) => x.name === 'd')!;
    return { status: s.status, reason: s.reason, metrics: run.metrics };
  }

  it('passes without drift and records drift_share and drifted_columns', async () => {
    const r = await stage('same');
    assert.equal(r.status, 'ran', r.reason);
    assert.deepEqual(Object.keys(r.metrics).sort(), ['drift_share', 'drifted_columns']);
    assert.ok(r.metrics.drift_share![0]! < 0.5);
  });

  it('fails on dataset drift, naming the drifted columns and their tests', async () => {
    const r = await stage('shifted');
    assert.equal(r.status, 'failed');
    assert.match(r.reason!, /the dataset drifted: \d of 4 columns .*num \(ks\)/);
    assert.ok(r.metrics.drift_share![0]! >= 0.5);
  });
});
