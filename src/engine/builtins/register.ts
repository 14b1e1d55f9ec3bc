// `sextant/register`: adds the model file as a new version of a named model in the store's registry
// (models, model_versions, model_aliases), linked to this stage's run, the file copied into the
// artifact store by content, and the alias (if any) moved to the new version.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { currentUser, hasAliasHistory, pointAlias } from '../registry/aliases';
import { fail, ok, type Result } from '../result';
import { openStore } from '../store/open';
import { writeTx } from '../store/tx';
import { storeBlob } from '../tracking/artifacts';
import { parseWith } from './common';
import type { BuiltinImpl } from './types';

interface RegisteredVersion {
  name: string;
  version: number;
  sha256: string;
  alias?: string;
}

export const registerBuiltin: BuiltinImpl = {
  deps: (w) => (typeof w.model === 'string' ? [w.model] : []),
  outs: () => [],
  async run(ctx) {
    const w = parseWith('sextant/register', ctx.stage, ctx.with, ctx.pipelineFile);
    if (!w.ok) return w;
    if (!ctx.storePath) return fail({ code: 'registry-unavailable', file: ctx.pipelineFile, message: `Stage "${ctx.stage}": the model registry is not available: this run is not recorded in a store.`, fix: 'Run the pipeline with the workspace store (the default for `sextant run` and the VS Code task).' });
    const modelFile = resolve(ctx.root, w.value.model);
    if (!existsSync(modelFile)) return fail({ code: 'register-missing-model', file: modelFile, message: 'The model file does not exist.' });
    const registered = registerModelVersion(ctx.storePath, { name: w.value.name, file: modelFile, runId: ctx.runId, artifactsDir: ctx.artifactsDir ?? join(dirname(ctx.storePath), 'artifacts'), ...(w.value.alias ? { alias: w.value.alias } : {}) });
    if (!registered.ok) return registered;
    const v = registered.value;
    ctx.log(`Registered ${v.name} version ${v.version} (sha256 ${v.sha256.slice(0, 12)}…)${v.alias ? `, alias "${v.alias}" → v${v.version}` : ''}`);
    ctx.metric('model_version', v.version);
    return ok(undefined);
  },
};

export function registerModelVersion(storePath: string, input: { name: string; file: string; runId: string; artifactsDir?: string; alias?: string; format?: string }): Result<RegisteredVersion> {
  const db = openStore(storePath, { create: false });
  if (!db.ok) return db;
  try {
    const tables = new Set((db.value.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]));
    if (!tables.has('models') || !tables.has('model_versions') || !tables.has('model_aliases')) {
      return fail({ code: 'registry-unavailable', file: storePath, message: 'The model registry is not available yet: this store has no model tables.', fix: 'Update Sextant so the store is migrated.' });
    }
    // The Tracker's artifact folder; by default beside the store (.sextant/artifacts).
    const blob = storeBlob(input.artifactsDir ?? join(dirname(storePath), 'artifacts'), input.file);
    const now = Date.now();
    const version = writeTx(db.value, () => {
      const d = db.value;
      d.prepare('INSERT OR IGNORE INTO models (name, created_at) VALUES (?, ?)').run(input.name, now);
      const modelId = d.prepare('SELECT id FROM models WHERE name = ?').pluck().get(input.name) as number;
      const runRow = d.prepare('SELECT id FROM runs WHERE uid = ?').pluck().get(input.runId) as number | undefined;
      const next = ((d.prepare('SELECT max(version) FROM model_versions WHERE model_id = ?').pluck().get(modelId) as number | null) ?? 0) + 1;
      const info = d.prepare('INSERT INTO model_versions (model_id, version, run_id, artifact_sha256, format, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(modelId, next, runRow ?? null, blob.sha256, input.format ?? 'onnx', now);
      const versionId = Number(info.lastInsertRowid);
      if (runRow !== undefined) {
        const hasLink = d.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run_model_versions'").get();
        if (hasLink) d.prepare("INSERT OR IGNORE INTO run_model_versions (run_id, model_version_id, role) VALUES (?, ?, 'output')").run(runRow, versionId);
      }
      if (input.alias) {
        // The move is recorded in the alias history (who: this user, from this pipeline run), in this transaction.
        if (hasAliasHistory(d)) pointAlias(d, modelId, input.alias, versionId, { actor: currentUser(), source: `pipeline run ${input.runId.slice(0, 8)}` }, now);
        else d.prepare('INSERT INTO model_aliases (model_id, alias, model_version_id, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (model_id, alias) DO UPDATE SET model_version_id = excluded.model_version_id, updated_at = excluded.updated_at').run(modelId, input.alias, versionId, now);
      }
      return next;
    });
    return ok({ name: input.name, version, sha256: blob.sha256, ...(input.alias ? { alias: input.alias } : {}) });
  } catch (err) {
    return fail({ code: 'register-failed', file: storePath, message: `Could not register the model: ${(err as Error).message}` });
  } finally {
    db.value.close();
  }
}
