// Runs a pipeline: plans the selected stages, then starts each one when the stages it needs have
// succeeded, at most `maxParallel` at a time and on free GPUs. A stage whose fingerprint and outputs
// are unchanged is `cached` (deleted outputs are restored from the cache); a failure stops new stages
// from starting (`skipped`), and the next run resumes from the failed stage because only successful
// stages are remembered. Every stage is a child run of one pipeline run in the tracker.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { describeError, fail, ok, type Result } from '../result';
import { readPipeline } from '../pipeline/read';
import { detectGpus, type ComputeApp, type Gpu } from '../gpu/nvidiaSmi';
import { busyThresholds, GpuAllocator, visibleGpus, type BusyThresholds } from '../gpu/allocator';
import { GpuMonitor } from '../gpu/sampler';
import { buildDag, selectStages } from './dag';
import { Hasher } from './hash';
import { loadParams, pipelineRoot, planStage, RUN_ID_PLACEHOLDER, type StagePlan } from './plan';
import { loadState, saveState, statePath, type StageState } from './state';
import { OutputCache } from './cache';
import { MemoryTracker, type RunTracker } from './tracker';
import type { PipelineResult, RunnerEvent, StageResult } from './types';
import { fingerprintStage } from './fingerprint';
import { refuseEscapes } from '../pipeline/containment';
import { checkOutputs } from './outputs';
import { runStage, type MetricLineParser } from './stageRun';
import { recordedParams } from './secrets';
import { alive, stopInterruptedRun } from './interrupted';
import { acquireRunLock, runLockPath } from './lock';
import { STAGES_TAG, stageRecordTag, type StageRecord } from './stageRecord';
import { composeStageLogs } from './runLog';
import { STORE_DIR } from '../workspace/layout';
import { monitorHook } from '../monitor/runnerHook';

export interface RunPipelineOptions {
  /** The pipeline file. */
  file: string;
  /** Stages to run (with what they need); all when empty. */
  stages?: string[];
  /** Run the named stages (all stages when none are named) even when cached; the stages they need may still be cached. */
  force?: boolean;
  /** Most stages at once (default: the number of CPU cores). */
  maxParallel?: number;
  /** GPUs to schedule on: detected with nvidia-smi by default; `[]` or 'never' for CPU only. */
  gpus?: Gpu[] | 'detect' | 'never';
  signal?: AbortSignal;
  tracker?: RunTracker;
  onEvent?: (event: RunnerEvent) => void;
  /** Environment the stages inherit (default: this process's). */
  env?: NodeJS.ProcessEnv;
  parseMetricLine?: MetricLineParser;
  /** SIGTERM → SIGKILL grace on cancel and timeout (default 3 s). */
  killGraceMs?: number;
  /** nvidia-smi `--query-gpu` used by the run's one GPU monitor (tests replace it). */
  sampleGpus?: () => Promise<{ ok: boolean; value?: Gpu[] }>;
  /** nvidia-smi `--query-compute-apps` used for each stage's own GPU memory (tests replace it). */
  sampleGpuApps?: () => Promise<{ ok: boolean; value?: ComputeApp[] }>;
  /** How often the GPU monitor samples (default 1 s). */
  gpuSampleIntervalMs?: number;
  /** When a GPU counts as busy with another process (default: SEXTANT_GPU_BUSY_MEMORY_MIB / SEXTANT_GPU_BUSY_UTILIZATION, else 1024 MiB / 10%). */
  gpuBusy?: BusyThresholds;
  /** When another run of the workspace is in progress: wait for it (default), or fail at once with `runner-busy` (`--no-wait`). */
  waitIfBusy?: boolean;
}

export async function runPipeline(options: RunPipelineOptions): Promise<Result<PipelineResult>> {
  // One run of a workspace at a time (lock.ts), taken before anything is planned. Without a pipeline
  // file the run fails reading it, and no lock (nor .sextant folder) is made.
  if (!existsSync(options.file)) return runLocked(options, []);
  const lockWarnings: string[] = [];
  const note = (message: string): void => {
    lockWarnings.push(message);
    options.onEvent?.({ type: 'warning', message });
  };
  const lock = await acquireRunLock(runLockPath(pipelineRoot(options.file)), { wait: options.waitIfBusy !== false, ...(options.signal ? { signal: options.signal } : {}), onWaiting: note, onStale: note, file: options.file });
  if (!lock.ok) return lock;
  try {
    return await runLocked(options, lockWarnings);
  } finally {
    lock.value.release();
  }
}

async function runLocked(options: RunPipelineOptions, lockWarnings: string[]): Promise<Result<PipelineResult>> {
  const started = performance.now();
  const file = options.file;
  const root = pipelineRoot(file);
  const emit = (e: RunnerEvent): void => options.onEvent?.(e);
  const warnings: string[] = [...lockWarnings];
  const warn = (message: string, stage?: string): void => {
    warnings.push(message);
    emit({ type: 'warning', ...(stage ? { stage } : {}), message });
  };

  const pipeline = readPipeline(file);
  if (!pipeline.ok) return pipeline;
  const dag = buildDag(pipeline.value, file);
  if (!dag.ok) return dag;
  const selected = selectStages(dag.value, options.stages ?? [], file);
  if (!selected.ok) return selected;
  const params = loadParams(pipeline.value, root, file);
  if (!params.ok) return params;
  const plans = new Map<string, StagePlan>();
  for (const name of selected.value) {
    const plan = planStage(name, pipeline.value.stages[name]!, pipeline.value, params.value, root, file, RUN_ID_PLACEHOLDER);
    if (!plan.ok) return plan;
    plans.set(name, plan.value);
  }
  const duplicate = findDuplicateOutput(plans, root);
  if (duplicate) return fail({ code: 'pipeline-duplicate-output', file, message: duplicate });

  const stateFile = statePath(root, file);
  const loaded = loadState(stateFile);
  if (loaded.warning) warn(loaded.warning);
  const state = loaded.state;
  if (state.running && state.running.pid !== process.pid && alive(state.running.pid)) {
    return fail({ code: 'runner-busy', file, message: `This pipeline is already running (pid ${state.running.pid}, run ${state.running.runId}).`, fix: 'Wait for it to finish, or stop it.' });
  }
  if (state.running && state.running.pid !== process.pid) {
    const stopped = stopInterruptedRun(state.running);
    warn(stopped);
    for (const name of Object.keys(state.running.stages)) delete state.stages[name];
    state.running = undefined;
  }

  let gpus: Gpu[] = [];
  const needsGpu = [...plans.values()].some((p) => p.gpu !== undefined && p.gpu !== 0);
  if (options.gpus === 'never') gpus = [];
  else if (Array.isArray(options.gpus)) gpus = options.gpus;
  else if (needsGpu) {
    const detected = await detectGpus();
    if (detected.ok) gpus = detected.value;
    else warn(`GPU detection failed: ${describeError(detected.error)}`);
  }
  const runnerEnv = options.env ?? process.env;
  const cudaVisible = runnerEnv.CUDA_VISIBLE_DEVICES;
  const visible = visibleGpus(gpus, cudaVisible);
  if (visible.length < gpus.length) warn(`CUDA_VISIBLE_DEVICES=${cudaVisible} limits this run to ${visible.length} of ${gpus.length} GPUs.`);
  const busy = options.gpuBusy ? { thresholds: options.gpuBusy, warnings: [] } : busyThresholds(runnerEnv);
  if (needsGpu) for (const w of busy.warnings) warn(w);
  const allocator = new GpuAllocator(visible, { busy: busy.thresholds, machineCount: gpus.length, ...(cudaVisible !== undefined ? { cudaVisibleDevices: cudaVisible } : {}) });
  // One nvidia-smi sampler for the whole run (sampler.ts): the stages' peaks and the allocator's view of busy GPUs.
  const gpuMonitor = needsGpu && visible.length > 0 && options.gpus !== 'never' ? new GpuMonitor(options.sampleGpus, options.sampleGpuApps, options.gpuSampleIntervalMs) : undefined;
  const busyWarned = new Set<string>();

  const tracker: RunTracker = options.tracker ?? new MemoryTracker();
  const pipelineName = pipeline.value.name ?? relative(root, file);
  const pipelineRunId = tracker.startPipeline({ name: pipelineName, file, params: recordedParams(params.value, Object.keys(params.value.values)), stages: selected.value });
  state.running = { runId: pipelineRunId, pid: process.pid, startedAt: Date.now(), stages: {} };
  saveState(stateFile, state);
  emit({ type: 'pipeline-start', file, run_id: pipelineRunId, stages: selected.value });

  const hasher = new Hasher(state.files);
  // `monitor:` checks drift before its on_drift stage and forces that stage on drift (monitor/runnerHook.ts).
  const monitor = monitorHook({ pipeline: pipeline.value, file, root, selected: selected.value, dependents: dag.value.dependents, storePath: tracker.storePath, pipelineRunId, hasher, log: (stage, line) => emit({ type: 'stage-log', stage, stream: 'sextant', line }), warn });
  const cache = new OutputCache(root);
  const maxParallel = Math.max(1, options.maxParallel ?? cpus().length);
  const results = new Map<string, StageResult>();
  const inflight = new Map<string, Promise<void>>();
  let usedSlots = 0;
  let stopReason: string | undefined;
  let gpuReleased: () => void = () => undefined;
  let gpuWait = new Promise<void>((r) => (gpuReleased = r));
  gpuMonitor?.onSample((sample, at) => {
    if (allocator.update(sample, at)) gpuReleased();
  });

  // The stages in the order they were taken up, cached and skipped ones included: kept on the pipeline
  // run (stageRecord.ts) as each one starts and settles, since a cached stage has no run of its own here.
  const sequence: StageRecord[] = [];
  let recordWarned = false;
  const record = (name: string, patch: Omit<StageRecord, 'stage'>): void => {
    const at = sequence.find((s) => s.stage === name);
    if (at) Object.assign(at, patch);
    else sequence.push({ stage: name, ...patch });
    const tagged = tracker.setTags(pipelineRunId, { [STAGES_TAG]: stageRecordTag(sequence) });
    if (!tagged.ok && !recordWarned) {
      recordWarned = true;
      warn(`store: could not record the order of the stages: ${describeError(tagged.error)}`);
    }
  };

  const finishStage = (result: StageResult): void => {
    allocator.forget(result.name);
    record(result.name, { status: result.status, run: result.run_id, ...(result.reason ? { reason: result.reason } : {}) });
    results.set(result.name, result);
    monitor?.settled(result.name, result.status, result.run_id);
    emit({ type: 'stage-end', result });
    if (result.status === 'failed' && !stopReason) stopReason = options.signal?.aborted ? 'the run was cancelled' : `stage "${result.name}" failed`;
  };

  const upstreamState = (name: string): Record<string, StageState | undefined> => Object.fromEntries((dag.value.needs.get(name) ?? []).map((n) => [n, state.stages[n]]));
  const upstreamMetrics = (name: string): Record<string, number> => {
    const out: Record<string, number> = {};
    const visit = (n: string, seen: Set<string>): void => {
      for (const need of dag.value.needs.get(n) ?? []) {
        if (seen.has(need)) continue;
        seen.add(need);
        visit(need, seen);
        Object.assign(out, state.stages[need]?.metrics ?? {});
      }
    };
    visit(name, new Set());
    // Nearest wins: direct needs last.
    for (const need of dag.value.needs.get(name) ?? []) Object.assign(out, state.stages[need]?.metrics ?? {});
    return out;
  };

  const execute = async (name: string, devices: number[] | null, fallbackWarning: string | undefined): Promise<void> => {
    const plan = plans.get(name)!;
    const stageStarted = performance.now();
    record(name, { status: 'running', run: null });
    // A stage before this one may have made a link that now leads an output outside: check again before anything is restored or removed.
    const escaped = refuseEscapes(name, plan.outs.map((o) => ({ what: 'outs', value: relative(root, o), write: true })), root, file);
    if (!escaped.ok) {
      finishStage({ name, status: 'failed', duration_ms: performance.now() - stageStarted, run_id: null, reason: escaped.error.message });
      return;
    }
    const { fingerprint, missingDeps } = await fingerprintStage(plan, root, hasher, upstreamState(name));
    const previous = state.stages[name];
    const drifted = (await monitor?.beforeStage(name)) === true;
    const forced = drifted || (options.force === true && (!options.stages?.length || options.stages.includes(name)));
    if (!forced && previous && previous.fingerprint === fingerprint && !plan.builtin?.alwaysRun?.(plan.with)) {
      const outs = await checkOutputs(plan, previous, root, hasher, cache);
      if (outs.intact) {
        finishStage({ name, status: 'cached', duration_ms: performance.now() - stageStarted, run_id: previous.runId, ...(outs.restored.length ? { restored: outs.restored } : {}), metrics: previous.metrics });
        return;
      }
    }
    if (missingDeps.length > 0) {
      finishStage({ name, status: 'failed', duration_ms: performance.now() - stageStarted, run_id: null, reason: `Missing input${missingDeps.length > 1 ? 's' : ''}: ${missingDeps.join(', ')} (listed in deps, or read by ${plan.uses ?? 'the stage'}).` });
      return;
    }
    if (fallbackWarning) warn(fallbackWarning, name);
    delete state.stages[name];
    const outcome = await runStage({
      plan,
      root,
      pipeline: pipeline.value,
      pipelineFile: file,
      pipelineRunId,
      tracker,
      devices,
      baseEnv: options.env ?? process.env,
      signal: options.signal,
      emit,
      upstreamMetrics: upstreamMetrics(name),
      parseMetricLine: options.parseMetricLine,
      killGraceMs: options.killGraceMs,
      ...(gpuMonitor ? { gpuMonitor } : {}),
      cache,
      hasher,
      onProcessGroup: (runId, pgid) => {
        if (state.running) {
          state.running.stages[name] = { runId, pgid };
          saveState(stateFile, state);
        }
      },
    });
    if (outcome.state) state.stages[name] = { ...outcome.state, fingerprint };
    if (state.running) delete state.running.stages[name];
    saveState(stateFile, state);
    finishStage(outcome.result);
  };

  const order = selected.value;
  for (;;) {
    let launchedOrSettled = false;
    let waitingForGpu = false;
    let waitingOnBusyGpu = false;
    for (const name of order) {
      if (results.has(name) || inflight.has(name)) continue;
      const needs = dag.value.needs.get(name) ?? [];
      const blocked = needs.find((n) => results.get(n)?.status === 'failed' || results.get(n)?.status === 'skipped');
      if (blocked) {
        finishStage({ name, status: 'skipped', duration_ms: 0, run_id: null, reason: `Not run: it needs "${blocked}", which ${results.get(blocked)!.status === 'failed' ? 'failed' : 'did not run'}.` });
        launchedOrSettled = true;
        continue;
      }
      if (stopReason || options.signal?.aborted) {
        finishStage({ name, status: 'skipped', duration_ms: 0, run_id: null, reason: `Not run: ${options.signal?.aborted ? 'the run was cancelled' : stopReason}.` });
        launchedOrSettled = true;
        continue;
      }
      if (!needs.every((n) => results.has(n))) continue;
      // A stage takes `resources.cpu` slots (1 by default); one that wants more than there are runs alone.
      const slots = Math.min(maxParallel, Math.max(1, Math.ceil(plans.get(name)!.cpu ?? 1)));
      if (usedSlots + slots > maxParallel) break;
      const plan = plans.get(name)!;
      const decision = allocator.acquire(name, plan.gpu);
      if (decision.kind === 'wait') {
        waitingForGpu = true;
        gpuMonitor?.start();
        if (decision.busy) waitingOnBusyGpu = true;
        if (decision.busy && !busyWarned.has(name)) {
          busyWarned.add(name);
          warn(`Stage "${name}" waits for a GPU: ${decision.busy}.`, name);
        }
        continue;
      }
      if (decision.kind === 'unavailable') {
        finishStage({ name, status: 'failed', duration_ms: 0, run_id: null, reason: decision.error });
        launchedOrSettled = true;
        continue;
      }
      const devices = decision.kind === 'gpus' ? decision.devices : decision.kind === 'cpu-fallback' ? [] : null;
      const p = execute(name, devices, decision.kind === 'cpu-fallback' ? decision.warning : undefined)
        .catch((err: unknown) => {
          finishStage({ name, status: 'failed', duration_ms: 0, run_id: null, reason: `Internal error: ${(err as Error).stack ?? String(err)}` });
        })
        .finally(() => {
          if (devices && devices.length > 0) {
            allocator.release(devices, performance.now());
            gpuReleased();
          }
        });
      usedSlots += slots;
      inflight.set(
        name,
        p.then(() => {
          usedSlots -= slots;
          inflight.delete(name);
        }),
      );
      launchedOrSettled = true;
    }
    if (results.size === order.length) break;
    if (inflight.size === 0) {
      if (launchedOrSettled) continue;
      // Only GPUs other processes keep busy hold the stages back: wait for the monitor's next sample (or a cancel).
      if (waitingOnBusyGpu && gpuMonitor && !options.signal?.aborted) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            options.signal?.removeEventListener('abort', done);
            resolve();
          };
          options.signal?.addEventListener('abort', done, { once: true });
          void gpuWait.then(done);
        });
        gpuWait = new Promise<void>((r) => (gpuReleased = r));
        continue;
      }
      // Nothing runs and nothing can start: only possible when GPUs never free up (a bug).
      for (const name of order) if (!results.has(name)) finishStage({ name, status: 'skipped', duration_ms: 0, run_id: null, reason: 'Not run: no GPU became free.' });
      break;
    }
    if (waitingForGpu) {
      await Promise.race([...inflight.values(), gpuWait]);
      gpuWait = new Promise<void>((r) => (gpuReleased = r));
    } else {
      await Promise.race(inflight.values());
    }
  }

  await gpuMonitor?.stop();
  const stages = order.map((n) => results.get(n)!);
  const failed = stages.some((s) => s.status === 'failed');
  const status: PipelineResult['status'] = options.signal?.aborted ? 'cancelled' : failed ? 'failed' : 'succeeded';
  const logPath = writePipelineLog(join(root, STORE_DIR, 'logs', pipelineRunId), sequence, results, root, warn);
  tracker.finish(pipelineRunId, { status: status === 'succeeded' ? 'finished' : status === 'cancelled' ? 'killed' : 'failed', durationMs: performance.now() - started, ...(logPath ? { logPath } : {}) });
  tracker.flush?.();
  state.running = undefined;
  // After a whole-pipeline run, forget the stamps of files no stage looks at any more.
  if (!options.stages?.length) state.files = Object.fromEntries(Object.entries(hasher.cache).filter(([path]) => hasher.used.has(path)));
  saveState(stateFile, state);
  // A run in which every stage was cached may not be recorded (storeTracker.ts): then it has no id to give.
  const result: PipelineResult = { file, status, run_id: tracker.recorded?.(pipelineRunId) === false ? null : pipelineRunId, duration_ms: performance.now() - started, stages, warnings };
  emit({ type: 'pipeline-end', result });
  return ok(result);
}

/** The pipeline run's log: its stages' logs in the order they ran (runLog.ts), as `pipeline.log` beside them. */
function writePipelineLog(dir: string, sequence: readonly StageRecord[], results: Map<string, StageResult>, root: string, warn: (message: string) => void): string | undefined {
  const parts = sequence.map((s) => {
    const r = results.get(s.stage);
    const note = s.status === 'cached' ? 'cached: not run, its outputs were up to date' : r?.reason;
    return { stage: s.stage, status: s.status, ...(r?.log ? { file: join(root, r.log) } : {}), ...(note ? { note } : {}) };
  });
  // A pipeline in which no stage ran (all cached) wrote no log: nothing to gather (the panel says what was cached).
  if (!parts.some((p) => p.file)) return undefined;
  const file = join(dir, 'pipeline.log');
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, composeStageLogs(parts).text);
    return file;
  } catch (err) {
    warn(`Could not write the pipeline's log ${file}: ${(err as Error).message}`);
    return undefined;
  }
}

function findDuplicateOutput(plans: Map<string, StagePlan>, root: string): string | undefined {
  const owner = new Map<string, string>();
  for (const plan of plans.values()) {
    for (const out of plan.outs) {
      const other = owner.get(out);
      if (other && other !== plan.name) return `Stages "${other}" and "${plan.name}" both write ${relative(root, out)}.`;
      owner.set(out, plan.name);
    }
  }
  return undefined;
}
