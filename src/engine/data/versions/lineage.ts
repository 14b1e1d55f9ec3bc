// Lineage of a dataset version, both ways: the runs that read (`input`) or wrote (`output`) it, and the
// model versions registered by a pipeline run one of whose stages read it. A model's role says which
// stage did: `trained` for a `sextant/train` stage (or a `run:` stage named like train/fit), `evaluated`
// for `sextant/evaluate` (or named like eval/test/valid/score), `read` otherwise. The model card reads the
// same links the other way (../../registry/card.ts).
import type { Database } from '../../store/open';
import type { DatasetVersionDetail } from './schema';

type Lineage = Pick<DatasetVersionDetail, 'runs' | 'models'>;

function modelRole(stage: string, command: string | null): 'trained' | 'evaluated' | 'read' {
  if (command === 'uses: sextant/train') return 'trained';
  if (command === 'uses: sextant/evaluate') return 'evaluated';
  if (/train|fit/i.test(stage)) return 'trained';
  if (/eval|test|valid|score/i.test(stage)) return 'evaluated';
  return 'read';
}

export function lineageOf(db: Database, versionId: number): Lineage {
  const runs = db
    .prepare(
      `SELECT r.uid AS id, r.name, e.name AS experiment, r.status, p.uid AS pipelineRun, l.role, r.started_at AS startedAt FROM run_dataset_versions l
       JOIN runs r ON r.id = l.run_id JOIN experiments e ON e.id = r.experiment_id LEFT JOIN runs p ON p.id = r.parent_id
       WHERE l.dataset_version_id = ? AND r.deleted_at IS NULL ORDER BY r.created_at DESC, r.id DESC`,
    )
    .all(versionId) as Lineage['runs'];
  const readers = db
    .prepare(
      `SELECT DISTINCT m.name AS model, mv.version, mr.uid AS run, lr.name AS stage, lr.command FROM run_dataset_versions l
       JOIN runs lr ON lr.id = l.run_id
       JOIN runs mr ON COALESCE(mr.parent_id, mr.id) = COALESCE(lr.parent_id, lr.id)
       JOIN model_versions mv ON mv.run_id = mr.id JOIN models m ON m.id = mv.model_id
       WHERE l.dataset_version_id = ? AND l.role = 'input' ORDER BY m.name, mv.version`,
    )
    .all(versionId) as { model: string; version: number; run: string; stage: string; command: string | null }[];
  const models = new Map<string, Lineage['models'][number]>();
  for (const r of readers) {
    const role = modelRole(r.stage, r.command);
    models.set(`${r.model}@${r.version}:${role}`, { model: r.model, version: r.version, role, run: r.run });
  }
  return { runs, models: [...models.values()] };
}
