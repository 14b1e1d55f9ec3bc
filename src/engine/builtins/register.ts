// `sextant/register`: adds the model file as a new version of a named model in the store's registry
// (models, model_versions, model_aliases), linked to this stage's run, the file copied into the
// artifact store by content, and the alias (if any) moved to the new version. Evaluations of the same content
// recorded before (the pipeline's `sextant/evaluate` stage runs first) become part of the version's history.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { appendAudit, hasAuditLog } from '../audit/log';
import { adoptEvaluations } from '../evaluate/record';
import { nextVersionNumber } from '../registry/deletion';
import type { PromotionGate } from '../pipeline/builtins';
import { currentUser, hasAliasHistory, pointAlias } from '../registry/aliases';
import { blockedReason, checkGates, type GateVerdict } from '../registry/gates';
import { fail, ok, type Result } from '../result';
import { openStore } from '../store/open';
import { writeTx } from '../store/tx';
import { storeBlob } from '../tracking/artifacts';
import { readOnnxSignature } from '../train/onnx/signature';
import { parseWith } from './common';
import type { BuiltinImpl } from './types';

interface RegisteredVersion {
  name: string;
  version: number;
  sha256: string;
  alias?: string;
  /** How the version's gates went (absent when it has none); when they blocked, the alias was not moved. */
  gates?: GateVerdict;
  /** How many evaluations recorded earlier of this content (e.g. by the pipeline's `sextant/evaluate` stage) became part of its history. */
  evaluations: number;
}

export const registerBuiltin: BuiltinImpl = {
  deps: (w) => (typeof w.model === 'string' ? [w.model] : []),
  outs: () => [],
  // Not readsUpstreamMetrics: evaluate's latency figures differ on every run, and the same model file must not
  // become a new version each time. Its gates judge the upstream metrics of the run that registers the file.
  async run(ctx) {
    const w = parseWith('sextant/register', ctx.stage, ctx.with, ctx.pipelineFile);
    if (!w.ok) return w;
    if (!ctx.storePath) return fail({ code: 'registry-unavailable', file: ctx.pipelineFile, message: `Stage "${ctx.stage}": the model registry is not available: this run is not recorded in a store.`, fix: 'Run the pipeline with the workspace store (the default for `sextant run` and the VS Code task).' });
    const modelFile = resolve(ctx.root, w.value.model);
    if (!existsSync(modelFile)) return fail({ code: 'register-missing-model', file: modelFile, message: 'The model file does not exist.' });
    // An .onnx that onnxruntime could not load (truncated, or not a model) is refused before anything is written:
    // a registered version is immutable, so a broken one could only be deleted, never fixed.
    if (/\.onnx$/i.test(modelFile)) {
      const signature = readOnnxSignature(readFileSync(modelFile));
      if (!signature.ok) return fail({ code: 'register-not-onnx', file: modelFile, message: `Stage "${ctx.stage}": the model file is not a whole ONNX model (${signature.error.message.replace(/\.$/, '')}); nothing was registered.`, fix: 'Run the stage that writes it again (it may have been cut short), then register.' });
    }
    const gates = w.value.gates ?? [];
    // The values its gates judge are recorded on this stage's run (the version's run), so a later promotion
    // checks the same numbers even when the stage that computed them was cached in this pipeline run.
    for (const metric of new Set(gates.map((g) => g.metric))) {
      const value = ctx.upstreamMetrics[metric];
      if (value !== undefined) ctx.metric(metric, value);
    }
    const registered = registerModelVersion(ctx.storePath, {
      name: w.value.name,
      file: modelFile,
      runId: ctx.runId,
      artifactsDir: ctx.artifactsDir ?? join(dirname(ctx.storePath), 'artifacts'),
      ...(w.value.alias ? { alias: w.value.alias } : {}),
      ...(gates.length ? { gates, metrics: ctx.upstreamMetrics } : {}),
    });
    if (!registered.ok) return registered;
    const v = registered.value;
    for (const g of v.gates?.results ?? []) ctx.log(`gate ${g.passed ? 'passed' : 'BLOCKED'}: ${g.gate}: ${g.reason}`);
    if (gates.length && !w.value.alias) ctx.log(`note: no alias to move; the ${gates.length === 1 ? 'gate is' : `${gates.length} gates are`} kept with the version and checked when it is promoted.`);
    ctx.metric('model_version', v.version);
    if (v.evaluations) ctx.log(`${v.evaluations === 1 ? '1 evaluation' : `${v.evaluations} evaluations`} of this model file, recorded before it was registered, now in version ${v.version}'s evaluation history`);
    if (v.gates && !v.gates.passed) {
      ctx.log(`Registered ${v.name} version ${v.version} (sha256 ${v.sha256.slice(0, 12)}…); alias "${w.value.alias}" NOT moved.`);
      return fail({ code: 'gate-blocked', file: ctx.pipelineFile, message: `Stage "${ctx.stage}": ${v.name} version ${v.version} was registered, but the alias "${w.value.alias}" was not moved: a promotion gate blocked it: ${blockedReason(v.gates)}.`, fix: 'The block is recorded in the audit log (sextant audit list). Improve the model, or change the gates.' });
    }
    ctx.log(`Registered ${v.name} version ${v.version} (sha256 ${v.sha256.slice(0, 12)}…)${v.alias ? `, alias "${v.alias}" → v${v.version}` : ''}`);
    return ok(undefined);
  },
};

/**
 * Adds the file as the next version of model `name` (one transaction: the version, its run link, its audit entry
 * and the alias move). With `gates`, the alias moves only when they pass on `metrics`; a block is written to the
 * audit log with its reason and returned in `gates`, the version registered all the same.
 */
export function registerModelVersion(
  storePath: string,
  input: { name: string; file: string; runId: string; artifactsDir?: string; alias?: string; format?: string; gates?: PromotionGate[]; metrics?: Record<string, number> },
): Result<RegisteredVersion> {
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
    const audited = hasAuditLog(db.value);
    if (input.gates?.length && !audited) return fail({ code: 'registry-unavailable', file: storePath, message: 'This store cannot keep promotion gates yet (schema before version 7).', fix: 'Open it with this Sextant once (it migrates the store), then run again.' });
    const who = { actor: currentUser(), source: `pipeline run ${input.runId.slice(0, 8)}` };
    const { version, gates, evaluations } = writeTx(db.value, () => {
      const d = db.value;
      d.prepare('INSERT OR IGNORE INTO models (name, created_at) VALUES (?, ?)').run(input.name, now);
      const modelId = d.prepare('SELECT id FROM models WHERE name = ?').pluck().get(input.name) as number;
      const runRow = d.prepare('SELECT id FROM runs WHERE uid = ?').pluck().get(input.runId) as number | undefined;
      // One past the highest number ever registered, deleted versions included: a number is never reused.
      const next = nextVersionNumber(d, modelId, input.name);
      const info = audited
        ? d.prepare('INSERT INTO model_versions (model_id, version, run_id, artifact_sha256, format, created_at, gates_json) VALUES (?, ?, ?, ?, ?, ?, ?)').run(modelId, next, runRow ?? null, blob.sha256, input.format ?? 'onnx', now, input.gates?.length ? JSON.stringify(input.gates) : null)
        : d.prepare('INSERT INTO model_versions (model_id, version, run_id, artifact_sha256, format, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(modelId, next, runRow ?? null, blob.sha256, input.format ?? 'onnx', now);
      const versionId = Number(info.lastInsertRowid);
      // Evaluations of this content recorded before it was registered (the demo evaluates, then registers).
      const evaluations = adoptEvaluations(d, { id: versionId, version: next, sha256: blob.sha256, runId: runRow ?? null });
      if (audited) {
        appendAudit(d, { kind: 'model-registered', ...who, subject: `model:${input.name}@${next}`, detail: { sha256: blob.sha256, format: input.format ?? 'onnx', run: input.runId, ...(input.gates?.length ? { gates: input.gates } : {}) }, at: now });
      }
      if (runRow !== undefined) {
        const hasLink = d.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run_model_versions'").get();
        if (hasLink) d.prepare("INSERT OR IGNORE INTO run_model_versions (run_id, model_version_id, role) VALUES (?, ?, 'output')").run(runRow, versionId);
      }
      const verdict = input.alias && input.gates?.length ? checkGates(d, modelId, next, input.gates, input.metrics ?? {}) : undefined;
      if (input.alias && verdict && !verdict.passed) {
        appendAudit(d, { kind: 'promotion-blocked', ...who, subject: `model:${input.name}@${next}`, detail: { alias: input.alias, reason: blockedReason(verdict), gates: verdict.results }, at: now });
      } else if (input.alias) {
        // The move is recorded in the alias history (who: this user, from this pipeline run), in this transaction.
        if (hasAliasHistory(d)) pointAlias(d, modelId, input.alias, versionId, who, now);
        else d.prepare('INSERT INTO model_aliases (model_id, alias, model_version_id, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (model_id, alias) DO UPDATE SET model_version_id = excluded.model_version_id, updated_at = excluded.updated_at').run(modelId, input.alias, versionId, now);
      }
      return { version: next, gates: verdict, evaluations };
    });
    const moved = input.alias && (!gates || gates.passed);
    return ok({ name: input.name, version, sha256: blob.sha256, evaluations, ...(moved ? { alias: input.alias } : {}), ...(gates ? { gates } : {}) });
  } catch (err) {
    return fail({ code: 'register-failed', file: storePath, message: `Could not register the model: ${(err as Error).message}` });
  } finally {
    db.value.close();
  }
}
