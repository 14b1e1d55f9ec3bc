// Where the runner records runs: one pipeline run with a child run per stage. The executor only knows
// this interface; storeTracker.ts implements it on the workspace store (issue 3's tracking tables) and
// `memoryTracker` keeps runs in memory (tests, or when the store cannot be opened).
import { randomBytes } from 'node:crypto';

export interface StageRunInfo {
  name: string;
  command: string;
  cwd: string;
  logPath: string;
  gpu?: string;
  params?: Record<string, unknown>;
}

export interface RunTracker {
  /** Starts the pipeline run; returns its public id. */
  startPipeline(info: { name: string; file: string; params: Record<string, unknown>; stages: string[] }): string;
  startStage(pipelineRunId: string, info: StageRunInfo): string;
  logMetric(runId: string, key: string, value: number, step?: number): void;
  /** Records a finished stage or pipeline. */
  finish(runId: string, outcome: { status: 'finished' | 'failed' | 'killed'; exitCode?: number | null; durationMs?: number; tags?: Record<string, string> }): void;
  logParams?(runId: string, params: Record<string, string>): void;
  setTags?(runId: string, tags: Record<string, string>): void;
  /** The last value of each metric of a run, including what its process wrote to the store itself. */
  latestMetrics?(runId: string): Record<string, number>;
  /** Stores a file (the stage log, a model) as an artifact of the run; may be a no-op. */
  logArtifact?(runId: string, file: string, name: string): void;
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
  tags?: Record<string, string>;
}

/** Keeps runs in memory. */
export class MemoryTracker implements RunTracker {
  readonly runs = new Map<string, MemoryRun>();
  readonly storePath = undefined;
  startPipeline(info: { name: string }): string {
    const id = newRunId();
    this.runs.set(id, { id, parent: null, name: info.name, status: 'running', metrics: {} });
    return id;
  }
  startStage(pipelineRunId: string, info: StageRunInfo): string {
    const id = newRunId();
    this.runs.set(id, { id, parent: pipelineRunId, name: info.name, status: 'running', metrics: {}, info });
    return id;
  }
  logMetric(runId: string, key: string, value: number): void {
    const run = this.runs.get(runId);
    if (run) (run.metrics[key] ??= []).push(value);
  }
  finish(runId: string, outcome: { status: 'finished' | 'failed' | 'killed'; exitCode?: number | null; tags?: Record<string, string> }): void {
    const run = this.runs.get(runId);
    if (!run) return;
    run.status = outcome.status;
    run.exitCode = outcome.exitCode;
    if (outcome.tags) run.tags = outcome.tags;
  }
}
