// The pipeline's `monitor: { reference, current, on_drift }` inside a run (src/engine/runner/executor.ts):
// just before the `on_drift` stage would start (so the stages it needs may have written the data), the
// current dataset is compared with the reference by the drift engine; on dataset drift that stage runs
// even when it is cached, and the stages after it follow as usual (a `sextant/register` after it registers
// the retrained model). Every check is kept in the store (checks.ts) with the two files' sha256 and what
// became of the stage. The same data is not checked twice: when the store already has a check of exactly
// these files, its verdict stands (no new row); a drift whose retraining already ran is not retrained again,
// one whose retraining failed is retried. Without `on_drift`, the check runs before the first stage and only
// records.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { keepDrift, pipelineDatasetInput } from '../data/versions/driftVersion';
import { compareFiles } from '../drift/report';
import type { Pipeline } from '../pipeline/schema';
import { describeError } from '../result';
import type { Hasher } from '../runner/hash';
import { openStore, type Database } from '../store/open';
import { recordDriftCheck, sameDataCheck, settleRetrain, type DriftCheckInput } from './checks';

export interface MonitorHookInput {
  pipeline: Pipeline;
  file: string;
  root: string;
  /** The stages this run takes up, and each stage's dependents. */
  selected: string[];
  dependents: Map<string, string[]>;
  storePath: string | undefined;
  pipelineRunId: string;
  /** The run's hasher (its stat cache: an unchanged file is not read again). */
  hasher: Hasher;
  log(stage: string, line: string): void;
  warn(message: string, stage?: string): void;
}

export interface MonitorHook {
  /** Called as each stage is about to start; true: run it even when cached (the dataset drifted). */
  beforeStage(name: string): Promise<boolean>;
  /** Called with each stage's outcome. */
  settled(name: string, status: 'ran' | 'cached' | 'failed' | 'skipped', runUid: string | null): void;
}

/** The models registered by `sextant/register` stages at or after `stage`. */
function modelsAfter(pipeline: Pipeline, dependents: Map<string, string[]>, stage: string): string[] {
  const seen = new Set<string>();
  const walk = (s: string): void => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const d of dependents.get(s) ?? []) walk(d);
  };
  walk(stage);
  const names = [...seen].flatMap((s) => {
    const st = pipeline.stages[s];
    const name = st?.uses === 'sextant/register' ? st.with?.name : undefined;
    return typeof name === 'string' ? [name] : [];
  });
  return [...new Set(names)].sort();
}

const when = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

export function monitorHook(input: MonitorHookInput): MonitorHook | undefined {
  const monitor = input.pipeline.monitor;
  if (!monitor) return undefined;
  const onDrift = monitor.on_drift?.run ?? null;
  if (onDrift !== null && !input.selected.includes(onDrift)) return undefined;
  let checked = false;
  let pending: number | undefined;

  /** Runs `fn` on the store opened for writing; a store that cannot be opened is a warning. */
  const withStore = <T>(what: string, stage: string, fn: (db: Database) => T): T | undefined => {
    if (!input.storePath) return undefined;
    const db = openStore(input.storePath);
    if (!db.ok) {
      input.warn(`monitor: could not ${what}: ${describeError(db.error)}`, stage);
      return undefined;
    }
    try {
      return fn(db.value);
    } finally {
      db.value.close();
    }
  };

  /** withStore for work that awaits (the store stays open until it is done). */
  const withStoreAsync = async (what: string, stage: string, fn: (db: Database) => Promise<void>): Promise<void> => {
    if (!input.storePath) return;
    const db = openStore(input.storePath);
    if (!db.ok) {
      input.warn(`monitor: could not ${what}: ${describeError(db.error)}`, stage);
      return;
    }
    try {
      await fn(db.value);
    } finally {
      db.value.close();
    }
  };

  const check = async (stage: string): Promise<boolean> => {
    checked = true;
    const files: string[] = [];
    for (const name of [monitor.reference, monitor.current]) {
      const dataset = input.pipeline.datasets?.[name];
      if (!dataset) {
        input.warn(`monitor: "${name}" is not a dataset of ${input.file}; drift was not checked.`, stage);
        return false;
      }
      files.push(resolve(input.root, dataset.path));
    }
    let hashes: [string, string];
    try {
      hashes = [(await input.hasher.file(files[0]!)).sha256, (await input.hasher.file(files[1]!)).sha256];
    } catch (err) {
      input.warn(`monitor: drift of "${monitor.current}" against "${monitor.reference}" was not checked: ${(err as Error).message}`, stage);
      return false;
    }
    const key = { pipelineFile: input.file, reference: monitor.reference, current: monitor.current, referenceSha256: hashes[0], currentSha256: hashes[1] };
    const previous = withStore('read the earlier drift checks', stage, (db) => sameDataCheck(db, key));
    if (previous && !previous.dataset_drift) {
      input.log(stage, `monitor: no drift of "${monitor.current}" against "${monitor.reference}" (the same data as the check of ${when(previous.checked_at)})`);
      return false;
    }
    if (previous && (previous.retrain_status === 'ran' || onDrift === null)) {
      input.log(stage, `monitor: "${monitor.current}" still drifted from "${monitor.reference}" (the same data as the detection of ${when(previous.checked_at)}${previous.retrain_status === 'ran' ? ', already retrained' : ''})`);
      return false;
    }
    if (previous) {
      input.log(stage, `monitor: "${monitor.current}" drifted from "${monitor.reference}" (detected ${when(previous.checked_at)}); its retraining did not succeed then: running "${onDrift}" again`);
      pending = previous.id;
      return true;
    }

    const compared = compareFiles(files[0]!, files[1]!);
    if (!compared.ok) {
      input.warn(`monitor: drift of "${monitor.current}" against "${monitor.reference}" was not checked: ${describeError(compared.error)}`, stage);
      return false;
    }
    const report = compared.value;
    const drifted = report.columns.filter((c) => c.drifted);
    const share = `${drifted.length} of ${report.columns.length} columns (${(report.drift_share * 100).toFixed(1)}%)`;
    input.log(stage, report.dataset_drift ? `monitor: "${monitor.current}" drifted from "${monitor.reference}": ${share}: ${drifted.map((c) => `${c.column} (${c.test})`).join(', ')}${onDrift ? `; running "${onDrift}"` : ''}` : `monitor: no drift of "${monitor.current}" against "${monitor.reference}": ${share} drifted`);
    let changedAt: number | null = null;
    try {
      changedAt = Math.round(statSync(files[1]!).mtimeMs);
    } catch {
      changedAt = null;
    }
    const record: DriftCheckInput = {
      pipeline_file: input.file,
      reference: monitor.reference,
      current: monitor.current,
      stage: null,
      reference_sha256: hashes[0],
      current_sha256: hashes[1],
      run_uid: input.pipelineRunId,
      checked_at: Date.now(),
      current_changed_at: changedAt,
      dataset_drift: report.dataset_drift,
      drift_share: report.drift_share,
      columns: report.columns,
      not_tested: report.not_tested,
      on_drift: onDrift,
      models: onDrift ? modelsAfter(input.pipeline, input.dependents, onDrift) : [],
    };
    await withStoreAsync('record the drift check', stage, async (db) => {
      const id = recordDriftCheck(db, record);
      if (!id.ok) input.warn(`monitor: could not record the drift check: ${describeError(id.error)}`, stage);
      else if (report.dataset_drift && onDrift) pending = id.value;
      // The verdict also goes with the current dataset's version (registered when new), against the reference's: the Datasets view's badge.
      const current = pipelineDatasetInput(input.pipeline, monitor.current, input.root, input.hasher);
      const reference = pipelineDatasetInput(input.pipeline, monitor.reference, input.root, input.hasher);
      if (current && reference) {
        const kept = await keepDrift(db, { current: { register: current }, reference: { register: reference }, report, runUid: input.pipelineRunId });
        if (!kept.ok) input.warn(`monitor: could not keep the drift verdict with dataset "${monitor.current}"'s version: ${describeError(kept.error)}`, stage);
      }
    });
    return report.dataset_drift;
  };

  return {
    async beforeStage(name) {
      if (checked) return false;
      if (onDrift === null) {
        await check(name);
        return false;
      }
      return name === onDrift ? check(name) : false;
    },
    settled(name, status, runUid) {
      if (name !== onDrift || pending === undefined) return;
      const id = pending;
      pending = undefined;
      withStore('record the retraining', name, (db) => {
        const settled = settleRetrain(db, id, runUid, status === 'cached' ? 'ran' : status);
        if (!settled.ok) input.warn(`monitor: could not record the retraining: ${describeError(settled.error)}`, name);
      });
    },
  };
}
