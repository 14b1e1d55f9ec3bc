// The byte-level CSV tokenizer (src/engine/data/read/csvTokenizer.ts) and the profile on top of it: the
// same rows, lines and profile whatever the chunk size (down to one byte), with quoted fields holding
// separators, newlines and "" across chunk boundaries, CRLF and lone CR line ends, a tab separator, text
// after a closing quote, and a byte-order mark.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ColumnProfiler, profileTyped } from '../../src/engine/data/profile/column';
import { profileDataFile } from '../../src/engine/data/profile/profile';
import { emptyPolicy } from '../../src/engine/data/pii/protect';
import { CsvParser } from '../../src/engine/data/read/csv';
import { CsvTokenizer, type TokenStop } from '../../src/engine/data/read/csvTokenizer';
import { tempDir } from './tempDir';

interface Tokens {
  rows: { line: number; fields: string[] }[];
  afterQuotes: number[];
  stop: TokenStop | undefined;
}

/** Tokenizes `text` pushed in chunks of `size` bytes (Infinity: one chunk). */
function tokenize(text: string | Buffer, size: number, sep?: number): Tokens {
  const out: Tokens = { rows: [], afterQuotes: [], stop: undefined };
  const tokenizer = new CsvTokenizer(
    {
      row(buf, count, starts, ends, line) {
        out.rows.push({ line, fields: Array.from({ length: count }, (_, f) => buf.toString('utf8', starts[f], ends[f])) });
      },
      afterQuote(_buf, _at, line) {
        out.afterQuotes.push(line);
      },
    },
    sep,
  );
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const step = Math.min(size, Math.max(1, bytes.length));
  for (let at = 0; at < bytes.length && !out.stop; at += step) out.stop = tokenizer.push(Buffer.from(bytes.subarray(at, at + step)), false);
  out.stop ??= tokenizer.push(Buffer.alloc(0), true);
  return out;
}

const AWKWARD = [
  'id,text,n',
  '1,"a, b",2',
  '2,"two\nlines",3',
  '3,"say ""hi""",4',
  '4,"",5',
  '',
  '5,"ends ""quoted""\r\nnext",6\r',
  '6,plain é ü 漢,7\r',
  '7,"x"y,8',
  '8,"""",9',
  '9,a"b,10',
  '10,"multi\n\nline, with ""all"" of it",11',
  '11,last,',
].join('\n');

describe('data: the byte-level CSV tokenizer', () => {
  it('splits quoted fields with separators, newlines and "" escapes, CRLF and blank lines, with the line each row starts on', () => {
    const t = tokenize(AWKWARD, Infinity);
    assert.equal(t.stop, undefined);
    assert.deepEqual(
      t.rows.map((r) => [r.line, ...r.fields]),
      [
        [1, 'id', 'text', 'n'],
        [2, '1', 'a, b', '2'],
        [3, '2', 'two\nlines', '3'],
        [5, '3', 'say "hi"', '4'],
        [6, '4', '', '5'],
        [8, '5', 'ends "quoted"\r\nnext', '6'],
        [10, '6', 'plain é ü 漢', '7'],
        [11, '7', 'xy', '8'],
        [12, '8', '"', '9'],
        [13, '9', 'a"b', '10'],
        [14, '10', 'multi\n\nline, with "all" of it', '11'],
        [17, '11', 'last', ''],
      ],
    );
    assert.deepEqual(t.afterQuotes, [11]);
  });

  it('gives the same rows, lines and findings for every chunk size down to one byte (cuts inside quotes, escapes, CRLF and UTF-8 characters)', () => {
    const whole = tokenize(AWKWARD, Infinity);
    for (const size of [1, 2, 3, 5, 7, 11, 64]) assert.deepEqual(tokenize(AWKWARD, size), whole, `chunks of ${size} bytes`);
    const crlf = 'a,b\r\n"x\r\ny",2\r\n3,4\r\n';
    for (const size of [1, 2, 3]) assert.deepEqual(tokenize(crlf, size), tokenize(crlf, Infinity), `CRLF, chunks of ${size}`);
  });

  it('reads lone CR line ends, a tab separator and a last row without a newline', () => {
    assert.deepEqual(
      tokenize('a,b\r1,2\r3,4', 1).rows.map((r) => [r.line, ...r.fields]),
      [
        [1, 'a', 'b'],
        [2, '1', '2'],
        [3, '3', '4'],
      ],
    );
    const tsv = tokenize('a\tb\n"x\ty"\t2\n3,4\t5\n', 2, 9);
    assert.deepEqual(
      tsv.rows.map((r) => r.fields),
      [
        ['a', 'b'],
        ['x\ty', '2'],
        ['3,4', '5'],
      ],
    );
  });

  it('stops on a quote never closed with the line it opens on', () => {
    for (const size of [1, Infinity]) {
      const t = tokenize('a,b\n1,2\n3,"open\nstill\n', size);
      assert.deepEqual(t.stop, { kind: 'open-quote', line: 3, rowLine: 3 });
      assert.equal(t.rows.length, 2);
    }
  });
});

/** The typed profile of `text` fed to the CSV reader in chunks of `size` bytes. */
function typedProfile(text: Buffer, size: number): unknown {
  const profilers = new Map<string, ColumnProfiler>();
  const profiler = (name: string): ColumnProfiler => {
    let p = profilers.get(name);
    if (!p) profilers.set(name, (p = new ColumnProfiler(name)));
    return p;
  };
  const parser = new CsvParser('t.csv', undefined, () => undefined, (batch) => profileTyped(batch, profiler));
  for (let at = 0; at < text.length; at += size) parser.push(Buffer.from(text.subarray(at, at + size)), false);
  parser.push(Buffer.alloc(0), true);
  const policy = emptyPolicy();
  return { rows: parser.rows, issues: parser.issues(), columns: (parser.columns ?? []).map((name) => profiler(name).finish(parser.rows, policy, undefined)) };
}

describe('data profile on the byte tokenizer', () => {
  it('is the same profile for one-byte chunks as for one chunk: numbers, strays by line, quoted text, CRLF, ragged rows, UTF-8 text', () => {
    const lines = ['id;amount;note;when'];
    for (let r = 0; r < 3000; r++) {
      const amount = r === 2222 ? 'abc' : (r * 1.25 - 100).toFixed(2);
      const note = r % 7 === 0 ? `"semi; colon ""${r % 5}"""` : r % 11 === 0 ? `"two\nlines ${r % 3}"` : r % 13 === 0 ? 'ünïcødé' : `n${r % 17}`;
      const row = `${r};${amount};${note};2024-01-${String(1 + (r % 28)).padStart(2, '0')}T10:00:00Z`;
      lines.push(r === 1500 ? `${row};extra` : r % 9 === 0 ? `${row}\r` : row);
    }
    const text = Buffer.from(lines.join('\n') + '\n', 'utf8');
    const whole = typedProfile(text, text.length) as { columns: { name: string; strays: { examples: { line: number; value: string }[] } | null }[]; issues: { code: string; lines: number[] }[] };
    assert.deepEqual(typedProfile(text, 1), whole);
    assert.deepEqual(typedProfile(text, 4099), whole);
    // Line numbers count the newlines inside quoted fields: row r is on line r + 2 + (rows before it with a quoted newline).
    const quotedNewlinesBefore = (r: number): number => Array.from({ length: r }, (_, k) => k).filter((k) => k % 7 !== 0 && k % 11 === 0).length;
    assert.deepEqual(whole.columns[1]!.strays!.examples, [{ line: 2222 + 2 + quotedNewlinesBefore(2222), value: 'abc' }]);
    assert.deepEqual(whole.issues.find((i) => i.code === 'ragged-row')!.lines, [1500 + 2 + quotedNewlinesBefore(1500)]);
  });

  it('reads a file with a UTF-8 byte-order mark and a tab separator: the first column is named without the mark', async () => {
    const file = join(tempDir('sextant-tokenizer-'), 'bom.tsv');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name\tx\n"a\tb"\t1\nc\tabc\nd\t2\n', 'utf8')]));
    const profile = await profileDataFile(file);
    assert.ok(profile.ok, profile.ok ? '' : profile.error.message);
    assert.equal(profile.value.encoding, 'utf-8-bom');
    assert.deepEqual(
      profile.value.columns.map((c) => c.name),
      ['name', 'x'],
    );
    assert.deepEqual(profile.value.columns[0]!.topValues.map((t) => t.value).sort(), ['a\tb', 'c', 'd']);
    assert.deepEqual(profile.value.columns[1]!.strays?.examples, [{ line: 3, value: 'abc' }]);
  });
});
