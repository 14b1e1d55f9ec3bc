// Gradient-boosted trees for classification (softmax loss, one regression tree per class per round),
// on histograms: each feature is cut into at most 64 bins by quantiles of the training rows, splits
// maximise the second-order gain G²/(H+λ), leaves are -G/(H+λ) scaled by the learning rate.
// Thresholds are compared in float32 (fround), exactly as ONNX's TreeEnsembleRegressor does, so the
// TypeScript predictions and onnxruntime's agree.
import { z } from 'zod';
import type { Matrix } from './model';

const TreeSchema = z.object({
  /** Class whose score the tree adds to. */
  target: z.number().int(),
  /** Per node: feature index (-1 for a leaf), threshold (go left when x ≤ threshold), children, leaf value. */
  feature: z.array(z.number().int()),
  threshold: z.array(z.number()),
  left: z.array(z.number().int()),
  right: z.array(z.number().int()),
  value: z.array(z.number()),
});
type Tree = z.infer<typeof TreeSchema>;

export const EnsembleSchema = z.object({ base: z.array(z.number()), trees: z.array(TreeSchema) });
export type Ensemble = z.infer<typeof EnsembleSchema>;

interface GbtOptions {
  rounds: number;
  lr: number;
  maxDepth: number;
  lambda: number;
  minRows: number;
  maxBins: number;
  onRound?: (round: number, loss: number) => boolean | void;
}

interface Binned {
  bins: Uint8Array[];
  /** Per feature: threshold after bin b (x ≤ edges[b] ⇔ bin ≤ b). */
  edges: Float64Array[];
}

function binFeatures(x: Matrix, maxBins: number): Binned {
  const bins: Uint8Array[] = [];
  const edges: Float64Array[] = [];
  for (let c = 0; c < x.cols; c++) {
    const col = new Float64Array(x.rows);
    for (let r = 0; r < x.rows; r++) col[r] = x.data[r * x.cols + c]!;
    const sorted = Float64Array.from(col).sort();
    const distinct: number[] = [];
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
    // Cut points: midpoints between distinct values, at most maxBins - 1 of them, by quantile.
    const cuts: number[] = [];
    if (distinct.length <= maxBins) {
      for (let i = 0; i + 1 < distinct.length; i++) cuts.push((distinct[i]! + distinct[i + 1]!) / 2);
    } else {
      let last = -Infinity;
      for (let b = 1; b < maxBins; b++) {
        const q = sorted[Math.floor((b * sorted.length) / maxBins)]!;
        const i = distinct.findIndex((d) => d >= q);
        if (i <= 0) continue;
        const cut = (distinct[i - 1]! + distinct[i]!) / 2;
        if (cut > last) cuts.push((last = cut));
      }
    }
    const e = Float64Array.from(cuts);
    const bc = new Uint8Array(x.rows);
    for (let r = 0; r < x.rows; r++) {
      const v = col[r]!;
      let lo = 0;
      let hi = e.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (Math.fround(v) <= Math.fround(e[mid]!)) hi = mid;
        else lo = mid + 1;
      }
      bc[r] = lo;
    }
    bins.push(bc);
    edges.push(e);
  }
  return { bins, edges };
}

function buildTree(rows: Uint32Array, g: Float64Array, h: Float64Array, binned: Binned, target: number, o: GbtOptions): Tree {
  const tree: Tree = { target, feature: [], threshold: [], left: [], right: [], value: [] };
  const F = binned.bins.length;
  const grow = (idx: Uint32Array, depth: number): number => {
    const id = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(0);
    tree.right.push(0);
    tree.value.push(0);
    let G = 0;
    let H = 0;
    for (const r of idx) {
      G += g[r]!;
      H += h[r]!;
    }
    tree.value[id] = (-G / (H + o.lambda)) * o.lr;
    if (depth >= o.maxDepth || idx.length < 2 * o.minRows) return id;
    const parent = (G * G) / (H + o.lambda);
    let best = { gain: 1e-12, feature: -1, bin: -1 };
    for (let f = 0; f < F; f++) {
      const nb = binned.edges[f]!.length + 1;
      if (nb < 2) continue;
      const gs = new Float64Array(nb);
      const hs = new Float64Array(nb);
      const ns = new Int32Array(nb);
      const bf = binned.bins[f]!;
      for (const r of idx) {
        const b = bf[r]!;
        gs[b]! += g[r]!;
        hs[b]! += h[r]!;
        ns[b]!++;
      }
      let gl = 0;
      let hl = 0;
      let nl = 0;
      for (let b = 0; b + 1 < nb; b++) {
        gl += gs[b]!;
        hl += hs[b]!;
        nl += ns[b]!;
        const nr = idx.length - nl;
        if (nl < o.minRows || nr < o.minRows) continue;
        const gr = G - gl;
        const hr = H - hl;
        const gain = (gl * gl) / (hl + o.lambda) + (gr * gr) / (hr + o.lambda) - parent;
        if (gain > best.gain) best = { gain, feature: f, bin: b };
      }
    }
    if (best.feature < 0) return id;
    const bf = binned.bins[best.feature]!;
    const leftRows = idx.filter((r) => bf[r]! <= best.bin);
    const rightRows = idx.filter((r) => bf[r]! > best.bin);
    tree.feature[id] = best.feature;
    tree.threshold[id] = binned.edges[best.feature]![best.bin]!;
    tree.value[id] = 0;
    tree.left[id] = grow(leftRows, depth + 1);
    tree.right[id] = grow(rightRows, depth + 1);
    return id;
  };
  grow(rows, 0);
  return tree;
}

/** Fits on features `x` (no missing values) and class indices `y`, as steps (one per tree); see steps.ts. */
export function* fitGbtSteps(x: Matrix, y: Int32Array, classes: number, o: GbtOptions): Generator<void, { ensemble: Ensemble; losses: number[] }> {
  const n = x.rows;
  const binned = binFeatures(x, Math.min(255, o.maxBins));
  const counts = new Float64Array(classes);
  for (const k of y) counts[k]!++;
  const base = Array.from(counts, (c) => Math.log(Math.max(c, 1) / n));
  const scores = new Float64Array(n * classes);
  for (let r = 0; r < n; r++) for (let k = 0; k < classes; k++) scores[r * classes + k] = base[k]!;
  const trees: Tree[] = [];
  const losses: number[] = [];
  const p = new Float64Array(n * classes);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  for (let round = 0; round < o.rounds; round++) {
    let loss = 0;
    for (let r = 0; r < n; r++) {
      let max = -Infinity;
      for (let k = 0; k < classes; k++) max = Math.max(max, scores[r * classes + k]!);
      let sum = 0;
      for (let k = 0; k < classes; k++) sum += p[r * classes + k] = Math.exp(scores[r * classes + k]! - max);
      for (let k = 0; k < classes; k++) p[r * classes + k]! /= sum;
      loss -= Math.log(Math.max(p[r * classes + y[r]!]!, 1e-15));
    }
    losses.push(loss / n);
    if (o.onRound?.(round, loss / n) === false) break;
    for (let k = 0; k < classes; k++) {
      for (let r = 0; r < n; r++) {
        const pk = p[r * classes + k]!;
        g[r] = pk - (y[r] === k ? 1 : 0);
        h[r] = Math.max(pk * (1 - pk), 1e-6);
      }
      const tree = buildTree(all, g, h, binned, k, o);
      trees.push(tree);
      yield;
      for (let r = 0; r < n; r++) scores[r * classes + k]! += treeValue(tree, x.data, r * x.cols);
    }
  }
  return { ensemble: { base, trees }, losses };
}

/** The leaf value a row reaches (comparisons in float32, as ONNX runtimes do). */
function treeValue(tree: Tree, data: ArrayLike<number>, offset: number): number {
  let node = 0;
  while (tree.feature[node]! >= 0) {
    node = Math.fround(data[offset + tree.feature[node]!]!) <= Math.fround(tree.threshold[node]!) ? tree.left[node]! : tree.right[node]!;
  }
  return tree.value[node]!;
}

/** Class scores (before softmax) for rows of `data` (missing values already imputed). */
export function ensembleScores(ensemble: Ensemble, data: Float64Array, rows: number, cols: number, classes: number): Float64Array {
  const out = new Float64Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < classes; k++) out[r * classes + k] = ensemble.base[k]!;
    for (const t of ensemble.trees) out[r * classes + t.target]! += treeValue(t, data, r * cols);
  }
  return out;
}
