// The pipeline's `monitor: { reference, current, on_drift }` inside a run (src/engine/runner/executor.ts):
// just before the `on_drift` stage would start (so the stages it needs may have written the data), the
// current dataset is compared with the reference by the drift engine; on dataset drift that stage runs
// even when it is cached, and the stages after it follow as usual (a `sextant/register` after it registers
// the retrained model). Every check is kept in the store (checks.ts), with what became of the stage.
// Without `on_drift`, the check runs before the first stage and only records.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareFiles } from '../drift/report';
import type { Pipeline } from '../pipeline/schema';
import { describeError } from '../result';
import { openStore } from '../store/open';
import { recordDriftCheck, settleRetrain, type DriftCheckInput } from './checks';

export interface MonitorHookInput {
  pipeline: Pipeline;
  file: string;
  root: string;
  /** The stages this run takes up, and each stage's dependents. */
  selected: string[];
  dependents: Map<string, string[]>;
  storePath: string | undefined;
  pipelineRunId: string;
  log(stage: string, line: string): void;
  warn(message: string, stage?: string): void;
}

export interface MonitorHook {
  /** Called as each stage is about to start; true: run it even when cached (the dataset drifted). */
  beforeStage(name: string): boolean;
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

export function monitorHook(input: MonitorHookInput): MonitorHook | undefined {
  const monitor = input.pipeline.monitor;
  if (!monitor) return undefined;
  const onDrift = monitor.on_drift?.run ?? null;
  if (onDrift !== null && !input.selected.includes(onDrift)) return undefined;
  let checked = false;
  let pending: number | undefined;

  const check = (stage: string): boolean => {
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
    if (input.storePath) {
      const db = openStore(input.storePath);
      if (!db.ok) input.warn(`monitor: the drift check could not be recorded: ${describeError(db.error)}`, stage);
      else {
        try {
          const id = recordDriftCheck(db.value, record);
          if (!id.ok) input.warn(`monitor: the drift check could not be recorded: ${describeError(id.error)}`, stage);
          else if (report.dataset_drift && onDrift) pending = id.value;
        } finally {
          db.value.close();
        }
      }
    }
    return report.dataset_drift;
  };

  return {
    beforeStage(name) {
      if (checked) return false;
      if (onDrift === null) {
        check(name);
        return false;
      }
      return name === onDrift ? check(name) : false;
    },
    settled(name, status, runUid) {
      if (name !== onDrift || pending === undefined || !input.storePath) return;
      const id = pending;
      pending = undefined;
      const db = openStore(input.storePath);
      if (!db.ok) return input.warn(`monitor: the retraining could not be recorded: ${describeError(db.error)}`, name);
      try {
        const settledRow = settleRetrain(db.value, id, runUid, status === 'cached' ? 'ran' : status);
        if (!settledRow.ok) input.warn(`monitor: the retraining could not be recorded: ${describeError(settledRow.error)}`, name);
      } finally {
        db.value.close();
      }
    },
  };
}
