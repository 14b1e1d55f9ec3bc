// Evaluations kept in the store (migration 9, model_evaluations): against the registered model version
// (named, or found by the file's sha256 among registered artifacts) and the dataset version whose
// content the data file has, when one is registered. The result is stored whole; `metrics_json` holds
// the headline metrics for lists. An evaluation of a file not registered yet is kept by its sha256
// (migration 11, artifact_evaluations) and copied into the history of the version that registers it.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { resolveModelRef } from '../registry/refs';
import { fail, ok, type Result } from '../result';
import type { Database } from '../store/open';
import { storeError, writeTx } from '../store/tx';
import { EvaluationResultSchema, type EvaluationResult } from './schema';

export interface VersionIds {
  id: number;
  name: string;
  version: number;
}

/** The registered version: by name and number when known, else the newest whose artifact is this file's content. */
export function modelVersionOf(db: Database, name: string | null, version: number | null, bytes: Uint8Array): VersionIds | undefined {
  if (name !== null && version !== null) {
    const found = resolveModelRef(db, { name, which: version });
    return found.ok ? found.value : undefined;
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  return db
    .prepare('SELECT v.id, m.name, v.version FROM model_versions v JOIN models m ON m.id = v.model_id WHERE v.artifact_sha256 = ? ORDER BY v.created_at DESC, v.id DESC LIMIT 1')
    .get(sha) as VersionIds | undefined;
}

/** The newest registered dataset version with this content. */
export function datasetVersionOf(db: Database, sha256: string): VersionIds | undefined {
  return db
    .prepare('SELECT dv.id, d.name, dv.version FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id WHERE dv.content_hash = ? ORDER BY dv.created_at DESC, dv.id DESC LIMIT 1')
    .get(sha256) as VersionIds | undefined;
}

export interface RecordInput {
  modelVersionId: number;
  datasetVersionId: number | null;
  result: EvaluationResult;
  /** The run (uid) of a pipeline stage that evaluated. */
  runUid?: string;
  clock?: () => number;
}

/** One row of `model_evaluations` (keyed by the version) or `artifact_evaluations` (by the file's sha256). */
function insertEvaluation(db: Database, table: 'model_evaluations' | 'artifact_evaluations', key: number | string, input: Omit<RecordInput, 'modelVersionId'>, file: string): Result<number> {
  const { result } = input;
  const keyColumn = table === 'model_evaluations' ? 'model_version_id' : 'model_sha256';
  try {
    const id = writeTx(db, () => {
      const run = input.runUid === undefined ? null : ((db.prepare('SELECT id FROM runs WHERE uid = ?').pluck().get(input.runUid) as number | undefined) ?? null);
      const info = db
        .prepare(
          `INSERT INTO ${table} (${keyColumn}, dataset_version_id, data_path, data_sha256, run_id, task, rows, provider, metrics_json, result_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(key, input.datasetVersionId, result.data.file, result.data.sha256, run, result.task, result.rows, result.provider, JSON.stringify(result.metrics), JSON.stringify(result), (input.clock ?? Date.now)());
      return Number(info.lastInsertRowid);
    });
    return ok(id);
  } catch (err) {
    return fail(storeError(err, file, 'record the evaluation'));
  }
}

/** Adds the evaluation; returns its id. */
export function recordEvaluation(db: Database, input: RecordInput, file: string): Result<number> {
  return insertEvaluation(db, 'model_evaluations', input.modelVersionId, input, file);
}

/** Whether the store keeps evaluations of files not registered yet (migration 11). */
export function hasArtifactEvaluations(db: Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'artifact_evaluations'").get() !== undefined;
}

/**
 * Keeps an evaluation of a model file no registered version has the content of (yet), by the file's sha256;
 * `sextant/register` makes it part of the evaluation history of the version that registers that content.
 * Returns its id, or undefined when the store predates migration 11.
 */
export function recordArtifactEvaluation(db: Database, input: Omit<RecordInput, 'modelVersionId'> & { modelSha256: string }, file: string): Result<number | undefined> {
  if (!hasArtifactEvaluations(db)) return ok(undefined);
  return insertEvaluation(db, 'artifact_evaluations', input.modelSha256, input, file);
}

interface EvaluationRow {
  dataset_version_id: number | null;
  data_path: string;
  data_sha256: string;
  run_id: number | null;
  task: string;
  rows: number;
  provider: string;
  metrics_json: string;
  result_json: string;
  created_at: number;
}

/**
 * Called by registration, inside its transaction, once the new version's row exists: copies into its history
 * (model_evaluations) the evaluations recorded earlier of the same content: those kept by sha256 before it
 * was registered (artifact_evaluations), and those the other stages of the registering run's pipeline run
 * stored against another version with this content. Each copy keeps its data, dataset version, run and time;
 * its stored result names the new version. Returns how many were copied.
 */
export function adoptEvaluations(db: Database, version: { id: number; version: number; sha256: string; runId: number | null }): number {
  const hasModelEvaluations = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'model_evaluations'").get() !== undefined;
  if (!hasModelEvaluations) return 0;
  const columns = 'dataset_version_id, data_path, data_sha256, run_id, task, rows, provider, metrics_json, result_json, created_at';
  const rows: EvaluationRow[] = [];
  if (hasArtifactEvaluations(db)) rows.push(...(db.prepare(`SELECT ${columns} FROM artifact_evaluations WHERE model_sha256 = ? ORDER BY created_at, id`).all(version.sha256) as EvaluationRow[]));
  if (version.runId !== null) {
    const siblings = db
      .prepare(
        `SELECT ${columns.split(', ').map((c) => `e.${c}`).join(', ')} FROM model_evaluations e JOIN model_versions v ON v.id = e.model_version_id
         WHERE v.artifact_sha256 = @sha AND e.model_version_id <> @id
           AND e.run_id IN (SELECT id FROM runs WHERE parent_id IS NOT NULL AND parent_id = (SELECT parent_id FROM runs WHERE id = @run))
         ORDER BY e.created_at, e.id`,
      )
      .all({ sha: version.sha256, id: version.id, run: version.runId }) as EvaluationRow[];
    // The same evaluation may be kept with several versions of this content: once each.
    const seen = new Set(rows.map((r) => `${r.run_id}:${r.created_at}:${r.data_sha256}`));
    for (const r of siblings) {
      const key = `${r.run_id}:${r.created_at}:${r.data_sha256}`;
      if (!seen.has(key)) rows.push(r);
      seen.add(key);
    }
  }
  const insert = db.prepare(`INSERT INTO model_evaluations (model_version_id, ${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const r of rows) {
    const result = JSON.parse(r.result_json) as { model?: Record<string, unknown> };
    const stored = { ...result, model: { ...result.model, version: version.version } };
    insert.run(version.id, r.dataset_version_id, r.data_path, r.data_sha256, r.run_id, r.task, r.rows, r.provider, r.metrics_json, JSON.stringify(stored), r.created_at);
  }
  return rows.length;
}

export const StoredEvaluationSchema = z.object({
  id: z.number().int(),
  datasetVersionId: z.number().int().nullable(),
  runUid: z.string().nullable(),
  createdAt: z.number().int(),
  result: EvaluationResultSchema,
});
export type StoredEvaluation = z.infer<typeof StoredEvaluationSchema>;

/** The evaluations of a model version, oldest first. */
export function evaluationsOf(db: Database, modelVersionId: number): StoredEvaluation[] {
  const rows = db
    .prepare('SELECT e.id, e.dataset_version_id, r.uid, e.created_at, e.result_json FROM model_evaluations e LEFT JOIN runs r ON r.id = e.run_id WHERE e.model_version_id = ? ORDER BY e.created_at, e.id')
    .all(modelVersionId) as { id: number; dataset_version_id: number | null; uid: string | null; created_at: number; result_json: string }[];
  return rows.map((r) => StoredEvaluationSchema.parse({ id: r.id, datasetVersionId: r.dataset_version_id, runUid: r.uid, createdAt: r.created_at, result: JSON.parse(r.result_json) }));
}
