// The profile's typed CSV path (numbers parsed from the chunk's characters, text classified and counted
// in place, no string per cell) against the cell path (one string per cell, ColumnProfiler.add), which
// JSON Lines, Parquet and validation still use: the same profile on a file of awkward cells, and every
// number the reader parses equal to Number() of its text.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ColumnProfiler } from '../../src/engine/data/profile/column';
import { profileDataFile } from '../../src/engine/data/profile/profile';
import { emptyPolicy } from '../../src/engine/data/pii/protect';
import { scanDataFile } from '../../src/engine/data/read/scan';
import { decimal, decimalAt } from '../../src/engine/data/read/typedBatch';
import { tempDir } from './tempDir';

function seeded(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
}

/** The profile through the cell path: scanDataFile's string cells into ColumnProfiler.add. */
async function cellProfile(path: string): Promise<unknown> {
  const profilers = new Map<string, ColumnProfiler>();
  const read = await scanDataFile(path, (batch) => {
    batch.columns.forEach((name, c) => {
      if (!profilers.has(name)) profilers.set(name, new ColumnProfiler(name));
      profilers.get(name)!.add(batch.values[c]!, batch.lines);
    });
  });
  assert.ok(read.ok);
  const policy = emptyPolicy();
  for (const p of profilers.values()) {
    const verdict = p.pii.verdict();
    if (verdict) policy.detected.set(p.name, verdict.kind);
  }
  return read.value.columns.map((name) => profilers.get(name)!.finish(read.value.rows, policy, undefined));
}

describe('data profile: the typed CSV path', function () {
  this.timeout(120_000);

  it('gives the cell path\'s profile on awkward cells: signs, exponents, spaces, hex, long digits, booleans, dates, quotes, missing words, CRLF, ragged rows', async () => {
    const awkward = ['1.', '.5', '+7', '-0', '-0.0', '1e5', '1E-3', '2.5e+2', '0x1F', ' 12 ', '   12 ', '1_000', 'Infinity', '00012', '12345678901234567890', '0.1234567890123456789', '1e400', '1e-400', '-', '.', '+', 'e5', '1e', '12abc', '3.14.15', '1e0000005'];
    const words = ['TRUE', 'false', 'True', ' true', 'NA', 'N/A', 'n/a', 'NaN', 'nan', 'null', 'NULL', 'None', '#N/A', '<NA>', 'Na', 'abc', '2024-05-01', '2024-05-01T10:00:00Z', '2024-05-01T10:00:00+02:00', '2024-05-01 10:00', '2024-13-01', '1234-5', ''];
    const rand = seeded(5);
    const lines = ['num,word,quoted,mixed,wide'];
    for (let r = 0; r < 30_000; r++) {
      const num = awkward[r % awkward.length]!;
      const word = words[Math.floor(rand() * words.length)]!;
      const quoted = r % 3 === 0 ? `"${num}"` : r % 3 === 1 ? `"${word}"` : `"a ""b"", ${r % 40}"`;
      const mixed = r % 11 === 0 ? word : (rand() * 1e4 - 5e3).toFixed(r % 5);
      // Past 10,000 distinct values: sketches, top candidates and the text cache starting over.
      const wide = r % 2 === 0 ? `w${Math.floor(rand() * 40_000)}` : String(Math.floor(rand() * 40_000));
      let row = `${num},${word},${quoted},${mixed},${wide}`;
      if (r % 997 === 0) row = `${num},${word}`;
      if (r % 1009 === 0) row += ',extra';
      lines.push(r % 13 === 0 ? `${row}\r` : row);
      if (r % 5000 === 1) lines.push('');
    }
    const file = join(tempDir('sextant-profile-typed-'), 'awkward.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    process.env.SEXTANT_PROFILE_PARTS = '1';
    try {
      const typed = await profileDataFile(file);
      assert.ok(typed.ok, typed.ok ? '' : typed.error.message);
      assert.deepEqual(typed.value.columns, await cellProfile(file));
      const num = typed.value.columns.find((c) => c.name === 'num')!;
      assert.ok(num.kinds.integer > 0 && num.kinds.float > 0 && num.kinds.string > 0, JSON.stringify(num.kinds));
    } finally {
      delete process.env.SEXTANT_PROFILE_PARTS;
    }
  });

  it('parses a decimal from the text exactly as Number() does, or declines (NaN) so the text path decides', () => {
    const rand = seeded(9);
    const texts: string[] = ['0', '-0', '1.', '.5', '+7', '007', '9007199254740991', '9007199254740993', '1e22', '1e23', '123456789012345e-22', '5e-324', '0.1', '0.3', '-12.345678'];
    for (let i = 0; i < 20_000; i++) {
      const digits = 1 + Math.floor(rand() * 17);
      let t = String(Math.floor(rand() * 10 ** Math.min(digits, 15)));
      if (rand() < 0.6) t = `${t.slice(0, Math.max(1, Math.floor(rand() * t.length)))}.${t.slice(1)}`;
      if (rand() < 0.3) t += `e${rand() < 0.5 ? '-' : ''}${Math.floor(rand() * 30)}`;
      if (rand() < 0.3) t = `-${t}`;
      texts.push(t);
    }
    let parsedCount = 0;
    for (const t of texts) {
      const padded = `,${t},`;
      const x = decimalAt(padded, 1, padded.length - 1);
      if (x !== x) continue;
      parsedCount++;
      assert.ok(Object.is(x, Number(t)), `${t}: ${x} vs ${Number(t)}`);
      assert.equal(decimal.float, /[.eE]/.test(t), t);
    }
    assert.ok(parsedCount > texts.length * 0.6, `${parsedCount} of ${texts.length} parsed on the fast path`);
    for (const t of ['', '-', '.', 'e5', '1e', '0x1F', ' 1', '1 ', '1_0', 'Infinity', '1e1000000']) assert.ok(Number.isNaN(decimalAt(t, 0, t.length)), t);
  });
});
