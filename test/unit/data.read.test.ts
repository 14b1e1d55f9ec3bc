// The dataset readers on real files: CSV quoting and line numbers (also across chunk boundaries),
// encodings and byte-order marks, ragged rows, empty files, JSON Lines and Parquet.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import type { Cell, ColumnBatch, ReadSummary } from '../../src/engine/data/read/batch';
import { CHUNK_BYTES } from '../../src/engine/data/read/decode';
import { scanDataFile, type ScanOptions } from '../../src/engine/data/read/scan';
import { tempDir } from './tempDir';

interface Read {
  summary: ReadSummary;
  rows: Record<string, Cell>[];
  lines: number[];
  batches: number;
}

async function read(path: string, options: ScanOptions = {}): Promise<Read> {
  const rows: Record<string, Cell>[] = [];
  const lines: number[] = [];
  let batches = 0;
  const r = await scanDataFile(
    path,
    (b: ColumnBatch) => {
      batches++;
      for (let i = 0; i < b.rows; i++) {
        rows.push(Object.fromEntries(b.columns.map((c, k) => [c, b.values[k]![i] ?? null])));
        lines.push(b.lines[i]!);
      }
    },
    options,
  );
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return { summary: r.value, rows, lines, batches };
}

function file(name: string, content: string | Buffer): string {
  const path = join(tempDir('sextant-data-read-'), name);
  writeFileSync(path, content);
  return path;
}

describe('data readers', () => {
  it('reads RFC 4180 CSV: quotes, "" escapes, newlines inside quotes, CRLF, blank lines, missing values, each row with its line', async () => {
    const path = file('q.csv', 'id,text,n\r\n1,"a, b",NA\r\n2,"two\nlines ""quoted""",3\r\n\r\n3,,4\r\n');
    const r = await read(path);
    assert.deepEqual(r.summary.columns, ['id', 'text', 'n']);
    assert.equal(r.summary.delimiter, ',');
    assert.deepEqual(r.rows, [
      { id: '1', text: 'a, b', n: null },
      { id: '2', text: 'two\nlines "quoted"', n: '3' },
      { id: '3', text: null, n: '4' },
    ]);
    assert.deepEqual(r.lines, [2, 3, 6]);
    assert.deepEqual(r.summary.issues, []);
  });

  it('keeps rows and line numbers right when rows and quoted newlines straddle chunk boundaries', async () => {
    const parts = ['id,text,n\n'];
    let line = 2;
    const expected: { id: string; line: number }[] = [];
    let id = 0;
    let size = 0;
    while (size < 2.5 * CHUNK_BYTES) {
      id++;
      const multi = id % 7 === 0;
      const row = `${id},${multi ? `"x\n${'y'.repeat(id % 50)}\n""z"""` : `plain${id}`},${id * 2}\n`;
      parts.push(row);
      size += row.length;
      expected.push({ id: String(id), line });
      line += multi ? 3 : 1;
    }
    const r = await read(file('big.csv', parts.join('')));
    assert.equal(r.summary.rows, expected.length);
    assert.ok(r.batches > 1, 'more than one batch');
    for (let i = 0; i < expected.length; i += 997) {
      assert.equal(r.rows[i]!.id, expected[i]!.id);
      assert.equal(r.lines[i], expected[i]!.line, `line of row ${i}`);
    }
    const last = r.rows[r.rows.length - 1]!;
    assert.equal(last.n, String(Number(last.id) * 2));
    assert.equal(r.rows[6]!.text, 'x\nyyyyyyy\n"z"');
  });

  it('reports ragged rows with their lines, pads short rows and drops extra fields', async () => {
    const r = await read(file('r.csv', 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n'));
    assert.equal(r.summary.rows, 4);
    assert.deepEqual(r.rows[1], { a: '4', b: '5', c: null });
    assert.deepEqual(r.rows[2], { a: '6', b: '7', c: '8' });
    const ragged = r.summary.issues.find((i) => i.code === 'ragged-row')!;
    assert.equal(ragged.count, 2);
    assert.deepEqual(ragged.lines, [3, 4]);
    assert.match(ragged.message, /lines 3, 4/);
  });

  it('says a file is empty, or has a header and no rows, and renames empty or repeated header names', async () => {
    const empty = await read(file('e.csv', ''));
    assert.equal(empty.summary.rows, 0);
    assert.deepEqual(empty.summary.issues.map((i) => i.code), ['empty-file']);
    const header = await read(file('h.csv', 'a,b\n'));
    assert.deepEqual(header.summary.columns, ['a', 'b']);
    assert.deepEqual(header.summary.issues.map((i) => i.code), ['no-rows']);
    const names = await read(file('n.csv', 'a,,a\n1,2,3\n'));
    assert.deepEqual(names.summary.columns, ['a', 'column_2', 'a_2']);
    assert.equal(names.summary.issues[0]!.code, 'header-name');
  });

  it('fails on invalid UTF-8 naming the file, the line and the byte', async () => {
    const path = file('latin.csv', Buffer.concat([Buffer.from('name,city\nann,Paris\nbob,Z'), Buffer.from([0xfc]), Buffer.from('rich\n')]));
    const r = await scanDataFile(path, () => undefined);
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'data-encoding');
    assert.equal(r.error.file, path);
    assert.equal(r.error.line, 3);
    assert.match(r.error.message, /byte 25 \(line 3: bytes fc/);
    const asLatin1 = await read(path, { encoding: 'latin1' });
    assert.equal(asLatin1.rows[1]!.city, 'Zürich');
  });

  it('detects UTF-8 and UTF-16 (LE, BE) byte-order marks, and a multi-byte character cut by a chunk boundary', async () => {
    const text = 'név,város\nÉva,Győr\n';
    const utf8 = await read(file('bom8.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])));
    assert.equal(utf8.summary.encoding, 'utf-8-bom');
    assert.deepEqual(utf8.rows, [{ név: 'Éva', város: 'Győr' }]);
    const le = await read(file('le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])));
    assert.equal(le.summary.encoding, 'utf-16le');
    assert.deepEqual(le.rows, utf8.rows);
    const be = Buffer.from(text, 'utf16le').swap16();
    const beRead = await read(file('be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), be])));
    assert.equal(beRead.summary.encoding, 'utf-16be');
    assert.deepEqual(beRead.rows, utf8.rows);
    // 'é' is 2 bytes: put its first byte last in the first chunk
    const head = 'a,b\n';
    const pad = 'x'.repeat(CHUNK_BYTES - head.length - 3);
    const cut = await read(file('cut.csv', `${head}${pad},é\n1,2\n`));
    assert.equal(cut.rows[0]!.b, 'é');
    assert.equal(cut.rows.length, 2);
  });

  it('guesses ; and tab separators, and reads .tsv as tab-separated', async () => {
    const semi = await read(file('s.csv', 'a;b\n1,5;2\n'));
    assert.equal(semi.summary.delimiter, ';');
    assert.deepEqual(semi.rows, [{ a: '1,5', b: '2' }]);
    const tsv = await read(file('t.tsv', 'a\tb\n1\t"x\ty"\n'));
    assert.equal(tsv.summary.format, 'tsv');
    assert.deepEqual(tsv.rows, [{ a: '1', b: 'x\ty' }]);
  });

  it('fails on a quote never closed with the line it opened on, also in a large file without holding it whole', async () => {
    const small = await scanDataFile(file('open.csv', 'a,b\n1,2\n3,"never\n4,5\n'), () => undefined);
    assert.ok(!small.ok);
    assert.equal(small.error.code, 'csv-quote');
    assert.equal(small.error.line, 3);
    const big = await scanDataFile(file('open-big.csv', `a,b\n1,"${'z,'.repeat(18 << 20)}\n`), () => undefined);
    assert.ok(!big.ok);
    assert.equal(big.error.code, 'csv-quote');
    assert.equal(big.error.line, 2);
    assert.match(big.error.message, /over 32 MB long/);
  });

  it('reads JSON Lines: keys as columns as they appear, missing keys as missing, bad lines counted by line', async () => {
    const path = file('d.jsonl', '{"a":1,"b":"x"}\n\n{"a":2.5,"c":{"k":[1]}}\nnot json\n[1,2]\n{"b":null,"a":true}\n');
    const r = await read(path);
    assert.deepEqual(r.summary.columns, ['a', 'b', 'c']);
    assert.deepEqual(r.rows, [
      { a: 1, b: 'x', c: null },
      { a: 2.5, b: null, c: '{"k":[1]}' },
      { a: true, b: null, c: null },
    ]);
    assert.deepEqual(r.lines, [1, 3, 6]);
    assert.deepEqual(
      r.summary.issues.map((i) => [i.code, i.lines]),
      [
        ['jsonl-not-json', [4]],
        ['jsonl-not-object', [5]],
      ],
    );
  });

  it('stops at a JSON Lines "line" over 32 MB with its line number instead of holding the file', async () => {
    const r = await scanDataFile(file('one.jsonl', `{"a":1}\n{"a":"${'x'.repeat(34 << 20)}"}`), () => undefined);
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'jsonl-line');
    assert.equal(r.error.line, 2);
  });

  it('reads Parquet (hyparquet) in slices of rows, numbered from 1', async () => {
    const n = 70_000;
    const path = join(tempDir('sextant-data-read-'), 'd.parquet');
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: 'id', data: Int32Array.from({ length: n }, (_, i) => i), type: 'INT32' },
        { name: 'x', data: Array.from({ length: n }, (_, i) => (i % 10 === 0 ? null : i / 4)), type: 'DOUBLE' },
        { name: 's', data: Array.from({ length: n }, (_, i) => `s${i % 3}`), type: 'STRING' },
      ],
      rowGroupSize: 30_000,
    });
    const r = await read(path);
    assert.equal(r.summary.format, 'parquet');
    assert.equal(r.summary.position, 'row');
    assert.equal(r.summary.rows, n);
    assert.ok(r.batches >= 2);
    assert.deepEqual(r.rows[0], { id: 0, x: null, s: 's0' });
    assert.deepEqual(r.rows[66_001], { id: 66_001, x: 66_001 / 4, s: 's1' });
    assert.equal(r.lines[66_001], 66_002);
  });

  it('fails with a clear error for a missing file, a folder, an unknown format and a file that is not Parquet', async () => {
    const dir = tempDir('sextant-data-read-');
    for (const [path, code] of [
      [join(dir, 'nope.csv'), 'data-missing'],
      [dir, 'data-is-folder'],
      [file('x.xlsx', 'zz'), 'data-format'],
      [file('bad.parquet', 'not parquet at all'), 'parquet-unreadable'],
    ] as const) {
      const r = await scanDataFile(path, () => undefined);
      assert.ok(!r.ok, path);
      assert.equal(r.error.code, code);
      assert.equal(r.error.file, path);
    }
  });
});
