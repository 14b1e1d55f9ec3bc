// Column profiles on real files: inferred types, missing shares, exact and estimated distinct counts,
// Welford moments against a direct computation, KLL quantiles within their documented error, stray
// values reported with their lines, and personal data masked in what the profile shows.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KllSketch } from '../../src/engine/data/profile/kll';
import { profileDataFile } from '../../src/engine/data/profile/profile';
import { DatasetProfileSchema, type DatasetProfile } from '../../src/engine/data/profile/schema';
import { tempDir } from './tempDir';

function seeded(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
}

async function profile(name: string, content: string, options = {}): Promise<DatasetProfile> {
  const path = join(tempDir('sextant-data-profile-'), name);
  writeFileSync(path, content);
  const r = await profileDataFile(path, options);
  if (!r.ok) throw new Error(r.error.message);
  return DatasetProfileSchema.parse(r.value);
}

const col = (p: DatasetProfile, name: string) => p.columns.find((c) => c.name === name)!;

describe('data profiles', () => {
  it('infers each column type, missing share and exact distinct count', async () => {
    const csv = [
      'i,f,b,d,cat,text,none',
      '1,0.5,true,2024-01-01,red,alpha one,',
      '2,1.5,false,2024-01-02T10:00:00Z,blue,beta two,NA',
      '3,,TRUE,2024-02-01,red,gamma three,',
      '4,2.5,false,,red,delta four,',
      '5,3.5,true,2024-03-01,blue,epsilon five,',
      '6,4.5,false,2024-03-02,red,zeta six,',
    ].join('\n');
    const p = await profile('t.csv', csv);
    assert.deepEqual(
      p.columns.map((c) => [c.name, c.type]),
      [
        ['i', 'integer'],
        ['f', 'float'],
        ['b', 'boolean'],
        ['d', 'datetime'],
        ['cat', 'categorical'],
        ['text', 'string'],
        ['none', 'empty'],
      ],
    );
    assert.equal(col(p, 'f').missing, 1);
    assert.equal(col(p, 'f').missingShare, 1 / 6);
    assert.equal(col(p, 'none').missingShare, 1);
    assert.deepEqual(col(p, 'cat').distinct, { value: 2, exact: true });
    assert.deepEqual(col(p, 'cat').topValues, [
      { value: 'red', count: 4 },
      { value: 'blue', count: 2 },
    ]);
    assert.deepEqual(col(p, 'b').topValues, [
      { value: 'false', count: 3 },
      { value: 'true', count: 3 },
    ]);
    assert.deepEqual(col(p, 'd').datetime, { min: '2024-01-01T00:00:00.000Z', max: '2024-03-02T00:00:00.000Z' });
    const f = col(p, 'f').numeric!;
    const xs = [0.5, 1.5, 2.5, 3.5, 4.5];
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.equal(f.mean, mean);
    assert.ok(Math.abs(f.std - Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1))) < 1e-12);
    assert.deepEqual([f.min, f.max, f.quantiles.p50, f.exact], [0.5, 4.5, 2.5, true]);
    assert.equal(f.histogram.counts.reduce((s, c) => s + c, 0), 5);
  });

  it('reports a stray "abc" in a numeric column with its count and line, and does not drop it', async () => {
    const rows = ['x'];
    for (let i = 0; i < 200; i++) rows.push(i === 117 ? 'abc' : String(i));
    const p = await profile('s.csv', `${rows.join('\n')}\n`);
    const x = col(p, 'x');
    assert.equal(x.type, 'integer');
    assert.equal(x.count, 200);
    assert.equal(x.kinds.string, 1);
    assert.deepEqual(x.strays, { count: 1, examples: [{ line: 119, value: 'abc' }] });
    assert.equal(x.numeric!.max, 199);
  });

  it('estimates quantiles with the KLL sketch within 1% of rank, and distinct counts with HyperLogLog within 3%', async () => {
    const rand = seeded(7);
    const n = 200_000;
    const values = Array.from({ length: n }, () => rand() ** 2 * 1000);
    const sketch = new KllSketch();
    for (const v of values) sketch.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    const qs = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99];
    sketch.quantiles(qs).forEach((v, i) => {
      let rank = 0;
      while (rank < n && sorted[rank]! <= v) rank++;
      assert.ok(Math.abs(rank / n - qs[i]!) <= 0.01, `q=${qs[i]}: rank ${rank / n}`);
    });
    const lines = ['v,k'];
    for (let i = 0; i < 60_000; i++) lines.push(`${values[i]!.toFixed(4)},${i % 25_000}`);
    const p = await profile('big.csv', `${lines.join('\n')}\n`);
    const v = col(p, 'v');
    assert.equal(v.numeric!.exact, false);
    assert.equal(v.distinct.exact, false);
    const trueDistinct = new Set(lines.slice(1).map((l) => Number(l.split(',')[0]))).size;
    assert.ok(Math.abs(v.distinct.value - trueDistinct) / trueDistinct < 0.03, `${v.distinct.value} vs ${trueDistinct}`);
    const k = col(p, 'k');
    assert.ok(Math.abs(k.distinct.value - 25_000) / 25_000 < 0.03, `${k.distinct.value}`);
    assert.equal(v.numeric!.histogram.counts.reduce((s, c) => s + c, 0), 60_000);
    assert.equal(v.numeric!.mean.toFixed(6), (values.slice(0, 60_000).reduce((s, x) => s + Number(x.toFixed(4)), 0) / 60_000).toFixed(6));
  });

  it('masks personal data in what it shows: top values masked, no numeric summary, raw values nowhere in the JSON', async () => {
    const emails = ['ann.lee@example.com', 'bob@corp.org', 'cy@mail.net'];
    const cards = ['4111111111111111', '5500005555555559', '4012888888881881'];
    const csv = ['email,card,phone,kept', ...emails.map((e, i) => `${e},${cards[i]},+1 (555) 010-00${i}${i},v${i}`)].join('\n');
    const p = await profile('pii.csv', csv, { pii: new Map([['phone', 'hash']]), salt: 's3cret' });
    assert.equal(col(p, 'email').pii!.kind, 'email');
    assert.equal(col(p, 'card').pii!.kind, 'card');
    assert.equal(col(p, 'card').numeric, null);
    assert.deepEqual(col(p, 'phone').pii, { kind: 'phone', share: 1, rule: 'hash' });
    assert.match(col(p, 'phone').topValues[0]!.value, /^h:[0-9a-f]{16}$/);
    assert.equal(col(p, 'kept').pii, null);
    assert.deepEqual(col(p, 'kept').topValues.map((t) => t.value).sort(), ['v0', 'v1', 'v2']);
    const json = JSON.stringify(p);
    for (const raw of [...emails, ...cards, '010-0000', '555']) assert.ok(!json.includes(raw), `${raw} leaked`);
    assert.ok(col(p, 'email').topValues.some((t) => t.value === 'a***@***.com'));
    assert.ok(col(p, 'card').topValues.length === 0 || col(p, 'card').topValues.every((t) => /^\*+\d{4}$/.test(t.value)));
  });

  it('profiles JSON Lines and an all-missing column without failing', async () => {
    const p = await profile('d.jsonl', '{"a":1,"b":null}\n{"a":2}\n{"a":3,"b":null}\n');
    assert.equal(col(p, 'a').type, 'integer');
    assert.equal(col(p, 'b').type, 'empty');
    assert.equal(col(p, 'b').missing, 3);
  });
});
