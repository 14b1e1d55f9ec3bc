// Reading the model registry for the Models view and the CLI: models, their versions (newest first),
// the aliases pointing at each version, and the run that produced it with that run's latest metrics.
import { z } from 'zod';
import type { Database } from '../store/open';

export const ModelVersionSummarySchema = z.object({
  version: z.number().int(),
  aliases: z.array(z.string()),
  runUid: z.string().nullable(),
  runName: z.string().nullable(),
  artifactSha256: z.string().nullable(),
  format: z.string().nullable(),
  createdAt: z.number().int().describe('Milliseconds since the Unix epoch.'),
  metrics: z.record(z.string(), z.number().nullable()).describe('Latest value of each metric of the producing run and its sibling pipeline stages.'),
});
export type ModelVersionSummary = z.infer<typeof ModelVersionSummarySchema>;

export const ModelSummarySchema = z.object({
  name: z.string(),
  description: z.string().nullable(),
  versions: z.array(ModelVersionSummarySchema),
});
export type ModelSummary = z.infer<typeof ModelSummarySchema>;

interface VersionRow {
  model_id: number;
  id: number;
  version: number;
  artifact_sha256: string | null;
  format: string | null;
  created_at: number;
  run_id: number | null;
  run_uid: string | null;
  run_name: string | null;
}

export function listModels(db: Database): ModelSummary[] {
  const models = db.prepare('SELECT id, name, description FROM models ORDER BY name').all() as { id: number; name: string; description: string | null }[];
  const versions = db
    .prepare(
      `SELECT mv.model_id, mv.id, mv.version, mv.artifact_sha256, mv.format, mv.created_at, r.id AS run_id, r.uid AS run_uid, r.name AS run_name
       FROM model_versions mv LEFT JOIN runs r ON r.id = mv.run_id ORDER BY mv.model_id, mv.version DESC`,
    )
    .all() as VersionRow[];
  const aliases = db.prepare('SELECT model_version_id, alias FROM model_aliases ORDER BY alias').all() as { model_version_id: number; alias: string }[];
  // The version's evaluation: latest metrics of its run and of the other stages of the same pipeline run.
  const metricsOf = db.prepare(
    `SELECT k.name AS key, lm.value AS value FROM latest_metrics lm JOIN metric_keys k ON k.id = lm.key_id
     WHERE lm.run_id = @run OR lm.run_id IN (SELECT id FROM runs WHERE parent_id = (SELECT parent_id FROM runs WHERE id = @run))
     ORDER BY lm.ts`,
  );
  return models.map((m) => ({
    name: m.name,
    description: m.description,
    versions: versions
      .filter((v) => v.model_id === m.id)
      .map((v) => ({
        version: v.version,
        aliases: aliases.filter((a) => a.model_version_id === v.id).map((a) => a.alias),
        runUid: v.run_uid,
        runName: v.run_name,
        artifactSha256: v.artifact_sha256,
        format: v.format,
        createdAt: v.created_at,
        metrics: v.run_id === null ? {} : Object.fromEntries((metricsOf.all({ run: v.run_id }) as { key: string; value: number | null }[]).map((r) => [r.key, r.value])),
      })),
  }));
}
