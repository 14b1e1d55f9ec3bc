// The columnar CSV/TSV loader shared by drift and the trainer (src/engine/data/read/columnTable.ts): the
// same table from a file and from memory, each row's source line, separators, quotes, CRLF, a BOM,
// header-only files, errors naming file and line (with the caller's code prefix), numbers read from the
// bytes exactly as Number() reads them, and the trainer's "not a number" error with file, line and value.
// The `sextant train` cases at the end failed before the trainer read through this loader.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { parseColumns, readColumns, type ColumnTable } from '../../src/engine/data/read/columnTable';
import { parseNumber, parseNumberText } from '../../src/engine/data/read/columnBytes';
import { columnTexts, firstNonNumber, notANumber, numericValues } from '../../src/engine/data/read/columnValues';
import { describeError } from '../../src/engine/result';
import { labelClasses, readTrainingTable } from '../../src/engine/train/dataset';
import { prepareTraining } from '../../src/engine/train/prepare';
import { detectTask } from '../../src/engine/train/task';
import { Rng } from '../../src/engine/train/rng';
import { tempDir } from './tempDir';

function read(text: string, file = 'data.csv', categorical: string[] = []): ColumnTable {
  const t = parseColumns(text, file, { categorical: new Set(categorical) });
  assert.ok(t.ok, t.ok ? '' : describeError(t.error));
  return t.value;
}

describe('column table: reading', () => {
  it('a file and the same text in memory give the same table (TSV by extension, ";" and "," by the header)', () => {
    const dir = tempDir('sextant-coltable-');
    const cases: [string, string][] = [
      ['t.tsv', 'a\tb\tc\n1\tx\t2.5\n2\t"y\tz"\t\n'],
      ['s.csv', 'a;b;c\n1;x;2,5\n2;"y;z";NA\n'],
      ['c.csv', '\ufeffa,b,c\r\n1,"x, ""q""",2.5\r\n2,"multi\r\nline",-3e2\r\n'],
    ];
    for (const [name, text] of cases) {
      writeFileSync(join(dir, name), text);
      const fromFile = readColumns(join(dir, name));
      const fromText = parseColumns(text, join(dir, name));
      assert.ok(fromFile.ok && fromText.ok, name);
      assert.deepEqual(fromFile.value, fromText.value, name);
      assert.deepEqual(fromFile.value.columns, ['a', 'b', 'c'], name);
      assert.equal(fromFile.value.rowCount, 2, name);
    }
    const tsv = read(cases[0]![1], 't.tsv');
    assert.deepEqual(columnTexts(tsv, 1), ['x', 'y\tz']);
    assert.deepEqual(columnTexts(tsv, 2), ['2.5', null]);
    const semi = read(cases[1]![1]);
    assert.deepEqual(columnTexts(semi, 2), ['2,5', null], '"2,5" is text in a ";" file, not 2.5');
    const crlf = read(cases[2]![1]);
    assert.deepEqual(columnTexts(crlf, 1), ['x, "q"', 'multi\r\nline']);
    const c = crlf.data[2]!;
    assert.ok(c.kind === 'numeric');
    assert.deepEqual([...c.values], [2.5, -300]);
  });

  it('keeps the 1-based source line of each row, past blank lines and newlines inside quotes', () => {
    const t = read('a,b\n1,"two\nlines"\n\n2,x\n"3\nx\n",y\n4,z');
    assert.deepEqual([...t.lines], [2, 5, 6, 9]);
    assert.equal(t.rowCount, 4);
    const bad = firstNonNumber(t, 0);
    assert.deepEqual(bad, { line: 6, value: '3\nx\n' });
  });

  it('a header-only file has no rows; an empty file is an error naming line 1', () => {
    const h = read('x1,x2,y\n');
    assert.equal(h.rowCount, 0);
    assert.deepEqual(h.columns, ['x1', 'x2', 'y']);
    const e = parseColumns('', 'empty.csv');
    assert.ok(!e.ok);
    assert.equal(describeError(e.error).split('\n')[0], 'empty.csv:1: The file is empty: no header row.');
  });

  it('errors name the file and line, with the caller\'s code prefix: ragged rows, open quotes, text after a quote, Latin-1', () => {
    const cases: [string, string | Buffer, string, RegExp][] = [
      ['ragged.csv', 'x,y\n1,2\n3,4,5\n', 'ragged', /^ragged\.csv:3: Row has 3 fields, but the header has 2 \(x, y\)\./],
      ['short.csv', 'x,y\n1,2\n\n3\n', 'ragged', /^short\.csv:4: Row has 1 field, but the header has 2/],
      ['open.csv', 'x,y\n1,2\n3,"open\n4,5\n', 'quote', /^open\.csv:3: A quoted field is never closed/],
      ['after.csv', 'x,y\n1,"a"b\n', 'quote', /^after\.csv:2: Unexpected text after a closing quote/],
      ['latin1.csv', Buffer.concat([Buffer.from('x,y\n1,a\n2,caf'), Buffer.from([0xe9]), Buffer.from('\n')]), 'encoding', /^latin1\.csv:3: This line is not valid UTF-8/],
      ['dup.csv', 'x,x\n1,2\n', 'header', /^dup\.csv:1: The header names column "x" twice/],
    ];
    for (const [file, text, code, message] of cases) {
      const csv = parseColumns(text, file);
      assert.ok(!csv.ok, file);
      assert.equal(csv.error.code, `csv-${code}`, file);
      assert.match(describeError(csv.error), message, file);
      const drift = parseColumns(text, file, { codePrefix: 'drift' });
      assert.ok(!drift.ok);
      assert.equal(drift.error.code, `drift-${code}`, file);
    }
  });

  it('reads a column as numbers only while every value is one; the separator can be given', () => {
    const t = read('n,m,q\n1, 2 ,"3"\n-0.5,0x10,"4e1"\n1e400,7,\n');
    assert.equal(t.data[0]!.kind, 'categorical', '1e400 is not a finite number');
    assert.equal(t.data[1]!.kind, 'categorical', '0x10 is not a decimal number');
    const q = t.data[2]!;
    assert.ok(q.kind === 'numeric');
    assert.deepEqual([...q.values].slice(0, 2), [3, 40]);
    assert.ok(Number.isNaN(q.values[2]!));
    const tab = parseColumns('a,b\tc\n1,2\t3\n', 'x.csv', { separator: '\t' });
    assert.ok(tab.ok);
    assert.deepEqual(tab.value.columns, ['a,b', 'c']);
  });

  it('parses numbers from bytes exactly as Number() does (random decimals, exponents, signs, padding)', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 20_000; i++) {
      const digits = Math.floor(rng.next() * 20) + 1;
      let text = (rng.next() < 0.3 ? '-' : rng.next() < 0.1 ? '+' : '') + String(Math.floor(rng.next() * 10 ** Math.min(digits, 15)));
      if (rng.next() < 0.6) text += `.${String(Math.floor(rng.next() * 1e9)).padStart(9, '0').slice(0, Math.floor(rng.next() * 9) + 1)}`;
      if (rng.next() < 0.3) text += `e${rng.next() < 0.5 ? '-' : ''}${Math.floor(rng.next() * 30)}`;
      const padded = rng.next() < 0.1 ? ` ${text}\t` : text;
      const b = Buffer.from(padded);
      assert.equal(parseNumber(b, 0, b.length), Number(text), padded);
      assert.equal(parseNumberText(padded), Number(text), padded);
    }
    // More than 15 significant digits, or a large exponent, with a minus sign (drift's reader once dropped the sign).
    for (const text of ['-7645495.422889318', '-0.12345678901234567', '-1e-30', '-2.5e25']) {
      const b = Buffer.from(text);
      assert.equal(parseNumber(b, 0, b.length), Number(text), text);
    }
    for (const bad of ['', '-', '.', 'e5', '1e', '1.2.3', '0x10', 'Infinity', '1_000', '1e400']) {
      const b = Buffer.from(bad);
      assert.ok(Number.isNaN(parseNumber(b, 0, b.length)), bad);
      assert.ok(Number.isNaN(parseNumberText(bad)), bad);
    }
  });
});

describe('column table: the trainer\'s view of a column', () => {
  it('a value that is not a number is an error naming the file, the line and the value (read as numbers first, or as text)', () => {
    for (const categorical of [[], ['b']]) {
      const t = read('a,b\n1,2\n"x\ny",3\n5,abc\n6,-inf\n', 'n.csv', categorical);
      const b = numericValues(t, 'b');
      assert.ok(!b.ok);
      assert.equal(b.error.code, 'dataset-not-numeric');
      assert.equal(describeError(b.error).split('\n')[0], 'n.csv:5: Column "b" has "abc", which is not a number.');
    }
    const inf = read('a,b\n1,2\n2,-inf\n', 'i.csv', ['b']);
    const b = numericValues(inf, 'b');
    assert.ok(!b.ok);
    assert.equal(b.error.message, 'Column "b" has "-inf", which is not a finite number.');
    assert.equal(notANumber('Infinity'), 'not a finite number');
    assert.equal(notANumber('1e999'), 'not a finite number');
    assert.equal(notANumber('n/a?'), 'not a number');
    const ok = numericValues(read('a,b\n1,2.5\n2,NA\n', 'f.csv', ['b']), 'b');
    assert.ok(ok.ok);
    assert.equal(ok.value[0], 2.5);
    assert.ok(Number.isNaN(ok.value[1]!));
    const none = numericValues(inf, 'nope');
    assert.ok(!none.ok);
    assert.equal(none.error.message, 'No column "nope"; the columns are a, b.');
  });

  it('the label is read as text: classes keep the file\'s spelling ("1.0", "01"), trimmed', () => {
    const dir = tempDir('sextant-coltable-');
    const file = join(dir, 'l.csv');
    writeFileSync(file, 'x,y\n1,1.0\n2, 0.0\n3,01\n4,NA\n5,1.0\n');
    const t = readTrainingTable(file, { label: 'y' });
    assert.ok(t.ok);
    const classes = labelClasses(t.value, 'y');
    assert.ok(classes.ok);
    assert.deepEqual(classes.value, ['0.0', '01', '1.0']);
    const gone = readTrainingTable(join(dir, 'gone.csv'), { label: 'y' });
    assert.ok(!gone.ok);
    assert.equal(gone.error.code, 'dataset-unreadable');
    assert.match(gone.error.message, /^Cannot read the dataset: no such file/);
  });
});

describe('column table: a numeric label keeps its text while it has few distinct values', () => {
  it('texts kept up to the limit, then dropped: the numbers stay', () => {
    const few = parseColumns('y\n1.0\n 2\n1.0\nNA\n', 'k.csv', { keepText: new Set(['y']), keepTextLimit: 2 });
    assert.ok(few.ok);
    const y = few.value.data[0]!;
    assert.ok(y.kind === 'numeric' && y.texts);
    assert.deepEqual([...y.values].slice(0, 3), [1, 2, 1]);
    assert.deepEqual(columnTexts(few.value, 0), ['1.0', ' 2', '1.0', null]);
    const many = parseColumns('y\n1.0\n2\n3\n', 'k.csv', { keepText: new Set(['y']), keepTextLimit: 2 });
    assert.ok(many.ok);
    const m = many.value.data[0]!;
    assert.ok(m.kind === 'numeric' && !m.texts);
    assert.deepEqual(columnTexts(many.value, 0), ['1', '2', '3']);
    const text = parseColumns('y\n1\nx\n', 'k.csv', { keepText: new Set(['y']) });
    assert.ok(text.ok);
    assert.equal(text.value.data[0]!.kind, 'categorical', 'a non-number makes it categories, as without keepText');
  });

  it('a continuous label (over 1000 distinct values) is decided from its numbers, as from its text', () => {
    const dir = tempDir('sextant-coltable-');
    const lines = ['x,y'];
    for (let i = 0; i < 1500; i++) lines.push(`${i % 17},${(i * 0.37).toFixed(2)}`);
    const whole = ['x,y'];
    for (let i = 0; i < 1500; i++) whole.push(`${i % 17},${i % 1100}`);
    for (const [name, rowsText, task] of [['frac.csv', lines, 'regression'], ['whole.csv', whole, 'regression']] as const) {
      writeFileSync(join(dir, name), `${rowsText.join('\n')}\n`);
      const t = readTrainingTable(join(dir, name), { label: 'y' });
      assert.ok(t.ok);
      const y = t.value.data[1]!;
      assert.ok(y.kind === 'numeric' && !y.texts, name);
      const fromText = detectTask(columnTexts(t.value, 1), 'y');
      const p = prepareTraining(t.value, { label: 'y', model: 'linear', holdout: 0.2, seed: 1 });
      assert.ok(p.ok, p.ok ? '' : p.error.message);
      assert.equal(p.value.task, task, name);
      assert.equal(p.value.task, fromText.task, name);
      assert.equal(p.value.taskReason, fromText.reason, name);
      assert.equal(p.value.counts.heldOut, 300, name);
    }
  });
});

describe('column table: sextant train reads through it (these failed with the old string table)', function () {
  this.timeout(60_000);

  function capture(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
    const stdout: string[] = [];
    const stderr: string[] = [];
    return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
  }

  function rows(n: number, extra: (i: number) => string): string {
    const rng = new Rng(9);
    const out = ['x1,x2,h,y'];
    for (let i = 0; i < n; i++) {
      const x1 = Math.round(rng.next() * 100) / 10;
      const x2 = Math.round(rng.next() * 100) / 10;
      out.push(`${x1},${x2},${extra(i)},${x1 + x2 > 10 ? 'yes' : 'no'}`);
    }
    return `${out.join('\n')}\n`;
  }

  it('a dataset that is not UTF-8 is refused naming the line, not read with replacement characters', async () => {
    const dir = tempDir('sextant-coltable-');
    const text = rows(60, (i) => String(i));
    const at = text.indexOf('\n', text.indexOf('\n', text.indexOf('\n') + 1) + 1); // end of line 3
    writeFileSync(join(dir, 'latin1.csv'), Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0x20, 0xe9]), Buffer.from(text.slice(at))]));
    const io = capture(dir);
    assert.equal(await main(['train', 'latin1.csv', '--label', 'y', '--model', 'gbt', '--out', 'm.onnx', '--json'], io), 1);
    const r = JSON.parse(io.stdout[0]!) as { ok: boolean; error: { code: string; line: number; message: string } };
    assert.equal(r.ok, false);
    assert.equal(r.error.line, 3);
    assert.match(r.error.message, /not valid UTF-8/);
  });

  it('a hexadecimal value is not a number: its column is excluded with the line, as Python\'s float() would refuse it', async () => {
    const dir = tempDir('sextant-coltable-');
    writeFileSync(join(dir, 'hex.csv'), rows(60, (i) => (i === 2 ? '0x10' : String(i % 5))));
    const io = capture(dir);
    assert.equal(await main(['train', 'hex.csv', '--label', 'y', '--model', 'gbt', '--out', 'm.onnx', '--json', '--param', 'epochs=3'], io), 0, io.stderr.join('\n'));
    const r = JSON.parse(io.stdout[0]!) as { features: string[]; excluded: { column: string; reason: string }[]; classes: string[] };
    assert.deepEqual(r.features, ['x1', 'x2']);
    assert.deepEqual(r.excluded, [{ column: 'h', reason: '"0x10" on line 4 is not a number' }]);
    assert.deepEqual(r.classes, ['no', 'yes']);
    assert.ok(readFileSync(join(dir, 'm.onnx')).length > 0);
  });
});
