// MLflow 3 logged models in a file store: `<experiment>/models/m-<id>/` with meta.yaml (model_id, name,
// source_run_id, status, artifact_location), params/, metrics/ (lines "timestamp value step run_id …")
// and tags/, and the run's `outputs/m-<id>/meta.yaml` linking the run to the model it logged. Sextant has
// no logged-model record (its registry holds registered models), so neither is imported; each is named in
// the report with why, and with what of it is not on its run either (the params and metrics MLflow 3 logs
// with a model are also the run's, imported with it).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMetaYaml } from './metaYaml';
import type { ImportProblem } from './model';

function names(dir: string, kind: 'dir' | 'file'): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => (kind === 'dir' ? e.isDirectory() : e.isFile()))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

function values(dir: string): Map<string, string> {
  return new Map(names(dir, 'file').map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
}

/** Each logged model of the experiment in dir, named with why it is not imported. */
export function reportLoggedModels(experimentDir: string, problems: ImportProblem[]): void {
  for (const folder of names(join(experimentDir, 'models'), 'dir')) {
    const dir = join(experimentDir, 'models', folder);
    const metaFile = join(dir, 'meta.yaml');
    const meta = existsSync(metaFile) ? readMetaYaml(metaFile, []) : undefined;
    const run = meta?.source_run_id ?? null;
    const what = `MLflow 3 logged model${meta?.name ? ` "${meta.name}"` : ''} (${meta?.model_id ?? folder}${run ? `, logged by run ${run}` : ''})`;
    const notOnRun: string[] = [];
    if (run && existsSync(join(experimentDir, run))) {
      const runParams = values(join(experimentDir, run, 'params'));
      const params = [...values(join(dir, 'params'))].filter(([k, v]) => runParams.get(k) !== v).map(([k]) => k);
      const runMetrics = new Set(names(join(experimentDir, run, 'metrics'), 'file'));
      const metrics = names(join(dir, 'metrics'), 'file').filter((k) => !runMetrics.has(k));
      if (params.length) notOnRun.push(`params not on the run: ${params.join(', ')}`);
      if (metrics.length) notOnRun.push(`metrics not on the run: ${metrics.join(', ')}`);
    } else notOnRun.push(run ? `its run ${run} is not in this experiment, so its params and metrics are not imported` : 'no source run, so its params and metrics are not imported');
    const on = notOnRun.length ? `; ${notOnRun.join('; ')}` : run ? `; its params and metrics are also the run's (imported with it)` : '';
    problems.push({ file: dir, message: `${what} not imported: Sextant has no logged-model record (register a version to bring a model into the registry)${on}; its artifacts stay at ${meta?.artifact_location ?? join(dir, 'artifacts')}` });
  }
}

/** Each output of the run (MLflow 3: the logged models it produced), named with why it is not imported. */
export function reportRunOutputs(runDir: string, problems: ImportProblem[]): void {
  for (const id of names(join(runDir, 'outputs'), 'dir')) {
    const file = join(runDir, 'outputs', id, 'meta.yaml');
    const meta = existsSync(file) ? readMetaYaml(file, []) : undefined;
    const model = meta?.source_id ?? id;
    problems.push({ file: join(runDir, 'outputs', id), message: `run output ${model}${meta?.step ? ` (step ${meta.step})` : ''} not imported: it links the run to an MLflow 3 logged model, which is not imported (listed under the experiment's models/)` });
  }
}
