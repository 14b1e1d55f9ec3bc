// `sextant models explain`: permutation feature importance of a registered model version on a CSV/TSV file,
// run with onnxruntime-node, kept with the version (model_explanations, migration 10) and shown on the model
// card. The model must carry Sextant's training metadata (its features, label and classes), which maps the
// file's columns to the model's input by name; rows with a missing label or feature are left out and counted.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { z } from 'zod';
import { loadOnnxRuntime } from '../native/load';
import { fail, ok, type Result } from '../result';
import type { Database } from '../store/open';
import { storeError, writeTx } from '../store/tx';
import { blobPath } from '../tracking/artifacts';
import { dropIncomplete, labelColumn, labeledRows, readTrainingTable } from '../train/dataset';
import { ONNX_INPUT, ONNX_PROBABILITIES } from '../train/onnx/export';
import { readSextantModel } from '../train/onnx/metadata';
import { permutationImportance, PermutationImportanceSchema, type ImportanceMetric } from './permutation';

export const ExplanationSchema = PermutationImportanceSchema.extend({
  kind: z.literal('permutation-importance'),
  model: z.string(),
  version: z.number().int(),
  data: z.object({ path: z.string(), sha256: z.string() }),
  label: z.string(),
  /** Rows left out: a missing label or feature. */
  skipped: z.number().int(),
  createdAt: z.number().int(),
});
export type Explanation = z.infer<typeof ExplanationSchema>;

export function hasExplanations(db: Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'model_explanations'").get() !== undefined;
}

/** The latest explanation kept with a version, or null. */
export function latestExplanation(db: Database, versionId: number): Explanation | null {
  if (!hasExplanations(db)) return null;
  const raw = db.prepare("SELECT result_json FROM model_explanations WHERE model_version_id = ? AND kind = 'permutation-importance' ORDER BY created_at DESC, id DESC LIMIT 1").pluck().get(versionId) as string | undefined;
  if (raw === undefined) return null;
  const parsed = ExplanationSchema.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : null;
}

function shownPath(file: string, root: string | undefined): string {
  if (!root) return file;
  const rel = relative(root, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

export async function explainVersion(
  db: Database,
  input: { storePath: string; artifactsDir: string; /** The workspace: a data file inside it is recorded by its relative path. */ root?: string; name: string; version: number; versionId: number; data: string; label?: string; metric?: ImportanceMetric; repeats?: number; seed?: number; save?: boolean },
): Promise<Result<Explanation>> {
  const sha = db.prepare('SELECT artifact_sha256 FROM model_versions WHERE id = ?').pluck().get(input.versionId) as string | null;
  if (!sha) return fail({ code: 'model-no-file', file: input.storePath, message: `${input.name} v${input.version} has no stored file.` });
  const modelFile = blobPath(input.artifactsDir, sha);
  if (!existsSync(modelFile)) return fail({ code: 'model-file-missing', file: modelFile, message: `The file of ${input.name} v${input.version} is gone from the artifact store.` });
  const loaded = readSextantModel(modelFile);
  if (!loaded.ok) return loaded;
  const { model, bytes } = loaded.value;
  if (!existsSync(input.data)) return fail({ code: 'data-missing', file: input.data, message: 'The data file does not exist.' });
  const label = input.label ?? model.label;
  const table = readTrainingTable(input.data, { label, ...(input.data.endsWith('.tsv') ? { separator: '\t' } : {}) });
  if (!table.ok) return table;
  const labelAt = labelColumn(table.value, label);
  if (!labelAt.ok) return fail({ ...labelAt.error, message: `${labelAt.error.message} (the label of ${input.name} v${input.version}; give another with --label).` });
  const missing = model.features.filter((f) => !table.value.columns.includes(f));
  if (missing.length) return fail({ code: 'explain-features', file: input.data, message: `${input.name} v${input.version} takes the features ${model.features.join(', ')}; the file lacks ${missing.join(', ')} (its columns: ${table.value.columns.join(', ')}).` });
  const known = new Set(model.classes);
  const used = new Uint8Array(labelAt.value.texts.length);
  for (const k of labelAt.value.codes) if (k >= 0) used[k] = 1;
  const unseen = [...new Set(labelAt.value.texts.filter((t, k) => used[k] && !known.has(t)))];
  if (unseen.length) return fail({ code: 'explain-unseen-class', file: input.data, message: `The label "${label}" has values the model never saw: ${unseen.slice(0, 5).join(', ')}${unseen.length > 5 ? ', …' : ''} (its classes: ${model.classes.join(', ')}).` });
  const rows = labeledRows(table.value, model.features, label, model.classes);
  if (!rows.ok) return rows;
  const { rows: complete, dropped } = dropIncomplete(rows.value);
  if (complete.x.rows < 2) return fail({ code: 'explain-no-rows', file: input.data, message: `Fewer than 2 rows with a label and every feature (${dropped} left out).` });
  const ort = loadOnnxRuntime();
  if (!ort.ok) return ort;
  let session: Awaited<ReturnType<typeof ort.value.InferenceSession.create>>;
  try {
    session = await ort.value.InferenceSession.create(bytes);
  } catch (err) {
    return fail({ code: 'explain-onnx', file: modelFile, message: `onnxruntime cannot load the model: ${(err as Error).message}` });
  }
  const F = model.features.length;
  try {
    const importance = await permutationImportance({
      predict: async (x, n) => (await session.run({ [ONNX_INPUT]: new ort.value.Tensor('float32', x, [n, F]) }))[ONNX_PROBABILITIES]!.data as Float32Array,
      x: Float32Array.from(complete.x.data),
      y: complete.y,
      features: model.features,
      classes: model.classes.length,
      ...(input.metric ? { metric: input.metric } : {}),
      ...(input.repeats ? { repeats: input.repeats } : {}),
      ...(input.seed !== undefined ? { seed: input.seed } : {}),
    });
    const explanation: Explanation = {
      kind: 'permutation-importance',
      model: input.name,
      version: input.version,
      data: { path: shownPath(input.data, input.root), sha256: createHash('sha256').update(readFileSync(input.data)).digest('hex') },
      label,
      skipped: dropped,
      createdAt: Date.now(),
      ...importance,
    };
    if (input.save !== false) {
      if (!hasExplanations(db)) return fail({ code: 'registry-unavailable', file: input.storePath, message: 'This store cannot keep explanations yet (schema before version 10).', fix: 'Open it with this Sextant once (it migrates the store).' });
      writeTx(db, () => {
        db.prepare('INSERT INTO model_explanations (model_version_id, kind, data_path, data_sha256, result_json, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(input.versionId, explanation.kind, explanation.data.path, explanation.data.sha256, JSON.stringify(explanation), explanation.createdAt);
      });
    }
    return ok(explanation);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE')) return fail(storeError(err, input.storePath, `keep the explanation of ${input.name} v${input.version}`));
    return fail({ code: 'explain-onnx', file: modelFile, message: `onnxruntime could not run the model: ${(err as Error).message}` });
  } finally {
    await session.release();
  }
}
