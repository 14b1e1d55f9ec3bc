// One column's profile, built value by value in bounded memory: counts by kind, Welford's running mean
// and variance, min and max, a KLL sketch for quantiles, exact value counts up to DISTINCT_EXACT
// distinct values (then a HyperLogLog estimate and the counts of the values most frequent by then), the first lines of each
// kind (so values that do not fit the column's type are reported with their lines), and a sample for
// the personal-data check. Raw values stay in memory; finish() masks what it reports. A CSV batch comes
// typed (addTyped: numbers parsed by the reader, text cells left in the chunk's bytes): numbers go straight
// into the moments, sketches and counts, and a text is classified and counted through a cache keyed by
// its UTF-8 bytes (./exactCounts.ts), so no string is made per cell. Text cells of the other readers are
// written into a scratch buffer and take the same way.
import type { Cell } from '../read/batch';
import { CELL_MISSING, type TypedBatch, type TypedColumn } from '../read/typedBatch';
import { PiiSampler } from '../pii/detect';
import { protectValue, type PiiPolicy, type PiiRule } from '../pii/protect';
import { BOOLEAN, classifyBytes, DATETIME, FLOAT, INTEGER, KIND_NAMES, parsed, STRING } from './classify';
import { ExactCounts, TextCache } from './exactCounts';
import { hashBytes, hashString, HyperLogLog, textHash } from './hll';
import { KllSketch, type KllState } from './kll';
import type { ColumnProfile, ColumnType } from './schema';

const DISTINCT_EXACT = 10_000;
const EXAMPLES = 10;
const TOP = 10;
const TOP_TRACKED = 1000;
const BINS = 20;
const CATEGORICAL_MAX = 50;
const QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
/** A string cell's UTF-8 bytes, for the byte path (grown for a longer cell). */
let scratch = Buffer.alloc(1 << 12);

/** A profiler's whole state, as a worker of a parallel profile sends it back (structured-clonable; lines relative to its part). */
export interface ProfilerState {
  name: string;
  count: number;
  kinds: number[];
  first: { line: number; value: string }[][];
  n: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
  kll: KllState;
  dtMin: number;
  dtMax: number;
  counts: Map<string | number, number> | undefined;
  hll: Uint8Array | undefined;
  top: Map<string | number, number> | undefined;
  piiValues: string[];
}

export class ColumnProfiler {
  count = 0;
  readonly kinds = [0, 0, 0, 0, 0];
  private readonly first: { line: number; value: string }[][] = [[], [], [], [], []];
  private n = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private readonly kll = new KllSketch();
  private dtMin = Infinity;
  private dtMax = -Infinity;
  private counts: ExactCounts | undefined = new ExactCounts();
  /** Text → kind, value and count slot, while the counts are exact. */
  private cache: TextCache | undefined;
  private hll: HyperLogLog | undefined;
  private top: Map<string | number, number> | undefined;
  /** The hashes (hashBytes h1) of the text keys among `top`, to look a text up only when it may be there. */
  private topHashes: Set<number> | undefined;
  readonly pii = new PiiSampler();

  constructor(readonly name: string) {}

  /** Cells as the JSON Lines and Parquet readers (and validation) give them. */
  add(cells: Cell[], lines: number[]): void {
    for (let r = 0; r < cells.length; r++) {
      const cell = cells[r];
      if (cell === null || cell === undefined) continue;
      if (typeof cell === 'string') {
        if (cell.length * 3 > scratch.length) scratch = Buffer.alloc(cell.length * 3);
        this.addText(scratch, 0, scratch.write(cell, 0, 'utf8'), lines[r]!);
      }
      else if (typeof cell === 'number') this.addNumber(Number.isInteger(cell) ? INTEGER : FLOAT, cell, lines[r]!, String(cell));
      else this.addBoolean(cell ? 1 : 0, lines[r]!, String(cell));
    }
  }

  /** A typed CSV batch's column (valid only during the call): numbers as parsed, text in place in `buf`. */
  addTyped(col: TypedColumn, rows: number, lines: Float64Array, buf: Buffer): void {
    const { code, num, start, end } = col;
    const first = this.first;
    for (let r = 0; r < rows; r++) {
      const k = code[r]!;
      if (k === CELL_MISSING) continue;
      if (k <= FLOAT) {
        this.count++;
        this.kinds[k]!++;
        if (first[k]!.length < EXAMPLES) first[k]!.push({ line: lines[r]!, value: buf.toString('latin1', start[r]!, end[r]!) });
        if (!this.pii.full) this.pii.add(buf.toString('latin1', start[r]!, end[r]!));
        this.numeric(num[r]!);
        continue;
      }
      this.addText(buf, start[r]!, end[r]!, lines[r]!);
    }
  }

  private addNumber(kind: number, x: number, line: number, shown: string): void {
    this.count++;
    this.kinds[kind]!++;
    if (this.first[kind]!.length < EXAMPLES) this.first[kind]!.push({ line, value: shown });
    if (!this.pii.full) this.pii.add(shown);
    this.numeric(x);
  }

  private addBoolean(value: number, line: number, shown: string): void {
    this.count++;
    this.kinds[BOOLEAN]!++;
    if (this.first[BOOLEAN]!.length < EXAMPLES) this.first[BOOLEAN]!.push({ line, value: shown });
    if (!this.pii.full) this.pii.add(shown);
    this.keyed(value === 1 ? 'true' : 'false');
  }

  /** Welford's moments, min and max, and the value's count (or, past the exact counts, the sketches). */
  private numeric(x: number): void {
    const d = x - this.mean;
    this.mean += d / ++this.n;
    this.m2 += d * (x - this.mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    const counts = this.counts;
    if (counts !== undefined) {
      counts.counts[counts.numberSlot(x)]!++;
      if (counts.size > DISTINCT_EXACT) this.overflow();
    } else {
      this.kll.add(x);
      this.hll!.addNumber(x);
      // Number keys among the top candidates are never shown (top values are of text columns): not counted.
    }
  }

  /** A text key (a boolean's 'true'/'false') counted, or past the exact counts, in the sketches. */
  private keyed(key: string): void {
    const counts = this.counts;
    if (counts !== undefined) {
      counts.counts[counts.stringSlot(key)]!++;
      if (counts.size > DISTINCT_EXACT) this.overflow();
      return;
    }
    this.hll!.add(key);
    const c = this.top!.get(key);
    if (c !== undefined) this.top!.set(key, c + 1);
  }

  /** The UTF-8 text t[s, e): classified (once per distinct text while the counts are exact), counted, sketched. */
  private addText(t: Buffer, s: number, e: number, line: number): void {
    let kind: number;
    let value: number;
    let entry = -1;
    const counts = this.counts;
    if (counts !== undefined) {
      const cache = (this.cache ??= new TextCache());
      entry = cache.find(t, s, e);
      if (entry < 0) {
        kind = classifyBytes(t, s, e);
        value = kind === DATETIME ? parsed.ms : kind === STRING ? 0 : parsed.number;
        const key = kind <= FLOAT ? value : kind === BOOLEAN ? (value === 1 ? 'true' : 'false') : t.toString('utf8', s, e);
        entry = cache.insert(t, s, e, kind, value, typeof key === 'number' ? counts.numberSlot(key) : counts.stringSlot(key));
      }
      kind = cache.kind[entry]!;
      value = cache.value[entry]!;
    } else {
      kind = classifyBytes(t, s, e);
      value = kind === DATETIME ? parsed.ms : kind === STRING ? 0 : parsed.number;
    }
    this.count++;
    this.kinds[kind]!++;
    if (this.first[kind]!.length < EXAMPLES) this.first[kind]!.push({ line, value: t.toString('utf8', s, e) });
    if (!this.pii.full) this.pii.add(t.toString('utf8', s, e));
    if (kind <= FLOAT) {
      const d = value - this.mean;
      this.mean += d / ++this.n;
      this.m2 += d * (value - this.mean);
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
    } else if (kind === DATETIME) {
      if (value < this.dtMin) this.dtMin = value;
      if (value > this.dtMax) this.dtMax = value;
    }
    if (counts !== undefined) {
      counts.counts[this.cache!.slot[entry]!]!++;
      if (counts.size > DISTINCT_EXACT) this.overflow();
      return;
    }
    if (kind <= FLOAT) {
      this.kll.add(value);
      this.hll!.addNumber(value);
    } else if (kind === BOOLEAN) this.keyed(value === 1 ? 'true' : 'false');
    else {
      hashBytes(t, s, e);
      this.hll!.addHashes(textHash.h1, textHash.h2);
      if (this.topHashes!.has(textHash.h1 | 0)) {
        const key = t.toString('utf8', s, e);
        const c = this.top!.get(key);
        if (c !== undefined) this.top!.set(key, c + 1);
      }
    }
  }

  state(): ProfilerState {
    return {
      name: this.name,
      count: this.count,
      kinds: this.kinds,
      first: this.first,
      n: this.n,
      mean: this.mean,
      m2: this.m2,
      min: this.min,
      max: this.max,
      kll: this.kll.state(),
      dtMin: this.dtMin,
      dtMax: this.dtMax,
      counts: this.counts?.toMap(),
      hll: this.hll?.state(),
      top: this.top,
      piiValues: this.pii.values,
    };
  }

  /**
   * Adds the profile of the next part of the file (its lines start after `offset` lines), as if its
   * values had come after these: counts and kinds summed, the first examples kept in file order, the
   * personal-data sample continued, mean and variance by Chan et al.'s pairwise formula (n = a + b,
   * δ = mean_b − mean_a, mean = mean_a + δ·b/n, M2 = M2_a + M2_b + δ²·a·b/n), min and max, value counts
   * summed while both are exact (then the same switch as overflow()), the HyperLogLogs by register
   * maximum, the KLL sketches level by level, and the top-value candidates as a union of both.
   */
  absorb(s: ProfilerState, offset: number): void {
    this.count += s.count;
    for (let k = 0; k < this.kinds.length; k++) this.kinds[k]! += s.kinds[k]!;
    s.first.forEach((examples, k) => {
      for (const e of examples) if (this.first[k]!.length < EXAMPLES) this.first[k]!.push({ line: e.line + offset, value: e.value });
    });
    for (const v of s.piiValues) if (!this.pii.full) this.pii.add(v);
    if (s.n > 0) {
      const n = this.n + s.n;
      const delta = s.mean - this.mean;
      this.mean += (delta * s.n) / n;
      this.m2 += s.m2 + (delta * delta * this.n * s.n) / n;
      this.n = n;
    }
    if (s.min < this.min) this.min = s.min;
    if (s.max > this.max) this.max = s.max;
    if (s.dtMin < this.dtMin) this.dtMin = s.dtMin;
    if (s.dtMax > this.dtMax) this.dtMax = s.dtMax;
    if (this.counts !== undefined && s.counts !== undefined) {
      for (const [key, c] of s.counts) this.counts.add(key, c);
      if (this.counts.size > DISTINCT_EXACT) this.overflow();
      return;
    }
    if (this.counts !== undefined) this.overflow();
    const top = this.top!;
    if (s.counts !== undefined) {
      for (const [key, c] of s.counts) {
        this.hll!.add(key);
        if (typeof key === 'number') for (let i = 0; i < c; i++) this.kll.add(key);
        const t = top.get(key);
        if (t !== undefined) top.set(key, t + c);
      }
      return;
    }
    this.hll!.merge(s.hll!);
    this.kll.merge(s.kll);
    for (const [key, c] of s.top!) top.set(key, (top.get(key) ?? 0) + c);
    this.hashTop();
  }

  private hashTop(): void {
    this.topHashes = new Set();
    for (const key of this.top!.keys()) {
      if (typeof key !== 'string') continue;
      hashString(key);
      this.topHashes.add(textHash.h1 | 0);
    }
  }

  /**
   * Too many distinct values to count exactly: from here on, a HyperLogLog for the distinct count, the
   * KLL sketch for quantiles (given the values so far), and exact counts of the TOP_TRACKED values that
   * were most frequent so far (a value first seen later is not among the top values).
   */
  private overflow(): void {
    this.hll = new HyperLogLog();
    const counts = this.counts!.entries();
    for (const [key, c] of counts) {
      this.hll.add(key);
      if (typeof key === 'number') for (let i = 0; i < c; i++) this.kll.add(key);
    }
    counts.sort((a, b) => b[1] - a[1]);
    this.top = new Map(counts.slice(0, TOP_TRACKED));
    this.counts = undefined;
    this.cache = undefined;
    this.hashTop();
  }

  private decideType(): { type: ColumnType; conforming: (kind: number) => boolean } {
    const k = this.kinds;
    if (this.count === 0) return { type: 'empty', conforming: () => true };
    const numeric = k[INTEGER]! + k[FLOAT]!;
    const best = Math.max(numeric, k[BOOLEAN]!, k[DATETIME]!, k[STRING]!);
    if (k[STRING]! === best) {
      const distinct = this.counts?.size;
      const categorical = distinct !== undefined && distinct <= CATEGORICAL_MAX && distinct <= this.count / 2;
      return { type: categorical ? 'categorical' : 'string', conforming: () => true };
    }
    if (numeric === best) return { type: k[FLOAT]! > 0 ? 'float' : 'integer', conforming: (kind) => kind === INTEGER || kind === FLOAT };
    if (k[BOOLEAN]! === best) return { type: 'boolean', conforming: (kind) => kind === BOOLEAN };
    return { type: 'datetime', conforming: (kind) => kind === DATETIME };
  }

  /** Exact quantiles and histogram from the value counts (while they are exact). */
  private exactNumeric(edges: number[]): { quantiles: number[]; counts: number[] } {
    const entries = this.counts!.entries().filter((e): e is [number, number] => typeof e[0] === 'number').sort((a, b) => a[0] - b[0]);
    const quantiles = QUANTILES.map((q) => {
      const target = q * this.n;
      let cumulative = 0;
      for (const [v, c] of entries) {
        cumulative += c;
        if (cumulative >= target) return v;
      }
      return this.max;
    });
    const counts = new Array<number>(edges.length - 1).fill(0);
    for (const [v, c] of entries) counts[binOf(v, edges)]! += c;
    return { quantiles, counts };
  }

  finish(rows: number, policy: PiiPolicy, rule: PiiRule | undefined): ColumnProfile {
    const { type, conforming } = this.decideType();
    const verdict = this.pii.verdict();
    const flagged = verdict !== undefined || rule !== undefined;
    const show = (value: string): string => String(protectValue(policy, this.name, value));
    const strayKinds = [0, 1, 2, 3, 4].filter((kind) => !conforming(kind));
    const strayCount = strayKinds.reduce((s, kind) => s + this.kinds[kind]!, 0);
    const strayExamples = strayKinds
      .flatMap((kind) => this.first[kind]!)
      .sort((a, b) => a.line - b.line)
      .slice(0, EXAMPLES)
      .map((e) => ({ line: e.line, value: show(e.value) }));
    let numeric: ColumnProfile['numeric'] = null;
    if ((type === 'integer' || type === 'float') && !flagged && this.n > 0) {
      const edges = binEdges(this.min, this.max);
      const exact = this.counts !== undefined;
      let quantiles: number[];
      let counts: number[];
      if (exact) ({ quantiles, counts } = this.exactNumeric(edges));
      else {
        quantiles = this.kll.quantiles(QUANTILES);
        const below = this.kll.countsBelow(edges.slice(1, -1));
        const cuts = [0, ...below.map(Math.round), this.n];
        counts = cuts.slice(1).map((c, i) => Math.max(0, c - cuts[i]!));
      }
      const [p01, p05, p25, p50, p75, p95, p99] = quantiles as [number, number, number, number, number, number, number];
      numeric = {
        min: this.min,
        max: this.max,
        mean: this.mean,
        std: this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 0,
        quantiles: { p01, p05, p25, p50, p75, p95, p99 },
        histogram: { edges, counts },
        exact,
      };
    }
    const showTop = type === 'string' || type === 'categorical' || type === 'boolean';
    let topValues: ColumnProfile['topValues'] = [];
    if (showTop && policy.rules.get(this.name) !== 'drop') {
      topValues = (this.counts ? this.counts.entries() : [...this.top!])
        .filter((e): e is [string, number] => typeof e[0] === 'string')
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, TOP)
        .map(([value, count]) => ({ value: show(value), count }));
    }
    return {
      name: this.name,
      type,
      count: this.count,
      missing: rows - this.count,
      missingShare: rows === 0 ? 0 : (rows - this.count) / rows,
      distinct: this.counts ? { value: this.counts.size, exact: true } : { value: this.hll!.estimate(), exact: false },
      kinds: Object.fromEntries(KIND_NAMES.map((name, i) => [name, this.kinds[i]!])) as ColumnProfile['kinds'],
      strays: strayCount > 0 ? { count: strayCount, examples: strayExamples } : null,
      numeric,
      datetime: type === 'datetime' && !flagged ? { min: new Date(this.dtMin).toISOString(), max: new Date(this.dtMax).toISOString() } : null,
      topValues,
      pii: flagged ? { kind: verdict?.kind ?? null, share: verdict?.share ?? 0, rule: rule ?? null } : null,
    };
  }
}

/** A typed CSV batch (numbers parsed, text in place) into the columns' profilers. */
export function profileTyped(batch: TypedBatch, profiler: (name: string) => ColumnProfiler): void {
  for (let c = 0; c < batch.columns.length; c++) profiler(batch.columns[c]!).addTyped(batch.cols[c]!, batch.rows, batch.lines, batch.buf);
}

function binEdges(min: number, max: number): number[] {
  if (min === max) return [min, max];
  const width = (max - min) / BINS;
  return Array.from({ length: BINS + 1 }, (_, i) => (i === BINS ? max : min + i * width));
}

function binOf(v: number, edges: number[]): number {
  const bins = edges.length - 1;
  if (bins <= 1) return 0;
  const i = Math.floor(((v - edges[0]!) / (edges[bins]! - edges[0]!)) * bins);
  return Math.min(bins - 1, Math.max(0, i));
}
