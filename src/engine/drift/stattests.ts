// The drift tests, on sorted numeric samples or on category counts, each as SciPy / Evidently compute
// it (formulas and conventions in docs/drift.md): chi-square on the 2 × k table (scipy.stats.
// chi2_contingency, Yates' correction when dof = 1), Evidently's z-test for two proportions, Wasserstein
// (scipy.stats.wasserstein_distance) over the reference's population std, Jensen–Shannon distance
// (scipy.spatial.distance.jensenshannon, natural log) and PSI on Evidently's bins.
import { chi2Sf, normalTwoSided } from './gamma';

/** Neumaier-compensated sum (NumPy sums pairwise; both are within a few ulps of the exact sum). */
class Sum {
  private s = 0;
  private c = 0;
  add(x: number): void {
    const t = this.s + x;
    this.c += Math.abs(this.s) >= Math.abs(x) ? this.s - t + x : x - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}

export interface TestValue {
  statistic: number;
  pValue: number | null;
}

/** scipy.stats.chi2_contingency([ref, cur]) (correction=True): statistic and p-value. */
export function chi2Contingency(ref: Float64Array, cur: Float64Array): TestValue {
  const k = ref.length;
  let nRef = 0;
  let nCur = 0;
  for (let j = 0; j < k; j++) {
    nRef += ref[j]!;
    nCur += cur[j]!;
  }
  const total = nRef + nCur;
  const dof = k - 1;
  if (dof === 0) return { statistic: 0, pValue: 1 };
  const stat = new Sum();
  for (const [row, rowSum] of [
    [ref, nRef],
    [cur, nCur],
  ] as const) {
    for (let j = 0; j < k; j++) {
      const expected = (rowSum * (ref[j]! + cur[j]!)) / total;
      let observed = row[j]!;
      if (dof === 1) {
        // Yates: move each observed count 0.5 towards its expected count (no further).
        const diff = expected - observed;
        observed += Math.min(0.5, Math.abs(diff)) * Math.sign(diff);
      }
      stat.add((observed - expected) ** 2 / expected);
    }
  }
  const statistic = stat.value;
  return { statistic, pValue: chi2Sf(statistic, dof) };
}

/**
 * Evidently's z-test for two proportions: the share of the first category (in sorted order) in each
 * sample; z = (p1 - p2) / sqrt(P(1-P)(1/n1 + 1/n2)) with the pooled P; p = 2·(1 - Φ(|z|)), computed as
 * erfc(|z|/√2) so small p-values keep their digits. Both samples one and the same value: p = 1.
 */
export function zTest(ref: Float64Array, cur: Float64Array): TestValue {
  let n1 = 0;
  let n2 = 0;
  let first = -1;
  let presentRef = 0;
  let presentCur = 0;
  for (let j = 0; j < ref.length; j++) {
    n1 += ref[j]!;
    n2 += cur[j]!;
    if (first < 0 && ref[j]! + cur[j]! > 0) first = j;
    if (ref[j]! > 0) presentRef++;
    if (cur[j]! > 0) presentCur++;
  }
  if (first < 0 || (presentRef === 1 && presentCur === 1 && ref.findIndex((c) => c > 0) === cur.findIndex((c) => c > 0))) return { statistic: 0, pValue: 1 };
  const p1 = ref[first]! / n1;
  const p2 = cur[first]! / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2));
  return { statistic: z, pValue: normalTwoSided(Math.abs(z)) };
}

/** scipy.stats.wasserstein_distance on two sorted samples. */
function wasserstein(u: Float64Array, v: Float64Array): number {
  const nu = u.length;
  const nv = v.length;
  let i = 0;
  let j = 0;
  const sum = new Sum();
  let prev = NaN;
  let uCdf = 0;
  let vCdf = 0;
  while (i < nu || j < nv) {
    const x = j >= nv || (i < nu && u[i]! <= v[j]!) ? u[i]! : v[j]!;
    if (!Number.isNaN(prev)) sum.add(Math.abs(uCdf - vCdf) * (x - prev));
    while (i < nu && u[i]! <= x) i++;
    while (j < nv && v[j]! <= x) j++;
    uCdf = i / nu;
    vCdf = j / nv;
    prev = x;
  }
  return sum.value;
}

/** NumPy's np.std (population, ddof = 0). */
function populationStd(x: Float64Array): number {
  const s = new Sum();
  for (let i = 0; i < x.length; i++) s.add(x[i]!);
  const mean = s.value / x.length;
  const q = new Sum();
  for (let i = 0; i < x.length; i++) q.add((x[i]! - mean) ** 2);
  return Math.sqrt(q.value / x.length);
}

/** Evidently's normed Wasserstein: W(ref, cur) / max(std(ref), 0.001). */
export function wassersteinNormed(ref: Float64Array, cur: Float64Array): TestValue {
  return { statistic: wasserstein(ref, cur) / Math.max(populationStd(ref), 0.001), pValue: null };
}

/** scipy.spatial.distance.jensenshannon(p, q) (natural log): sqrt((KL(p‖m) + KL(q‖m)) / 2), m = (p+q)/2. */
export function jensenShannon(p: Float64Array, q: Float64Array): TestValue {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i]!;
    sq += q[i]!;
  }
  const left = new Sum();
  const right = new Sum();
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / sp;
    const qi = q[i]! / sq;
    const m = (pi + qi) / 2;
    if (pi > 0) left.add(pi * Math.log(pi / m));
    if (qi > 0) right.add(qi * Math.log(qi / m));
  }
  return { statistic: Math.sqrt((left.value + right.value) / 2), pValue: null };
}

/** Evidently's zero filling for PSI: an empty bin gets min(non-zero share)/1e6 when that is <= 1e-4, else 1e-4. */
function fillZeros(shares: Float64Array): Float64Array {
  let min = Infinity;
  for (const s of shares) if (s !== 0 && s < min) min = s;
  const fill = min <= 0.0001 ? min / 10 ** 6 : 0.0001;
  return shares.map((s) => (s === 0 ? fill : s));
}

/** Population stability index: Σ (ref - cur) · ln(ref / cur) over bin shares with zeros filled. */
export function psi(refShares: Float64Array, curShares: Float64Array): TestValue {
  const r = fillZeros(refShares);
  const c = fillZeros(curShares);
  const sum = new Sum();
  for (let i = 0; i < r.length; i++) sum.add((r[i]! - c[i]!) * Math.log(r[i]! / c[i]!));
  return { statistic: sum.value, pValue: null };
}

/** Number of values <= x (side='right') or < x (side='left') in a sorted array. */
function searchSorted(a: Float64Array, x: number, right: boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (right ? a[mid]! <= x : a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** np.histogram_bin_edges(concat(ref, cur), bins='sturges') for two sorted samples. */
export function sturgesEdges(ref: Float64Array, cur: Float64Array): Float64Array {
  const n = ref.length + cur.length;
  let first = Math.min(ref[0]!, cur[0]!);
  let last = Math.max(ref[ref.length - 1]!, cur[cur.length - 1]!);
  const width = (last - first) / (Math.log2(n) + 1);
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const bins = width ? Math.ceil((last - first) / width) : 1;
  // np.linspace(first, last, bins + 1)
  const step = (last - first) / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++) edges[i] = step === 0 ? (i / bins) * (last - first) + first : i * step + first;
  edges[bins] = last;
  return edges;
}

/** np.histogram(sorted, edges)[0]: [e_i, e_i+1) bins, the last one closed. */
export function histogram(sorted: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length - 1);
  let prev = searchSorted(sorted, edges[0]!, false);
  for (let i = 1; i < edges.length; i++) {
    const at = i === edges.length - 1 ? searchSorted(sorted, edges[i]!, true) : searchSorted(sorted, edges[i]!, false);
    counts[i - 1] = at - prev;
    prev = at;
  }
  return counts;
}
