// MLflow's concepts over Sextant's store (a Tracker):
//   experiment_id        the experiments row id as text; "0" (MLflow's default experiment) is "Default"
//   experiment tags      experiment_tags; a deleted experiment carries the tag sextant.lifecycle=deleted
//   run_id               the run's public id (32 hex characters, like MLflow's)
//   run_name, status     the run's name and status (RUNNING=running, SCHEDULED=queued, FINISHED, FAILED, KILLED)
//   user_id              the tag mlflow.user; a parent run from the tag mlflow.parentRunId at creation
//   lifecycle_stage      deleted when the run is soft-deleted (Sextant's delete/restore)
//   log-inputs           each dataset is a run tag sextant.input.<name>.<digest> holding its JSON
//   artifact_uri         mlflow-artifacts:/<experiment_id>/<run_id>/artifacts (served by artifacts.ts)
// Reads that the Tracker has no method for go straight to its database (read-only queries); writes go
// through the Tracker or in one writeTx each.
import { appendAudit, hasAuditLog } from '../audit/log';
import { currentUser } from '../registry/aliases';
import { writeTx } from '../store/tx';
import type { Tracker } from '../tracking/tracking';
import type { Run, RunStatus } from '../tracking/schemas';
import { checkKey, checkValue } from '../tracking/validate';
import { invalid, MlflowError, notFound } from './errors';
import type { ExperimentOut, KeyValue, Metric, MlflowStatus, RunInfo, RunOut } from './schemas';

export const DEFAULT_EXPERIMENT = 'Default';
export const LIFECYCLE_TAG = 'sextant.lifecycle';
export const INPUT_TAG_PREFIX = 'sextant.input.';
/** MLflow's run tag listing the models logged to a run (MLmodel contents as JSON), as its own server keeps it. */
export const LOGGED_MODELS_TAG = 'mlflow.log-model.history';
const MODEL_FIELDS = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'] as const;

const TO_MLFLOW: Record<RunStatus, MlflowStatus> = { queued: 'SCHEDULED', running: 'RUNNING', finished: 'FINISHED', failed: 'FAILED', killed: 'KILLED' };
export const FROM_MLFLOW: Record<MlflowStatus, RunStatus> = { SCHEDULED: 'queued', RUNNING: 'running', FINISHED: 'finished', FAILED: 'failed', KILLED: 'killed' };

/** NaN and ±Infinity as protobuf JSON writes them ("NaN", "Infinity"); JSON has no literal for them. */
export const jsonNumber = (v: number): number | string => (Number.isFinite(v) ? v : String(v));

interface ExperimentRow {
  id: number;
  name: string;
  created_at: number;
}

/** Unwraps a Tracker result, turning a store failure into MLflow's INTERNAL_ERROR. */
function must<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new MlflowError('INTERNAL_ERROR', result.error.message);
  return result.value;
}

export class MlflowStore {
  constructor(
    readonly tracker: Tracker,
    private readonly clock: () => number = Date.now,
  ) {}

  private get db() {
    return this.tracker.db;
  }

  // ---- experiments

  /** The experiments row for an MLflow experiment id ("0" creates and names the default one). */
  experimentRow(experimentId: string): ExperimentRow {
    if (experimentId === '0') {
      const id = must(this.tracker.getOrCreateExperiment(DEFAULT_EXPERIMENT));
      return this.db.prepare('SELECT id, name, created_at FROM experiments WHERE id = ?').get(id) as ExperimentRow;
    }
    const row = /^\d+$/.test(experimentId) ? (this.db.prepare('SELECT id, name, created_at FROM experiments WHERE id = ?').get(Number(experimentId)) as ExperimentRow | undefined) : undefined;
    if (!row) throw notFound(`No Experiment with id=${experimentId} exists`);
    return row;
  }

  experimentTags(id: number): Record<string, string> {
    const rows = this.db.prepare('SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key').all(id) as KeyValue[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  experimentOut(row: ExperimentRow): ExperimentOut {
    const tags = this.experimentTags(row.id);
    const deleted = tags[LIFECYCLE_TAG] === 'deleted';
    const last = this.db.prepare('SELECT max(coalesce(ended_at, started_at, created_at)) FROM runs WHERE experiment_id = ?').pluck().get(row.id) as number | null;
    return {
      experiment_id: String(row.id),
      name: row.name,
      artifact_location: `mlflow-artifacts:/${row.id}`,
      lifecycle_stage: deleted ? 'deleted' : 'active',
      creation_time: row.created_at,
      last_update_time: Math.max(row.created_at, last ?? 0),
      tags: Object.entries(tags)
        .filter(([k]) => k !== LIFECYCLE_TAG)
        .map(([key, value]) => ({ key, value })),
    };
  }

  experimentByName(name: string): ExperimentRow | undefined {
    return this.db.prepare('SELECT id, name, created_at FROM experiments WHERE name = ?').get(name) as ExperimentRow | undefined;
  }

  allExperiments(): ExperimentRow[] {
    return this.db.prepare('SELECT id, name, created_at FROM experiments ORDER BY id').all() as ExperimentRow[];
  }

  createExperiment(name: string, tags: KeyValue[]): string {
    if (name.trim() === '') throw invalid("Invalid experiment name: ''. Experiment name cannot be empty.");
    if (this.experimentByName(name)) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);
    const id = must(this.tracker.getOrCreateExperiment(name));
    for (const t of tags) this.setExperimentTag(String(id), t.key, t.value);
    return String(id);
  }

  setExperimentTag(experimentId: string, key: string, value: string): void {
    const row = this.experimentRow(experimentId);
    const k = checkKey(key);
    if (!k.ok) throw invalid(`Invalid tag name: '${key}': ${k.reason}`);
    writeTx(this.db, () => this.db.prepare('INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value').run(row.id, k.key, value));
  }

  setExperimentLifecycle(experimentId: string, stage: 'active' | 'deleted'): void {
    const row = this.experimentRow(experimentId);
    // The lifecycle tag and its audit entry commit together.
    writeTx(this.db, () => {
      if (stage === 'deleted') this.setExperimentTag(experimentId, LIFECYCLE_TAG, 'deleted');
      else this.db.prepare('DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?').run(row.id, LIFECYCLE_TAG);
      if (hasAuditLog(this.db)) appendAudit(this.db, { kind: stage === 'deleted' ? 'experiment-deleted' : 'experiment-restored', actor: currentUser(), source: 'MLflow server', subject: `experiment:${row.name}`, detail: { id: String(row.id) } });
    });
  }

  renameExperiment(experimentId: string, newName: string): void {
    const row = this.experimentRow(experimentId);
    if (newName.trim() === '') throw invalid('The experiment name cannot be empty.');
    const other = this.experimentByName(newName);
    if (other && other.id !== row.id) throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${newName}) already exists.`);
    writeTx(this.db, () => this.db.prepare('UPDATE experiments SET name = ? WHERE id = ?').run(newName, row.id));
  }

  // ---- runs

  /** A run by its exact id (MLflow takes no prefixes), deleted ones included. */
  run(runId: string | undefined): Run {
    if (!runId) throw invalid("Missing value for required parameter 'run_id'.");
    const found = /^[A-Za-z0-9_-]{1,64}$/.test(runId) ? must(this.tracker.listRuns({ ids: [runId], includeDeleted: true }))[0] : undefined;
    if (!found) throw notFound(`Run with id=${runId} not found`);
    return found;
  }

  /** A run that may be written to: MLflow refuses writes to a deleted run. */
  activeRun(runId: string | undefined): Run {
    const run = this.run(runId);
    if (run.deleted) throw invalid(`The run ${run.id} must be in the 'active' state. Current state is deleted.`);
    return run;
  }

  createRun(input: { experimentId: string; runName?: string; startTime?: number; tags: KeyValue[]; userId?: string }): RunOut {
    const exp = this.experimentRow(input.experimentId);
    if (this.experimentTags(exp.id)[LIFECYCLE_TAG] === 'deleted') throw invalid(`The experiment ${exp.id} must be in the 'active' state. Current state is deleted.`);
    const tags: Record<string, string> = Object.fromEntries(input.tags.map((t) => [t.key, t.value]));
    for (const [k, v] of Object.entries(tags)) this.checkTag(k, v);
    const name = input.runName ?? tags['mlflow.runName'];
    if (input.userId && tags['mlflow.user'] === undefined) tags['mlflow.user'] = input.userId;
    if (name !== undefined) tags['mlflow.runName'] = name;
    const parent = tags['mlflow.parentRunId'];
    const parentId = parent && must(this.tracker.listRuns({ ids: [parent], includeDeleted: true })).length === 1 ? parent : undefined;
    const started = must(this.tracker.startRun({ experiment: exp.name, ...(name ? { name } : {}), ...(parentId ? { parentId } : {}), ...(input.startTime !== undefined ? { startedAt: input.startTime } : {}), tags }));
    const run = this.run(started.id);
    if (name === undefined) must(this.tracker.setTags(run.id, { 'mlflow.runName': run.name }));
    return this.runOut(this.run(started.id));
  }

  updateRun(runId: string | undefined, patch: { status?: MlflowStatus; endTime?: number; runName?: string }): RunInfo {
    const run = this.activeRun(runId);
    must(this.tracker.flush());
    const status = patch.status ? FROM_MLFLOW[patch.status] : undefined;
    const final = status === 'finished' || status === 'failed' || status === 'killed';
    must(
      this.tracker.updateRun(run.id, {
        ...(status ? { status } : {}),
        ...(patch.endTime !== undefined ? { endedAt: patch.endTime } : final && run.endedAt === null ? { endedAt: this.clock() } : {}),
        ...(patch.runName ? { name: patch.runName } : {}),
      }),
    );
    if (patch.runName) must(this.tracker.setTags(run.id, { 'mlflow.runName': patch.runName }));
    return this.runOut(this.run(run.id)).info;
  }

  private checkTag(key: string, value: string): void {
    const k = checkKey(key);
    if (!k.ok) throw invalid(`Invalid tag name: '${key}': ${k.reason}`);
    const v = checkValue(value, 'tag');
    if (!v.ok) throw invalid(`Invalid value for tag '${key}': ${v.reason}`);
  }

  /**
   * Writes a batch, all checked before anything is written: params and tags in one transaction (a param
   * already logged with another value refuses the whole batch, as MLflow does), then the metric points.
   */
  logBatch(runId: string | undefined, batch: { metrics: Metric[]; params: KeyValue[]; tags: KeyValue[] }): void {
    const run = this.activeRun(runId);
    const now = this.clock();
    const points = batch.metrics.map((m) => {
      const k = checkKey(m.key);
      if (!k.ok) throw invalid(`Invalid metric name: '${m.key}': ${k.reason}`);
      if (m.timestamp !== undefined && !(Number.isSafeInteger(m.timestamp) && m.timestamp >= 0)) throw invalid(`Invalid timestamp for metric '${m.key}': ${m.timestamp}`);
      if (m.step !== undefined && !Number.isSafeInteger(m.step)) throw invalid(`Invalid step for metric '${m.key}': ${m.step}`);
      return { key: k.key, value: m.value, step: m.step ?? 0, timestamp: m.timestamp ?? now };
    });
    const params = new Map<string, string>();
    for (const p of batch.params) {
      const k = checkKey(p.key);
      if (!k.ok) throw invalid(`Invalid parameter name: '${p.key}': ${k.reason}`);
      const v = checkValue(p.value, 'param');
      if (!v.ok) throw invalid(`Invalid value for parameter '${p.key}': ${v.reason}`);
      const earlier = params.get(k.key);
      if (earlier !== undefined && earlier !== v.value) throw invalid(`Duplicate parameter keys have been submitted: '${p.key}' with different values. Please ensure the request contains only one param value per param key.`);
      params.set(k.key, v.value);
    }
    for (const t of batch.tags) this.checkTag(t.key, t.value);
    if (params.size > 0 || batch.tags.length > 0) {
      const db = this.db;
      const existing = db.prepare('SELECT value FROM params WHERE run_id = (SELECT id FROM runs WHERE uid = ?) AND key = ?').pluck();
      writeTx(db, () => {
        for (const [key, value] of params) {
          const old = existing.get(run.id, key) as string | undefined;
          if (old !== undefined && old !== value) {
            throw invalid(`Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${run.id}'. Attempted logging new value '${value}'.`);
          }
        }
        must(this.tracker.logParams(run.id, Object.fromEntries(params)));
        must(this.tracker.setTags(run.id, Object.fromEntries(batch.tags.map((t) => [t.key, t.value]))));
      });
      const renamed = [...batch.tags].reverse().find((t) => t.key === 'mlflow.runName');
      if (renamed && renamed.value.trim() !== '') must(this.tracker.updateRun(run.id, { name: renamed.value.trim() }));
    }
    if (points.length > 0) {
      const logged = must(this.tracker.logMetrics(run.id, points));
      if (logged.rejected.length > 0) throw invalid(`Invalid metric '${logged.rejected[0]!.key}': ${logged.rejected[0]!.reason}`);
      must(this.tracker.flush());
    }
  }

  deleteTag(runId: string | undefined, key: string): void {
    const run = this.activeRun(runId);
    if (run.tags[key] === undefined) throw notFound(`No tag with name: ${key} in run with id ${run.id}`);
    must(this.tracker.removeTags(run.id, [key]));
  }

  logInputs(runId: string | undefined, datasets: { tags?: KeyValue[]; dataset: Record<string, string | undefined> }[]): void {
    const run = this.activeRun(runId);
    const tags: KeyValue[] = datasets.map((d) => ({ key: `${INPUT_TAG_PREFIX}${d.dataset.name}.${d.dataset.digest}`, value: JSON.stringify({ tags: d.tags ?? [], dataset: d.dataset }) }));
    this.logBatch(run.id, { metrics: [], params: [], tags });
  }

  /** runs/log-model (`mlflow.<flavor>.log_model`, autolog): appends the model's JSON to the run's LOGGED_MODELS_TAG, as MLflow's server does. */
  recordLoggedModel(runId: string | undefined, modelJson: string): void {
    let model: unknown;
    try {
      model = JSON.parse(modelJson);
    } catch {
      throw invalid(`Malformed model info. \n ${modelJson.slice(0, 200)} \n is not a valid JSON.`);
    }
    if (typeof model !== 'object' || model === null || Array.isArray(model)) throw invalid('Malformed model info: model_json must be a JSON object (the MLmodel file).');
    const missing = MODEL_FIELDS.filter((f) => !(f in model));
    if (missing.length > 0) throw invalid(`Model json is missing mandatory fields: ${missing.join(', ')}`);
    const run = this.activeRun(runId);
    let history: unknown[] = [];
    const previous = run.tags[LOGGED_MODELS_TAG];
    if (previous !== undefined) {
      try {
        const parsed: unknown = JSON.parse(previous);
        if (Array.isArray(parsed)) history = parsed;
      } catch {
        /* an unreadable earlier value is replaced, as a fresh list */
      }
    }
    this.logBatch(run.id, { metrics: [], params: [], tags: [{ key: LOGGED_MODELS_TAG, value: JSON.stringify([...history, model]) }] });
  }

  setRunsDeleted(runId: string | undefined, deleted: boolean): void {
    const run = this.run(runId);
    must(deleted ? this.tracker.deleteRuns([run.id], { source: 'MLflow server' }) : this.tracker.restoreRuns([run.id], { source: 'MLflow server' }));
  }

  metricHistory(runId: string | undefined, key: string): { key: string; value: number | string; timestamp: number; step: number }[] {
    const run = this.run(runId);
    must(this.tracker.flush());
    const rows = this.db
      .prepare('SELECT m.step, m.ts, m.value FROM metrics m JOIN metric_keys k ON k.id = m.key_id JOIN runs r ON r.id = m.run_id WHERE r.uid = ? AND k.name = ? ORDER BY m.step, m.ts')
      .raw()
      .all(run.id, key) as [number, number, number | null][];
    return rows.map(([step, timestamp, value]) => ({ key, value: value === null ? 'NaN' : jsonNumber(value), timestamp, step }));
  }

  runOut(run: Run): RunOut {
    const inputs: unknown[] = [];
    const tags: KeyValue[] = [];
    for (const [key, value] of Object.entries(run.tags)) {
      if (!key.startsWith(INPUT_TAG_PREFIX)) tags.push({ key, value });
      else {
        try {
          inputs.push(JSON.parse(value));
        } catch {
          tags.push({ key, value });
        }
      }
    }
    return {
      info: {
        run_id: run.id,
        run_uuid: run.id,
        run_name: run.name,
        experiment_id: String(run.experimentId),
        user_id: run.tags['mlflow.user'] ?? '',
        status: TO_MLFLOW[run.status],
        ...(run.startedAt !== null ? { start_time: run.startedAt } : {}),
        ...(run.endedAt !== null ? { end_time: run.endedAt } : {}),
        artifact_uri: `mlflow-artifacts:/${run.experimentId}/${run.id}/artifacts`,
        lifecycle_stage: run.deleted ? 'deleted' : 'active',
      },
      data: {
        metrics: Object.values(run.metrics).map((m) => ({ key: m.key, value: jsonNumber(m.last), timestamp: m.timestamp, step: m.step })),
        params: Object.entries(run.params).map(([key, value]) => ({ key, value })),
        tags,
      },
      inputs: { dataset_inputs: inputs },
    };
  }
}
