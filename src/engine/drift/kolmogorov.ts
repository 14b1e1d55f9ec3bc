// The distribution of the two-sided one-sample Kolmogorov–Smirnov statistic D_n (SciPy's `kstwo`), which
// `ks_2samp` uses for large samples: the survival function follows scipy/stats/_ksstats.py (`_kolmogn`:
// Simard & L'Ecuyer's choice between Ruben–Gambino, the Durbin matrix (Marsaglia–Tsang–Wang), Pomeranz,
// Pelz–Good and 2 × Smirnov's one-sided tail) branch by branch, with the same cut-offs, so the p-values
// equal SciPy's. Smirnov's tail (scipy.special.smirnov) is the exact Birnbaum–Tingey sum, computed in
// logarithms with compensated sums instead of SciPy's double-double arithmetic (relative error ~n·1e-16).
const E128 = 2 ** 128;
const EM128 = 2 ** -128;
const LOG_2PI = Math.log(2 * Math.PI);
const SQRT2PI = Math.sqrt(2 * Math.PI);
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const MIN_LOG = -708;
/** exp() of anything below this is 0 (cephes' MIN_EXPABLE, -708 - 38). */
const MIN_EXPABLE = -708 - 38;
const LN2_HI = 0.6931471805599453;
const LN2_LO = 2.3190468138462996e-17;
// SciPy's _STIRLING_COEFFS (-2.955065359477124183e-2, …), written at double precision.
const STIRLING = [-0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417, -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333];

const clip = (p: number): number => (p < 0 ? 0 : p > 1 ? 1 : p);
const pick = (cdfProb: number, sfProb: number, cdf: boolean): number => clip(cdf ? cdfProb : sfProb);

function polyval(coeffs: number[], x: number): number {
  let y = 0;
  for (const c of coeffs) y = y * x + c;
  return y;
}

function logNFactorialDivNPowN(n: number): number {
  const rn = 1 / n;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * polyval(STIRLING, rn / n);
}

/** Exact product a·b as hi + lo (Dekker), so n·x splits into floor and remainder exactly. */
function twoProduct(a: number, b: number): [number, number] {
  const split = (v: number): [number, number] => {
    const c = 134217729 * v;
    const hi = c - (c - v);
    return [hi, v - hi];
  };
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

/** SciPy's `smirnov(n, x)`: Pr(D+_n > x), the one-sided Smirnov survival function. */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const [hi, lo] = twoProduct(n, x);
  let nxfl = Math.floor(hi);
  let alpha = hi - nxfl + lo;
  if (alpha < 0) {
    nxfl -= 1;
    alpha += 1;
  }
  if (alpha >= 1) {
    nxfl += 1;
    alpha = 0;
  }
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  if (alpha === 0) n1mxfl -= 1;
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) return clip(1 - x * Math.pow(1 + x, n - 1));
  if (-2 * n * x * x < MIN_EXPABLE) return 0;
  if (nxfl >= n - 1) return clip(Math.pow(1 - x, n));
  if (n > 1_000_000) {
    const logp = -Math.pow(6 * n * x + 1, 2) / 18 / n;
    return clip(logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp));
  }
  // sf = x · Σ_{v=0}^{n1mxfl} C(n,v) (1 - x - v/n)^(n-v) (x + v/n)^(v-1), every term positive.
  // log(n) as hi + lo: (n-1)·log(n) is of order n·log(n), so its rounding error would bias every term alike.
  const e = Math.floor(Math.log2(n));
  const [eh, el] = twoProduct(e, LN2_HI);
  const logm = Math.log1p(n / 2 ** e - 1);
  const logNHi = eh + logm;
  const logNLo = eh - logNHi + logm + el + e * LN2_LO;
  let logC = 0;
  let logCc = 0;
  let max = -Infinity;
  let sum = 0;
  for (let v = 0; v <= n1mxfl; v++) {
    if (v > 0) {
      // Neumaier-compensated running sum of log((n-v+1)/v).
      const t = Math.log((n - v + 1) / v);
      const s = logC + t;
      logCc += Math.abs(logC) >= Math.abs(t) ? logC - s + t : t - s + logC;
      logC = s;
    }
    const a = n - nxfl - v - alpha; // n(1 - x - v/n)
    const b = nxfl + v + alpha; // n(x + v/n)
    const logTerm = logC + logCc + (n - v) * (Math.log(a) - logNHi) + (v - 1) * (Math.log(b) - logNHi) - (n - 1) * logNLo;
    if (logTerm > max) {
      sum = sum * Math.exp(max - logTerm) + 1;
      max = logTerm;
    } else sum += Math.exp(logTerm - max);
  }
  return clip(Math.exp(max + Math.log(sum) + Math.log(x)));
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j]! += aik * b[k * m + j]!;
    }
  }
  return c;
}

/** Durbin's matrix, Marsaglia–Tsang–Wang: Pr(D_n <= d). */
function kolmognDMTW(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  let H = new Float64Array(m * m);
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    v[j - 1] = 1 - h ** j;
    w[j - 1] = fac;
    fac /= j;
    v[j - 1]! *= fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - (i - 1)]!;
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;
  let Hpwr = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1;
  let nn = n;
  let expnt = 0;
  let Hexpnt = 0;
  while (nn > 0) {
    if (nn % 2) {
      Hpwr = matmul(Hpwr, H, m);
      expnt += Hexpnt;
    }
    H = matmul(H, H, m);
    Hexpnt *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]!) > E128) {
      for (let i = 0; i < H.length; i++) H[i]! /= E128;
      Hexpnt += 128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = Hpwr[(k - 1) * m + (k - 1)]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= E128;
      expnt -= 128;
    }
  }
  if (expnt !== 0) p = p * 2 ** expnt;
  return clip(p);
}

function pomeranzJ1J2(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Pomeranz's recursion: Pr(D_n <= x). */
function kolmognPomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = twogpower[0] = onem2gpower[0] = 1;
  let expnt = 0;
  const gn = g / n;
  const tgn = (2 * g) / n;
  const omtgn = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1]! * gn) / m;
    twogpower[m] = (twogpower[m - 1]! * tgn) / m;
    onem2gpower[m] = (onem2gpower[m - 1]! * omtgn) / m;
  }
  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzJ1J2(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = pomeranzJ1J2(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // np.convolve(V0[k1-V0s : k1-V0s+ln2], pwrs[:ln2]) (slices clipped like NumPy's).
      const aStart = Math.min(Math.max(k1 - V0s, 0), npwrs);
      const aLen = Math.min(k1 - V0s + ln2, npwrs) - aStart;
      const bLen = Math.min(ln2, npwrs);
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      for (let c = 0; c < convLen; c++) {
        const kk = convStart + c;
        let s = 0;
        const lo = Math.max(0, kk - bLen + 1);
        const hiIdx = Math.min(aLen - 1, kk);
        for (let a = lo; a <= hiIdx; a++) s += V0[aStart + a]! * pwrs[kk - a]!;
        V1[c] = s;
      }
      let mx = -Infinity;
      for (let c = 0; c < npwrs; c++) if (V1[c]! > mx) mx = V1[c]!;
      if (mx > 0 && mx < EM128) {
        for (let c = 0; c < npwrs; c++) V1[c]! *= E128;
        expnt -= 128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s]!;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > E128) {
      ans *= EM128;
      expnt += 128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans = ans * 2 ** expnt;
  return clip(ans);
}

/** Pelz–Good's approximation of Pr(D_n <= x). */
function kolmognPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z ** 2;
  const z3 = z ** 3;
  const z4 = z ** 4;
  const z6 = z ** 6;
  const qlog = -PI2 / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m ** 2;
    const m4 = m ** 4;
    const m6 = m ** 6;
    const qpower = Math.pow(q, 8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qpower + coeffs[i]!;
  }
  const div = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / div[i]!;
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const ks2 = k ** 2;
    const qp = q ** ks2;
    const kspi = Math.PI * k;
    k2extra += ks2 * qp;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
  }
  K[2] = K[2]! + k2extra * ((PI2 * SQRT2PI) / (-36 * z3));
  K[3] = K[3]! + k3extra * ((PI2 * SQRT2PI) / (216 * z6));
  for (let i = 0; i < 4; i++) K[i] = K[i]! / Math.pow(n, i / 2);
  return K[0]! + K[1]! + K[2]! + K[3]!;
}

/** SciPy's `kstwo.sf(x, n)` (and `.cdf` with `cdf`): the two-sided one-sample K–S distribution. */
export function kolmogn(n: number, x: number, cdf = false): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return NaN;
  if (x >= 1) return pick(1, 0, cdf);
  if (x <= 0) return pick(0, 1, cdf);
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return pick(0, 1, cdf);
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    return pick(prob, 1 - prob, cdf);
  }
  if (t >= n - 1) {
    const prob = 2 * (1 - x) ** n;
    return pick(1 - prob, prob, cdf);
  }
  if (x >= 0.5) {
    const prob = 2 * smirnovSf(n, x);
    return pick(1 - prob, prob, cdf);
  }
  const nxsquared = t * x;
  if (n <= 140) {
    if (nxsquared <= 0.754693) {
      const prob = kolmognDMTW(n, x);
      return pick(prob, 1 - prob, cdf);
    }
    if (nxsquared <= 4) {
      const prob = kolmognPomeranz(n, x);
      return pick(prob, 1 - prob, cdf);
    }
    const prob = 2 * smirnovSf(n, x);
    return pick(1 - prob, prob, cdf);
  }
  if (!cdf) {
    if (nxsquared >= 370) return 0;
    if (nxsquared >= 2.2) return clip(2 * smirnovSf(n, x));
  }
  let cdfProb: number;
  if (nxsquared >= 18) cdfProb = 1;
  else if (n <= 100000 && n * x ** 1.5 <= 1.4) cdfProb = kolmognDMTW(n, x);
  else cdfProb = kolmognPelzGood(n, x);
  return pick(cdfProb, 1 - cdfProb, cdf);
}
