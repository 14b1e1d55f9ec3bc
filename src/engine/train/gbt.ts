// Gradient-boosted trees for classification and regression, built as scikit-learn's
// HistGradientBoosting builds them, with its defaults: each feature cut into at most 255 bins (quantiles
// of the training rows), trees grown leaf-wise (the split with the largest gain first) up to 31 leaves,
// at least 20 rows per leaf, second-order gain G²/(H+λ) with λ = 0, leaves -G/(H+λ) scaled by the learning
// rate 0.1, up to 100 iterations, and (above 10,000 rows) early stopping on the loss of a 10% validation
// split (stratified for classification) when 10 iterations in a row gain less than 1e-7. Losses: half
// squared error (one tree per iteration), binary log-loss (one tree on the log-odds), multinomial
// log-loss (one tree per class per iteration).
// Histograms of the larger child come from the parent's minus the smaller child's. Rows are kept as
// index ranges of one partition array; bins are one Uint8Array per feature. Thresholds are compared in
// float32 (fround), exactly as ONNX's TreeEnsembleRegressor does, so the TypeScript predictions and
// onnxruntime's agree.
import { z } from 'zod';
import type { Matrix } from './model';
import { Rng } from './rng';

const TreeSchema = z.object({
  /** Class whose score the tree adds to (0 for regression and for the two-class log-odds). */
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

type GbtTarget = { task: 'classification'; y: Int32Array; classes: number } | { task: 'regression'; y: Float64Array };

interface GbtOptions {
  maxIter: number;
  lr: number;
  maxLeafNodes: number;
  /** null: no depth limit (leaf-wise growth stops at maxLeafNodes). */
  maxDepth: number | null;
  minSamplesLeaf: number;
  l2: number;
  maxBins: number;
  /** 'auto': on when there are more than 10,000 rows. */
  earlyStopping: 'auto' | boolean;
  validationFraction: number;
  nIterNoChange: number;
  tol: number;
  seed: number;
  /** Per feature: the value that stands for a missing one (the training mean). */
  impute: ArrayLike<number>;
  onRound?: (round: number, loss: number) => boolean | void;
}

export const GBT_DEFAULTS = { maxIter: 100, lr: 0.1, maxLeafNodes: 31, maxDepth: null, minSamplesLeaf: 20, l2: 0, maxBins: 255, earlyStopping: 'auto', validationFraction: 0.1, nIterNoChange: 10, tol: 1e-7 } as const;

interface GbtFit {
  ensemble: Ensemble;
  /** Mean training loss after each iteration. */
  losses: number[];
  /** Mean validation loss after each iteration (empty without early stopping). */
  validationLosses: number[];
  iterations: number;
  /** Whether early stopping ended the fit. */
  stoppedEarly: boolean;
}

const HALF_LOG_EPS = 1e-15;
const MIN_HESSIAN = 1e-3;

/** Cut points per feature: midpoints between distinct values when there are few, else quantiles (midpoint method). */
function binEdges(col: Float64Array, maxBins: number): Float64Array {
  const sorted = Float64Array.from(col).sort();
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const cuts: number[] = [];
  if (distinct <= maxBins) {
    for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1]) cuts.push((sorted[i - 1]! + sorted[i]!) / 2);
  } else {
    let last = -Infinity;
    for (let q = 1; q < maxBins; q++) {
      const p = (q / maxBins) * (sorted.length - 1);
      const cut = (sorted[Math.floor(p)]! + sorted[Math.ceil(p)]!) / 2;
      if (cut > last) cuts.push((last = cut));
    }
  }
  // Cut points equal in float32 would make empty bins that ONNX cannot tell apart.
  const out: number[] = [];
  for (const c of cuts) if (out.length === 0 || Math.fround(c) > Math.fround(out[out.length - 1]!)) out.push(c);
  return Float64Array.from(out);
}

/** The bin of `v`: the first cut point it is at most, compared in float32 (`edges32` holds the cut points rounded to float32). */
function binIndex(v: number, edges32: Float32Array): number {
  const fv = Math.fround(v);
  let lo = 0;
  let hi = edges32.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fv <= edges32[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A node being grown: its rows are partition[start, end). */
interface Grow {
  id: number;
  start: number;
  end: number;
  depth: number;
  G: number;
  H: number;
  hist: Float64Array | null;
  split: { gain: number; feature: number; bin: number; gl: number; hl: number; nl: number } | null;
}

class TreeGrower {
  readonly hsize: number;
  private readonly og: Float64Array;
  private readonly oh: Float64Array;
  private readonly scratch: Uint32Array;
  /** Histogram buffers for reuse: a tree needs at most one per open node. */
  private readonly pool: Float64Array[] = [];
  constructor(
    private readonly bins: Uint8Array[],
    private readonly nbins: Int32Array,
    private readonly partition: Uint32Array,
    private readonly o: GbtOptions,
  ) {
    this.hsize = bins.length * 256 * 3;
    this.og = new Float64Array(partition.length);
    this.oh = new Float64Array(partition.length);
    this.scratch = new Uint32Array(partition.length);
  }

  /** Histograms [feature][bin] of (Σg, Σh, count) over the node's rows. */
  private histogram(node: Grow, g: Float64Array, h: Float64Array): Float64Array {
    const hist = this.pool.pop()?.fill(0) ?? new Float64Array(this.hsize);
    const { og, oh, partition } = this;
    const n = node.end - node.start;
    for (let i = 0; i < n; i++) {
      const r = partition[node.start + i]!;
      og[i] = g[r]!;
      oh[i] = h[r]!;
    }
    const rows = partition.subarray(node.start, node.end);
    const F = this.bins.length;
    let f = 0;
    // Four features per pass over the rows: each row's index, gradient and hessian are loaded once for four.
    for (; f + 4 <= F; f += 4) {
      const b0 = this.bins[f]!;
      const b1 = this.bins[f + 1]!;
      const b2 = this.bins[f + 2]!;
      const b3 = this.bins[f + 3]!;
      const o0 = f * 768;
      const o1 = o0 + 768;
      const o2 = o1 + 768;
      const o3 = o2 + 768;
      for (let i = 0; i < n; i++) {
        const r = rows[i]!;
        const gi = og[i]!;
        const hi = oh[i]!;
        let b = o0 + b0[r]! * 3;
        hist[b]! += gi;
        hist[b + 1]! += hi;
        hist[b + 2]!++;
        b = o1 + b1[r]! * 3;
        hist[b]! += gi;
        hist[b + 1]! += hi;
        hist[b + 2]!++;
        b = o2 + b2[r]! * 3;
        hist[b]! += gi;
        hist[b + 1]! += hi;
        hist[b + 2]!++;
        b = o3 + b3[r]! * 3;
        hist[b]! += gi;
        hist[b + 1]! += hi;
        hist[b + 2]!++;
      }
    }
    for (; f < F; f++) {
      const bf = this.bins[f]!;
      const base = f * 768;
      for (let i = 0; i < n; i++) {
        const b = base + bf[rows[i]!]! * 3;
        hist[b]! += og[i]!;
        hist[b + 1]! += oh[i]!;
        hist[b + 2]!++;
      }
    }
    return hist;
  }

  private findSplit(node: Grow): void {
    const { o } = this;
    const hist = node.hist!;
    const n = node.end - node.start;
    node.split = null;
    if (n < 2 * o.minSamplesLeaf || (o.maxDepth !== null && node.depth >= o.maxDepth)) return;
    const parent = (node.G * node.G) / (node.H + o.l2);
    let best = 0;
    for (let f = 0; f < this.bins.length; f++) {
      const nb = this.nbins[f]!;
      const base = f * 768;
      let gl = 0;
      let hl = 0;
      let nl = 0;
      for (let b = 0; b + 1 < nb; b++) {
        gl += hist[base + b * 3]!;
        hl += hist[base + b * 3 + 1]!;
        nl += hist[base + b * 3 + 2]!;
        if (nl < o.minSamplesLeaf) continue;
        if (n - nl < o.minSamplesLeaf) break;
        const hr = node.H - hl;
        if (hl < MIN_HESSIAN || hr < MIN_HESSIAN) continue;
        const gr = node.G - gl;
        const gain = (gl * gl) / (hl + o.l2) + (gr * gr) / (hr + o.l2) - parent;
        if (gain > best) {
          best = gain;
          node.split = { gain, feature: f, bin: b, gl, hl, nl };
        }
      }
    }
  }

  private release(node: Grow): void {
    if (node.hist) this.pool.push(node.hist);
    node.hist = null;
  }

  /** Grows one tree on gradients g and hessians h of the rows in partition[0, rows); returns it with the bin threshold per node. */
  grow(rows: number, g: Float64Array, h: Float64Array, target: number, edges: Float64Array[], leafRows: (start: number, end: number, value: number) => void): { tree: Tree; binThreshold: number[] } {
    const { o, partition } = this;
    const tree: Tree = { target, feature: [], threshold: [], left: [], right: [], value: [] };
    const binThreshold: number[] = [];
    const addNode = (): number => {
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(0);
      tree.right.push(0);
      tree.value.push(0);
      binThreshold.push(0);
      return tree.feature.length - 1;
    };
    let G = 0;
    let H = 0;
    for (let i = 0; i < rows; i++) {
      G += g[partition[i]!]!;
      H += h[partition[i]!]!;
    }
    const root: Grow = { id: addNode(), start: 0, end: rows, depth: 0, G, H, hist: null, split: null };
    root.hist = this.histogram(root, g, h);
    this.findSplit(root);
    const open: Grow[] = [];
    const leaves: Grow[] = [];
    if (root.split) open.push(root);
    else leaves.push(root);
    let leafCount = 1;
    while (open.length > 0 && leafCount < o.maxLeafNodes) {
      // The open node with the largest gain (a linear scan: at most 31 nodes).
      let at = 0;
      for (let i = 1; i < open.length; i++) if (open[i]!.split!.gain > open[at]!.split!.gain) at = i;
      const node = open.splice(at, 1)[0]!;
      const s = node.split!;
      // Stable partition: left rows first, keeping their order.
      const bf = this.bins[s.feature]!;
      let l = node.start;
      let r = 0;
      for (let i = node.start; i < node.end; i++) {
        const row = partition[i]!;
        if (bf[row]! <= s.bin) partition[l++] = row;
        else this.scratch[r++] = row;
      }
      partition.set(this.scratch.subarray(0, r), l);
      const left: Grow = { id: addNode(), start: node.start, end: l, depth: node.depth + 1, G: s.gl, H: s.hl, hist: null, split: null };
      const right: Grow = { id: addNode(), start: l, end: node.end, depth: node.depth + 1, G: node.G - s.gl, H: node.H - s.hl, hist: null, split: null };
      tree.feature[node.id] = s.feature;
      tree.threshold[node.id] = edges[s.feature]![s.bin]!;
      binThreshold[node.id] = s.bin;
      tree.left[node.id] = left.id;
      tree.right[node.id] = right.id;
      const [small, large] = left.end - left.start <= right.end - right.start ? [left, right] : [right, left];
      small.hist = this.histogram(small, g, h);
      const parentHist = node.hist!;
      const sh = small.hist;
      for (let i = 0; i < parentHist.length; i++) parentHist[i]! -= sh[i]!;
      large.hist = parentHist;
      node.hist = null;
      leafCount++;
      for (const child of [left, right]) {
        this.findSplit(child);
        if (child.split) open.push(child);
        else {
          this.release(child);
          leaves.push(child);
        }
      }
    }
    for (const leaf of [...leaves, ...open]) {
      const value = (-leaf.G / (leaf.H + o.l2)) * o.lr;
      tree.value[leaf.id] = value;
      leafRows(leaf.start, leaf.end, value);
      this.release(leaf);
    }
    return { tree, binThreshold };
  }
}

/** Fills the gradients and hessians of each class at the scores `raw` (rows × K) of rows `idx`; returns their mean loss. */
function gradients(target: GbtTarget, raw: Float64Array, K: number, idx: Uint32Array, g: Float64Array[], h: Float64Array[]): number {
  let loss = 0;
  const m = idx.length;
  if (target.task === 'regression') {
    const y = target.y;
    const g0 = g[0]!;
    for (let i = 0; i < m; i++) {
      const r = idx[i]!;
      const e = raw[r]! - y[r]!;
      g0[r] = e;
      loss += 0.5 * e * e;
    }
  } else if (K === 1) {
    const y = target.y;
    const g0 = g[0]!;
    const h0 = h[0]!;
    for (let i = 0; i < m; i++) {
      const r = idx[i]!;
      const z = raw[r]!;
      const e = Math.exp(-Math.abs(z));
      const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      g0[r] = p - y[r]!;
      h0[r] = p * (1 - p);
      loss += (z > 0 ? z : 0) + Math.log1p(e) - y[r]! * z;
    }
  } else {
    const y = target.y;
    const ex = new Float64Array(K);
    for (let i = 0; i < m; i++) {
      const r = idx[i]!;
      const o = r * K;
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, raw[o + k]!);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += ex[k] = Math.exp(raw[o + k]! - max);
      const yr = y[r]!;
      for (let k = 0; k < K; k++) {
        const p = ex[k]! / sum;
        g[k]![r] = p - (yr === k ? 1 : 0);
        h[k]![r] = p * (1 - p);
      }
      loss += Math.log(sum) + max - raw[o + yr]!;
    }
  }
  return loss / Math.max(1, m);
}

/** Mean loss of raw scores (rows × K) on rows `idx`. */
function meanLoss(target: GbtTarget, raw: Float64Array, K: number, idx: Uint32Array): number {
  let loss = 0;
  for (const r of idx) {
    if (target.task === 'regression') loss += 0.5 * (raw[r]! - target.y[r]!) ** 2;
    else if (K === 1) {
      const z = raw[r]!;
      loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - target.y[r]! * z;
    } else {
      let max = -Infinity;
      for (let k = 0; k < K; k++) max = Math.max(max, raw[r * K + k]!);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += Math.exp(raw[r * K + k]! - max);
      loss += Math.log(sum) + max - raw[r * K + target.y[r]!]!;
    }
  }
  return loss / Math.max(1, idx.length);
}

/** Training and validation rows: a (stratified) random validation share when early stopping is on. */
function validationSplit(n: number, target: GbtTarget, o: GbtOptions): { train: Uint32Array; val: Uint32Array } {
  const on = o.earlyStopping === 'auto' ? n > 10_000 : o.earlyStopping;
  if (!on) return { train: Uint32Array.from({ length: n }, (_, i) => i), val: new Uint32Array(0) };
  const rng = new Rng(o.seed ^ 0x6b7);
  const groups = new Map<number, number[]>();
  for (let r = 0; r < n; r++) {
    const key = target.task === 'classification' ? target.y[r]! : 0;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(r);
  }
  const val: number[] = [];
  const train: number[] = [];
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const rows = rng.shuffle(Uint32Array.from(groups.get(key)!));
    const take = Math.round(rows.length * o.validationFraction);
    for (let i = 0; i < rows.length; i++) (i < take ? val : train).push(rows[i]!);
  }
  return { train: Uint32Array.from(train).sort(), val: Uint32Array.from(val).sort() };
}

/** Fits on features `x` and the target, as steps (one per tree); see steps.ts. */
export function* fitGbtSteps(x: Matrix, target: GbtTarget, o: GbtOptions): Generator<void, GbtFit> {
  const n = x.rows;
  const F = x.cols;
  const { train, val } = validationSplit(n, target, o);
  // Bins for every row from edges computed on the training rows (at most 200,000 of them, as scikit-learn samples).
  const sample = train.length > 200_000 ? new Rng(o.seed).shuffle(Uint32Array.from(train)).subarray(0, 200_000) : train;
  const bins: Uint8Array[] = [];
  const edges: Float64Array[] = [];
  const nbins = new Int32Array(F);
  const maxBins = Math.max(2, Math.min(255, o.maxBins));
  // Columns are copied out eight at a time, in one pass over the rows in storage order each.
  const BLOCK = 8;
  const block = Array.from({ length: Math.min(BLOCK, F) }, () => new Float64Array(n));
  for (let f0 = 0; f0 < F; f0 += BLOCK) {
    const width = Math.min(BLOCK, F - f0);
    for (let r = 0; r < n; r++) {
      const o0 = r * F + f0;
      for (let j = 0; j < width; j++) {
        const v = x.data[o0 + j]!;
        block[j]![r] = Number.isNaN(v) ? o.impute[f0 + j]! : v;
      }
    }
    for (let j = 0; j < width; j++) {
      const col = block[j]!;
      const e = binEdges(Float64Array.from(sample, (r) => col[r]!), maxBins);
      const bf = new Uint8Array(n);
      const e32 = Float32Array.from(e);
      for (let r = 0; r < n; r++) bf[r] = binIndex(col[r]!, e32);
      bins.push(bf);
      edges.push(e);
      nbins[f0 + j] = e.length + 1;
    }
  }

  const K = target.task === 'regression' ? 1 : target.classes === 2 ? 1 : target.classes;
  const base = new Array<number>(K).fill(0);
  if (target.task === 'regression') {
    let s = 0;
    for (const r of train) s += target.y[r]!;
    base[0] = s / Math.max(1, train.length);
  } else {
    const counts = new Float64Array(target.classes);
    for (const r of train) counts[target.y[r]!]!++;
    const clip = (p: number): number => Math.min(1 - HALF_LOG_EPS, Math.max(HALF_LOG_EPS, p));
    if (K === 1) {
      const p = clip(counts[1]! / train.length);
      base[0] = Math.log(p / (1 - p));
    } else for (let k = 0; k < K; k++) base[k] = Math.log(clip(counts[k]! / train.length));
  }
  const raw = new Float64Array(n * K);
  for (let r = 0; r < n; r++) for (let k = 0; k < K; k++) raw[r * K + k] = base[k]!;
  const g = Array.from({ length: K }, () => new Float64Array(n));
  const h = Array.from({ length: K }, () => new Float64Array(n));
  if (target.task === 'regression') h[0]!.fill(1);
  const partition = new Uint32Array(train.length);
  const grower = new TreeGrower(bins, nbins, partition, o);
  const trees: Tree[] = [];
  const losses: number[] = [];
  const validationLosses: number[] = [];
  const scores: number[] = [];
  if (val.length > 0) scores.push(-meanLoss(target, raw, K, val));
  gradients(target, raw, K, train, g, h);
  let stoppedEarly = false;
  let iterations = 0;
  for (let it = 0; it < o.maxIter; it++) {
    for (let k = 0; k < K; k++) {
      partition.set(train);
      const { tree, binThreshold } = grower.grow(train.length, g[k]!, h[k]!, K === 1 && target.task === 'classification' ? 1 : k, edges, (start, end, value) => {
        for (let i = start; i < end; i++) raw[partition[i]! * K + k]! += value;
      });
      trees.push(tree);
      for (const r of val) {
        let node = 0;
        while (tree.feature[node]! >= 0) node = bins[tree.feature[node]!]![r]! <= binThreshold[node]! ? tree.left[node]! : tree.right[node]!;
        raw[r * K + k]! += tree.value[node]!;
      }
      yield;
    }
    iterations++;
    // The loss of the scores now, and the gradients the next iteration fits.
    const loss = gradients(target, raw, K, train, g, h);
    losses.push(loss);
    if (val.length > 0) {
      const vl = meanLoss(target, raw, K, val);
      validationLosses.push(vl);
      scores.push(-vl);
      if (scores.length > o.nIterNoChange) {
        const reference = scores[scores.length - o.nIterNoChange - 1]! + o.tol;
        if (!scores.slice(-o.nIterNoChange).some((s) => s > reference)) {
          stoppedEarly = true;
          break;
        }
      }
    }
    if (o.onRound?.(it, loss) === false) break;
  }
  // Two classes: the scores are [0, log-odds], so that softmax gives [1 - p, p].
  const ensembleBase = target.task === 'classification' && K === 1 ? [0, base[0]!] : base;
  return { ensemble: { base: ensembleBase, trees }, losses, validationLosses, iterations, stoppedEarly };
}

/** The leaf value a row reaches (comparisons in float32, as ONNX runtimes do). */
function treeValue(tree: Tree, data: ArrayLike<number>, offset: number): number {
  let node = 0;
  while (tree.feature[node]! >= 0) {
    node = Math.fround(data[offset + tree.feature[node]!]!) <= Math.fround(tree.threshold[node]!) ? tree.left[node]! : tree.right[node]!;
  }
  return tree.value[node]!;
}

/** Scores (before softmax; the prediction for regression) for rows of `data` (missing values already imputed). */
export function ensembleScores(ensemble: Ensemble, data: Float64Array, rows: number, cols: number, outputs: number): Float64Array {
  const out = new Float64Array(rows * outputs);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < outputs; k++) out[r * outputs + k] = ensemble.base[k]!;
    for (const t of ensemble.trees) out[r * outputs + t.target]! += treeValue(t, data, r * cols);
  }
  return out;
}
