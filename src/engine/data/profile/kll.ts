// The KLL quantile sketch (Karnin, Lang & Liberty 2016): a stack of compactors, level h holding items
// that each stand for 2^h values, with capacities k·(2/3)^depth (at least MIN_CAPACITY, which only makes
// it more accurate). A full level is sorted and every other item (the odd or the even ones, at random)
// moves up, merged into the level above, which so stays sorted: only level 0 is ever sorted whole (the
// sort was most of a profile's time in the sketch). Memory is a few thousand numbers whatever the stream; with k = 400 the rank of a reported
// quantile is within about 0.7% of the asked one (measured in test/unit/data.profile.test.ts: ≤ 1%).
// The random choices come from a fixed seed, so a profile of the same file is the same every time.
const KLL_K = 400;

export interface KllState {
  levels: Float64Array[];
  n: number;
  seed: number;
}
const MIN_CAPACITY = 128;

export class KllSketch {
  private levels: Float64Array[] = [];
  private lengths: number[] = [];
  private capacities: number[] = [];
  private seed = 0x2545f491;
  n = 0;

  constructor(private readonly k = KLL_K) {
    this.grow();
  }

  private grow(): void {
    // A level is at least capacity + 1 long; a merge may make one longer, until it is compacted.
    this.levels.push(new Float64Array(Math.max(this.k, MIN_CAPACITY) + 1));
    this.lengths.push(0);
    const height = this.levels.length;
    this.capacities = this.levels.map((_, h) => Math.max(MIN_CAPACITY, Math.ceil(this.k * (2 / 3) ** (height - h - 1))));
  }

  private coin(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed & 1;
  }

  add(x: number): void {
    const len = this.lengths[0]!;
    this.levels[0]![len] = x;
    this.lengths[0] = len + 1;
    this.n++;
    if (len + 1 >= this.capacities[0]!) this.compact(0);
  }

  /**
   * Level h (full) sorted, and every other item of it (the odd or the even ones, at random) merged into
   * level h + 1. Only level 0 needs a sort: a level above holds merged sorted runs, so it stays sorted.
   */
  private compact(h: number): void {
    if (h + 1 >= this.levels.length) this.grow();
    const level = this.levels[h]!;
    let len = this.lengths[h]!;
    if (h === 0) level.subarray(0, len).sort();
    let kept = NaN;
    if (len % 2 === 1) kept = level[--len]!;
    const half = len >> 1;
    const upLen = this.lengths[h + 1]!;
    let up = this.levels[h + 1]!;
    if (up.length < upLen + half + 1) {
      const grown = new Float64Array(2 * (upLen + half + 1));
      grown.set(up.subarray(0, upLen));
      this.levels[h + 1] = up = grown;
    }
    // Merged from the back, in place: the promoted items are level[coin], level[coin + 2], …
    const coin = this.coin();
    let a = upLen - 1;
    let b = coin + 2 * (half - 1);
    for (let w = upLen + half - 1; b >= coin; w--) {
      if (a >= 0 && up[a]! > level[b]!) up[w] = up[a--]!;
      else {
        up[w] = level[b]!;
        b -= 2;
      }
    }
    this.lengths[h + 1] = upLen + half;
    this.lengths[h] = 0;
    if (kept === kept) {
      level[0] = kept;
      this.lengths[h] = 1;
    }
    if (upLen + half >= this.capacities[h + 1]!) this.compact(h + 1);
  }

  /** What a worker sends back: each level's items, the count, the coin's state (structured-clonable). */
  state(): KllState {
    return { levels: this.levels.map((level, h) => level.slice(0, this.lengths[h])), n: this.n, seed: this.seed };
  }

  /**
   * Merges another sketch (KLL is mergeable with the same error bound): level h of both together,
   * then every level over its capacity compacted, from the bottom up.
   */
  merge(other: KllState): void {
    while (this.levels.length < other.levels.length) this.grow();
    other.levels.forEach((items, h) => {
      if (items.length === 0) return;
      const len = this.lengths[h]!;
      const merged = new Float64Array(Math.max(this.levels[h]!.length, len + items.length + 1));
      merged.set(this.levels[h]!.subarray(0, len));
      merged.set(items, len);
      this.lengths[h] = len + items.length;
      // Levels above 0 are kept sorted (compact merges into them).
      if (h > 0) merged.subarray(0, len + items.length).sort();
      this.levels[h] = merged;
    });
    this.n += other.n;
    this.seed = (this.seed ^ other.seed) >>> 0 || 0x2545f491;
    for (let h = 0; h < this.levels.length; h++) if (this.lengths[h]! >= this.capacities[h]!) this.compact(h);
  }

  /** The items and their weights, sorted by value. */
  private weighted(): { values: Float64Array; cumulative: Float64Array; total: number } {
    const items: [number, number][] = [];
    this.levels.forEach((level, h) => {
      for (let i = 0; i < this.lengths[h]!; i++) items.push([level[i]!, 2 ** h]);
    });
    items.sort((a, b) => a[0] - b[0]);
    const values = new Float64Array(items.length);
    const cumulative = new Float64Array(items.length);
    let total = 0;
    items.forEach(([v, w], i) => {
      values[i] = v;
      total += w;
      cumulative[i] = total;
    });
    return { values, cumulative, total };
  }

  /** The value at each rank q in [0, 1]: the smallest with at least q of the weight at or below it (NaN when empty). */
  quantiles(qs: number[]): number[] {
    const { values, cumulative, total } = this.weighted();
    return qs.map((q) => {
      if (values.length === 0) return NaN;
      const target = q * total;
      let lo = 0;
      let hi = values.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! >= target) hi = mid;
        else lo = mid + 1;
      }
      return values[lo]!;
    });
  }

  /** How many values are below each edge (estimated, scaled to n). */
  countsBelow(edges: number[]): number[] {
    const { values, cumulative, total } = this.weighted();
    return edges.map((edge) => {
      let lo = 0;
      let hi = values.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (values[mid]! < edge) lo = mid + 1;
        else hi = mid;
      }
      return lo === 0 || total === 0 ? 0 : (cumulative[lo - 1]! / total) * this.n;
    });
  }
}
