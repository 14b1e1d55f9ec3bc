// Writes MLflow's registered models into the Sextant registry: each model, each version linked to the
// run that made it (by MLflow run id), MLflow's source URI, stage and version tags as version tags, and
// aliases (moved with their history, as any alias move). Idempotent: a version already imported from
// MLflow is kept (its run link filled in when the run has arrived since); a version number Sextant
// already registered itself is left alone and reported. Call inside a write transaction.
import type { Database } from '../store/open';
import { aliasProblem, pointAlias } from '../registry/aliases';
import type { ImportProblem, MlflowRegisteredModel } from './model';

const SOURCE_TAG = 'mlflow.source';

export function writeRegisteredModels(db: Database, models: readonly MlflowRegisteredModel[], sourcePath: string, now: number, problems: ImportProblem[]): { models: number; versions: number; aliases: number } {
  const counts = { models: 0, versions: 0, aliases: 0 };
  const runId = db.prepare('SELECT id FROM runs WHERE uid = ?').pluck();
  const tag = db.prepare('INSERT INTO model_version_tags (model_version_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_version_id, key) DO UPDATE SET value = excluded.value');
  for (const m of models) {
    db.prepare('INSERT OR IGNORE INTO models (name, description, created_at) VALUES (?, ?, ?)').run(m.name, m.description, m.creationTime ?? now);
    const modelId = db.prepare('SELECT id FROM models WHERE name = ?').pluck().get(m.name) as number;
    counts.models++;
    const versionIds = new Map<number, number>();
    for (const v of m.versions) {
      const run = v.runId ? (runId.get(v.runId) as number | undefined) ?? null : null;
      if (v.runId && run === null) problems.push({ file: v.file, message: `model "${m.name}" version ${v.version}: its run ${v.runId} is not in the store, so the version is not linked to a run (importing the store that holds the run links it)` });
      const existing = db.prepare('SELECT id, run_id FROM model_versions WHERE model_id = ? AND version = ?').get(modelId, v.version) as { id: number; run_id: number | null } | undefined;
      let id: number;
      if (existing) {
        const fromMlflow = db.prepare("SELECT 1 FROM model_version_tags WHERE model_version_id = ? AND key = 'mlflow.importedFrom'").get(existing.id) !== undefined;
        if (!fromMlflow) {
          problems.push({ file: v.file, message: `model "${m.name}" version ${v.version} not imported: Sextant's registry already has a version ${v.version} of "${m.name}" registered here` });
          continue;
        }
        id = existing.id;
        if (existing.run_id === null && run !== null) db.prepare('UPDATE model_versions SET run_id = ? WHERE id = ?').run(run, id);
      } else {
        id = Number(db.prepare('INSERT INTO model_versions (model_id, version, run_id, artifact_sha256, format, created_at, description) VALUES (?, ?, ?, NULL, ?, ?, ?)').run(modelId, v.version, run, 'mlflow', v.creationTime ?? now, v.description).lastInsertRowid);
      }
      counts.versions++;
      versionIds.set(v.version, id);
      const tags: Record<string, string> = { ...v.tags, 'mlflow.importedFrom': sourcePath };
      if (v.source) tags[SOURCE_TAG] = v.source;
      if (v.runId) tags['mlflow.runId'] = v.runId;
      if (v.stage) tags['mlflow.stage'] = v.stage;
      for (const [k, value] of Object.entries(tags)) tag.run(id, k, value);
    }
    for (const [alias, version] of Object.entries(m.aliases)) {
      const bad = aliasProblem(alias);
      const target = versionIds.get(version);
      if (bad || target === undefined) {
        problems.push({ file: m.dir, message: `model "${m.name}": alias "${alias}" not imported: ${bad ?? `version ${version} is not among the imported versions`}` });
        continue;
      }
      const current = db.prepare('SELECT model_version_id FROM model_aliases WHERE model_id = ? AND alias = ?').pluck().get(modelId, alias) as number | undefined;
      if (current !== target) pointAlias(db, modelId, alias, target, { actor: 'mlflow import', source: sourcePath }, now);
      counts.aliases++;
    }
  }
  return counts;
}
