// Evaluations kept in the store (migration 9, model_evaluations): against the registered model version
// (named, or found by the file's sha256 among registered artifacts) and the dataset version whose
// content the data file has, when one is registered. The result is stored whole; `metrics_json` holds
// the headline metrics for lists.
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

/** Adds the evaluation; returns its id. */
export function recordEvaluation(db: Database, input: RecordInput, file: string): Result<number> {
  const { result } = input;
  try {
    const id = writeTx(db, () => {
      const run = input.runUid === undefined ? null : ((db.prepare('SELECT id FROM runs WHERE uid = ?').pluck().get(input.runUid) as number | undefined) ?? null);
      const info = db
        .prepare(
          'INSERT INTO model_evaluations (model_version_id, dataset_version_id, data_path, data_sha256, run_id, task, rows, provider, metrics_json, result_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(input.modelVersionId, input.datasetVersionId, result.data.file, result.data.sha256, run, result.task, result.rows, result.provider, JSON.stringify(result.metrics), JSON.stringify(result), (input.clock ?? Date.now)());
      return Number(info.lastInsertRowid);
    });
    return ok(id);
  } catch (err) {
    return fail(storeError(err, file, 'record the evaluation'));
  }
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
