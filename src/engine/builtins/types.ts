// The contract between the executor and a built-in stage (`uses: sextant/...`). A built-in parses its
// own `with` (already resolved) against src/engine/pipeline/builtins.ts, declares the files it reads
// and writes (so caching works as for `run:` stages), and reports failures as typed errors.
import type { Pipeline } from '../pipeline/schema';
import type { Result } from '../result';

export interface BuiltinContext {
  stage: string;
  /** The resolved `with` block. */
  with: Record<string, unknown>;
  pipeline: Pipeline;
  pipelineFile: string;
  /** Folder that relative paths are resolved against (the pipeline file's). */
  root: string;
  runId: string;
  signal: AbortSignal;
  log(line: string): void;
  metric(key: string, value: number, step?: number): void;
  /** Metrics of the stages this one needs, directly or not (the nearest stage's value wins). */
  upstreamMetrics: Record<string, number>;
  /** The workspace store's file, when runs are stored. */
  storePath?: string;
  /** Where the store keeps artifacts by content. */
  artifactsDir?: string;
  /** GPUs the runner gave this stage (`resources.gpu`); empty or absent: CPU. */
  devices?: number[];
}

export interface BuiltinImpl {
  /** Files it reads, relative to root (hashed for caching); a `with` error is reported by `run`. */
  deps(w: Record<string, unknown>, pipeline: Pipeline): string[];
  /** Files it writes, relative to root. */
  outs(w: Record<string, unknown>): string[];
  /** Pipeline settings outside `with` that its result depends on (e.g. the dataset's `expectations:`): fingerprinted, so changing them reruns the stage. */
  settings?(w: Record<string, unknown>, pipeline: Pipeline): unknown;
  /** Whether its result depends on the upstream stages' metrics (gate). */
  readsUpstreamMetrics?: boolean;
  /** Never cached for this `with` (it reads something the runner cannot hash, e.g. a registry alias). */
  alwaysRun?(w: Record<string, unknown>): boolean;
  run(ctx: BuiltinContext): Promise<Result<void>>;
}
