// The RunTracker on the workspace store (issue 3's Tracker): the pipeline run is a run in the
// experiment named after the pipeline, each stage a child run with its command, log path, GPU, exit
// code and metrics, and its log kept as an artifact. Store errors become warnings: a pipeline does not
// fail because its bookkeeping did. The pipeline run is written when its first stage starts: one in which
// every stage was cached ran nothing and is not recorded at all (it would be an empty row each time; the
// runs whose outputs it reused hold the results), while one that failed or was stopped before any stage
// ran is (its stage record says why).
import { hostname } from 'node:os';
import { describeError, ok, type Result } from '../result';
import type { MetricPointInput, Rejection, StartRunInput } from '../tracking/schemas';
import type { Tracker } from '../tracking/tracking';
import { newRunId, type RunTracker, type StageRunInfo } from './tracker';
import { linkRun, registerDatasetVersion } from '../data/versions/register';
import type { DatasetLink } from './datasetLinks';
import type { Hasher } from './hash';

export class StoreTracker implements RunTracker {
  readonly storePath: string;
  readonly artifactsDir: string;
  private experiment = 'Default';
  /** Pipeline runs not written yet (no stage has started), with the tags given to them meanwhile. */
  private readonly pending = new Map<string, { input: StartRunInput; tags: Record<string, string> }>();
  /** Pipeline runs that ended with every stage cached: never written. */
  private readonly dropped = new Set<string>();
  constructor(
    private readonly tracker: Tracker,
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {
    this.storePath = tracker.file;
    this.artifactsDir = tracker.artifactsDir;
  }

  private check<T>(r: Result<T>, what: string): T | undefined {
    if (r.ok) return r.value;
    this.onWarning(`store: could not ${what}: ${describeError(r.error)}`);
    return undefined;
  }

  startPipeline(info: { name: string; file: string; params: Record<string, unknown>; stages: string[] }): string {
    this.experiment = info.name;
    this.check(this.tracker.reapDeadRuns(), 'mark interrupted runs');
    const id = newRunId();
    const now = Date.now();
    this.pending.set(id, {
      input: { id, experiment: info.name, name: `pipeline ${new Date(now).toISOString().slice(0, 19).replace('T', ' ')}`, startedAt: now, command: `sextant run ${info.stages.join(' ')}`.trim(), cwd: process.cwd(), pid: process.pid, host: hostname(), nodeVersion: process.versions.node, params: info.params, tags: { 'sextant.kind': 'pipeline', 'sextant.pipeline': info.file } },
      tags: {},
    });
    return id;
  }

  /** Writes a pending pipeline run, with the tags it was given meanwhile. */
  private write(runId: string): void {
    const p = this.pending.get(runId);
    if (!p) return;
    this.pending.delete(runId);
    this.check(this.tracker.startRun({ ...p.input, tags: { ...p.input.tags, ...p.tags } }), 'start the pipeline run');
  }

  /** Whether the run is in the store: a pipeline run in which every stage was cached is not. */
  recorded(runId: string): boolean {
    return !this.dropped.has(runId);
  }

  startStage(pipelineRunId: string, info: StageRunInfo): string {
    this.write(pipelineRunId);
    const r = this.check(
      this.tracker.startRun({ experiment: this.experiment, name: info.name, parentId: pipelineRunId, command: info.command, cwd: info.cwd, pid: process.pid, host: hostname(), logPath: info.logPath, nodeVersion: process.versions.node, ...(info.gpu ? { gpu: info.gpu } : {}), ...(info.params ? { params: info.params } : {}), tags: { 'sextant.kind': 'stage', 'sextant.stage': info.name } }),
      `start the run of stage ${info.name}`,
    );
    return r?.id ?? newRunId();
  }

  logMetric(runId: string, key: string, value: number, step?: number): void {
    this.write(runId);
    this.check(this.tracker.logMetric(runId, key, value, step), `log metric ${key}`);
  }

  // What a stage's `::sextant` lines record: errors and refused keys are the ProtocolIngestor's to
  // report, as problem lines in the stage's log.
  logMetrics(runId: string, points: readonly MetricPointInput[]): Result<{ rejected: Rejection[] }> {
    this.write(runId);
    return this.tracker.logMetrics(runId, points);
  }

  logParams(runId: string, params: Record<string, string>): Result<{ rejected: Rejection[] }> {
    this.write(runId);
    return this.tracker.logParams(runId, params);
  }

  setTags(runId: string, tags: Record<string, string>): Result<{ rejected: Rejection[] }> {
    const p = this.pending.get(runId);
    if (p) {
      Object.assign(p.tags, tags);
      return ok({ rejected: [] });
    }
    return this.tracker.setTags(runId, tags);
  }

  logArtifact(runId: string, file: string, options: { path: string }): Result<unknown> {
    this.write(runId);
    return this.tracker.logArtifact(runId, file, options);
  }

  latestMetrics(runId: string): Record<string, number> {
    if (this.pending.has(runId)) return {};
    this.check(this.tracker.flush(), 'write metrics');
    const run = this.check(this.tracker.getRun(runId), 'read the run');
    return run ? Object.fromEntries(Object.values(run.metrics).map((m) => [m.key, m.last])) : {};
  }

  keepLog(runId: string, file: string, name: string): void {
    this.write(runId);
    this.check(this.tracker.logArtifact(runId, file, { path: `logs/${name}`, mediaType: 'text/plain' }), `keep the log ${name}`);
  }

  finish(runId: string, outcome: { status: 'finished' | 'failed' | 'killed'; exitCode?: number | null; tags?: Record<string, string>; logPath?: string }): void {
    if (this.pending.has(runId) && outcome.status === 'finished') {
      // No stage started and none failed: every stage was cached.
      this.pending.delete(runId);
      this.dropped.add(runId);
      return;
    }
    this.write(runId);
    if (outcome.tags) this.check(this.tracker.setTags(runId, outcome.tags), 'tag the run');
    if (outcome.logPath) this.check(this.tracker.updateRun(runId, { logPath: outcome.logPath }), 'record the log');
    this.check(this.tracker.finishRun(runId, outcome.status, outcome.exitCode ?? null), 'finish the run');
  }

  async recordDatasets(runId: string, input: { links: DatasetLink[]; hasher: Hasher; root: string }): Promise<string[]> {
    const lines: string[] = [];
    for (const link of input.links) {
      const registered = await registerDatasetVersion(this.tracker.db, { name: link.name, file: link.file, root: input.root, hasher: input.hasher, pii: link.pii, salt: process.env.SEXTANT_PII_SALT ?? '', ...(link.format ? { format: link.format } : {}) });
      if (!registered.ok) {
        this.onWarning(`store: could not record the version of dataset ${link.name}: ${describeError(registered.error)}`);
        continue;
      }
      const { version, created, id, note } = registered.value;
      this.check(linkRun(this.tracker.db, runId, id, link.role), `link dataset ${link.name} to the run`);
      lines.push(`dataset ${link.name}: ${link.role === 'input' ? 'read' : 'wrote'} version ${version.version}${created ? ' (new)' : ''}, sha256 ${version.hash.slice(0, 12)}${note ? `, ${note}` : ''}`);
      if (link.pin !== undefined && link.pin !== version.version) lines.push(`dataset ${link.name}: the pipeline pins version ${link.pin}, but the file is version ${version.version}`);
    }
    return lines;
  }

  runEnv(runId: string): Record<string, string> {
    return this.tracker.runEnv(runId);
  }

  flush(): void {
    this.check(this.tracker.flush(), 'write metrics');
  }
}
