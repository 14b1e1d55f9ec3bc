// A profile made in parallel parts (worker threads over byte ranges, merged) against the serial read of
// the same file: identical wherever the serial profile is exact (counts, kinds, lines of strays and
// ragged rows, distinct counts, quantiles and histograms from exact counts, top values, personal data),
// mean and std to 1e-12 (Chan's merge of Welford's moments), and within the sketches' documented error
// past 10,000 distinct values. A cut inside a quoted field falls back to the serial read.
import { strict as assert } from 'node:assert';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { profileDataFile } from '../../src/engine/data/profile/profile';
import { readInParts } from '../../src/engine/data/profile/parallel';
import type { DatasetProfile } from '../../src/engine/data/profile/schema';
import { lineCuts } from '../../src/engine/data/read/csvParts';
import { tempDir } from './tempDir';

const PARTS = 4;

async function profile(file: string, parts: number): Promise<DatasetProfile> {
  const before = process.env.SEXTANT_PROFILE_PARTS;
  process.env.SEXTANT_PROFILE_PARTS = String(parts);
  try {
    const p = await profileDataFile(file);
    assert.ok(p.ok, p.ok ? '' : p.error.message);
    return p.value;
  } finally {
    if (before === undefined) delete process.env.SEXTANT_PROFILE_PARTS;
    else process.env.SEXTANT_PROFILE_PARTS = before;
  }
}

function rng(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
}

const close = (a: number, b: number, rel: number, what: string): void => assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b)), `${what}: ${a} vs ${b}`);

/** The profile with mean and std taken out (compared apart, to a tolerance). */
function exactPart(p: DatasetProfile): unknown {
  return { ...p, columns: p.columns.map((c) => ({ ...c, numeric: c.numeric ? { ...c.numeric, mean: 0, std: 0 } : null })) };
}

describe('data profile in parallel parts', function () {
  this.timeout(120_000);

  it('equals the serial profile on a file whose columns count exactly: kinds, strays and ragged rows by line, quantiles, top values, personal data', async () => {
    const dir = tempDir('sextant-profile-parallel-');
    const file = join(dir, 'd.csv');
    const rand = rng(7);
    const lines = ['id,amount,small,species,flag,when,note,email'];
    const species = ['adelie', 'gentoo', 'chinstrap', 'emperor'];
    for (let r = 0; r < 60_000; r++) {
      const amount = r === 45_123 ? 'abc' : (Math.round(rand() * 5000) / 100).toFixed(2);
      // The e-mail column is missing in most early rows, so its 200-value sample runs across parts.
      const email = r % 400 === 0 ? `user${r}@example.com` : '';
      const note = r % 50 === 0 ? '"with, comma"' : r % 777 === 0 ? '"two\nlines"' : `n${r % 300}`;
      const row = `${r % 5000},${amount},${r % 7},${species[r % 4]},${rand() < 0.5 ? 'true' : 'false'},2024-01-${String(1 + (r % 28)).padStart(2, '0')},${note},${email}`;
      // Some rows end with CRLF; two are ragged.
      lines.push(r === 30_001 ? `${row},extra` : r === 52_222 ? '1,2' : r % 1000 === 5 ? `${row}\r` : row);
      if (r % 10_000 === 9) lines.push('');
    }
    writeFileSync(file, lines.join('\n') + '\n');
    const serial = await profile(file, 1);
    const parallel = await profile(file, PARTS);
    const parts = await readInPartsWith(file, PARTS);
    assert.ok(parts, 'the file was read in parts (no cut fell inside a quoted field)');
    assert.equal(lineCuts(file, statSync(file).size, PARTS).length, PARTS + 1);
    assert.deepEqual(exactPart(parallel), exactPart(serial));
    for (let c = 0; c < serial.columns.length; c++) {
      const s = serial.columns[c]!.numeric;
      const p = parallel.columns[c]!.numeric;
      if (!s || !p) continue;
      close(p.mean, s.mean, 1e-12, `${serial.columns[c]!.name} mean`);
      close(p.std, s.std, 1e-12, `${serial.columns[c]!.name} std`);
    }
    // What the file holds, by line (the header is line 1; each blank line and quoted newline counts).
    const amount = parallel.columns.find((c) => c.name === 'amount')!;
    assert.equal(amount.strays!.count, 1);
    assert.equal(amount.strays!.examples[0]!.value, 'abc');
    assert.equal(amount.strays!.examples[0]!.line, lineOf(lines, 45_123));
    const ragged = parallel.issues.find((i) => i.code === 'ragged-row')!;
    assert.deepEqual(ragged.lines, [lineOf(lines, 30_001), lineOf(lines, 52_222)]);
    assert.equal(parallel.columns.find((c) => c.name === 'email')!.pii!.kind, 'email');
  });

  it('is within the sketches\' error past 10,000 distinct values: HyperLogLog distinct, KLL quantiles (rank ≤ 1%) and histogram', async () => {
    const dir = tempDir('sextant-profile-parallel-');
    const file = join(dir, 'big.csv');
    const rand = rng(11);
    const xs: number[] = [];
    const out = ['x,key'];
    for (let r = 0; r < 200_000; r++) {
      const x = Number((rand() * rand() * 1000).toFixed(4));
      xs.push(x);
      out.push(`${x},k${Math.floor(rand() * 30_000)}`);
    }
    writeFileSync(file, out.join('\n') + '\n');
    const serial = await profile(file, 1);
    const parallel = await profile(file, PARTS);
    assert.ok(await readInPartsWith(file, PARTS));
    const sorted = [...xs].sort((a, b) => a - b);
    const rank = (v: number): number => {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid]! <= v) lo = mid + 1;
        else hi = mid;
      }
      return lo / sorted.length;
    };
    for (const p of [serial, parallel]) {
      const x = p.columns[0]!;
      assert.equal(x.numeric!.exact, false);
      assert.equal(x.count, 200_000);
      assert.equal(x.numeric!.min, sorted[0]);
      assert.equal(x.numeric!.max, sorted[sorted.length - 1]);
      const qs: [keyof NonNullable<typeof x.numeric>['quantiles'], number][] = [['p01', 0.01], ['p05', 0.05], ['p25', 0.25], ['p50', 0.5], ['p75', 0.75], ['p95', 0.95], ['p99', 0.99]];
      for (const [k, q] of qs) assert.ok(Math.abs(rank(x.numeric!.quantiles[k]) - q) <= 0.01, `${k}: rank ${rank(x.numeric!.quantiles[k])}`);
      const { edges, counts } = x.numeric!.histogram;
      for (let b = 0; b < counts.length; b++) {
        const truth = sorted.filter((v) => v >= edges[b]! && (b === counts.length - 1 ? v <= edges[b + 1]! : v < edges[b + 1]!)).length;
        assert.ok(Math.abs(counts[b]! - truth) <= 0.01 * sorted.length, `bin ${b}: ${counts[b]} vs ${truth}`);
      }
      const truthDistinct = new Set(xs).size;
      assert.ok(Math.abs(x.distinct.value - truthDistinct) <= 3 * 0.0081 * truthDistinct, `distinct ${x.distinct.value} vs ${truthDistinct}`);
    }
    // The registers of the same set of values are the same, however the values were split.
    assert.deepEqual(parallel.columns.map((c) => c.distinct), serial.columns.map((c) => c.distinct));
    close(parallel.columns[0]!.numeric!.mean, serial.columns[0]!.numeric!.mean, 1e-12, 'mean');
    close(parallel.columns[0]!.numeric!.std, serial.columns[0]!.numeric!.std, 1e-12, 'std');
  });

  it('a cut inside a quoted field with newlines falls back to the serial read: the same profile', async () => {
    const dir = tempDir('sextant-profile-parallel-');
    const file = join(dir, 'quoted.csv');
    // Almost every newline is inside a quoted field, so each cut lands in one.
    const rows = ['id,text'];
    for (let r = 0; r < 20_000; r++) rows.push(`${r},"${Array.from({ length: 30 }, (_, i) => `w${(r + i) % 97}`).join('\n')}"`);
    writeFileSync(file, rows.join('\n') + '\n');
    assert.equal(await readInPartsWith(file, PARTS), undefined);
    assert.deepEqual(await profile(file, PARTS), await profile(file, 1));
  });
});

/** The 1-based line of data row r in `lines` (header at line 1; blank lines and quoted newlines counted). */
function lineOf(lines: string[], r: number): number {
  let line = 1;
  let row = -1;
  for (let i = 1; i < lines.length; i++) {
    line += 1;
    if (lines[i] === '') continue;
    row++;
    if (row === r) return line;
    line += (lines[i]!.match(/\n/g) ?? []).length;
  }
  throw new Error(`no row ${r}`);
}

async function readInPartsWith(file: string, parts: number): Promise<unknown> {
  process.env.SEXTANT_PROFILE_PARTS = String(parts);
  try {
    return await readInParts(file, statSync(file).size, { format: 'csv' });
  } finally {
    delete process.env.SEXTANT_PROFILE_PARTS;
  }
}
