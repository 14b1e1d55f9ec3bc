// Reads MLflow's file store (`mlruns/`): <experiment id>/meta.yaml, and per run <run id>/meta.yaml,
// params/<key>, tags/<key> (one file each, the value as its content) and metrics/<key> with one
// "timestamp value step" line per point (older MLflow: "timestamp value", step 0). Keys with "/"
// are nested folders. `.trash` holds deleted experiments, which are not imported. A run's inputs/ (dataset
// inputs, datasetFiles.ts) come with it; MLflow 3 logged models (<experiment>/models/) and run outputs/
// are reported (loggedModels.ts), as is everything else not imported.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseMetricNumber } from '../tracking/protocol';
import { metaTime, readMetaYaml } from './metaYaml';
import { readRegisteredModels } from './registryFiles';
import { readRunInputs } from './datasetFiles';
import { reportLoggedModels, reportRunOutputs } from './loggedModels';
import type { ImportProblem, MlflowExperiment, MlflowMetricPoint, MlflowRun, MlflowSource } from './model';

/** Every file under dir, as "a/b/c" keys (MLflow nests keys that contain "/"), exactly as named (no trimming). */
function keyFiles(dir: string): { key: string; file: string }[] {
  if (!existsSync(dir)) return [];
  const out: { key: string; file: string }[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push({ key: relative(dir, full).split(sep).join('/'), file: full });
    }
  };
  walk(dir);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function str(v: string | null | undefined): string | null {
  return v === null || v === undefined || v === '' ? null : v;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Folders inside an experiment folder that are not runs: its tags, MLflow 2.x dataset records, MLflow 3 logged models. */
const EXPERIMENT_SUBFOLDERS = new Set(['tags', 'datasets', 'models', 'traces']);

/** A run folder whose meta.yaml is missing still holds what MLflow logged into it. */
function looksLikeRun(dir: string): boolean {
  return ['metrics', 'params', 'tags', 'artifacts'].some((d) => isDir(join(dir, d)));
}

function folders(dir: string): string[] {
  if (!isDir(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

function metaText(dir: string): string {
  try {
    return readFileSync(join(dir, 'meta.yaml'), 'utf8');
  } catch {
    return '';
  }
}

function holdsRunData(dir: string): boolean {
  return isDir(join(dir, 'metrics')) || isDir(join(dir, 'params'));
}

/**
 * What an MLflow folder is: the store (mlruns/, experiments inside), one experiment (runs inside), one run,
 * or none of these. Works when meta.yaml files are missing (a .gitignore that drops *.yaml).
 */
export function fileStoreFolderKind(dir: string): 'store' | 'experiment' | 'run' | 'none' {
  if (!isDir(dir)) return 'none';
  const meta = metaText(dir);
  if (/^run_(?:id|uuid):/m.test(meta) || holdsRunData(dir)) return 'run';
  if (/^experiment_id:/m.test(meta)) return 'experiment';
  const children = folders(dir).filter((n) => !n.startsWith('.'));
  if (children.some((n) => holdsRunData(join(dir, n)))) return 'experiment';
  if (children.some((n) => existsSync(join(dir, n, 'meta.yaml')) || folders(join(dir, n)).some((r) => holdsRunData(join(dir, n, r))))) return 'store';
  return 'none';
}

/** Whether dir is a store itself: a folder of it (other than a stray mlruns/) is an experiment with its meta.yaml. */
export function holdsExperiments(dir: string): boolean {
  return folders(dir).some((n) => n !== 'mlruns' && !n.startsWith('.') && isExperimentMeta(metaText(join(dir, n))));
}

/** An experiment's meta.yaml (a run's names its experiment too, and its own run id). */
function isExperimentMeta(text: string): boolean {
  return /^experiment_id:/m.test(text) && !/^run_(?:id|uuid):/m.test(text);
}

function readKeyValues(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, file } of keyFiles(dir)) out[key] = readFileSync(file, 'utf8');
  return out;
}

/** The dataset records the experiment's runs name in their inputs/ (the ones imported with those runs). */
function usedDatasetRecords(dir: string): Set<string> {
  const used = new Set<string>();
  for (const run of folders(dir)) {
    if (EXPERIMENT_SUBFOLDERS.has(run)) continue;
    for (const input of folders(join(dir, run, 'inputs'))) {
      const id = /^source_id:\s*'?([^'\s]+)'?\s*$/m.exec(metaText(join(dir, run, 'inputs', input)))?.[1];
      if (id) used.add(id);
    }
  }
  return used;
}

function reportExperimentExtras(dir: string, problems: ImportProblem[]): void {
  reportLoggedModels(dir, problems);
  const records = folders(join(dir, 'datasets'));
  const used = records.length > 0 ? usedDatasetRecords(dir) : new Set<string>();
  for (const d of records) if (!used.has(d)) problems.push({ file: join(dir, 'datasets', d), message: 'MLflow dataset record that no run of the experiment names in its inputs/: not imported (a dataset version is imported with the runs that used it)' });
  for (const t of folders(join(dir, 'traces'))) problems.push({ file: join(dir, 'traces', t), message: 'MLflow trace not imported' });
}

export function openFileStore(root: string): MlflowSource {
  const problems: ImportProblem[] = [];
  const source: MlflowSource = {
    kind: 'file-store',
    path: root,
    problems,
    skippedDeleted: 0,
    experiments() {
      const out: MlflowExperiment[] = [];
      for (const name of folders(root)) {
        if (name.startsWith('.') || name === 'models') continue;
        const dir = join(root, name);
        const meta = join(dir, 'meta.yaml');
        const tags = readKeyValues(join(dir, 'tags'));
        if (!existsSync(meta)) {
          if (folders(dir).some((n) => isExperimentMeta(metaText(join(dir, n))))) {
            problems.push({ file: dir, message: 'an MLflow store inside the store (its folders hold experiments): skipped; import it on its own' });
            continue;
          }
          const runs = folders(dir).filter((r) => !EXPERIMENT_SUBFOLDERS.has(r) && existsSync(join(dir, r, 'meta.yaml')));
          const orphans = folders(dir).filter((r) => !EXPERIMENT_SUBFOLDERS.has(r) && !existsSync(join(dir, r, 'meta.yaml')) && looksLikeRun(join(dir, r)));
          if (runs.length === 0 && orphans.length === 0) {
            problems.push({ file: dir, message: 'not an MLflow experiment (no meta.yaml and no runs): skipped' });
            continue;
          }
          problems.push({ file: dir, message: `experiment folder without meta.yaml: its ${runs.length} complete runs imported into the experiment "${name}", tagged sextant.import.recovered` });
          reportExperimentExtras(dir, problems);
          out.push({ experimentId: name, folder: name, name, creationTime: null, artifactLocation: null, tags: { ...tags, 'sextant.import.recovered': 'experiment meta.yaml missing' }, recovered: true });
          continue;
        }
        const m = readMetaYaml(meta, problems);
        if (!m) continue;
        if (m.lifecycle_stage === 'deleted') {
          source.skippedDeleted++;
          continue;
        }
        const experimentName = str(m.name);
        if (!experimentName) {
          problems.push({ file: meta, message: 'the experiment has no name' });
          continue;
        }
        reportExperimentExtras(dir, problems);
        out.push({ experimentId: str(m.experiment_id) ?? name, folder: name, name: experimentName, creationTime: metaTime(m.creation_time), artifactLocation: str(m.artifact_location), tags });
      }
      return out;
    },
    runIds(experiment) {
      const dir = join(root, experiment.folder ?? experiment.experimentId);
      const ids: string[] = [];
      for (const name of folders(dir)) {
        if (EXPERIMENT_SUBFOLDERS.has(name) || name.startsWith('.')) continue;
        if (existsSync(join(dir, name, 'meta.yaml'))) ids.push(name);
        else if (looksLikeRun(join(dir, name))) problems.push({ file: join(dir, name), message: 'run folder without meta.yaml: not imported (its start, end and status are unknown; MLflow cannot read it either)' });
      }
      return ids;
    },
    readRun(experiment, runId) {
      const dir = join(root, experiment.folder ?? experiment.experimentId, runId);
      const m = readMetaYaml(join(dir, 'meta.yaml'), problems);
      if (!m) return undefined;
      if (m.lifecycle_stage === 'deleted') {
        source.skippedDeleted++;
        return undefined;
      }
      const inputs = readRunInputs(dir, join(root, experiment.folder ?? experiment.experimentId), problems);
      reportRunOutputs(dir, problems);
      const params = readKeyValues(join(dir, 'params'));
      const tags = readKeyValues(join(dir, 'tags'));
      const metrics: MlflowMetricPoint[] = [];
      for (const { key, file } of keyFiles(join(dir, 'metrics'))) {
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (!line.trim()) return;
            const parts = line.trim().split(/\s+/);
            const timestamp = Number(parts[0]);
            const value = parts[1] === undefined ? undefined : parseMetricNumber(parts[1]);
            const step = parts[2] === undefined ? 0 : Number(parts[2]);
            if (parts.length > 3 || !Number.isSafeInteger(timestamp) || value === undefined || !Number.isSafeInteger(step)) {
              problems.push({ file, line: i + 1, message: `not a "timestamp value step" line: ${line.slice(0, 80)}` });
              return;
            }
            metrics.push({ key, value, timestamp, step, file, line: i + 1 });
          });
      }
      const id = str(m.run_id) ?? str(m.run_uuid) ?? runId;
      return {
        runId: id,
        experimentId: experiment.experimentId,
        name: str(m.run_name) ?? tags['mlflow.runName'] ?? null,
        // No status key at all: MLflow reads the run as RUNNING (its default); a status written empty is unknown.
        status: m.status ?? ('status' in m ? '' : 'RUNNING'),
        startTime: metaTime(m.start_time),
        endTime: metaTime(m.end_time),
        userId: str(m.user_id),
        artifactUri: str(m.artifact_uri),
        params,
        tags,
        metrics,
        inputs,
      } satisfies MlflowRun;
    },
    registeredModels() {
      return readRegisteredModels(root, problems);
    },
    close() {
      /* nothing held open */
    },
  };
  return source;
}
