// The regularized upper incomplete gamma Q(a, x) (SciPy's gammaincc), and through it the chi-square
// survival function (chi2.sf(x, k) = Q(k/2, x/2)) and the normal two-sided tail (2·norm.sf(|z|) =
// erfc(|z|/√2) = Q(1/2, z²/2)). Series for x < a + 1, Lentz's continued fraction otherwise; the prefactor
// x^a e^-x / Γ(a) is taken through Stirling's series so large a and x do not cost precision (~1e-14).
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const EPS = 1e-17;

/** log Γ(a) - ((a - 1/2) log a - a + log √(2π)): Stirling's correction, for a >= 10. */
function stirlingCorrection(a: number): number {
  const r = 1 / a;
  const r2 = r * r;
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (1 / 1188 - r2 * (691 / 360360 - r2 * (1 / 156 - r2 * (3617 / 122400))))))));
}

/** log Γ(a) for a > 0. */
function logGamma(a: number): number {
  if (a < 10) {
    let shift = 0;
    let prod = 1;
    while (a + shift < 10) {
      prod *= a + shift;
      shift++;
    }
    return logGamma(a + shift) - Math.log(prod);
  }
  return (a - 0.5) * Math.log(a) - a + HALF_LOG_2PI + stirlingCorrection(a);
}

/** log(x^a e^-x / Γ(a)). */
function logPrefactor(a: number, x: number): number {
  if (a < 10) return a * Math.log(x) - x - logGamma(a);
  // a log x - x - lgamma(a) = a log1p((x-a)/a) - (x-a) + ½ log a - log √(2π) - correction(a)
  return a * Math.log1p((x - a) / a) - (x - a) + 0.5 * Math.log(a) - HALF_LOG_2PI - stirlingCorrection(a);
}

/** Q(a, x) = Γ(a, x) / Γ(a). */
function gammaincc(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  const logPre = logPrefactor(a, x);
  if (x < a + 1) {
    // P(a, x) = pre/a · Σ x^n / ((a+1)…(a+n))
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1_000_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return 1 - Math.exp(logPre + Math.log(sum));
  }
  // Q(a, x) = pre · 1/(x+1-a- 1·(1-a)/(x+3-a- 2·(2-a)/(x+5-a- …)))  (modified Lentz)
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1_000_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(logPre + Math.log(h));
}

/** scipy.stats.chi2.sf(x, dof). */
export function chi2Sf(x: number, dof: number): number {
  return gammaincc(dof / 2, x / 2);
}

/** 2·scipy.stats.norm.sf(|z|): the two-sided normal tail. */
export function normalTwoSided(z: number): number {
  if (Number.isNaN(z)) return NaN;
  return gammaincc(0.5, (z * z) / 2);
}
