// Runs one stage that must run: a child run in the tracker, the log file, the process or the built-in,
// metrics from its output lines, GPU peaks, and the outputs checked, hashed and cached on success.
import { createWriteStream, mkdirSync, rmSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ProtocolIngestor, type ProtocolSink } from '../tracking/protocolIngest';
import { readMetricsFile } from '../tracking/metricsFile';
import { describeError } from '../result';
import type { Pipeline } from '../pipeline/schema';
import type { GpuMonitor } from '../gpu/sampler';
import type { ProcessRoot } from '../gpu/processTree';
import { STORE_DIR } from '../workspace/layout';
import type { OutputCache } from './cache';
import type { Hasher } from './hash';
import { recordOutputs } from './outputs';
import { stageDatasetLinks } from './datasetLinks';
import type { StagePlan } from './plan';
import { RUN_ID_PLACEHOLDER } from './plan';
import { SecretMasker } from './secrets';
import { formatDuration } from '../format';
import { runProcess } from './process';
import type { OutputRecord, StageState } from './state';
import type { RunTracker } from './tracker';
import type { RunnerEvent, StageResult } from './types';

/** Turns a line of a stage's stdout into metric points, or undefined when it is not a metric line. */
export type MetricLineParser = (line: string) => { key: string; value: number; step?: number }[] | undefined;

export interface RunStageInput {
  plan: StagePlan;
  root: string;
  pipeline: Pipeline;
  pipelineFile: string;
  pipelineRunId: string;
  tracker: RunTracker;
  /** GPUs given to the stage; [] when it fell back to CPU; null when it asked for none. */
  devices: number[] | null;
  baseEnv: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  emit(e: RunnerEvent): void;
  upstreamMetrics: Record<string, number>;
  parseMetricLine?: MetricLineParser;
  killGraceMs?: number;
  /** The run's one GPU monitor, which keeps this stage's peaks while it holds GPUs. */
  gpuMonitor?: GpuMonitor;
  cache: OutputCache;
  hasher: Hasher;
  onProcessGroup(runId: string, pgid: number): void;
}

export async function runStage(input: RunStageInput): Promise<{ result: StageResult; state?: Omit<StageState, 'fingerprint'> }> {
  const { plan, root, tracker, devices } = input;
  const started = performance.now();
  const logsDir = join(root, STORE_DIR, 'logs', input.pipelineRunId);
  const logPath = join(logsDir, `${plan.name}.log`);
  const gpuLabel = devices === null ? undefined : devices.length === 0 ? 'cpu (fallback)' : devices.join(',');
  // Secrets become *** in all the runner records and prints: the store keeps the command's template.
  const masker = new SecretMasker(plan.secrets);
  const runId = tracker.startStage(input.pipelineRunId, { name: plan.name, command: plan.recorded.command, cwd: plan.cwd, logPath, ...(gpuLabel ? { gpu: gpuLabel } : {}), params: masker.maskValue(plan.recorded.params) as Record<string, unknown> });
  const withRunId = (text: string): string => text.split(RUN_ID_PLACEHOLDER).join(runId);
  mkdirSync(logsDir, { recursive: true });
  const log = createWriteStream(logPath);
  const metrics: Record<string, number> = {};
  const metric = (key: string, value: number, step?: number): void => {
    metrics[key] = value;
    tracker.logMetric(runId, key, value, step);
  };
  // `::sextant` lines (docs/tracking.md) go through the one ProtocolIngestor: the metrics it records are
  // also the stage's result, and what it refuses becomes a problem line in the log.
  const recording: ProtocolSink = {
    logMetrics: (id, points) => {
      const r = tracker.logMetrics(id, points);
      if (r.ok) {
        const refused = new Set(r.value.rejected.map((x) => x.key));
        for (const p of points) if (!refused.has(p.key)) metrics[p.key] = p.value;
      }
      return r;
    },
    logParams: (id, params) => tracker.logParams(id, params),
    setTags: (id, tags) => tracker.setTags(id, tags),
    logArtifact: (id, file, options) => tracker.logArtifact(id, file, options),
  };
  const protocol = new ProtocolIngestor(recording, runId, { cwd: plan.cwd, onProblem: (p) => line('sextant', `protocol: stdout line ${p.line}: ${p.message}`) });
  // The last line the stage wrote to stderr: what a failure is shown by (a Python traceback ends with the exception).
  let lastStderr = '';
  const line = (stream: 'stdout' | 'stderr' | 'sextant', unmasked: string): void => {
    const text = masker.mask(unmasked);
    if (stream === 'stderr' && text.trim()) lastStderr = text.trim();
    log.write(stream === 'stdout' ? `${text}\n` : `[${stream}] ${text}\n`);
    input.emit({ type: 'stage-log', stage: plan.name, stream, line: text });
    if (stream !== 'stdout') return;
    if (input.parseMetricLine) {
      const points = input.parseMetricLine(text);
      if (points) for (const p of points) metric(p.key, p.value, p.step);
    } else if (plan.kind === 'run') {
      protocol.line(text);
    }
  };
  input.emit({ type: 'stage-start', stage: plan.name, run_id: runId, ...(devices && devices.length ? { devices } : {}) });

  // Outputs are removed first so that one the stage does not write is noticed. Whatever was there is
  // kept in the cache first, so nothing is lost when the stage then fails.
  for (const out of plan.outs) {
    if (!existsSync(out)) continue;
    const h = await input.hasher.path(out);
    if (h.sha256 && h.kind !== 'missing') input.cache.put(out, { sha256: h.sha256, kind: h.kind, size: h.size, ...(h.files ? { files: h.files } : {}) } as OutputRecord);
    rmSync(out, { recursive: true, force: true });
  }
  for (const out of plan.outs) mkdirSync(dirname(out), { recursive: true });

  // Its GPU memory is that of its own processes: its process group once started; a built-in runs in this process.
  let processRoot: ProcessRoot | undefined = plan.kind === 'run' ? undefined : { pid: process.pid, group: false, alone: true };
  const watch = devices && devices.length > 0 ? input.gpuMonitor?.watch(devices, () => processRoot) : undefined;
  let exitCode: number | null = null;
  let signal: string | null = null;
  let error: string | undefined;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  input.signal?.addEventListener('abort', onAbort, { once: true });
  if (input.signal?.aborted) controller.abort();

  if (plan.kind === 'run') {
    const env: NodeJS.ProcessEnv = {
      ...input.baseEnv,
      ...Object.fromEntries(Object.entries(plan.env).map(([k, v]) => [k, withRunId(v)])),
      SEXTANT_RUN_ID: runId,
      SEXTANT_PARENT_RUN_ID: input.pipelineRunId,
      SEXTANT_STAGE: plan.name,
      ...(tracker.storePath ? { SEXTANT_STORE: tracker.storePath } : {}),
      ...(tracker.runEnv?.(runId) ?? {}),
      // nvidia-smi numbers GPUs in PCI bus order; CUDA does too only when told so. A stage that asks for
      // no GPU sees none (so it cannot take one handed to another stage), unless its own `env:` names them.
      ...(devices !== null ? { CUDA_VISIBLE_DEVICES: devices.join(','), CUDA_DEVICE_ORDER: 'PCI_BUS_ID' } : 'CUDA_VISIBLE_DEVICES' in plan.env ? {} : { CUDA_VISIBLE_DEVICES: '' }),
    };
    line('sextant', `$ ${withRunId(plan.command)}`);
    const outcome = await runProcess({
      command: withRunId(plan.command),
      cwd: plan.cwd,
      env,
      ...(plan.timeoutMs ? { timeoutMs: plan.timeoutMs } : {}),
      signal: controller.signal,
      onLine: (stream, text) => line(stream, text),
      onStart: (pgid) => {
        processRoot = { pid: pgid, group: true };
        input.onProcessGroup(runId, pgid);
      },
      ...(input.killGraceMs !== undefined ? { killGraceMs: input.killGraceMs } : {}),
    });
    exitCode = outcome.exitCode;
    signal = outcome.signal;
    error = outcome.error;
  } else {
    const builtin = plan.builtin!;
    let timedOut = false;
    const timer = plan.timeoutMs ? setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, plan.timeoutMs) : undefined;
    try {
      const r = await builtin.run({
        stage: plan.name,
        with: plan.with,
        pipeline: input.pipeline,
        pipelineFile: input.pipelineFile,
        root,
        runId,
        signal: controller.signal,
        log: (text) => line('stdout', text),
        metric,
        upstreamMetrics: input.upstreamMetrics,
        ...(tracker.storePath ? { storePath: tracker.storePath } : {}),
        ...(tracker.artifactsDir ? { artifactsDir: tracker.artifactsDir } : {}),
        ...(devices && devices.length > 0 ? { devices } : {}),
      });
      if (timedOut) error = `Timed out after ${formatDuration(plan.timeoutMs ?? 0)}.`;
      else if (!r.ok) error = describeError(r.error);
      else if (controller.signal.aborted) error = 'Cancelled.';
    } catch (err) {
      error = `${plan.uses} crashed: ${(err as Error).stack ?? String(err)}`;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
  input.signal?.removeEventListener('abort', onAbort);
  const peaks = watch ? await watch.stop() : undefined;
  if (peaks?.peakUtilizationPercent != null) metric('gpu_utilization_peak_percent', peaks.peakUtilizationPercent);
  if (peaks?.peakMemoryMiB != null) metric('gpu_memory_peak_mib', peaks.peakMemoryMiB);

  if (!error && plan.kind === 'run') {
    // Metrics the process wrote to the store itself (the Python helper), then its metrics files.
    for (const [k, v] of Object.entries(tracker.latestMetrics?.(runId) ?? {})) metrics[k] ??= v;
    for (const f of plan.metricsFiles) {
      const read = readMetricsFile(f);
      if (!read.ok) {
        error = describeError(read.error);
        break;
      }
      for (const r of read.value.rejected) line('sextant', `${relative(root, f)}: "${r.key}" skipped: ${r.reason}`);
      for (const p of read.value.points) metric(p.key, p.value, p.step);
    }
  }
  let outs: Record<string, OutputRecord> = {};
  if (!error) {
    const recorded = await recordOutputs(plan, root, input.hasher, input.cache);
    outs = recorded.outs;
    if (recorded.missing.length > 0) error = `The stage did not write ${recorded.missing.join(', ')} (declared in outs).`;
  }
  // The dataset versions the stage read (also when it failed) and wrote (when it succeeded).
  const datasets = stageDatasetLinks(plan, input.pipeline, root).filter((l) => l.role === 'input' || !error);
  if (datasets.length > 0 && tracker.recordDatasets) for (const text of await tracker.recordDatasets(runId, { links: datasets, hasher: input.hasher, root })) line('sextant', text);
  if (error) line('sextant', error);
  const duration = performance.now() - started;
  await new Promise<void>((r) => log.end(r));
  tracker.keepLog?.(runId, logPath, `${plan.name}.log`);
  const status = error ? (input.signal?.aborted ? 'killed' : 'failed') : 'finished';
  // The runner's tags are under `sextant.`: the stage's own `::sextant tag stage=…` stays the user's.
  const resources = Object.fromEntries(Object.entries({ 'sextant.resources.gpu': plan.gpu, 'sextant.resources.cpu': plan.cpu, 'sextant.resources.timeout_ms': plan.timeoutMs }).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
  // A failed stage keeps its error line (`sextant.error`): the last line its process wrote to stderr when
  // it exited non-zero, else the runner's reason (a timeout, a missing output, a built-in's error).
  const exitedBadly = plan.kind === 'run' && exitCode !== null && exitCode !== 0 && lastStderr !== '';
  const errorLine: Record<string, string> = error ? { 'sextant.error': clipLine(exitedBadly ? lastStderr : masker.mask(error).split('\n')[0]!) } : {};
  tracker.finish(runId, { status, exitCode, durationMs: duration, tags: { 'sextant.stage': plan.name, ...(gpuLabel ? { 'sextant.gpu': gpuLabel } : {}), ...resources, ...errorLine } });
  const gpu = devices !== null ? { gpu: { devices, peakUtilizationPercent: peaks?.peakUtilizationPercent ?? null, peakMemoryMiB: peaks?.peakMemoryMiB ?? null } } : {};
  const result: StageResult = {
    name: plan.name,
    status: error ? 'failed' : 'ran',
    duration_ms: duration,
    run_id: runId,
    ...(plan.kind === 'run' ? { exit_code: exitCode, signal } : {}),
    ...(error ? { reason: masker.mask(error) } : {}),
    metrics,
    ...gpu,
    log: relative(root, logPath),
  };
  return error ? { result } : { result, state: { outs, metrics, runId, finishedAt: Date.now() } };
}

/** One line of at most 500 characters, for a tag. */
function clipLine(text: string): string {
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}
