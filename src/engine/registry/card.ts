// Everything the model card shows about one model version, read from the store and the version's file:
// its signature (read from the ONNX graph), the metrics of the run that produced it and its sibling stages,
// its lineage (the source run with its params and git commit, the dataset versions the run read when they
// were recorded), where the aliases of the model point and every recorded move of them.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Database } from '../store/open';
import { fail, ok, type Result } from '../result';
import { blobPath } from '../tracking/artifacts';
import { METADATA_KEY } from '../train/onnx/export';
import { readOnnxMetadata } from '../train/onnx/metadata';
import { OnnxSignatureSchema, readOnnxSignature } from '../train/onnx/signature';
import { FittedModelSchema } from '../train/model';
import { ExplanationSchema, latestExplanation } from '../explain/explainVersion';
import { latestShap, ShapExplanationSchema } from '../explain/shapVersion';
import { aliasHistory, AliasHistoryEntrySchema } from './aliases';
import { CardEvaluationSchema, cardEvaluations, LatestEvaluationSchema } from './cardEvaluations';
import { metricsOf } from './versionMetrics';

export const ModelCardSchema = z.object({
  name: z.string(),
  description: z.string().nullable(),
  version: z.number().int(),
  /** Every version of the model, newest first. */
  versions: z.array(z.number().int()),
  createdAt: z.number().int(),
  format: z.string().nullable(),
  sha256: z.string().nullable(),
  /** The registered copy in the artifact store (content-addressed), and whether it is still there. */
  file: z.object({ path: z.string().nullable(), exists: z.boolean() }),
  signature: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), value: OnnxSignatureSchema }), z.object({ ok: z.literal(false), message: z.string() })]),
  /** From a Sextant-trained model's metadata: what the input's columns are, and what it predicts. */
  features: z.array(z.string()).nullable(),
  label: z.string().nullable(),
  classes: z.array(z.string()).nullable(),
  /** Latest value of each metric of the producing run and its sibling pipeline stages (NaN for a NaN). */
  metrics: z.record(z.string(), z.number()),
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('none') }),
    z.object({ kind: z.literal('deleted'), id: z.string(), name: z.string() }),
    z.object({
      kind: z.literal('run'),
      /** The pipeline run (or the run itself when it is not a stage). */
      id: z.string(),
      name: z.string(),
      experiment: z.string(),
      status: z.string(),
      startedAt: z.number().int().nullable(),
      /** The stage that registered the version, when the run is a pipeline's. */
      stage: z.string().nullable(),
      gitCommit: z.string().nullable(),
      gitDirty: z.boolean().nullable(),
      /** The run's own params (a pipeline's `params:`); for a run with none of its own, its stages' merged. */
      params: z.record(z.string(), z.string()),
    }),
  ]),
  /** Dataset versions linked to the run and its stages (run_dataset_versions). */
  datasets: z.array(z.object({ name: z.string(), path: z.string().nullable(), version: z.number().int(), hash: z.string(), rows: z.number().int().nullable(), role: z.string() })),
  /** Datasets the stages name in their params, when no version of them was recorded. */
  datasetNames: z.array(z.string()),
  aliases: z.array(z.object({ alias: z.string(), version: z.number().int() })),
  history: z.array(AliasHistoryEntrySchema),
  /** The latest permutation feature importance kept with the version (`sextant models explain`), or null. */
  importance: ExplanationSchema.nullable(),
  /** Every evaluation kept with the version (`sextant eval`, the evaluate stage), oldest first. */
  evaluations: z.array(CardEvaluationSchema),
  /** The newest of them whole (its confusion matrix and curves), or null. */
  latestEvaluation: LatestEvaluationSchema.nullable(),
  /** The latest Kernel SHAP attributions of single rows (`sextant models explain … --row K`), or null. */
  shap: ShapExplanationSchema.nullable(),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;

interface RunRow {
  id: number;
  uid: string;
  parent_id: number | null;
  name: string;
  status: string;
  experiment: string;
  started_at: number | null;
  git_commit: string | null;
  git_dirty: number | null;
  deleted_at: number | null;
}

const RUN_SQL = `SELECT r.id, r.uid, r.parent_id, r.name, r.status, e.name AS experiment, r.started_at, r.git_commit, r.git_dirty, r.deleted_at
  FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`;

/** The card of version `version` of model `name`; an error when the store has no such version. */
export function modelCard(db: Database, artifactsDir: string, name: string, version: number): Result<ModelCard> {
  const model = db.prepare('SELECT id, name, description FROM models WHERE name = ?').get(name) as { id: number; name: string; description: string | null } | undefined;
  if (!model) return fail({ code: 'model-unknown', message: `No model named "${name}" is registered in this store.` });
  const row = db.prepare('SELECT id, version, run_id, artifact_sha256, format, created_at FROM model_versions WHERE model_id = ? AND version = ?').get(model.id, version) as
    | { id: number; version: number; run_id: number | null; artifact_sha256: string | null; format: string | null; created_at: number }
    | undefined;
  if (!row) return fail({ code: 'model-version-unknown', message: `Model "${name}" has no version ${version}.` });
  const versions = db.prepare('SELECT version FROM model_versions WHERE model_id = ? ORDER BY version DESC').pluck().all(model.id) as number[];

  const path = row.artifact_sha256 ? blobPath(artifactsDir, row.artifact_sha256) : null;
  const exists = path !== null && existsSync(path);
  const read = readFile(path, exists);

  const run = row.run_id === null ? undefined : (db.prepare(RUN_SQL).get(row.run_id) as RunRow | undefined);
  const parent = run?.parent_id ? (db.prepare(RUN_SQL).get(run.parent_id) as RunRow | undefined) : undefined;
  const top = parent ?? run;
  const family = top ? [top.id, ...(db.prepare('SELECT id FROM runs WHERE parent_id = ? ORDER BY created_at, id').pluck().all(top.id) as number[])] : [];

  return ok({
    name: model.name,
    description: model.description,
    version: row.version,
    versions,
    createdAt: row.created_at,
    format: row.format,
    sha256: row.artifact_sha256,
    file: { path, exists },
    ...read,
    metrics: metricsOf(db, row.run_id),
    source: sourceOf(db, run, top, family),
    datasets: family.length ? datasetsOf(db, family) : [],
    datasetNames: family.length ? (db.prepare(`SELECT DISTINCT value FROM params WHERE key = 'dataset' AND run_id IN (${family.map(() => '?').join(',')}) ORDER BY value`).pluck().all(...family) as string[]) : [],
    aliases: db.prepare('SELECT a.alias, v.version FROM model_aliases a JOIN model_versions v ON v.id = a.model_version_id WHERE a.model_id = ? ORDER BY a.alias').all(model.id) as { alias: string; version: number }[],
    history: aliasHistory(db, name),
    importance: latestExplanation(db, row.id),
    ...cardEvaluations(db, row.id),
    shap: latestShap(db, row.id),
  });
}

function readFile(path: string | null, exists: boolean): Pick<ModelCard, 'signature' | 'features' | 'label' | 'classes'> {
  const none = { features: null, label: null, classes: null };
  if (path === null) return { signature: { ok: false, message: 'No file was recorded for this version.' }, ...none };
  if (!exists) return { signature: { ok: false, message: `The model file is gone from the artifact store (${path}), so its signature cannot be read.` }, ...none };
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    return { signature: { ok: false, message: `Cannot read the model file: ${(err as Error).message}` }, ...none };
  }
  const signature = readOnnxSignature(bytes);
  if (!signature.ok) return { signature: { ok: false, message: signature.error.message }, ...none };
  let trained = undefined;
  try {
    const raw = readOnnxMetadata(bytes)[METADATA_KEY];
    trained = raw ? FittedModelSchema.safeParse(JSON.parse(raw)).data : undefined;
  } catch {
    trained = undefined;
  }
  return { signature: { ok: true, value: signature.value }, features: trained?.features ?? null, label: trained?.label ?? null, classes: trained?.classes ?? null };
}

function sourceOf(db: Database, run: RunRow | undefined, top: RunRow | undefined, family: number[]): ModelCard['source'] {
  if (!run || !top) return { kind: 'none' };
  if (top.deleted_at !== null || run.deleted_at !== null) return { kind: 'deleted', id: top.uid, name: top.name };
  const paramsOf = db.prepare('SELECT key, value FROM params WHERE run_id = ?');
  const params: Record<string, string> = {};
  for (const p of paramsOf.all(top.id) as { key: string; value: string }[]) params[p.key] = p.value;
  // A pipeline without params of its own: what its stages were given (the later stage wins).
  if (Object.keys(params).length === 0) {
    for (const id of family.slice(1)) for (const p of paramsOf.all(id) as { key: string; value: string }[]) params[p.key] = p.value;
  }
  return {
    kind: 'run',
    id: top.uid,
    name: top.name,
    experiment: top.experiment,
    status: top.status,
    startedAt: top.started_at,
    stage: top === run ? null : run.name,
    gitCommit: top.git_commit ?? run.git_commit,
    gitDirty: (top.git_dirty ?? run.git_dirty) === null ? null : (top.git_dirty ?? run.git_dirty) === 1,
    params: Object.fromEntries(Object.entries(params).sort(([a], [b]) => a.localeCompare(b))),
  };
}

function datasetsOf(db: Database, family: number[]): ModelCard['datasets'] {
  return db
    .prepare(
      `SELECT DISTINCT d.name, d.path, dv.version, dv.content_hash AS hash, dv.row_count AS rows, l.role FROM run_dataset_versions l
       JOIN dataset_versions dv ON dv.id = l.dataset_version_id JOIN datasets d ON d.id = dv.dataset_id
       WHERE l.run_id IN (${family.map(() => '?').join(',')}) ORDER BY d.name, dv.version`,
    )
    .all(...family) as ModelCard['datasets'];
}
