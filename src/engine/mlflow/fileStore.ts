// Reads MLflow's file store (`mlruns/`): <experiment id>/meta.yaml, and per run <run id>/meta.yaml,
// params/<key>, tags/<key> (one file each, the value as its content) and metrics/<key> with one
// "timestamp value step" line per point (older MLflow: "timestamp value", step 0). Keys with "/"
// are nested folders. `.trash` holds deleted experiments, which are not imported.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse } from 'yaml';
import { parseMetricNumber } from '../tracking/protocol';
import type { ImportProblem, MlflowExperiment, MlflowMetricPoint, MlflowRun, MlflowSource } from './model';

function readYaml(file: string, problems: ImportProblem[]): Record<string, unknown> | undefined {
  try {
    const value = parse(readFileSync(file, 'utf8')) as unknown;
    if (value && typeof value === 'object') return value as Record<string, unknown>;
    problems.push({ file, message: 'meta.yaml is empty or not a mapping' });
  } catch (err) {
    problems.push({ file, message: `cannot read meta.yaml: ${(err as Error).message.split('\n')[0]}` });
  }
  return undefined;
}

/** Every file under dir, as "a/b/c" keys (MLflow nests keys that contain "/"). */
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
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

function num(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

function str(v: unknown): string | null {
  return v === null || v === undefined || v === '' ? null : String(v);
}

export function isFileStore(dir: string): boolean {
  try {
    return statSync(dir).isDirectory() && readdirSync(dir).some((name) => existsSync(join(dir, name, 'meta.yaml')));
  } catch {
    return false;
  }
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
      for (const name of readdirSync(root).sort()) {
        if (name.startsWith('.') || name === 'models') continue;
        const meta = join(root, name, 'meta.yaml');
        if (!existsSync(meta)) continue;
        const m = readYaml(meta, problems);
        if (!m) continue;
        if (m.lifecycle_stage === 'deleted') {
          source.skippedDeleted++;
          continue;
        }
        const tags: Record<string, string> = {};
        for (const t of keyFiles(join(root, name, 'tags'))) tags[t.key] = readFileSync(t.file, 'utf8');
        const experimentName = str(m.name);
        if (!experimentName) {
          problems.push({ file: meta, message: 'the experiment has no name' });
          continue;
        }
        out.push({ experimentId: str(m.experiment_id) ?? name, name: experimentName, creationTime: num(m.creation_time), artifactLocation: str(m.artifact_location), tags });
      }
      return out;
    },
    runIds(experiment) {
      const dir = join(root, experiment.experimentId);
      if (!existsSync(dir)) return [];
      return readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'meta.yaml')))
        .map((e) => e.name)
        .sort();
    },
    readRun(experiment, runId) {
      const dir = join(root, experiment.experimentId, runId);
      const m = readYaml(join(dir, 'meta.yaml'), problems);
      if (!m) return undefined;
      if (m.lifecycle_stage === 'deleted') {
        source.skippedDeleted++;
        return undefined;
      }
      const params: Record<string, string> = {};
      for (const p of keyFiles(join(dir, 'params'))) params[p.key] = readFileSync(p.file, 'utf8');
      const tags: Record<string, string> = {};
      for (const t of keyFiles(join(dir, 'tags'))) tags[t.key] = readFileSync(t.file, 'utf8');
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
            metrics.push({ key, value, timestamp, step });
          });
      }
      const id = str(m.run_id) ?? str(m.run_uuid) ?? runId;
      return {
        runId: id,
        experimentId: experiment.experimentId,
        name: str(m.run_name) ?? tags['mlflow.runName'] ?? null,
        status: String(m.status ?? ''),
        startTime: num(m.start_time),
        endTime: num(m.end_time),
        userId: str(m.user_id),
        artifactUri: str(m.artifact_uri),
        params,
        tags,
        metrics,
      } satisfies MlflowRun;
    },
    close() {
      /* nothing held open */
    },
  };
  return source;
}
