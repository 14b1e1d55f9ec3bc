// The experiment-tracking API. Everything that records or reads runs goes through a Tracker: the
// task runner, the CLI, the views, the MLflow importer, the line protocol and metrics-file readers.
//
//   const t = Tracker.open(workspaceLayout(root), { create: true });   // Result<Tracker>
//   if (!t.ok) return report(t.error);
//   const run = t.value.startRun({ experiment: 'churn', name: 'train', parentId, command, pid });
//   t.value.logParams(run.value.id, { lr: 0.01 });
//   t.value.logMetrics(run.value.id, [{ key: 'loss', value: 0.3, step: 1 }]);  // buffered, batched
//   t.value.finishRun(run.value.id, 'finished', 0);                            // flushes first
//   t.value.close();
//
// Every method returns a Result (never throws for store problems): errors name the store file and
// say what to do. Values that cannot be stored (an empty key, a 10 MB param) come back in
// `rejected` with the reason while the rest of the call goes through. Metric points are buffered
// and written in batches (see metricWriter.ts); call flush() when another process must see them now.
// A child process gets SEXTANT_RUN_ID and SEXTANT_STORE (runEnv()) and logs with
// media/python/sextant_log.py, protocol lines on stdout (protocol.ts) or a metrics file (metricsFile.ts).
import { hostname } from 'node:os';
import type { Database } from '../store/open';
import { openStore } from '../store/open';
import { storeError, writeTx } from '../store/tx';
import { fail, ok, type EngineError, type Result } from '../result';
import type { WorkspaceLayout } from '../workspace/layout';
import { blobPath, storeBlob } from './artifacts';
import { reapDeadRuns } from './liveness';
import { MetricWriter } from './metricWriter';
import { getRun, listArtifacts, listExperiments, listRuns, metricKeys } from './queries';
import * as runs from './runs';
import {
  ListRunsFilterSchema,
  StartRunInputSchema,
  UpdateRunSchema,
  type Artifact,
  type Experiment,
  type ListRunsFilter,
  type MetricPointInput,
  type Rejection,
  type Run,
  type RunDetail,
  type RunStatus,
  type Series,
  type StartRunInput,
  type UpdateRun,
} from './schemas';
import { readSeries, type SeriesRequest } from './series';
import { checkKey, checkStep } from './validate';

export const ENV_RUN_ID = 'SEXTANT_RUN_ID';
export const ENV_STORE = 'SEXTANT_STORE';
export const ENV_ARTIFACTS = 'SEXTANT_ARTIFACTS';

export interface TrackerOptions {
  /** The store's path, for error messages (default: the database's own file name). */
  file?: string;
  /** Where artifacts are copied (default: `artifacts` beside the store). */
  artifactsDir?: string;
  clock?: () => number;
  /** Points per metric batch (default 20,000) and the longest a point waits before it is written (default 200 ms). */
  batchSize?: number;
  flushMs?: number;
  /** Called when a background (timer) flush fails; the points stay buffered. */
  onFlushError?: (error: EngineError) => void;
}

export class Tracker {
  readonly file: string;
  readonly artifactsDir: string;
  private readonly clock: () => number;
  private writerInstance: MetricWriter | undefined;
  private readonly writerOptions: ConstructorParameters<typeof MetricWriter>[1];
  private readonly refs = new Map<string, runs.RunRef>();

  constructor(
    readonly db: Database,
    options: TrackerOptions = {},
  ) {
    this.file = options.file ?? db.name;
    this.artifactsDir = options.artifactsDir ?? `${this.file.replace(/[^/]*$/, '')}artifacts`;
    this.clock = options.clock ?? Date.now;
    this.writerOptions = {
      batchSize: options.batchSize,
      flushMs: options.flushMs,
      clock: this.clock,
      onError: (err: unknown) => options.onFlushError?.(this.metricsError(err)),
    };
  }

  /** The batching writer, created on first use (its statements need the tracking tables; readers never need it). */
  private get writer(): MetricWriter {
    return (this.writerInstance ??= new MetricWriter(this.db, this.writerOptions));
  }

  /** Opens (and with `create`, creates) the workspace store and wraps it. */
  static open(layout: Pick<WorkspaceLayout, 'storePath' | 'artifactsDir'>, options: { create?: boolean; readonly?: boolean } & TrackerOptions = {}): Result<Tracker> {
    const db = openStore(layout.storePath, { create: options.create, readonly: options.readonly });
    if (!db.ok) return db;
    return ok(new Tracker(db.value, { ...options, file: layout.storePath, artifactsDir: layout.artifactsDir }));
  }

  private guard<T>(action: string, fn: () => T): Result<T> {
    try {
      return ok(fn());
    } catch (err) {
      return fail(storeError(err, this.file, action));
    }
  }

  private ref(id: string): runs.RunRef | EngineError {
    const cached = this.refs.get(id);
    if (cached) return cached;
    const found = runs.resolveRun(this.db, id);
    if (found === 'ambiguous') return { code: 'run-ambiguous', file: this.file, message: `More than one run id starts with "${id}".`, fix: 'Give more characters of the id.' };
    if (!found) return { code: 'run-not-found', file: this.file, message: `No run with id "${id}" in this store.`, fix: 'List runs with `sextant runs list`.' };
    this.refs.set(id, found);
    return found;
  }

  private withRun<T>(id: string, action: string, fn: (ref: runs.RunRef) => T): Result<T> {
    const ref = this.ref(id);
    if (!('uid' in ref)) return fail(ref);
    return this.guard(action, () => fn(ref));
  }

  getOrCreateExperiment(name: string): Result<number> {
    return this.guard(`create experiment ${name}`, () => runs.getOrCreateExperiment(this.db, name, this.clock()));
  }

  listExperiments(): Result<Experiment[]> {
    return this.guard('list experiments', () => listExperiments(this.db));
  }

  setPrimaryMetric(experiment: string, key: string | null): Result<void> {
    return this.guard('set the primary metric', () => {
      writeTx(this.db, () => this.db.prepare('UPDATE experiments SET primary_metric = ? WHERE name = ?').run(key, experiment));
    });
  }

  /** Creates a run (and its experiment when new); returns its public id. */
  startRun(input: StartRunInput): Result<{ id: string; rejected: Rejection[] }> {
    const parsed = StartRunInputSchema.safeParse(input);
    if (!parsed.success) return fail({ code: 'invalid-input', message: `startRun: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
    const value = { ...parsed.data, host: parsed.data.host ?? hostname(), nodeVersion: parsed.data.nodeVersion };
    let parentId: number | null = null;
    if (value.parentId) {
      const parent = this.ref(value.parentId);
      if (!('uid' in parent)) return fail(parent);
      parentId = parent.id;
    }
    return this.guard('start a run', () => {
      const { ref, rejected } = runs.createRun(this.db, value, parentId, this.clock());
      this.refs.set(ref.uid, ref);
      return { id: ref.uid, rejected };
    });
  }

  updateRun(id: string, patch: UpdateRun): Result<void> {
    const parsed = UpdateRunSchema.safeParse(patch);
    if (!parsed.success) return fail({ code: 'invalid-input', message: `updateRun: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
    return this.withRun(id, 'update the run', (ref) => runs.updateRun(this.db, ref.id, parsed.data));
  }

  /** Marks a queued run as running now. */
  markRunning(id: string, pid?: number): Result<void> {
    return this.withRun(id, 'start the run', (ref) => {
      if (pid !== undefined) runs.updateRun(this.db, ref.id, { pid });
      runs.setStatus(this.db, ref.id, 'running', this.clock());
    });
  }

  /** Writes buffered points, then sets the final status, end time and exit code. */
  finishRun(id: string, status: Extract<RunStatus, 'finished' | 'failed' | 'killed'>, exitCode?: number | null): Result<void> {
    const flushed = this.flush();
    if (!flushed.ok) return flushed;
    return this.withRun(id, 'finish the run', (ref) => runs.setStatus(this.db, ref.id, status, this.clock(), exitCode));
  }

  logParams(id: string, params: Record<string, unknown>): Result<{ rejected: Rejection[] }> {
    return this.withRun(id, 'log params', (ref) => ({ rejected: runs.upsertKeyValues(this.db, 'params', ref.id, params) }));
  }

  setTags(id: string, tags: Record<string, unknown>): Result<{ rejected: Rejection[] }> {
    return this.withRun(id, 'set tags', (ref) => ({ rejected: runs.upsertKeyValues(this.db, 'tags', ref.id, tags) }));
  }

  removeTags(id: string, keys: string[]): Result<void> {
    return this.withRun(id, 'remove tags', (ref) => runs.removeTags(this.db, ref.id, keys));
  }

  renameRun(id: string, name: string): Result<void> {
    if (name.trim() === '') return fail({ code: 'invalid-input', message: 'A run name cannot be empty.' });
    return this.updateRun(id, { name: name.trim() });
  }

  logMetric(id: string, key: string, value: number, step?: number, timestamp?: number): Result<{ rejected: Rejection[] }> {
    return this.logMetrics(id, [{ key, value, step, timestamp }]);
  }

  /**
   * Buffers points for a run (written in batches). NaN and ±Infinity are kept; a point with an
   * invalid key, a non-number value or a non-integer step is rejected with the reason.
   */
  logMetrics(id: string, points: readonly MetricPointInput[]): Result<{ rejected: Rejection[] }> {
    const ref = this.ref(id);
    if (!('uid' in ref)) return fail(ref);
    const prepared = this.guard('prepare the metric writer', () => this.writer);
    if (!prepared.ok) return prepared;
    const writer = prepared.value;
    const rejected: Rejection[] = [];
    let lastKey = '';
    let lastChecked = '';
    for (const p of points) {
      let key = p.key;
      if (key !== lastKey) {
        const checked = checkKey(key);
        if (!checked.ok) {
          rejected.push({ key: String(key), reason: checked.reason });
          continue;
        }
        lastKey = key;
        lastChecked = checked.key;
      }
      key = lastChecked;
      if (typeof p.value !== 'number') {
        rejected.push({ key, reason: `a metric value must be a number (NaN and Infinity are allowed), not ${typeof p.value}` });
        continue;
      }
      if (p.step !== undefined && !checkStep(p.step)) {
        rejected.push({ key, reason: `the step must be a whole number, not ${String(p.step)}` });
        continue;
      }
      if (p.timestamp !== undefined && !(Number.isSafeInteger(p.timestamp) && p.timestamp >= 0)) {
        rejected.push({ key, reason: `the timestamp must be whole milliseconds since 1970, not ${String(p.timestamp)}` });
        continue;
      }
      if (!writer.add(ref.id, key, p.value, p.step, p.timestamp)) {
        const refused = points.length - points.indexOf(p);
        const held = `The buffer is full (${writer.buffered} points held in memory), so ${refused} point${refused === 1 ? '' : 's'} of this call ${refused === 1 ? 'was' : 'were'} not kept.`;
        if (writer.lastError === undefined) return fail({ code: 'store-backlog', file: this.file, message: `Too many metric points are waiting to be written. ${held}` });
        const cause = storeError(writer.lastError, this.file, 'write metrics');
        return fail({ ...cause, message: `${cause.message} ${held}` });
      }
    }
    // A failed write is reported once (by the call that follows it), not for every point logged while the
    // store cannot be written: those points are buffered, and the writer retries on its own.
    const err = writer.takeNewError();
    if (err !== undefined) return fail(this.metricsError(err));
    return ok({ rejected });
  }

  /** A failed metrics write, saying that the points are kept for the next try. */
  private metricsError(err: unknown): EngineError {
    const cause = storeError(err, this.file, 'write metrics');
    const held = this.writerInstance?.buffered ?? 0;
    return { ...cause, message: `${cause.message} ${held} metric point${held === 1 ? ' is' : 's are'} held in memory and written once the store takes writes again.` };
  }

  /** Writes every buffered metric point now; returns how many. */
  flush(): Result<number> {
    return this.guard('write metrics', () => this.writerInstance?.flush() ?? 0);
  }

  /** Copies a file into the content-addressed artifacts folder and records it on the run. */
  logArtifact(id: string, file: string, options: { path?: string; mediaType?: string } = {}): Result<Artifact> {
    const ref = this.ref(id);
    if (!('uid' in ref)) return fail(ref);
    let blob: ReturnType<typeof storeBlob>;
    try {
      blob = storeBlob(this.artifactsDir, file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return fail({
        code: e.code === 'ENOSPC' ? 'disk-full' : 'artifact-failed',
        file,
        message: `Could not store the artifact: ${e.message}`,
        fix: e.code === 'ENOSPC' ? 'Free disk space and log it again.' : 'Check that the file exists and is readable.',
      });
    }
    const now = this.clock();
    const path = options.path ?? blob.name;
    const mediaType = options.mediaType ?? blob.mediaType;
    return this.guard('record the artifact', () => {
      writeTx(this.db, () =>
        this.db
          .prepare('INSERT INTO artifacts (run_id, path, sha256, size, media_type, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, path) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, media_type = excluded.media_type, created_at = excluded.created_at')
          .run(ref.id, path, blob.sha256, blob.size, mediaType, now),
      );
      return { path, sha256: blob.sha256, size: blob.size, mediaType, createdAt: now, file: blob.file };
    });
  }

  listRuns(filter: ListRunsFilter = {}): Result<Run[]> {
    const parsed = ListRunsFilterSchema.safeParse(filter);
    if (!parsed.success) return fail({ code: 'invalid-input', message: `listRuns: ${parsed.error.message}` });
    return this.guard('list runs', () => listRuns(this.db, parsed.data));
  }

  getRun(id: string): Result<RunDetail> {
    const found = this.guard('read the run', () => getRun(this.db, id, (sha) => blobPath(this.artifactsDir, sha)));
    if (!found.ok) return found;
    if (found.value === 'ambiguous') return fail({ code: 'run-ambiguous', file: this.file, message: `More than one run id starts with "${id}".`, fix: 'Give more characters of the id.' });
    if (!found.value) return fail({ code: 'run-not-found', file: this.file, message: `No run with id "${id}" in this store.`, fix: 'List runs with `sextant runs list`.' });
    return ok(found.value);
  }

  /** A run's artifacts, without reading its metric points (getRun reads them all). */
  listArtifacts(id: string): Result<Artifact[]> {
    return this.withRun(id, 'list artifacts', (ref) => listArtifacts(this.db, ref.id, (sha) => blobPath(this.artifactsDir, sha)));
  }

  /** Downsampled curves for charts (server-side: min/mean/max per step bucket). */
  readSeries(request: SeriesRequest): Result<Series[]> {
    return this.guard('read metric curves', () => readSeries(this.db, request));
  }

  metricKeys(runIds?: string[]): Result<string[]> {
    return this.guard('list metric keys', () => metricKeys(this.db, runIds));
  }

  /** Hides runs (and their stages); undo with restoreRuns. */
  deleteRuns(ids: string[], who: runs.RunActor = {}): Result<void> {
    const refs: runs.RunRef[] = [];
    for (const id of ids) {
      const ref = this.ref(id);
      if (!('uid' in ref)) return fail(ref);
      refs.push(ref);
    }
    return this.guard('delete runs', () => runs.softDeleteRuns(this.db, refs.map((r) => r.id), this.clock(), who));
  }

  restoreRuns(ids: string[], who: runs.RunActor = {}): Result<void> {
    const refs: runs.RunRef[] = [];
    for (const id of ids) {
      const ref = this.ref(id);
      if (!('uid' in ref)) return fail(ref);
      refs.push(ref);
    }
    return this.guard('restore runs', () => runs.restoreRuns(this.db, refs.map((r) => r.id), this.clock(), who));
  }

  /** Removes runs deleted more than `olderThanMs` ago, with their points (artifact files stay: they may be shared). */
  purgeDeletedRuns(olderThanMs = 0, who: runs.RunActor = {}): Result<number> {
    this.refs.clear();
    return this.guard('purge deleted runs', () => runs.purgeDeletedRuns(this.db, this.clock() - olderThanMs + 1, who, this.clock()));
  }

  /**
   * Marks runs whose process is gone (on this host) as killed; returns their ids. Never waits: while
   * another process holds the write lock, or the store is read-only, nothing is marked (the next look
   * tries again). A read-only Tracker looks with its own connection and marks through a short-lived one.
   */
  reapDeadRuns(options: { alive?: (pid: number) => boolean } = {}): Result<string[]> {
    return this.guard('check running runs', () => reapDeadRuns(this.db, this.file, this.clock, options));
  }

  /** Drops cached run ids (after another module rewrote runs, e.g. an import or a purge). */
  forgetCachedRuns(): void {
    this.refs.clear();
    this.writerInstance?.resetCaches();
  }

  /** Environment for a child process that logs to this run. */
  runEnv(id: string): Record<string, string> {
    return { [ENV_RUN_ID]: id, [ENV_STORE]: this.file, [ENV_ARTIFACTS]: this.artifactsDir };
  }

  /** Flushes and stops the writer's timer; closes the database when `closeDb`. */
  close(closeDb = false): Result<void> {
    const flushed = this.flush();
    this.writerInstance?.close();
    if (closeDb && this.db.open) this.db.close();
    return flushed.ok ? ok(undefined) : flushed;
  }
}
