// The tracking store: ingest rate through the Tracker against a bare better-sqlite3 insert loop into
// the same schema (same run, same machine), the compare view's read (100 runs × 10,000 steps,
// downsampled in SQLite), and the store's size for 1M points against the raw data.
// SEXTANT_BENCH_QUICK=1 runs a tenth of the size (for development on a busy machine).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../src/engine/store/open';
import { Tracker } from '../src/engine/tracking/tracking';
import { median, fmt, timeMs, type Bench } from './util';

const QUICK = Boolean(process.env.SEXTANT_BENCH_QUICK);
const RUNS = QUICK ? 10 : 100;
const STEPS = 10_000;
const POINTS = RUNS * STEPS;
const REPEATS = QUICK ? 3 : 5;
const T0 = 1_780_000_000_000;
/** Collects the previous phase's garbage before a timed section (`npm run bench` runs node --expose-gc). */
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

function freshStore(): { dir: string; tracker: Tracker; runIds: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-store-'));
  const opened = Tracker.open({ storePath: join(dir, 'sextant.db'), artifactsDir: join(dir, 'artifacts') }, { create: true, flushMs: -1 });
  if (!opened.ok) throw new Error(opened.error.message);
  const runIds: string[] = [];
  for (let r = 0; r < RUNS; r++) {
    const run = opened.value.startRun({ experiment: 'bench', name: `run-${r}` });
    if (!run.ok) throw new Error(run.error.message);
    runIds.push(run.value.id);
  }
  return { dir, tracker: opened.value, runIds };
}

/** A training loop's worth of points for one run: a noisy decaying loss, one point per step. */
function curve(run: number): { key: string; value: number; step: number; timestamp: number }[] {
  const points = new Array(STEPS);
  for (let s = 0; s < STEPS; s++) points[s] = { key: 'loss', value: Math.exp(-s / 2000) + 0.05 * Math.sin(s * 0.37 + run), step: s, timestamp: T0 + s * 50 };
  return points;
}

function bareInsert(db: Database): number {
  db.prepare("INSERT OR IGNORE INTO metric_keys (name) VALUES ('loss')").run();
  const keyId = db.prepare("SELECT id FROM metric_keys WHERE name = 'loss'").pluck().get() as number;
  const runIds = db.prepare('SELECT id FROM runs ORDER BY id').pluck().all() as number[];
  const insert = db.prepare('INSERT INTO metrics (run_id, key_id, step, ts, value) VALUES (?, ?, ?, ?, ?)');
  const curves = runIds.map((_, r) => curve(r));
  gc();
  return timeMs(() => {
    db.transaction(() => {
      runIds.forEach((runId, r) => {
        for (const p of curves[r]!) insert.run(runId, keyId, p.step, p.timestamp, p.value);
      });
    })();
  });
}

function trackerInsert(tracker: Tracker, runIds: string[]): number {
  const curves = runIds.map((_, r) => curve(r));
  gc();
  return timeMs(() => {
    runIds.forEach((id, r) => {
      const logged = tracker.logMetrics(id, curves[r]!);
      if (!logged.ok) throw new Error(logged.error.message);
    });
    const flushed = tracker.flush();
    if (!flushed.ok) throw new Error(flushed.error.message);
  });
}

export const storeBench: Bench = {
  name: 'store',
  async run(print) {
    print(`${RUNS} runs × ${STEPS} steps = ${POINTS.toLocaleString('en')} points, ${REPEATS} repeats, medians${QUICK ? ' (QUICK)' : ''}`);
    const trackerMs: number[] = [];
    const bareMs: number[] = [];
    const sizes: number[] = [];
    const reads: number[] = [];
    let coldRead = NaN;
    for (let i = 0; i < REPEATS; i++) {
      // Tracker: each run's points through logMetrics (validation, key ids, batching), then flush.
      const t = freshStore();
      trackerMs.push(trackerInsert(t.tracker, t.runIds)); // the points are garbage once it returns
      t.tracker.db.pragma('wal_checkpoint(TRUNCATE)');
      sizes.push(statSync(join(t.dir, 'sextant.db')).size);
      // Read for the compare view: every run's loss, at most 500 points each, downsampled in SQLite.
      t.tracker.close(true);
      const reopened = Tracker.open({ storePath: join(t.dir, 'sextant.db'), artifactsDir: join(t.dir, 'artifacts') });
      if (!reopened.ok) throw new Error(reopened.error.message);
      gc();
      for (let k = 0; k < 3; k++) {
        let points = 0;
        const ms = timeMs(() => {
          const series = reopened.value.readSeries({ runIds: t.runIds, keys: ['loss'], maxPoints: 500 });
          if (!series.ok) throw new Error(series.error.message);
          points = series.value.reduce((n, s) => n + s.points.length, 0);
        });
        if (i === 0 && k === 0) {
          coldRead = ms;
          print(`read returned ${points} points for ${RUNS} series`);
        } else reads.push(ms);
      }
      reopened.value.close(true);
      rmSync(t.dir, { recursive: true, force: true });

      // Bare loop: the same points, one prepared single-row INSERT each, in one transaction.
      const b = freshStore();
      b.tracker.close();
      bareMs.push(bareInsert(b.tracker.db));
      b.tracker.db.close();
      rmSync(b.dir, { recursive: true, force: true });
    }
    const tracker = median(trackerMs);
    const bare = median(bareMs);
    const rate = (ms: number): string => `${Math.round(POINTS / (ms / 1000)).toLocaleString('en')} points/s`;
    print(`ingest via Tracker.logMetrics + flush: ${fmt(tracker)} → ${rate(tracker)}`);
    print(`ingest via bare better-sqlite3 loop:    ${fmt(bare)} → ${rate(bare)}`);
    print(`Tracker / bare loop throughput: ${(bare / tracker).toFixed(2)}× (target ≥ 0.50)`);
    print(`read ${RUNS} runs × ${STEPS} steps downsampled to ≤ 500 points each: median ${fmt(median(reads))} (first, cold: ${fmt(coldRead)}; target < 300 ms)`);
    const size = median(sizes);
    print(`store file for ${POINTS.toLocaleString('en')} points: ${(size / 1e6).toFixed(1)} MB = ${(size / POINTS).toFixed(1)} B/point`);
    print(`  vs raw (run u32, key u32, step i64, value f64 = 24 B/point): ${(size / (POINTS * 24)).toFixed(2)}×; vs 20 B/point (i32 step): ${(size / (POINTS * 20)).toFixed(2)}× (target ≤ 2×)`);
  },
};
