// The drift statistics equal SciPy's (and Evidently's formulas on top of SciPy) to 1e-9 relative: every
// case is generated here, sent to /usr/bin/python3 as JSON, computed there with scipy/numpy on the same
// numbers, and compared. Without python3-scipy the suite skips, saying so (scripts/setup.sh installs it).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { kolmogn, smirnovSf } from '../../src/engine/drift/kolmogorov';
import { KS_MAX_EXACT_N, ks2samp } from '../../src/engine/drift/ks';
import { chi2Sf } from '../../src/engine/drift/gamma';
import { chi2Contingency, histogram, jensenShannon, psi, sturgesEdges, wassersteinNormed, zTest } from '../../src/engine/drift/stattests';
import { sortFloat64 } from '../../src/engine/drift/sort';
import { Rng } from '../../src/engine/train/rng';

const PYTHON = '/usr/bin/python3';
const REL = 1e-9;

function scipyMissing(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} (Debian's python3 with python3-scipy)`;
  const r = spawnSync(PYTHON, ['-c', 'import scipy, numpy'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'python3-scipy (import scipy failed in /usr/bin/python3)';
}

function python(script: string, input: unknown): unknown {
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function close(actual: number | null, expected: number | null, what: string): void {
  if (expected === null || actual === null) return assert.equal(actual, expected, what);
  if (expected === 0) return assert.equal(actual, 0, `${what}: ${actual} vs SciPy 0`);
  const rel = Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(rel <= REL, `${what}: ${actual} vs SciPy ${expected} (relative ${rel.toExponential(2)})`);
}

const sorted = (a: number[]): Float64Array => Float64Array.from(a).sort();

function normals(rng: Rng, n: number, mean = 0, sd = 1, round?: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = mean + sd * rng.normal();
    out.push(round ? Math.round(x * round) / round : x);
  }
  return out;
}

describe('drift statistics equal SciPy', function () {
  this.timeout(120_000);
  before(function () {
    const missing = scipyMissing();
    if (missing) {
      console.warn(`\n  SKIPPED drift.stats: ${missing} is missing; install it with \`apt-get install -y python3-scipy\` (scripts/setup.sh does).\n`);
      this.skip();
    }
  });

  it('ks_2samp: exact (equal and unequal sizes, ties, separated samples) and asymptotic', () => {
    const rand = new Rng(7);
    const cases: { name: string; a: number[]; b: number[] }[] = [
      { name: 'n=20 vs 20 shifted', a: normals(rand, 20), b: normals(rand, 20, 0.8) },
      { name: 'n=50 vs 50 same', a: normals(rand, 50), b: normals(rand, 50) },
      { name: 'n=200 vs 200 ties', a: normals(rand, 200, 0, 1, 2), b: normals(rand, 200, 0.2, 1, 2) },
      { name: 'n=37 vs 53', a: normals(rand, 37), b: normals(rand, 53, 0.5) },
      { name: 'n=1 vs 5', a: [0.5], b: normals(rand, 5) },
      { name: 'n=3 vs 3 separated', a: [1, 2, 3], b: [4, 5, 6] },
      { name: 'n=300 vs 200 separated', a: normals(rand, 300), b: normals(rand, 200, 100) },
      { name: 'n=999 vs 1000 heavy ties', a: normals(rand, 999, 0, 1, 1), b: normals(rand, 1000, 0.1, 1, 1) },
      { name: 'n=1000 vs 1000 identical', a: normals(rand, 1000), b: [] },
      { name: 'n=4000 vs 2500', a: normals(rand, 4000), b: normals(rand, 2500, 0.05) },
      { name: 'n=10000 vs 10000 (exact limit)', a: normals(rand, 10000), b: normals(rand, 10000, 0.03) },
      { name: 'n=12000 vs 9000 asymptotic, small shift', a: normals(rand, 12000), b: normals(rand, 9000, 0.03) },
      { name: 'n=12000 vs 9000 asymptotic, large shift', a: normals(rand, 12000), b: normals(rand, 9000, 0.2) },
      { name: 'n=20000 vs 60 asymptotic, en=60 (Pomeranz/Durbin)', a: normals(rand, 20000), b: normals(rand, 60, 0.1) },
      { name: 'n=20000 vs 60 asymptotic, tail (Smirnov)', a: normals(rand, 20000), b: normals(rand, 60, 1) },
      { name: 'n=30000 vs 800 asymptotic, en≈779 (Durbin / Pelz–Good)', a: normals(rand, 30000), b: normals(rand, 800, 0.02) },
      { name: 'n=50000 vs 40000 asymptotic, no shift', a: normals(rand, 50000), b: normals(rand, 40000) },
      { name: 'n=10001 vs 3 asymptotic, separated', a: normals(rand, 10001), b: [50, 51, 52] },
    ];
    cases[8]!.b = [...cases[8]!.a];
    const expected = python(
      'import json,sys\nfrom scipy.stats import ks_2samp\nc=json.load(sys.stdin)\nprint(json.dumps([[float(r.statistic), float(r.pvalue)] for r in (ks_2samp(a,b) for a,b in c)]))',
      cases.map((c) => [c.a, c.b]),
    ) as [number, number][];
    let exact = 0;
    let asymp = 0;
    cases.forEach((c, i) => {
      const r = ks2samp(sorted(c.a), sorted(c.b));
      close(r.statistic, expected[i]![0], `${c.name}: statistic`);
      close(r.pValue, expected[i]![1], `${c.name}: p-value`);
      if (r.method === 'exact') exact++;
      else asymp++;
      assert.equal(r.method, Math.max(c.a.length, c.b.length) <= KS_MAX_EXACT_N ? 'exact' : 'asymp', c.name);
    });
    assert.ok(exact >= 8 && asymp >= 6);
  });

  it('the Kolmogorov distribution (kstwo.sf) and Smirnov tail (special.smirnov) across their branches', () => {
    const cases: [number, number][] = [];
    for (const n of [1, 2, 3, 7, 40, 140, 141, 779, 5000, 60000, 400000, 2_000_000]) for (const x of [0.0004, 0.003, 0.01, 0.02, 0.05, 0.1, 0.3, 0.5, 0.8, 0.99]) cases.push([n, x]);
    const expected = python('import json,sys\nfrom scipy.stats import kstwo\nfrom scipy.special import smirnov\nc=json.load(sys.stdin)\nprint(json.dumps([[float(kstwo.sf(x,n)), float(smirnov(n,x))] for n,x in c]))', cases) as [number, number][];
    cases.forEach(([n, x], i) => {
      // Below ~1e-300 (denormals) digits are lost on both sides; those are 0 for every purpose here.
      if (expected[i]![0] > 1e-300 || expected[i]![0] === 0) close(kolmogn(n, x), expected[i]![0], `kstwo.sf(${x}, ${n})`);
      if (expected[i]![1] > 1e-300 || expected[i]![1] === 0) close(smirnovSf(n, x), expected[i]![1], `smirnov(${n}, ${x})`);
    });
  });

  it('chi2_contingency on reference × current counts (Yates when dof = 1), and chi2.sf', () => {
    const tables: [number[], number[]][] = [
      [[30, 70], [45, 55]],
      [[3, 0], [1, 4]],
      [[500, 480], [510, 470]],
      [[10, 20, 30], [12, 18, 35]],
      [[5, 0, 7, 9], [0, 4, 7, 3]],
      [[1000, 2000, 3000, 10, 0], [900, 2100, 2950, 0, 25]],
      [[1, 1, 1, 1, 1, 1, 1, 1], [8, 0, 0, 0, 0, 0, 0, 1]],
      [[100000, 1], [99000, 1200]],
    ];
    const expected = python('import json,sys\nfrom scipy.stats import chi2_contingency\nc=json.load(sys.stdin)\nprint(json.dumps([[float(r[0]), float(r[1])] for r in (chi2_contingency(t) for t in c)]))', tables) as [number, number][];
    tables.forEach(([r, c], i) => {
      const v = chi2Contingency(Float64Array.from(r), Float64Array.from(c));
      close(v.statistic, expected[i]![0], `chi2 statistic ${JSON.stringify([r, c])}`);
      close(v.pValue, expected[i]![1], `chi2 p-value ${JSON.stringify([r, c])}`);
    });
    const points: [number, number][] = [[0.5, 1], [3.84, 1], [40, 1], [250, 3], [12.5, 10], [1500, 999], [980, 1000], [30000, 20000]];
    const sf = python('import json,sys\nfrom scipy.stats import chi2\nprint(json.dumps([float(chi2.sf(x,k)) for x,k in json.load(sys.stdin)]))', points) as number[];
    points.forEach(([x, k], i) => close(chi2Sf(x, k), sf[i]!, `chi2.sf(${x}, ${k})`));
  });

  it("z-test for proportions as Evidently computes it (p = 2·norm.sf(|z|))", () => {
    const tables: [number[], number[]][] = [
      [[30, 70], [45, 55]],
      [[500, 500], [450, 550]],
      [[990, 10], [900, 100]],
      [[5, 0], [0, 5]],
      [[0, 12], [3, 9]],
    ];
    const expected = python(
      'import json,sys\nimport numpy as np\nfrom scipy.stats import norm\nout=[]\nfor r,c in json.load(sys.stdin):\n  n1,n2=sum(r),sum(c); p1=float(r[0])/n1; p2=float(c[0])/n2; P=float(p1*n1+p2*n2)/(n1+n2)\n  z=(p1-p2)/np.sqrt(P*(1-P)*(1./n1+1./n2)); out.append([float(z), float(2*norm.sf(abs(z)))])\nprint(json.dumps(out))',
      tables,
    ) as [number, number][];
    tables.forEach(([r, c], i) => {
      const v = zTest(Float64Array.from(r), Float64Array.from(c));
      close(v.statistic, expected[i]![0], `z ${JSON.stringify([r, c])}`);
      close(v.pValue, expected[i]![1], `z p-value ${JSON.stringify([r, c])}`);
    });
    assert.deepEqual(zTest(Float64Array.from([7, 0]), Float64Array.from([3, 0])), { statistic: 0, pValue: 1 });
  });

  it('Wasserstein / std(reference), Jensen–Shannon and PSI on Evidently bins equal NumPy/SciPy', () => {
    const rand = new Rng(11);
    const cases: { name: string; a: number[]; b: number[] }[] = [
      { name: 'normal 5000 vs 4000 shifted', a: normals(rand, 5000), b: normals(rand, 4000, 0.3, 1.2) },
      { name: 'ties 3000 vs 3000', a: normals(rand, 3000, 10, 3, 1), b: normals(rand, 3000, 10.5, 3, 1) },
      { name: 'few values (categories)', a: normals(rand, 2000, 0, 1, 0.5), b: normals(rand, 1500, 1, 1, 0.5) },
      { name: 'constant reference', a: Array(1200).fill(4), b: normals(rand, 1300, 4, 0.01) },
      { name: 'values on one side only', a: [1, 1, 2, 2, 3, 3, 3], b: [3, 3, 4, 4, 4, 5] },
      { name: 'wide 20000 vs 500', a: normals(rand, 20000, 0, 100), b: normals(rand, 500, 20, 100) },
    ];
    const script = `
import json,sys
import numpy as np
from scipy.stats import wasserstein_distance
from scipy.spatial import distance
def binned(r, c, fill):
    r=np.array(r); c=np.array(c)
    if len(np.unique(r)) > 20:
        bins=np.histogram_bin_edges(np.concatenate([r,c]), bins='sturges')
        rp=np.histogram(r,bins)[0]/len(r); cp=np.histogram(c,bins)[0]/len(c)
    else:
        keys=sorted(set(r.tolist())|set(c.tolist()))
        rp=np.array([float((r==k).sum())/len(r) for k in keys]); cp=np.array([float((c==k).sum())/len(c) for k in keys])
    if fill:
        for p in (rp, cp):
            m=min(p[p!=0]); np.place(p, p==0, m/10**6 if m<=0.0001 else 0.0001)
    return rp, cp
out=[]
for a,b in json.load(sys.stdin):
    w=wasserstein_distance(a,b)/max(np.std(a),0.001)
    rp,cp=binned(a,b,False); js=distance.jensenshannon(rp,cp)
    rp,cp=binned(a,b,True); psi=np.sum((rp-cp)*np.log(rp/cp))
    out.append([float(w),float(js),float(psi)])
print(json.dumps(out))`;
    const expected = python(script, cases.map((c) => [c.a, c.b])) as [number, number, number][];
    cases.forEach((c, i) => {
      const a = sorted(c.a);
      const b = sorted(c.b);
      close(wassersteinNormed(a, b).statistic, expected[i]![0], `${c.name}: wasserstein`);
      const distinctRef = new Set(c.a).size;
      let rs: Float64Array;
      let cs: Float64Array;
      if (distinctRef > 20) {
        const edges = sturgesEdges(a, b);
        rs = histogram(a, edges).map((x) => x / a.length);
        cs = histogram(b, edges).map((x) => x / b.length);
      } else {
        const keys = [...new Set([...c.a, ...c.b])].sort((x, y) => x - y);
        rs = Float64Array.from(keys, (k) => c.a.filter((x) => x === k).length / a.length);
        cs = Float64Array.from(keys, (k) => c.b.filter((x) => x === k).length / b.length);
      }
      close(jensenShannon(rs, cs).statistic, expected[i]![1], `${c.name}: jensenshannon`);
      close(psi(rs, cs).statistic, expected[i]![2], `${c.name}: psi`);
    });
  });
});

describe('drift: sorting numeric columns (bucket and radix sort)', () => {
  it('orders 200k doubles as Float64Array.prototype.sort does (negatives, -0, ±Infinity, ties, subnormals, heavy tails)', () => {
    const rng = new Rng(5);
    const values = Float64Array.from({ length: 200_000 }, (_, i) => (i % 5 === 0 ? Math.round(rng.normal() * 3) : rng.normal() * 1e6) * (i % 13 === 0 ? 1e-310 : 1));
    values.set([-0, 0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE], 100);
    const spread = Float64Array.from({ length: 200_000 }, () => rng.normal() * 1e3);
    const heavyTail = Float64Array.from({ length: 200_000 }, () => Math.exp(4 * rng.normal()));
    // Mixed signs, extremes and subnormals, heavy ties, and heavy tails (radix); spread values (buckets).
    for (const input of [values, spread, heavyTail]) {
      const expected = input.slice().sort();
      const actual = sortFloat64(input.slice());
      assert.equal(actual.length, expected.length);
      for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) assert.fail(`index ${i}: ${actual[i]} vs ${expected[i]}`);
    }
  });
});
