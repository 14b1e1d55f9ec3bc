// The drift checks the pipeline's `monitor:` makes, as the store keeps them (migration 6, drift_checks):
// written by the runner (monitor/runnerHook.ts), read by `sextant monitor report` (report.ts) and by the
// language server (pipeline/driftFindings.ts, read-only, raw SQL like the param history).
import { z } from 'zod';
import { ColumnDriftSchema } from '../drift/report';
import { fail, ok, type Result } from '../result';
import type { Database } from '../store/open';
import { storeError, writeTx } from '../store/tx';

export const DriftCheckSchema = z.object({
  id: z.number().int(),
  /** The pipeline file (absolute). */
  pipeline_file: z.string(),
  /** Dataset names in the pipeline. */
  reference: z.string(),
  current: z.string(),
  /** The `sextant/drift` stage that made the check; null: the pipeline's monitor. */
  stage: z.string().nullable(),
  /** The files' content (the runner's sha256) when checked: the same data is not checked twice. */
  reference_sha256: z.string().nullable(),
  current_sha256: z.string().nullable(),
  /** The pipeline run that made the check (null when it was not recorded). */
  run_uid: z.string().nullable(),
  checked_at: z.number(),
  /** When the current dataset's file last changed (its mtime): the start of "time to detect". */
  current_changed_at: z.number().nullable(),
  dataset_drift: z.boolean(),
  drift_share: z.number(),
  /** Every tested column with its test, value and why that test. */
  columns: z.array(ColumnDriftSchema),
  not_tested: z.array(z.object({ column: z.string(), reason: z.string() })),
  /** The stage the monitor runs on drift, and the models registered downstream of it. */
  on_drift: z.string().nullable(),
  models: z.array(z.string()),
  retrain_run_uid: z.string().nullable(),
  retrain_status: z.enum(['ran', 'failed', 'skipped']).nullable(),
});
export type DriftCheck = z.infer<typeof DriftCheckSchema>;

export type DriftCheckInput = Omit<DriftCheck, 'id' | 'retrain_run_uid' | 'retrain_status'>;

interface Row {
  id: number;
  pipeline_file: string;
  reference: string;
  current: string;
  stage: string | null;
  reference_sha256: string | null;
  current_sha256: string | null;
  run_uid: string | null;
  checked_at: number;
  current_changed_at: number | null;
  dataset_drift: number;
  drift_share: number;
  columns_json: string;
  not_tested_json: string;
  on_drift: string | null;
  models_json: string;
  retrain_run_uid: string | null;
  retrain_status: string | null;
}

/** A row as the schema's object; shared by every reader (the language server reads raw rows through it too). */
export function driftCheckFromRow(row: Row): DriftCheck {
  return DriftCheckSchema.parse({
    ...row,
    dataset_drift: row.dataset_drift === 1,
    columns: JSON.parse(row.columns_json),
    not_tested: JSON.parse(row.not_tested_json),
    models: JSON.parse(row.models_json),
  });
}

export function recordDriftCheck(db: Database, input: DriftCheckInput): Result<number> {
  try {
    const id = writeTx(db, () =>
      db
        .prepare(
          `INSERT INTO drift_checks (pipeline_file, reference, current, stage, reference_sha256, current_sha256, run_uid, checked_at, current_changed_at, dataset_drift, drift_share, columns_json, not_tested_json, on_drift, models_json)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(input.pipeline_file, input.reference, input.current, input.stage, input.reference_sha256, input.current_sha256, input.run_uid, input.checked_at, input.current_changed_at, input.dataset_drift ? 1 : 0, input.drift_share, JSON.stringify(input.columns), JSON.stringify(input.not_tested), input.on_drift, JSON.stringify(input.models)),
    );
    return ok(Number(id.lastInsertRowid));
  } catch (err) {
    return fail(storeError(err, db.name, 'record a drift check'));
  }
}

/** What became of the stage run on drift. */
export function settleRetrain(db: Database, id: number, runUid: string | null, status: 'ran' | 'failed' | 'skipped'): Result<void> {
  try {
    writeTx(db, () => db.prepare('UPDATE drift_checks SET retrain_run_uid = ?, retrain_status = ? WHERE id = ?').run(runUid, status, id));
    return ok(undefined);
  } catch (err) {
    return fail(storeError(err, db.name, 'record the retraining of a drift check'));
  }
}

/** Every check, oldest first; a store from before migration 6 has none. */
export function listDriftChecks(db: Database, filter: { pipelineFile?: string } = {}): DriftCheck[] {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'drift_checks'").get();
  if (!has) return [];
  const rows = (filter.pipelineFile ? db.prepare('SELECT * FROM drift_checks WHERE pipeline_file = ? ORDER BY checked_at, id').all(filter.pipelineFile) : db.prepare('SELECT * FROM drift_checks ORDER BY checked_at, id').all()) as Row[];
  return rows.map(driftCheckFromRow);
}

/** The latest check of the monitor (not a stage) on exactly this data, if any. */
export function sameDataCheck(db: Database, key: { pipelineFile: string; reference: string; current: string; referenceSha256: string; currentSha256: string }): DriftCheck | undefined {
  const row = db
    .prepare('SELECT * FROM drift_checks WHERE pipeline_file = ? AND reference = ? AND current = ? AND stage IS NULL AND reference_sha256 = ? AND current_sha256 = ? ORDER BY id DESC LIMIT 1')
    .get(key.pipelineFile, key.reference, key.current, key.referenceSha256, key.currentSha256) as Row | undefined;
  return row ? driftCheckFromRow(row) : undefined;
}
