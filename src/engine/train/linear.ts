// Linear models on standardised features, with scikit-learn's objectives so the coefficients agree:
// - logistic regression: Σ log-loss + ½‖W‖²/C (intercepts not penalised), minimised by L-BFGS with
//   scikit-learn's stopping rule (largest gradient component ≤ tol, 1e-4; at most 100 iterations). Two
//   classes fit one weight vector (sigmoid), more fit one per class (multinomial softmax), as
//   LogisticRegression(solver='lbfgs') does. Either is returned as one softmax layer (two classes: a zero
//   column and the weight vector, since sigmoid(z) = softmax([0, z])₁), so the ONNX export is unchanged.
// - linear regression: least squares, or ridge with `alpha`, solved in closed form from XᵀX by Cholesky;
//   a feature that is a linear combination of earlier ones (or constant) gets a zero coefficient.
import { minimiseLbfgs, type Objective } from './lbfgs';
import type { Layer, Matrix } from './model';

interface LogisticOptions {
  /** Inverse regularisation strength (scikit-learn's C, default 1). */
  C: number;
  tol: number;
  maxIter: number;
  onIteration?: (iteration: number, loss: number) => boolean | void;
}

interface LinearFit {
  layers: Layer[];
  /** Mean loss per row after each iteration (log-loss plus the penalty divided by the rows; squared error for regression). */
  losses: number[];
  iterations: number;
  converged: boolean;
}

/** Σ binary log-loss + ½‖w‖²/C; parameters [w (F), b]. */
function binaryObjective(x: Matrix, y: Int32Array, C: number): Objective {
  const { rows, cols, data } = x;
  return (w, grad) => {
    grad.fill(0);
    const b = w[cols]!;
    let loss = 0;
    let gb = 0;
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let z = b;
      for (let c = 0; c < cols; c++) z += data[o + c]! * w[c]!;
      // log(1 + e^z) - y z, and p = σ(z), computed stably.
      const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      const p = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
      const yr = y[r]!;
      loss += softplus - yr * z;
      const e = p - yr;
      gb += e;
      for (let c = 0; c < cols; c++) grad[c] = grad[c]! + e * data[o + c]!;
    }
    let penalty = 0;
    for (let c = 0; c < cols; c++) {
      penalty += w[c]! * w[c]!;
      grad[c] = grad[c]! + w[c]! / C;
    }
    grad[cols] = gb;
    return loss + (0.5 * penalty) / C;
  };
}

/** Σ multinomial log-loss + ½‖W‖²/C; parameters [W (F × K, row-major), b (K)]. */
function multinomialObjective(x: Matrix, y: Int32Array, K: number, C: number): Objective {
  const { rows, cols, data } = x;
  const z = new Float64Array(K);
  return (w, grad) => {
    grad.fill(0);
    const bo = cols * K;
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      for (let k = 0; k < K; k++) z[k] = w[bo + k]!;
      for (let c = 0; c < cols; c++) {
        const v = data[o + c]!;
        if (v === 0) continue;
        const wo = c * K;
        for (let k = 0; k < K; k++) z[k] = z[k]! + v * w[wo + k]!;
      }
      let max = -Infinity;
      for (let k = 0; k < K; k++) if (z[k]! > max) max = z[k]!;
      let sum = 0;
      for (let k = 0; k < K; k++) sum += z[k] = Math.exp(z[k]! - max);
      const yr = y[r]!;
      loss += Math.log(sum) - Math.log(z[yr]!);
      for (let k = 0; k < K; k++) z[k] = z[k]! / sum;
      z[yr] = z[yr]! - 1;
      for (let k = 0; k < K; k++) grad[bo + k] = grad[bo + k]! + z[k]!;
      for (let c = 0; c < cols; c++) {
        const v = data[o + c]!;
        if (v === 0) continue;
        const wo = c * K;
        for (let k = 0; k < K; k++) grad[wo + k] = grad[wo + k]! + v * z[k]!;
      }
    }
    let penalty = 0;
    for (let i = 0; i < bo; i++) {
      penalty += w[i]! * w[i]!;
      grad[i] = grad[i]! + w[i]! / C;
    }
    return loss + (0.5 * penalty) / C;
  };
}

/** Fits logistic regression on standardised `x` and class indices `y` (0..classes-1), one step per L-BFGS iteration. */
export function* fitLogisticSteps(x: Matrix, y: Int32Array, classes: number, o: LogisticOptions): Generator<void, LinearFit> {
  const F = x.cols;
  const binary = classes === 2;
  const objective = binary ? binaryObjective(x, y, o.C) : multinomialObjective(x, y, classes, o.C);
  const n = x.rows;
  const result = yield* minimiseLbfgs(objective, new Float64Array(binary ? F + 1 : (F + 1) * classes), {
    gtol: o.tol,
    maxIter: o.maxIter,
    ...(o.onIteration ? { onIteration: (i: number, f: number) => o.onIteration!(i, f / n) } : {}),
  });
  const w = result.w;
  let weights: number[];
  let bias: number[];
  if (binary) {
    weights = [];
    for (let c = 0; c < F; c++) weights.push(0, w[c]!);
    bias = [0, w[F]!];
  } else {
    weights = Array.from(w.subarray(0, F * classes));
    bias = Array.from(w.subarray(F * classes));
  }
  const losses = result.history.map((f) => f / n);
  if (losses.length === 0) losses.push(result.f / n);
  return { layers: [{ inputs: F, outputs: classes, weights, bias, activation: 'softmax' }], losses, iterations: result.iterations, converged: result.converged };
}

/**
 * Least squares (ridge when `alpha` > 0, penalty alpha·‖w‖² on the standardised coefficients) on
 * standardised `x` (each column mean 0) and targets `y`: (XᵀX + αI) w = Xᵀ(y - ȳ), intercept ȳ.
 */
export function fitLinearRegression(x: Matrix, y: Float64Array, alpha: number): LinearFit {
  const { rows, cols, data } = x;
  let mean = 0;
  for (let r = 0; r < rows; r++) mean += y[r]!;
  mean /= rows;
  const A = new Float64Array(cols * cols);
  const b = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const t = y[r]! - mean;
    for (let i = 0; i < cols; i++) {
      const xi = data[o + i]!;
      if (xi === 0) continue;
      b[i] = b[i]! + xi * t;
      const ai = i * cols;
      for (let j = 0; j <= i; j++) A[ai + j] = A[ai + j]! + xi * data[o + j]!;
    }
  }
  for (let i = 0; i < cols; i++) A[i * cols + i] = A[i * cols + i]! + alpha;
  const w = solveCholesky(A, b, cols);
  let sse = 0;
  for (let r = 0; r < rows; r++) {
    let p = mean;
    for (let c = 0; c < cols; c++) p += data[r * cols + c]! * w[c]!;
    sse += (y[r]! - p) ** 2;
  }
  return { layers: [{ inputs: cols, outputs: 1, weights: Array.from(w), bias: [mean], activation: 'identity' }], losses: [sse / rows], iterations: 1, converged: true };
}

/**
 * Solves A w = b for symmetric positive semi-definite A (lower triangle filled) by Cholesky. A pivot that
 * is (relative to the diagonal) zero marks a column dependent on earlier ones: its coefficient is 0.
 */
function solveCholesky(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  const skip = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j]!;
    for (let k = 0; k < j; k++) d -= L[j * n + k]! ** 2;
    if (!(d > 1e-10 * Math.max(A[j * n + j]!, 1e-300))) {
      skip[j] = 1;
      continue;
    }
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = A[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = s / ljj;
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (skip[i]) continue;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * z[k]!;
    z[i] = s / L[i * n + i]!;
  }
  const w = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    if (skip[i]) continue;
    let s = z[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * w[k]!;
    w[i] = s / L[i * n + i]!;
  }
  return w;
}
