// Bad input to drift, through `sextant drift --json` (and the engine where the CLI adds nothing): ragged
// rows, mixed types (within a file, and numbers on one side but text on the other), empty and header-only
// files, wrong encodings (Latin-1, UTF-16, NUL bytes) on either side, columns on one side only, all-missing
// columns, a 1-row reference, bad headers, a missing file and a folder. Each is a clear message naming the
// file (and the line when there is one), or a column under not_tested with why; nothing crashes.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { compareWithHistograms } from '../../src/engine/drift/histograms';
import { DriftReportSchema, type DriftReport } from '../../src/engine/drift/report';
import { tempDir } from './tempDir';

interface Outcome {
  code: number;
  report?: DriftReport;
  error?: { code: string; message: string; file?: string; line?: number; fix?: string };
  err: string;
}

async function drift(dir: string, ...args: string[]): Promise<Outcome> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = { out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd: dir, env: {} };
  const code = await main(['drift', ...args, '--json'], io);
  const parsed = JSON.parse(stdout.join('\n')) as { ok?: false; error?: Outcome['error'] };
  if (parsed.ok === false) return { code, error: parsed.error!, err: stderr.join('\n') };
  return { code, report: DriftReportSchema.parse(parsed), err: stderr.join('\n') };
}

const REF = `${['age,plan', ...Array.from({ length: 40 }, (_, i) => `${20 + (i % 30)},${['basic', 'pro', 'team'][i % 3]}`)].join('\n')}\n`;

describe('drift: bad input gives clear per-file, per-line messages (sextant drift --json)', function () {
  this.timeout(60_000);
  let dir: string;
  const path = (name: string): string => join(dir, name);

  before(() => {
    dir = tempDir('sextant-drift-bad-');
    writeFileSync(path('ref.csv'), REF);
  });

  it('ragged rows, short or long, in either file: the file and the line, exit 1', async () => {
    writeFileSync(path('long.csv'), 'age,plan\n30,basic\n31,pro,extra\n');
    writeFileSync(path('short.csv'), 'age,plan\n30,basic\n31,pro\n32\n');
    for (const [ref, cur, bad, line, fields] of [
      ['ref.csv', 'long.csv', 'long.csv', 3, 3],
      ['short.csv', 'ref.csv', 'short.csv', 4, 1],
    ] as const) {
      const r = await drift(dir, ref, cur);
      assert.equal(r.code, 1);
      assert.equal(r.error?.file, path(bad));
      assert.equal(r.error?.line, line);
      assert.match(r.error!.message, new RegExp(`Row has ${fields} fields?, but the header has 2 \\(age, plan\\)`));
    }
  });

  it('mixed types in a file: a stray text in a numeric column is a warning naming the file and line', async () => {
    const rows = REF.trim().split('\n');
    rows[25] = 'n/a?,pro';
    writeFileSync(path('stray.csv'), `${rows.join('\n')}\n`);
    const r = await drift(dir, 'ref.csv', 'stray.csv');
    assert.equal(r.code, 0);
    assert.equal(r.report!.columns.find((c) => c.column === 'age')!.type, 'categorical');
    assert.deepEqual(r.report!.warnings.map((w) => [w.column, w.file, w.line]), [['age', path('stray.csv'), 26]]);
    assert.match(r.report!.warnings[0]!.message, /"n\/a\?" here, so it was compared as categories/);
  });

  it('mixed types across files: numbers in the reference, text in the current: compared as categories and said, with the line', async () => {
    writeFileSync(path('text.csv'), 'age,plan\nthirty,basic\nforty,pro\n41,team\nfifty,basic\n');
    const r = await drift(dir, 'ref.csv', 'text.csv');
    assert.notEqual(r.code, 2);
    const age = r.report!.columns.find((c) => c.column === 'age')!;
    assert.equal(age.type, 'categorical');
    const warning = r.report!.warnings.find((w) => w.column === 'age');
    assert.ok(warning, `a warning about age: ${JSON.stringify(r.report!.warnings)}`);
    assert.equal(warning.file, path('text.csv'));
    assert.equal(warning.line, 2);
    assert.match(warning.message, /numbers in the reference file .* but "thirty" here \(25\.0% numbers\), so both sides were compared as categories/);
    // and the other way round: the reference holds the text
    const back = await drift(dir, 'text.csv', 'ref.csv');
    assert.deepEqual(back.report!.warnings.filter((w) => w.column === 'age').map((w) => [w.file, w.line]), [[path('text.csv'), 2]]);
    assert.match(back.report!.warnings.find((w) => w.column === 'age')!.message, /numbers in the current file/);
  });

  it('empty files: nothing, blank lines, only a header', async () => {
    writeFileSync(path('empty.csv'), '');
    writeFileSync(path('blank.csv'), '\n\n\n');
    for (const name of ['empty.csv', 'blank.csv']) {
      for (const args of [['ref.csv', name], [name, 'ref.csv']]) {
        const r = await drift(dir, ...args);
        assert.equal(r.code, 1, `${args.join(' ')}`);
        assert.equal(r.error?.file, path(name));
        assert.equal(r.error?.line, 1);
        assert.match(r.error!.message, /The file is empty/);
      }
    }
    writeFileSync(path('header.csv'), 'age,plan\n');
    const r = await drift(dir, 'ref.csv', 'header.csv');
    assert.equal(r.code, 1, 'nothing could be tested');
    assert.deepEqual(r.report!.columns, []);
    assert.deepEqual(
      r.report!.not_tested.map((n) => [n.column, n.reason]),
      [
        ['age', `the current file has no data rows, only its header (${path('header.csv')})`],
        ['plan', `the current file has no data rows, only its header (${path('header.csv')})`],
      ],
    );
    assert.match(r.err, /no column could be tested/);
  });

  it('wrong encodings in either file: Latin-1, UTF-16 (LE and BE), NUL bytes; the file, the line and how to fix it', async () => {
    writeFileSync(path('latin1.csv'), Buffer.concat([Buffer.from('age,plan\n30,basic\n31,caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    writeFileSync(path('utf16le.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('age,plan\n30,basic\n', 'utf16le')]));
    const be = Buffer.from('age,plan\n30,basic\n', 'utf16le');
    for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
    writeFileSync(path('utf16be.csv'), Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
    writeFileSync(path('nul.csv'), Buffer.from('age,plan\n30,basic\n31,p\u0000ro\n'));
    const cases: [string, number, RegExp][] = [
      ['latin1.csv', 3, /not valid UTF-8/],
      ['utf16le.csv', 1, /UTF-16/],
      ['utf16be.csv', 1, /UTF-16/],
      ['nul.csv', 3, /NUL bytes/],
    ];
    for (const [name, line, message] of cases) {
      for (const args of [['ref.csv', name], [name, 'ref.csv']]) {
        const r = await drift(dir, ...args);
        assert.equal(r.code, 1, args.join(' '));
        assert.equal(r.error?.file, path(name), args.join(' '));
        assert.equal(r.error?.line, line, args.join(' '));
        assert.match(r.error!.message, message);
        assert.ok(r.error!.fix, `${name}: says how to fix it`);
      }
    }
  });

  it('columns on one side only are reported as missing there, not a crash; the rest is tested', async () => {
    writeFileSync(path('extra.csv'), `${['age,plan,coupon', ...Array.from({ length: 30 }, (_, i) => `${25 + (i % 20)},${['basic', 'pro', 'team'][i % 3]},C${i % 2}`)].join('\n')}\n`);
    writeFileSync(path('fewer.csv'), `${['plan', ...Array.from({ length: 30 }, (_, i) => ['basic', 'pro', 'team'][i % 3])].join('\n')}\n`);
    const r = await drift(dir, 'ref.csv', 'extra.csv');
    assert.deepEqual(r.report!.columns.map((c) => c.column), ['age', 'plan']);
    assert.deepEqual(r.report!.not_tested, [{ column: 'coupon', reason: `only in the current file (${path('extra.csv')})` }]);
    const f = await drift(dir, 'ref.csv', 'fewer.csv');
    assert.deepEqual(f.report!.columns.map((c) => c.column), ['plan']);
    assert.deepEqual(f.report!.not_tested, [{ column: 'age', reason: `only in the reference file (${path('ref.csv')})` }]);
    // asked for by name: still reported, not a usage error
    const asked = await drift(dir, 'ref.csv', 'fewer.csv', '--columns', 'age,plan');
    assert.equal(asked.code, 0);
    assert.deepEqual(asked.report!.not_tested.map((n) => n.column), ['age']);
    // no column in common at all: nothing tested, exit 1, every column said
    writeFileSync(path('disjoint.csv'), 'x,y\n1,a\n2,b\n');
    const d = await drift(dir, 'ref.csv', 'disjoint.csv');
    assert.equal(d.code, 1);
    assert.deepEqual(d.report!.not_tested.map((n) => n.column), ['age', 'plan', 'x', 'y']);
  });

  it('all-missing columns (empty, NA, null, NaN) on either side: not tested, with the side', async () => {
    writeFileSync(path('gaps.csv'), `${['age,plan,note', ...Array.from({ length: 30 }, (_, i) => `${['', 'NA', 'null', 'NaN'][i % 4]},${['basic', 'pro'][i % 2]},`)].join('\n')}\n`);
    const r = await drift(dir, 'ref.csv', 'gaps.csv');
    assert.deepEqual(r.report!.columns.map((c) => c.column), ['plan']);
    assert.deepEqual(
      r.report!.not_tested.map((n) => [n.column, n.reason]),
      [
        ['age', 'every value is missing in the current file'],
        ['note', `only in the current file (${path('gaps.csv')})`],
      ],
    );
    const back = await drift(dir, 'gaps.csv', 'ref.csv');
    assert.equal(back.report!.not_tested.find((n) => n.column === 'age')!.reason, 'every value is missing in the reference file');
    // a text column all missing on the other side: not tested, and no warning about numbers there
    writeFileSync(path('noplan.csv'), `${['age,plan', ...Array.from({ length: 30 }, (_, i) => `${25 + i},${i % 2 ? '' : 'NA'}`)].join('\n')}\n`);
    const noplan = await drift(dir, 'ref.csv', 'noplan.csv');
    assert.deepEqual(noplan.report!.not_tested, [{ column: 'plan', reason: 'every value is missing in the current file' }]);
    assert.deepEqual(noplan.report!.warnings, []);
  });

  it('a reference of 1 row: every column not tested, exit 1; a 1-row current is still tested', async () => {
    writeFileSync(path('one.csv'), 'age,plan\n41,basic\n');
    const r = await drift(dir, 'one.csv', 'ref.csv');
    assert.equal(r.code, 1);
    assert.deepEqual(r.report!.columns, []);
    for (const n of r.report!.not_tested) assert.equal(n.reason, 'the reference has 1 value: too few to compare a distribution with');
    assert.deepEqual(r.report!.not_tested.map((n) => n.column), ['age', 'plan']);
    const cur = await drift(dir, 'ref.csv', 'one.csv');
    assert.deepEqual(cur.report!.columns.map((c) => c.column), ['age', 'plan']);
  });

  it('bad headers, a missing file, a folder: named, and nothing thrown', async () => {
    writeFileSync(path('dup.csv'), 'age,age\n1,2\n');
    writeFileSync(path('noname.csv'), 'age,\n1,2\n');
    mkdirSync(path('folder.csv'));
    const cases: [string, number | undefined, RegExp][] = [
      ['dup.csv', 1, /names column "age" twice/],
      ['noname.csv', 1, /empty column name \(column 2\)/],
      ['missing.csv', undefined, /no such file/],
      ['folder.csv', undefined, /This is a folder/],
    ];
    for (const [name, line, message] of cases) {
      const r = await drift(dir, 'ref.csv', name);
      assert.equal(r.code, 1, name);
      assert.equal(r.error?.file, path(name));
      assert.equal(r.error?.line, line, name);
      assert.match(r.error!.message, message);
    }
  });

  it('the panel\'s engine call (report and histograms) gives the same messages', () => {
    const ragged = compareWithHistograms(path('ref.csv'), path('long.csv'));
    assert.ok(!ragged.ok);
    assert.deepEqual([ragged.error.file, ragged.error.line], [path('long.csv'), 3]);
    const header = compareWithHistograms(path('ref.csv'), path('header.csv'));
    assert.ok(header.ok);
    assert.deepEqual(header.value.histograms, []);
    assert.match(header.value.report.not_tested[0]!.reason, /no data rows/);
    const mixed = compareWithHistograms(path('ref.csv'), path('text.csv'));
    assert.ok(mixed.ok);
    assert.equal(mixed.value.report.warnings.find((w) => w.column === 'age')?.line, 2);
  });
});
