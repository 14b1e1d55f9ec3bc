// Where the runner records runs: one pipeline run with a child run per stage. The executor only knows
// this interface; storeTracker.ts implements it on the workspace store (issue 3's tracking tables) and
// `MemoryTracker` keeps runs in memory (tests, `--no-store`, or when the store cannot be opened). A
// stage's `::sextant` lines reach it through the ProtocolIngestor (it is a ProtocolSink), so both check
// them the same way.
import { randomBytes } from 'node:crypto';
import { ok, type Result } from '../result';
import type { ProtocolSink } from '../tracking/protocolIngest';
import type { MetricPointInput, Rejection } from '../tracking/schemas';
import { checkKey, checkValue } from '../tracking/validate';
import type { DatasetLink } from './datasetLinks';
import type { Hasher } from './hash';

export interface StageRunInfo {
  name: string;
  command: string;
  cwd: string;
  logPath: string;
  gpu?: string;
  params?: Record<string, unknown>;
}

export interface RunTracker extends ProtocolSink {
  /** Starts the pipeline run; returns its public id. */
  startPipeline(info: { name: string; file: string; params: Record<string, unknown>; stages: string[] }): string;
  startStage(pipelineRunId: string, info: StageRunInfo): string;
  logMetric(runId: string, key: string, value: number, step?: number): void;
  /** Records a finished stage or pipeline; `tags` (the runner's, all under `sextant.`) are added to the run's; `logPath`: the pipeline's log, written at its end. */
  finish(runId: string, outcome: { status: 'finished' | 'failed' | 'killed'; exitCode?: number | null; durationMs?: number; tags?: Record<string, string>; logPath?: string }): void;
  /** Whether the run was written to the store (false: a pipeline run in which every stage was cached, not recorded). */
  recorded?(runId: string): boolean;
  /** The last value of each metric of a run, including what its process wrote to the store itself. */
  latestMetrics?(runId: string): Record<string, number>;
  /** Keeps a stage's log as the artifact `logs/<name>` (text/plain) of its run; may be a no-op. */
  keepLog?(runId: string, file: string, name: string): void;
  /** Registers the version of each dataset a stage read or wrote and links it to the stage's run (datasetLinks.ts); returns lines for the stage's log. */
  recordDatasets?(runId: string, input: { links: DatasetLink[]; hasher: Hasher; root: string }): Promise<string[]>;
  /** Flushes buffered writes (called at the end of a run). */
  flush?(): void;
  /** The store's file, for SEXTANT_STORE (undefined when runs are not stored). */
  readonly storePath?: string;
  /** Where the store keeps artifacts by content. */
  readonly artifactsDir?: string;
  /** Environment a stage's process gets to log to its run (SEXTANT_RUN_ID, SEXTANT_STORE, …). */
  runEnv?(runId: string): Record<string, string>;
}

export function newRunId(): string {
  return randomBytes(16).toString('hex');
}

export interface MemoryRun {
  id: string;
  parent: string | null;
  name: string;
  status: 'running' | 'finished' | 'failed' | 'killed';
  metrics: Record<string, number[]>;
  info?: StageRunInfo;
  exitCode?: number | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Artifact paths and the files they were logged from. */
  artifacts: Record<string, string>;
}

/** Keeps runs in memory. */
export class MemoryTracker implements RunTracker {
  readonly runs = new Map<string, MemoryRun>();
  readonly storePath = undefined;
  startPipeline(info: { name: string }): string {
    const id = newRunId();
    this.runs.set(id, { id, parent: null, name: info.name, status: 'running', metrics: {}, params: {}, tags: {}, artifacts: {} });
    return id;
  }
  startStage(pipelineRunId: string, info: StageRunInfo): string {
    const id = newRunId();
    this.runs.set(id, { id, parent: pipelineRunId, name: info.name, status: 'running', metrics: {}, params: {}, tags: {}, artifacts: {}, info });
    return id;
  }
  logMetric(runId: string, key: string, value: number): void {
    const run = this.runs.get(runId);
    if (run) (run.metrics[key] ??= []).push(value);
  }
  logMetrics(runId: string, points: readonly MetricPointInput[]): Result<{ rejected: Rejection[] }> {
    for (const p of points) this.logMetric(runId, p.key, p.value);
    return ok({ rejected: [] });
  }
  logParams(runId: string, params: Record<string, string>): Result<{ rejected: Rejection[] }> {
    return ok({ rejected: this.upsert(this.runs.get(runId)?.params, params, 'param') });
  }
  setTags(runId: string, tags: Record<string, string>): Result<{ rejected: Rejection[] }> {
    return ok({ rejected: this.upsert(this.runs.get(runId)?.tags, tags, 'tag') });
  }
  logArtifact(runId: string, file: string, options: { path: string }): Result<unknown> {
    const run = this.runs.get(runId);
    if (run) run.artifacts[options.path] = file;
    return ok(undefined);
  }
  /** Keeps what the store would keep, refusing the rest with the store's reasons. */
  private upsert(into: Record<string, string> | undefined, values: Record<string, string>, what: 'param' | 'tag'): Rejection[] {
    const rejected: Rejection[] = [];
    for (const [rawKey, rawValue] of Object.entries(values)) {
      const key = checkKey(rawKey);
      const value = checkValue(rawValue, what);
      if (!key.ok) rejected.push({ key: rawKey, reason: key.reason });
      else if (!value.ok) rejected.push({ key: key.key, reason: value.reason });
      else if (into) into[key.key] = value.value;
    }
    return rejected;
  }
  finish(runId: string, outcome: { status: 'finished' | 'failed' | 'killed'; exitCode?: number | null; tags?: Record<string, string> }): void {
    const run = this.runs.get(runId);
    if (!run) return;
    run.status = outcome.status;
    run.exitCode = outcome.exitCode;
    if (outcome.tags) Object.assign(run.tags, outcome.tags);
  }
}
