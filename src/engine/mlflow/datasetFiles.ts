// Reads the datasets a run used from MLflow's file store (MLflow 2.4+): each `<run>/inputs/<id>/meta.yaml`
// holds source_type DATASET, source_id (a folder of `<experiment>/datasets/`) and tags (mlflow.data.context);
// `<experiment>/datasets/<id>/meta.yaml` holds name, digest, source_type, source, schema and profile (the
// last three as MLflow's JSON text). Values are read as the strings MLflow wrote (metaYaml.ts). Inputs of
// another kind (an MLflow 3 model input) and records that cannot be read are reported, not guessed at.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';
import { folderNames } from './folderNames';
import { readMetaYaml } from './metaYaml';
import type { ImportProblem, MlflowDatasetInput } from './model';

/** The `tags:` mapping of an input's meta.yaml (`tags: {mlflow.data.context: training}`), values as strings. */
function inputTags(file: string): Record<string, string> {
  const doc = parseDocument(readFileSync(file, 'utf8'), { schema: 'failsafe' });
  const out: Record<string, string> = {};
  if (!isMap(doc.contents)) return out;
  const tags = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'tags')?.value;
  if (!isMap(tags)) return out;
  for (const p of tags.items) if (isScalar(p.key) && isScalar(p.value)) out[String(p.key.value)] = String(p.value.value);
  return out;
}

/** The dataset inputs of the run in runDir (experimentDir holds the dataset records). */
export function readRunInputs(runDir: string, experimentDir: string, problems: ImportProblem[]): MlflowDatasetInput[] {
  const out: MlflowDatasetInput[] = [];
  for (const id of folderNames(join(runDir, 'inputs'))) {
    const file = join(runDir, 'inputs', id, 'meta.yaml');
    if (!existsSync(file)) {
      problems.push({ file: join(runDir, 'inputs', id), message: 'MLflow run input without meta.yaml: not imported' });
      continue;
    }
    const meta = readMetaYaml(file, problems);
    if (!meta) continue;
    if (meta.source_type !== 'DATASET') {
      problems.push({ file, message: `MLflow run input of type ${meta.source_type ?? '(none)'} (${meta.source_id ?? 'no source id'}) not imported: only dataset inputs are` });
      continue;
    }
    const recordFile = join(experimentDir, 'datasets', meta.source_id ?? '', 'meta.yaml');
    if (!meta.source_id || !existsSync(recordFile)) {
      problems.push({ file, message: `MLflow dataset input not imported: its dataset record ${meta.source_id ?? '(no source_id)'} is not in ${join(experimentDir, 'datasets')}` });
      continue;
    }
    const record = readMetaYaml(recordFile, problems);
    if (!record) continue;
    if (!record.name || !record.digest) {
      problems.push({ file: recordFile, message: `MLflow dataset record without ${record.name ? 'digest' : 'name'}: the input is not imported` });
      continue;
    }
    let tags: Record<string, string>;
    try {
      tags = inputTags(file);
    } catch {
      tags = {};
    }
    out.push({ name: record.name, digest: record.digest, sourceType: record.source_type ?? null, source: record.source ?? null, schema: record.schema ?? null, profile: record.profile ?? null, context: tags['mlflow.data.context'] ?? null, file: recordFile });
  }
  return out;
}
