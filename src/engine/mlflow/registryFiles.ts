// Reads MLflow's file-store model registry: mlruns/models/<name>/meta.yaml (name, creation_timestamp,
// description), version-<N>/meta.yaml (version, run_id, source, current_stage, creation_timestamp,
// description), tags/<key> files at both levels, and aliases/<alias> files holding a version number
// (MLflow 2.3+). Values are read as the strings MLflow wrote (metaYaml.ts).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { folderNames } from './folderNames';
import { metaTime, readMetaYaml } from './metaYaml';
import type { ImportProblem, MlflowRegisteredModel } from './model';

function fileValues(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isFile()) out[e.name] = readFileSync(join(dir, e.name), 'utf8');
  } catch {
    /* no such folder: no values */
  }
  return out;
}

export function readRegisteredModels(root: string, problems: ImportProblem[]): MlflowRegisteredModel[] {
  const out: MlflowRegisteredModel[] = [];
  const models = join(root, 'models');
  if (!existsSync(models) || !statSync(models).isDirectory()) return out;
  for (const folder of folderNames(models)) {
    const dir = join(models, folder);
    const meta = existsSync(join(dir, 'meta.yaml')) ? readMetaYaml(join(dir, 'meta.yaml'), problems) : undefined;
    if (!meta) {
      problems.push({ file: dir, message: 'registered model folder without a readable meta.yaml: not imported' });
      continue;
    }
    const versions: MlflowRegisteredModel['versions'] = [];
    for (const v of folderNames(dir).filter((n) => /^version-\d+$/.test(n))) {
      const vmeta = readMetaYaml(join(dir, v, 'meta.yaml'), problems);
      if (!vmeta) continue;
      const version = Number(vmeta.version ?? v.slice('version-'.length));
      if (!Number.isSafeInteger(version) || version < 1) {
        problems.push({ file: join(dir, v, 'meta.yaml'), message: `not a version number: ${vmeta.version}` });
        continue;
      }
      if (vmeta.current_stage === 'Deleted_Internal') continue;
      versions.push({
        version,
        runId: vmeta.run_id || null,
        source: vmeta.source || null,
        stage: vmeta.current_stage && vmeta.current_stage !== 'None' ? vmeta.current_stage : null,
        description: vmeta.description || null,
        creationTime: metaTime(vmeta.creation_timestamp),
        tags: fileValues(join(dir, v, 'tags')),
        file: join(dir, v, 'meta.yaml'),
      });
    }
    const aliases: Record<string, number> = {};
    for (const [alias, text] of Object.entries(fileValues(join(dir, 'aliases')))) {
      const n = Number(text.trim());
      if (Number.isSafeInteger(n)) aliases[alias] = n;
      else problems.push({ file: join(dir, 'aliases', alias), message: `alias file does not hold a version number: ${text.slice(0, 40)}` });
    }
    out.push({ name: meta.name || folder, description: meta.description || null, creationTime: metaTime(meta.creation_timestamp), versions: versions.sort((a, b) => a.version - b.version), aliases, dir });
  }
  return out;
}
