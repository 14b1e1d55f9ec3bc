// Training an MLP (ReLU hidden layers) by mini-batch Adam with L2, on Float64Arrays: a softmax output on
// cross-entropy for classification, one linear output on half squared error for regression (fitted to
// the standardised target, whose mean and scale are folded back into the last layer). Deterministic for
// a given seed: the initial weights and the order of the batches come from the seeded PRNG only.
import { Rng, permutation } from './rng';
import { denseForward, type Layer, type Matrix } from './model';

interface FitOptions {
  hidden: number[];
  epochs: number;
  lr: number;
  batchSize: number;
  l2: number;
  seed: number;
  /** Called after each epoch with the mean training loss; return false to stop early. */
  onEpoch?: (epoch: number, loss: number) => boolean | void;
}

interface FitResult {
  layers: Layer[];
  losses: number[];
}

interface Param {
  w: Float64Array;
  b: Float64Array;
  gw: Float64Array;
  gb: Float64Array;
  mw: Float64Array;
  vw: Float64Array;
  mb: Float64Array;
  vb: Float64Array;
  inputs: number;
  outputs: number;
  activation: Layer['activation'];
}

type DenseTarget = { task: 'classification'; y: Int32Array; classes: number } | { task: 'regression'; y: Float64Array };

/** Fits on standardised features `x` and the target, as steps (one per batch); see steps.ts. */
export function* fitDenseSteps(x: Matrix, target: DenseTarget, options: FitOptions): Generator<void, FitResult> {
  const rng = new Rng(options.seed);
  const regression = target.task === 'regression';
  const classes = regression ? 1 : target.classes;
  // Regression fits (y - mean) / sd; the last layer is rescaled at the end.
  let yMean = 0;
  let ySd = 1;
  if (regression) {
    const y = target.y;
    for (let i = 0; i < y.length; i++) yMean += y[i]!;
    yMean /= y.length;
    let ss = 0;
    for (let i = 0; i < y.length; i++) ss += (y[i]! - yMean) ** 2;
    ySd = Math.sqrt(ss / y.length) || 1;
  }
  const sizes = [x.cols, ...options.hidden, classes];
  const params: Param[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inputs = sizes[l]!;
    const outputs = sizes[l + 1]!;
    const last = l + 2 === sizes.length;
    const w = new Float64Array(inputs * outputs);
    // Logistic regression starts at zero (a convex problem); hidden layers need He initialisation.
    if (options.hidden.length > 0) {
      const std = Math.sqrt(2 / inputs);
      for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
    }
    const z = () => new Float64Array(inputs * outputs);
    const zb = () => new Float64Array(outputs);
    params.push({ w, b: zb(), gw: z(), gb: zb(), mw: z(), vw: z(), mb: zb(), vb: zb(), inputs, outputs, activation: last ? (regression ? 'identity' : 'softmax') : 'relu' });
  }

  const n = x.rows;
  const batch = Math.max(1, Math.min(options.batchSize, n));
  // Buffers per layer: activations (A_0 is the batch input) and gradients.
  const acts = sizes.map((s) => new Float64Array(batch * s));
  const grads = sizes.map((s) => new Float64Array(batch * s));
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;
  let step = 0;
  const losses: number[] = [];
  const order = permutation(n, rng);

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    rng.shuffle(order);
    let lossSum = 0;
    for (let start = 0; start < n; start += batch) {
      const bs = Math.min(batch, n - start);
      const a0 = acts[0]!;
      for (let r = 0; r < bs; r++) a0.set(x.data.subarray(order[start + r]! * x.cols, (order[start + r]! + 1) * x.cols), r * x.cols);
      for (let l = 0; l < params.length; l++) {
        const p = params[l]!;
        denseForward(acts[l]!, bs, { inputs: p.inputs, outputs: p.outputs, weights: p.w, bias: p.b, activation: p.activation }, acts[l + 1]!);
      }
      // Output gradient: (P - Y) / bs, and the loss.
      const K = classes;
      const pOut = acts[params.length]!;
      const dOut = grads[params.length]!;
      if (target.task === 'regression') {
        for (let r = 0; r < bs; r++) {
          const e = pOut[r]! - (target.y[order[start + r]!]! - yMean) / ySd;
          dOut[r] = e / bs;
          lossSum += 0.5 * e * e;
        }
      } else {
        for (let r = 0; r < bs; r++) {
          const label = target.y[order[start + r]!]!;
          for (let j = 0; j < K; j++) dOut[r * K + j] = pOut[r * K + j]! / bs;
          dOut[r * K + label]! -= 1 / bs;
          lossSum -= Math.log(Math.max(pOut[r * K + label]!, 1e-15));
        }
      }
      step++;
      const lrT = (options.lr * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
      for (let l = params.length - 1; l >= 0; l--) {
        const p = params[l]!;
        const aIn = acts[l]!;
        const dZ = grads[l + 1]!;
        const { inputs, outputs, w, gw, gb } = p;
        for (let i = 0; i < gw.length; i++) gw[i] = options.l2 * w[i]!;
        gb.fill(0);
        for (let r = 0; r < bs; r++) {
          const zo = r * outputs;
          const ao = r * inputs;
          for (let j = 0; j < outputs; j++) gb[j] = gb[j]! + dZ[zo + j]!;
          for (let k = 0; k < inputs; k++) {
            const a = aIn[ao + k]!;
            if (a === 0) continue;
            const wo = k * outputs;
            for (let j = 0; j < outputs; j++) gw[wo + j] = gw[wo + j]! + a * dZ[zo + j]!;
          }
        }
        if (l > 0) {
          // dA_{l-1} = dZ · Wᵀ, masked by the ReLU of layer l-1.
          const dPrev = grads[l]!;
          for (let r = 0; r < bs; r++) {
            const zo = r * outputs;
            const ao = r * inputs;
            for (let k = 0; k < inputs; k++) {
              if (aIn[ao + k]! <= 0) {
                dPrev[ao + k] = 0;
                continue;
              }
              let s = 0;
              const wo = k * outputs;
              for (let j = 0; j < outputs; j++) s += dZ[zo + j]! * w[wo + j]!;
              dPrev[ao + k] = s;
            }
          }
        }
        adam(w, gw, p.mw, p.vw, lrT, beta1, beta2, eps);
        adam(p.b, gb, p.mb, p.vb, lrT, beta1, beta2, eps);
      }
      yield;
    }
    // Regression reports the half squared error in the target's own units.
    const loss = (lossSum / n) * ySd * ySd;
    losses.push(loss);
    if (options.onEpoch?.(epoch, loss) === false) break;
  }

  if (regression) {
    const out = params[params.length - 1]!;
    for (let i = 0; i < out.w.length; i++) out.w[i]! *= ySd;
    out.b[0] = out.b[0]! * ySd + yMean;
  }
  const layers: Layer[] = params.map((p) => ({ inputs: p.inputs, outputs: p.outputs, weights: Array.from(p.w), bias: Array.from(p.b), activation: p.activation }));
  return { layers, losses };
}

function adam(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, lrT: number, b1: number, b2: number, eps: number): void {
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]!;
    const mi = (m[i] = b1 * m[i]! + (1 - b1) * gi);
    const vi = (v[i] = b2 * v[i]! + (1 - b2) * gi * gi);
    w[i]! -= (lrT * mi) / (Math.sqrt(vi) + eps);
  }
}
