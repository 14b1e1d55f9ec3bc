// Limited-memory BFGS for smooth unconstrained problems (the convex losses of logistic regression), as a
// step generator (one yield per iteration, see steps.ts). It stops as scipy's L-BFGS-B does when
// scikit-learn calls it: the largest gradient component at most `gtol`, or the relative decrease of the
// objective at most `ftol` (2.2e-9, scipy's default), or `maxIter` iterations. The line search finds a
// step satisfying the strong Wolfe conditions (c1 1e-4, c2 0.9) by bracketing and cubic interpolation.

/** Writes the gradient at `w` into `grad` and returns the objective. */
export type Objective = (w: Float64Array, grad: Float64Array) => number;

interface LbfgsOptions {
  gtol: number;
  maxIter: number;
  /** Pairs kept (scipy's maxcor, 10). */
  memory?: number;
  ftol?: number;
  /** Called after each iteration; return false to stop. */
  onIteration?: (iteration: number, f: number) => boolean | void;
}

interface LbfgsResult {
  w: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  /** Objective after each iteration. */
  history: number[];
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

const maxAbs = (a: Float64Array): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

export function* minimiseLbfgs(objective: Objective, w0: Float64Array, o: LbfgsOptions): Generator<void, LbfgsResult> {
  const n = w0.length;
  const m = o.memory ?? 10;
  const ftol = o.ftol ?? 2.220446049250313e-9;
  const w = Float64Array.from(w0);
  const g = new Float64Array(n);
  let f = objective(w, g);
  let evaluations = 1;
  const S = Array.from({ length: m }, () => new Float64Array(n));
  const Y = Array.from({ length: m }, () => new Float64Array(n));
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let stored = 0;
  let head = 0;
  const d = new Float64Array(n);
  const wNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const history: number[] = [];
  let iterations = 0;
  let converged = maxAbs(g) <= o.gtol;
  while (!converged && iterations < o.maxIter) {
    // Two-loop recursion: d = -H g.
    d.set(g);
    for (let k = 0; k < stored; k++) {
      const i = (head - 1 - k + m) % m;
      alpha[i] = rho[i]! * dot(S[i]!, d);
      const y = Y[i]!;
      for (let j = 0; j < n; j++) d[j]! -= alpha[i]! * y[j]!;
    }
    if (stored > 0) {
      const i = (head - 1 + m) % m;
      const gamma = dot(S[i]!, Y[i]!) / dot(Y[i]!, Y[i]!);
      for (let j = 0; j < n; j++) d[j]! *= gamma;
    }
    for (let k = stored - 1; k >= 0; k--) {
      const i = (head - 1 - k + m) % m;
      const beta = rho[i]! * dot(Y[i]!, d);
      const s = S[i]!;
      for (let j = 0; j < n; j++) d[j]! += s[j]! * (alpha[i]! - beta);
    }
    for (let j = 0; j < n; j++) d[j] = -d[j]!;
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      stored = 0;
      for (let j = 0; j < n; j++) d[j] = -g[j]!;
      slope = dot(g, d);
    }
    // The first step is scaled as scipy's is: a unit step on the first iteration is 1/‖d‖.
    const first = stored === 0 ? Math.min(1, 1 / Math.sqrt(dot(d, d))) : 1;
    const search = lineSearch(objective, w, f, g, d, slope, first, wNew, gNew);
    evaluations += search.evaluations;
    if (!search.ok) break;
    iterations++;
    const s = S[head]!;
    const y = Y[head]!;
    for (let j = 0; j < n; j++) {
      s[j] = wNew[j]! - w[j]!;
      y[j] = gNew[j]! - g[j]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-10 * dot(y, y)) {
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      stored = Math.min(m, stored + 1);
    }
    const fOld = f;
    f = search.f;
    w.set(wNew);
    g.set(gNew);
    history.push(f);
    if (maxAbs(g) <= o.gtol || (fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) converged = true;
    if (o.onIteration?.(iterations, f) === false) break;
    yield;
  }
  return { w, f, iterations, evaluations, converged, history };
}

/** Strong Wolfe line search along `d` from `w` (Nocedal and Wright, algorithms 3.5 and 3.6). */
function lineSearch(objective: Objective, w: Float64Array, f0: number, g0: Float64Array, d: Float64Array, slope0: number, step0: number, wOut: Float64Array, gOut: Float64Array): { ok: boolean; f: number; evaluations: number } {
  const c1 = 1e-4;
  const c2 = 0.9;
  let evaluations = 0;
  const at = (t: number): { f: number; slope: number } => {
    for (let j = 0; j < w.length; j++) wOut[j] = w[j]! + t * d[j]!;
    const f = objective(wOut, gOut);
    evaluations++;
    return { f, slope: dot(gOut, d) };
  };
  let tPrev = 0;
  let fPrev = f0;
  let slopePrev = slope0;
  let t = step0;
  const zoom = (lo: number, fLo: number, slopeLo: number, hi: number, fHi: number): { ok: boolean; f: number; evaluations: number } => {
    for (let k = 0; k < 30; k++) {
      // Quadratic interpolation from (lo, fLo, slopeLo) and (hi, fHi), kept inside the bracket.
      const width = hi - lo;
      const denom = 2 * (fHi - fLo - slopeLo * width);
      let tj = denom > 0 ? lo - (slopeLo * width * width) / denom : lo + width / 2;
      const a = Math.min(lo, hi);
      const b = Math.max(lo, hi);
      if (!(tj > a + 0.1 * (b - a) && tj < b - 0.1 * (b - a))) tj = lo + width / 2;
      const r = at(tj);
      if (r.f > f0 + c1 * tj * slope0 || r.f >= fLo) {
        hi = tj;
        fHi = r.f;
      } else {
        if (Math.abs(r.slope) <= -c2 * slope0) return { ok: true, f: r.f, evaluations };
        if (r.slope * (hi - lo) >= 0) {
          hi = lo;
          fHi = fLo;
        }
        lo = tj;
        fLo = r.f;
        slopeLo = r.slope;
      }
    }
    // Accept the best point found when it decreases the objective at all.
    const r = at(lo);
    return { ok: lo > 0 && r.f < f0, f: r.f, evaluations };
  };
  for (let k = 0; k < 20; k++) {
    const r = at(t);
    if (!Number.isFinite(r.f) || r.f > f0 + c1 * t * slope0 || (k > 0 && r.f >= fPrev)) return zoom(tPrev, fPrev, slopePrev, t, Number.isFinite(r.f) ? r.f : Infinity);
    if (Math.abs(r.slope) <= -c2 * slope0) return { ok: true, f: r.f, evaluations };
    if (r.slope >= 0) return zoom(t, r.f, r.slope, tPrev, fPrev);
    tPrev = t;
    fPrev = r.f;
    slopePrev = r.slope;
    t *= 2;
  }
  const r = at(tPrev);
  return { ok: r.f < f0, f: r.f, evaluations };
}
