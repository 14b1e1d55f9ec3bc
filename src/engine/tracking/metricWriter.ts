// The batching writer behind logMetric(s): points are buffered in flat arrays and written in one
// BEGIN IMMEDIATE transaction per batch (multi-row INSERTs), with one latest_metrics upsert per
// (run, key) per batch and one metric_buckets upsert per (run, key, 8-step bucket). A batch is written when it reaches `batchSize` points, when `flushMs` has
// passed since the first buffered point, or on flush()/close(). A point is durable once its batch
// has committed: a process killed with SIGKILL loses only what was still buffered.
//
// When a batch cannot be written (disk full, store read-only, locked past every retry) its points stay
// buffered and the writer retries on its own, at most once per retry interval: the flush interval,
// doubled after each failure up to MAX_RETRY_MS (and at least 4× the failed attempt's duration, so a
// huge buffer costs at most a fifth of a core). Points logged meanwhile are only buffered. Once the
// store takes writes again everything buffered goes in, in one transaction. The buffer holds at most
// `maxBuffered` points (2,000,000 by default, about 80 MB); past that add() refuses points (Tracker's
// logMetrics says so) rather than grow without bound. flush() (finishRun, close) always tries at once.
import type { Statement } from 'better-sqlite3';
import type { Database } from '../store/open';
import { METRIC_BUCKET_SHIFT } from '../store/schema';

const BUCKET_WIDTH = 2 ** METRIC_BUCKET_SHIFT;
/** The rollup bucket of a step: floor(step / 8), as SQLite's step >> 3 computes it (JS >> is 32-bit only). */
export const bucketOf = (step: number): number => Math.floor(step / BUCKET_WIDTH);
import { writeTx } from '../store/tx';

const ROWS_PER_INSERT = 100;
/** The longest wait between two retries of a failed flush. */
const MAX_RETRY_MS = 10_000;
/** The first retry interval when the writer has no flush timer (flushMs < 0). */
const DEFAULT_RETRY_MS = 1000;
const BUCKETS_PER_UPSERT = 50;
const COLUMNS = 5;

export interface MetricWriterOptions {
  batchSize?: number;
  flushMs?: number;
  /** Most points held while the store cannot be written (disk full); later points are refused. */
  maxBuffered?: number;
  clock?: () => number;
  onError?: (err: unknown) => void;
}

interface Bucket {
  bucket: number;
  count: number;
  stepSum: number;
  n: number;
  sum: number;
  min: number | null;
  max: number | null;
}

interface Summary {
  runId: number;
  key: string;
  step: number;
  ts: number;
  value: number;
  min: number | null;
  max: number | null;
  count: number;
  buckets: Map<number, Bucket>;
  last: Bucket;
}

/** The buffered points: flat typed columns reused from batch to batch (no garbage per point). */
class PointBuffer {
  n = 0;
  runIds: Float64Array;
  steps: Float64Array;
  stamps: Float64Array;
  values: Float64Array;
  keys: string[];

  constructor(private capacity: number) {
    this.runIds = new Float64Array(capacity);
    this.steps = new Float64Array(capacity);
    this.stamps = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.keys = new Array<string>(capacity).fill('');
  }

  push(runId: number, key: string, step: number, ts: number, value: number): void {
    if (this.n === this.capacity) this.grow();
    const i = this.n++;
    this.runIds[i] = runId;
    this.keys[i] = key;
    this.steps[i] = step;
    this.stamps[i] = ts;
    this.values[i] = value;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const widen = (a: Float64Array): Float64Array => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    this.runIds = widen(this.runIds);
    this.steps = widen(this.steps);
    this.stamps = widen(this.stamps);
    this.values = widen(this.values);
    this.keys.length = capacity;
    this.keys.fill('', this.capacity);
    this.capacity = capacity;
  }
}

export class MetricWriter {
  private readonly buf: PointBuffer;
  private readonly keyIds = new Map<string, number>();
  private readonly nextStep = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly batchSize: number;
  private readonly flushMs: number;
  private readonly maxBuffered: number;
  private readonly clock: () => number;
  private readonly onError: (err: unknown) => void;
  private readonly insertMany: Statement;
  private readonly insertOne: Statement;
  private readonly upsertLatest: Statement;
  private readonly upsertBucket: Statement;
  private readonly upsertBuckets: Statement;
  private readonly bucketArgs = new Array<number | null>(BUCKETS_PER_UPSERT * 9);
  private readonly insertKey: Statement;
  private readonly selectKey: Statement;
  private readonly selectLastStep: Statement;
  private readonly args = new Array<number | null>(ROWS_PER_INSERT * COLUMNS);
  /** The last flush's error, until a flush succeeds. */
  lastError: unknown;
  /** Whether lastError was handed out by takeNewError(). */
  private errorTaken = false;
  /** While failing: no automatic flush before this time (clock ms), and the next interval. */
  private retryAt = 0;
  private retryMs = 0;

  constructor(private readonly db: Database, options: MetricWriterOptions = {}) {
    this.batchSize = options.batchSize ?? 20_000;
    this.flushMs = options.flushMs ?? 200;
    this.maxBuffered = options.maxBuffered ?? 2_000_000;
    this.buf = new PointBuffer(Math.min(Math.max(this.batchSize, 1024), 65_536));
    this.clock = options.clock ?? Date.now;
    this.onError = options.onError ?? (() => undefined);
    const row = '(?,?,?,?,?)';
    this.insertMany = db.prepare(`INSERT OR REPLACE INTO metrics (run_id, key_id, step, ts, value) VALUES ${Array(ROWS_PER_INSERT).fill(row).join(',')}`);
    this.insertOne = db.prepare(`INSERT OR REPLACE INTO metrics (run_id, key_id, step, ts, value) VALUES ${row}`);
    this.upsertLatest = db.prepare(`
      INSERT INTO latest_metrics (run_id, key_id, step, ts, value, min, max, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id, key_id) DO UPDATE SET
        value = CASE WHEN (excluded.step, excluded.ts) >= (latest_metrics.step, latest_metrics.ts) THEN excluded.value ELSE latest_metrics.value END,
        ts = CASE WHEN (excluded.step, excluded.ts) >= (latest_metrics.step, latest_metrics.ts) THEN excluded.ts ELSE latest_metrics.ts END,
        step = max(excluded.step, latest_metrics.step),
        min = min(coalesce(excluded.min, latest_metrics.min), coalesce(latest_metrics.min, excluded.min)),
        max = max(coalesce(excluded.max, latest_metrics.max), coalesce(latest_metrics.max, excluded.max)),
        count = latest_metrics.count + excluded.count`);
    const bucketUpsert = (rows: number): string => `
      INSERT INTO metric_buckets (run_id, key_id, bucket, count, step_sum, n, sum, min, max) VALUES ${Array(rows).fill('(?,?,?,?,?,?,?,?,?)').join(',')}
      ON CONFLICT (run_id, key_id, bucket) DO UPDATE SET
        count = metric_buckets.count + excluded.count,
        step_sum = metric_buckets.step_sum + excluded.step_sum,
        n = metric_buckets.n + excluded.n,
        sum = coalesce(metric_buckets.sum, 0) + coalesce(excluded.sum, 0),
        min = min(coalesce(excluded.min, metric_buckets.min), coalesce(metric_buckets.min, excluded.min)),
        max = max(coalesce(excluded.max, metric_buckets.max), coalesce(metric_buckets.max, excluded.max))`;
    this.upsertBucket = db.prepare(bucketUpsert(1));
    this.upsertBuckets = db.prepare(bucketUpsert(BUCKETS_PER_UPSERT));
    this.insertKey = db.prepare('INSERT OR IGNORE INTO metric_keys (name) VALUES (?)');
    this.selectKey = db.prepare('SELECT id FROM metric_keys WHERE name = ?').pluck();
    this.selectLastStep = db.prepare('SELECT l.step FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id WHERE l.run_id = ? AND k.name = ?').pluck();
  }

  get buffered(): number {
    return this.buf.n;
  }

  /**
   * Buffers one point (key already validated). Returns false when the buffer is full because the
   * store cannot be written. A missing step is one more than the key's last step in this run.
   */
  add(runId: number, key: string, value: number, step?: number, ts?: number): boolean {
    const buf = this.buf;
    if (buf.n >= this.maxBuffered) return false;
    if (step === undefined) step = this.autoStep(runId, key);
    else if (this.nextStep.size > 0) this.bumpStep(runId, key, step);
    buf.push(runId, key, step, ts ?? this.clock(), value);
    if (buf.n >= this.batchSize && (this.lastError === undefined || this.clock() >= this.retryAt)) this.flushQuietly();
    else this.arm(this.flushMs);
    return true;
  }

  /** Starts the flush timer (unless one is set or timers are off). */
  private arm(ms: number): void {
    if (this.timer || this.flushMs < 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushQuietly();
    }, ms);
    this.timer.unref();
  }

  /** The error of the last failed flush, once: undefined when there is none or it was already taken. */
  takeNewError(): unknown {
    if (this.lastError === undefined || this.errorTaken) return undefined;
    this.errorTaken = true;
    return this.lastError;
  }

  private autoStep(runId: number, key: string): number {
    const id = `${runId}\u0000${key}`;
    let next = this.nextStep.get(id);
    if (next === undefined) {
      const last = this.selectLastStep.get(runId, key) as number | undefined;
      let bufferedLast = -1;
      const buf = this.buf;
      for (let i = 0; i < buf.n; i++) if (buf.runIds[i] === runId && buf.keys[i] === key) bufferedLast = Math.max(bufferedLast, buf.steps[i]!);
      next = Math.max(last === undefined ? 0 : last + 1, bufferedLast + 1);
    }
    this.nextStep.set(id, next + 1);
    return next;
  }

  private bumpStep(runId: number, key: string, step: number): void {
    const id = `${runId}\u0000${key}`;
    const next = this.nextStep.get(id);
    if (next !== undefined && step >= next) this.nextStep.set(id, step + 1);
  }

  private flushQuietly(): void {
    try {
      this.flush();
    } catch (err) {
      this.onError(err);
    }
  }

  /** Writes everything buffered in one transaction; returns how many points were written. Throws on failure, keeping the points. */
  flush(): number {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const n = this.buf.n;
    if (n === 0) return 0;
    const started = this.clock();
    const { runIds, keys, steps, stamps, values } = this.buf;
    const summaries = summarize(n, runIds, keys, steps, stamps, values);
    const added: string[] = [];
    try {
      writeTx(this.db, () => {
        const ids = this.resolveKeys(summaries, added);
        const args = this.args;
        let i = 0;
        for (; i + ROWS_PER_INSERT <= n; i += ROWS_PER_INSERT) {
          for (let r = 0; r < ROWS_PER_INSERT; r++) {
            const j = i + r;
            const o = r * COLUMNS;
            args[o] = runIds[j]!;
            args[o + 1] = ids.get(keys[j]!)!;
            args[o + 2] = steps[j]!;
            args[o + 3] = stamps[j]!;
            const v = values[j]!;
            args[o + 4] = v === v ? v : null;
          }
          this.insertMany.run(args);
        }
        for (; i < n; i++) {
          const v = values[i]!;
          this.insertOne.run(runIds[i]!, ids.get(keys[i]!)!, steps[i]!, stamps[i]!, v === v ? v : null);
        }
        const bargs = this.bucketArgs;
        let filled = 0;
        for (const s of summaries) {
          const keyId = ids.get(s.key)!;
          this.upsertLatest.run(s.runId, keyId, s.step, s.ts, s.value === s.value ? s.value : null, s.min, s.max, s.count);
          for (const b of s.buckets.values()) {
            const o = filled * 9;
            bargs[o] = s.runId;
            bargs[o + 1] = keyId;
            bargs[o + 2] = b.bucket;
            bargs[o + 3] = b.count;
            bargs[o + 4] = b.stepSum;
            bargs[o + 5] = b.n;
            bargs[o + 6] = b.n > 0 ? b.sum : null;
            bargs[o + 7] = b.min;
            bargs[o + 8] = b.max;
            if (++filled === BUCKETS_PER_UPSERT) {
              this.upsertBuckets.run(bargs);
              filled = 0;
            }
          }
        }
        for (let k = 0; k < filled; k++) this.upsertBucket.run(bargs.slice(k * 9, k * 9 + 9));
      });
    } catch (err) {
      // Key ids found inside a transaction that rolled back may not exist: forget them.
      for (const key of added) this.keyIds.delete(key);
      this.lastError = err;
      this.errorTaken = false;
      const now = this.clock();
      const base = this.flushMs > 0 ? this.flushMs : DEFAULT_RETRY_MS;
      this.retryMs = Math.max(this.retryMs === 0 ? base : Math.min(this.retryMs * 2, MAX_RETRY_MS), 4 * (now - started));
      this.retryAt = now + this.retryMs;
      this.arm(this.retryMs);
      throw err;
    }
    this.lastError = undefined;
    this.retryMs = 0;
    this.retryAt = 0;
    this.buf.n = 0;
    return n;
  }

  private resolveKeys(summaries: Summary[], added: string[]): Map<string, number> {
    for (const s of summaries) {
      if (this.keyIds.has(s.key)) continue;
      added.push(s.key);
      this.insertKey.run(s.key);
      this.keyIds.set(s.key, this.selectKey.get(s.key) as number);
    }
    return this.keyIds;
  }

  /** Forgets cached key ids and step counters (after a rollback elsewhere, or the store was replaced). */
  resetCaches(): void {
    this.keyIds.clear();
    this.nextStep.clear();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function newBucket(bucket: number): Bucket {
  return { bucket, count: 0, stepSum: 0, n: 0, sum: 0, min: null, max: null };
}

/** One pass over the batch: per (run, key) the last point, min, max and count, and per 8-step bucket its rollup. */
function summarize(count: number, runIds: Float64Array, keys: string[], steps: Float64Array, stamps: Float64Array, values: Float64Array): Summary[] {
  const byPair = new Map<number, Map<string, Summary>>();
  const out: Summary[] = [];
  let s: Summary | undefined;
  for (let i = 0; i < count; i++) {
    const runId = runIds[i]!;
    const key = keys[i]!;
    const step = steps[i]!;
    const v = values[i]!;
    const finite = v === v ? v : null;
    if (!s || s.runId !== runId || s.key !== key) {
      let perRun = byPair.get(runId);
      if (!perRun) byPair.set(runId, (perRun = new Map()));
      s = perRun.get(key);
      if (!s) {
        const first = newBucket(bucketOf(step));
        s = { runId, key, step, ts: stamps[i]!, value: v, min: null, max: null, count: 0, buckets: new Map([[first.bucket, first]]), last: first };
        perRun.set(key, s);
        out.push(s);
      }
    }
    s.count++;
    if (step > s.step || (step === s.step && stamps[i]! >= s.ts)) {
      s.step = step;
      s.ts = stamps[i]!;
      s.value = v;
    }
    const bucket = bucketOf(step);
    let b = s.last;
    if (b.bucket !== bucket) {
      b = s.buckets.get(bucket) ?? newBucket(bucket);
      s.buckets.set(bucket, b);
      s.last = b;
    }
    b.count++;
    b.stepSum += step;
    if (finite !== null) {
      if (s.min === null || finite < s.min) s.min = finite;
      if (s.max === null || finite > s.max) s.max = finite;
      b.n++;
      b.sum += finite;
      if (b.min === null || finite < b.min) b.min = finite;
      if (b.max === null || finite > b.max) b.max = finite;
    }
  }
  return out;
}
