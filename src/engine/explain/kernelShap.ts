// Kernel SHAP (Lundberg & Lee 2017, "A Unified Approach to Interpreting Model Predictions"): the attribution of
// one prediction f(x) to each feature, against a background sample B. A coalition S of features takes x's
// values for S and a background row's for the rest; its value v(S) is the mean model output over B, so v(∅) is
// E[f(B)] (the base value) and v(all) is f(x). The Shapley values of v are the attributions; they sum to
// f(x) − E[f(B)] (efficiency).
// - Exact (features that vary ≤ `exactUpTo`, default 11): every coalition is evaluated and the Shapley formula
//   φ_i = Σ_{S ∌ i} |S|!(M−|S|−1)!/M! · (v(S ∪ {i}) − v(S)) applied: the exact Shapley values of v.
// - Sampled (more features): coalitions drawn with probability proportional to the Shapley kernel
//   π(S) = (M−1) / (C(M,|S|)·|S|·(M−|S|)) (a size s with probability ∝ (M−1)/(s(M−s)), then a uniform subset
//   of that size), each with its complement (paired sampling); the weighted least squares of v(S) − v(∅) on
//   the coalition's indicator vector, with the efficiency constraint imposed exactly by eliminating the last
//   feature, gives the attributions. As the draws grow this converges to the exact values (the kernel-weighted
//   regression over all coalitions is the Shapley value).
// Features whose value in x equals every background row's cannot change v: they get 0 and are left out of M
// (as the shap package does). Draws come from Sextant's seeded PRNG: the same seed, the same numbers.
import { Rng } from '../train/rng';

/** The explained output (one number per row) of a row-major float64 matrix of `rows` rows. */
export type ExplainedOutput = (x: Float64Array, rows: number) => Promise<Float64Array>;

export interface KernelShapInput {
  f: ExplainedOutput;
  /** The row explained, one value per feature. */
  x: ArrayLike<number>;
  /** Background rows, row-major [rows, features]. */
  background: Float64Array;
  features: number;
  /** Use exact enumeration up to this many varying features (default 11). */
  exactUpTo?: number;
  /** Coalitions drawn when sampling (default 2·M + 2048, as the shap package's "auto"). */
  samples?: number;
  seed?: number;
  /** Model rows per call of `f` (default 65536). */
  batchRows?: number;
}

export interface KernelShapResult {
  /** One per feature, in the input's order. */
  values: number[];
  /** E[f(background)]. */
  base: number;
  /** f(x). */
  fx: number;
  method: 'exact' | 'sampled';
  /** Features that differ between x and some background row (the rest get 0). */
  varying: number;
  /** Distinct coalitions evaluated (besides the empty and the full one). */
  coalitions: number;
}

const same = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));

/** The coalition values v(S) of `masks` (each a 0/1 array over the varying features `vary`). */
async function coalitionValues(input: KernelShapInput, vary: number[], masks: Uint8Array[]): Promise<Float64Array> {
  const F = input.features;
  const B = input.background.length / F;
  const perCall = Math.max(1, Math.floor((input.batchRows ?? 65536) / B));
  const out = new Float64Array(masks.length);
  for (let start = 0; start < masks.length; start += perCall) {
    const end = Math.min(masks.length, start + perCall);
    const rows = (end - start) * B;
    const z = new Float64Array(rows * F);
    for (let m = start; m < end; m++) {
      const base = (m - start) * B * F;
      z.set(input.background, base);
      const mask = masks[m]!;
      for (let j = 0; j < vary.length; j++) {
        if (!mask[j]) continue;
        const col = vary[j]!;
        const xv = input.x[col]!;
        for (let b = 0; b < B; b++) z[base + b * F + col] = xv;
      }
    }
    const y = await input.f(z, rows);
    for (let m = start; m < end; m++) {
      let s = 0;
      for (let b = 0; b < B; b++) s += y[(m - start) * B + b]!;
      out[m] = s / B;
    }
  }
  return out;
}

/** log(n!) table: the Shapley weights need factorials past double range for large M only as ratios. */
function logFactorials(n: number): Float64Array {
  const t = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) t[i] = t[i - 1]! + Math.log(i);
  return t;
}

/** Solves A·u = b (n × n, row-major, symmetric positive semi-definite) by Gaussian elimination with partial pivoting; null when singular. */
export function solveLinear(A: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const a = new Float64Array(A);
  const r = new Float64Array(b);
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]!));
  const tiny = Math.max(scale, 1e-300) * 1e-12;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(a[i * n + c]!) > Math.abs(a[p * n + c]!)) p = i;
    if (Math.abs(a[p * n + c]!) <= tiny) return null;
    if (p !== c) {
      for (let j = 0; j < n; j++) [a[c * n + j], a[p * n + j]] = [a[p * n + j]!, a[c * n + j]!];
      [r[c], r[p]] = [r[p]!, r[c]!];
    }
    const d = a[c * n + c]!;
    for (let i = c + 1; i < n; i++) {
      const k = a[i * n + c]! / d;
      if (k === 0) continue;
      for (let j = c; j < n; j++) a[i * n + j]! -= k * a[c * n + j]!;
      r[i]! -= k * r[c]!;
    }
  }
  const u = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = r[i]!;
    for (let j = i + 1; j < n; j++) s -= a[i * n + j]! * u[j]!;
    u[i] = s / a[i * n + i]!;
  }
  return u;
}

/** The exact Shapley values of v over M players, v given for every subset (bit i of the index: player i in S). */
export function shapleyFromSubsets(v: Float64Array, M: number): number[] {
  const lf = logFactorials(M);
  const weight = Array.from({ length: M }, (_, s) => Math.exp(lf[s]! + lf[M - s - 1]! - lf[M]!));
  const phi = new Array<number>(M).fill(0);
  const size = new Uint8Array(1 << M);
  for (let S = 1; S < 1 << M; S++) size[S] = size[S >> 1]! + (S & 1);
  for (let S = 0; S < 1 << M; S++) {
    for (let i = 0; i < M; i++) {
      if (S & (1 << i)) continue;
      phi[i]! += weight[size[S]!]! * (v[S | (1 << i)]! - v[S]!);
    }
  }
  return phi;
}

/** The constrained weighted least squares of Kernel SHAP: Σφ = total exactly; `rows` are coalitions (0/1 over M), `y` their v(S) − v(∅). */
export function kernelRegression(rows: Uint8Array[], weights: ArrayLike<number>, y: ArrayLike<number>, M: number, total: number): number[] | null {
  if (M === 1) return [total];
  const n = M - 1;
  const A = new Float64Array(n * n);
  const b = new Float64Array(n);
  const xr = new Float64Array(n);
  for (let k = 0; k < rows.length; k++) {
    const z = rows[k]!;
    const w = weights[k]!;
    const last = z[M - 1]!;
    for (let i = 0; i < n; i++) xr[i] = z[i]! - last;
    const t = y[k]! - last * total;
    for (let i = 0; i < n; i++) {
      if (xr[i] === 0) continue;
      const wi = w * xr[i]!;
      b[i]! += wi * t;
      for (let j = 0; j < n; j++) A[i * n + j]! += wi * xr[j]!;
    }
  }
  const u = solveLinear(A, b, n);
  if (!u) return null;
  const phi = Array.from(u);
  phi.push(total - phi.reduce((s, p) => s + p, 0));
  return phi;
}

/** Draws `samples` coalitions (in complementary pairs) by the Shapley kernel; returns the distinct ones with their counts as weights. */
function drawCoalitions(M: number, samples: number, rng: Rng): { masks: Uint8Array[]; weights: number[] } {
  const sizes = Array.from({ length: M - 1 }, (_, i) => i + 1);
  const mass = sizes.map((s) => (M - 1) / (s * (M - s)));
  const totalMass = mass.reduce((a, b) => a + b, 0);
  const seen = new Map<string, number>();
  const masks: Uint8Array[] = [];
  const weights: number[] = [];
  const add = (mask: Uint8Array): void => {
    const key = mask.join('');
    const at = seen.get(key);
    if (at !== undefined) weights[at]! += 1;
    else {
      seen.set(key, masks.length);
      masks.push(mask);
      weights.push(1);
    }
  };
  const order = Array.from({ length: M }, (_, i) => i);
  for (let k = 0; k < samples; k += 2) {
    let u = rng.next() * totalMass;
    let s = sizes[sizes.length - 1]!;
    for (let i = 0; i < sizes.length; i++) {
      u -= mass[i]!;
      if (u < 0) {
        s = sizes[i]!;
        break;
      }
    }
    // A uniform subset of size s: the first s of a partial Fisher-Yates shuffle.
    for (let i = 0; i < s; i++) {
      const j = i + rng.int(M - i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const mask = new Uint8Array(M);
    for (let i = 0; i < s; i++) mask[order[i]!] = 1;
    add(mask);
    add(mask.map((v) => 1 - v));
  }
  return { masks, weights };
}

export async function kernelShap(input: KernelShapInput): Promise<KernelShapResult> {
  const F = input.features;
  if (input.x.length !== F) throw new Error(`The row has ${input.x.length} values for ${F} features.`);
  if (input.background.length === 0 || input.background.length % F !== 0) throw new Error(`The background must be whole rows of ${F} features (got ${input.background.length} values).`);
  const B = input.background.length / F;
  const vary: number[] = [];
  for (let j = 0; j < F; j++) {
    for (let b = 0; b < B; b++) {
      if (!same(input.background[b * F + j]!, input.x[j]!)) {
        vary.push(j);
        break;
      }
    }
  }
  const M = vary.length;
  const ends = await coalitionValues(input, vary, [new Uint8Array(M), new Uint8Array(M).fill(1)]);
  const base = ends[0]!;
  const fx = ends[1]!;
  const values = new Array<number>(F).fill(0);
  const done = (phi: number[], method: KernelShapResult['method'], coalitions: number): KernelShapResult => {
    vary.forEach((col, j) => (values[col] = phi[j]!));
    return { values, base, fx, method, varying: M, coalitions };
  };
  if (M === 0) return done([], 'exact', 0);
  if (M === 1) return done([fx - base], 'exact', 0);
  if (M <= (input.exactUpTo ?? 11)) {
    const all = 1 << M;
    const masks = Array.from({ length: all - 2 }, (_, k) => Uint8Array.from({ length: M }, (_, j) => ((k + 1) >> j) & 1));
    const inner = await coalitionValues(input, vary, masks);
    const v = new Float64Array(all);
    v[0] = base;
    v[all - 1] = fx;
    v.set(inner, 1);
    return done(shapleyFromSubsets(v, M), 'exact', all - 2);
  }
  const samples = Math.max(2, input.samples ?? 2 * M + 2048);
  const { masks, weights } = drawCoalitions(M, samples, new Rng(input.seed ?? 0));
  const v = await coalitionValues(input, vary, masks);
  const y = Array.from(v, (value) => value - base);
  const phi = kernelRegression(masks, weights, y, M, fx - base);
  if (!phi) throw new Error(`Kernel SHAP: ${masks.length} distinct coalitions do not determine ${M} attributions; draw more (samples).`);
  return done(phi, 'sampled', masks.length);
}
