// `sextant import mlflow DIR`: copies experiments, runs, params, tags and metric histories from an
// MLflow file store (mlruns/) or an MLflow SQLite database (mlflow.db) into the Sextant store.
// Idempotent: runs keep their MLflow run id as their Sextant id (and as the tag mlflow.runId), so a
// second import updates the same runs, and metric points are keyed by (run, key, step, timestamp).
// Each run is written in its own transaction. Deleted runs and experiments are skipped; MLflow
// artifacts stay where they are (their location is kept in the tag mlflow.artifactUri).
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { fail, ok, type Result } from '../result';
import { storeError, writeTx } from '../store/tx';
import { recomputeBuckets, recomputeLatest } from '../tracking/latest';
import { getOrCreateExperiment } from '../tracking/runs';
import type { Tracker } from '../tracking/tracking';
import { exactKeyProblem, upsertExact } from './exactKeys';
import { fileStoreFolderKind, holdsExperiments, openFileStore } from './fileStore';
import { keepMlflowPoints } from './points';
import { NO_END_TAG } from './noEnd';
import { writeRegisteredModels } from './registryImport';
import { writeDatasetInputs } from './datasetImport';
import { MlflowRunSchema, toSextantStatus, type ImportProblem, type MlflowRun, type MlflowSource } from './model';
import { openMlflowDb } from './sqlStore';

export const ImportReportSchema = z.object({
  sources: z.array(z.object({ kind: z.enum(['file-store', 'sqlite']), path: z.string() })),
  experiments: z.number().int(),
  runsCreated: z.number().int(),
  runsUpdated: z.number().int(),
  metricPoints: z.number().int(),
  params: z.number().int(),
  tags: z.number().int(),
  skippedDeleted: z.number().int(),
  /** MLflow's registered models and their versions, now in the Sextant registry (linked to their runs). */
  registeredModels: z.number().int(),
  modelVersions: z.number().int(),
  /** MLflow dataset inputs: dataset versions created now (`mlflow:<digest>`), and run → version links (role input). */
  datasetVersions: z.number().int(),
  datasetInputs: z.number().int(),
  /** Runs imported now whose mlflow.parentRunId names a run not in the store (yet): top-level until it arrives. */
  missingParents: z.array(z.object({ run: z.string(), parent: z.string(), source: z.string() })),
  /** Everything not imported, and why; `source` is the store (a `sources[].path`) it was read from. */
  problems: z.array(z.object({ file: z.string(), line: z.number().int().optional(), message: z.string(), source: z.string().optional() })),
});
export type ImportReport = z.infer<typeof ImportReportSchema>;

/** Finds MLflow data at `path`: an mlflow.db file, an mlruns/ folder, or a folder holding either or both. */
export function findMlflowSources(path: string): Result<MlflowSource[]> {
  if (!existsSync(path)) return fail({ code: 'mlflow-not-found', file: path, message: 'No such file or folder.', fix: 'Give the folder that holds mlruns/ or mlflow.db.' });
  if (statSync(path).isFile()) {
    const db = openMlflowDb(path);
    return db.ok ? ok([db.value]) : db;
  }
  const sources: MlflowSource[] = [];
  const dbFile = join(path, 'mlflow.db');
  if (existsSync(dbFile)) {
    const db = openMlflowDb(dbFile);
    if (!db.ok) return db;
    sources.push(db.value);
  }
  // An mlruns/ given as it is is the store, even when it holds a stray mlruns/ of its own (reported as such).
  if (fileStoreFolderKind(join(path, 'mlruns')) === 'store' && !holdsExperiments(path)) sources.push(openFileStore(join(path, 'mlruns')));
  else {
    const kind = fileStoreFolderKind(path);
    if (kind === 'store') sources.push(openFileStore(path));
    else if (sources.length === 0 && (kind === 'experiment' || kind === 'run')) {
      const store = kind === 'experiment' ? dirname(path) : dirname(dirname(path));
      return fail({
        code: 'mlflow-not-a-store',
        file: path,
        message: `This is one MLflow ${kind} folder, not the store that holds it: the import reads a whole mlruns/ folder (experiments, their runs, the links between them).`,
        fix: `Pass ${store} instead.`,
      });
    }
  }
  if (sources.length === 0) {
    return fail({ code: 'mlflow-not-found', file: path, message: 'No MLflow data here: no mlflow.db, and no mlruns/ folder with experiment meta.yaml files.', fix: 'Point at the folder where MLflow ran (it holds mlruns/ or mlflow.db).' });
  }
  return ok(sources);
}

/** Imports from `from`: a path, or the sources findMlflowSources found there (so a caller can check them before creating a store). */
export function importMlflow(tracker: Tracker, from: string | MlflowSource[], options: { clock?: () => number } = {}): Result<ImportReport> {
  const found = typeof from === 'string' ? findMlflowSources(from) : ok(from);
  if (!found.ok) return found;
  const now = options.clock ?? Date.now;
  const report: ImportReport = { sources: [], experiments: 0, runsCreated: 0, runsUpdated: 0, metricPoints: 0, params: 0, tags: 0, skippedDeleted: 0, registeredModels: 0, modelVersions: 0, datasetVersions: 0, datasetInputs: 0, missingParents: [], problems: [] };
  const db = tracker.db;
  const parents: { child: string; parent: string; source: string }[] = [];
  try {
    for (const source of found.value) {
      report.sources.push({ kind: source.kind, path: source.path });
      const firstProblem = report.problems.length;
      try {
        for (const experiment of source.experiments()) {
          const experimentId = getOrCreateExperiment(db, experiment.name, experiment.creationTime ?? now());
          writeTx(db, () => {
            const stmt = db.prepare('INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value');
            stmt.run(experimentId, 'mlflow.experimentId', experiment.experimentId);
            for (const [k, v] of Object.entries(experiment.tags)) stmt.run(experimentId, k, v);
          });
          report.experiments++;
          for (const runId of source.runIds(experiment)) {
            const run = source.readRun(experiment, runId);
            if (!run) continue;
            const parsed = MlflowRunSchema.safeParse(run);
            if (!parsed.success) {
              report.problems.push({ file: source.path, message: `run ${runId} skipped: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
              continue;
            }
            writeRun(db, experimentId, parsed.data, source.path, report, now());
            if (parsed.data.inputs?.length) {
              const inputs = parsed.data.inputs;
              const datasets: ImportProblem[] = [];
              const counts = writeTx(db, () => {
                datasets.length = 0;
                return writeDatasetInputs(db, run.runId, inputs, run.startTime ?? now(), datasets);
              });
              report.datasetVersions += counts.versionsCreated;
              report.datasetInputs += counts.links;
              report.problems.push(...datasets);
            }
            if (run.tags['mlflow.parentRunId']) parents.push({ child: run.runId, parent: run.tags['mlflow.parentRunId'], source: source.path });
          }
        }
        const models = source.registeredModels?.() ?? [];
        if (models.length > 0) {
          const registry: ImportProblem[] = [];
          const counts = writeTx(db, () => {
            registry.length = 0;
            return writeRegisteredModels(db, models, source.path, now(), registry);
          });
          report.registeredModels += counts.models;
          report.modelVersions += counts.versions;
          report.problems.push(...registry);
        }
        report.problems.push(...source.problems);
        report.skippedDeleted += source.skippedDeleted;
      } finally {
        source.close();
        for (const p of report.problems.slice(firstProblem)) p.source = source.path;
      }
    }
    report.missingParents = linkParents(db, parents);
    for (const m of report.missingParents) report.problems.push({ source: m.source, file: m.source, message: `run ${m.run}: its parent run ${m.parent} (mlflow.parentRunId) is not in this store, so it is shown as a top-level run; importing the store that holds the parent links them` });
  } catch (err) {
    return fail(storeError(err, tracker.file, 'import from MLflow'));
  }
  tracker.forgetCachedRuns();
  return ok(report);
}

/**
 * Links each child to its parent run, and every run an earlier import left without its parent (the
 * parent came in a later store). Returns the children imported now whose parent is still missing.
 */
function linkParents(db: Tracker['db'], parents: readonly { child: string; parent: string; source: string }[]): ImportReport['missingParents'] {
  const missing: ImportReport['missingParents'] = [];
  writeTx(db, () => {
    const idOf = db.prepare('SELECT id FROM runs WHERE uid = ?').pluck();
    const link = db.prepare('UPDATE runs SET parent_id = ? WHERE id = ?');
    const waiting = db.prepare("SELECT r.id, t.value AS parent FROM runs r JOIN tags t ON t.run_id = r.id AND t.key = 'mlflow.parentRunId' WHERE r.parent_id IS NULL").all() as { id: number; parent: string }[];
    for (const w of waiting) {
      const parentId = idOf.get(w.parent) as number | undefined;
      if (parentId !== undefined && parentId !== w.id) link.run(parentId, w.id);
    }
    for (const { child, parent, source } of parents) {
      const parentId = idOf.get(parent) as number | undefined;
      if (parentId === undefined) missing.push({ run: child, parent, source });
      else link.run(parentId, idOf.get(child) as number);
    }
  });
  return missing;
}

function writeRun(db: Tracker['db'], experimentId: number, run: MlflowRun, sourcePath: string, report: ImportReport, now: number): void {
  let status = toSextantStatus(run.status);
  if (!status) {
    report.problems.push({ file: sourcePath, message: `run ${run.runId}: unknown MLflow status "${run.status}", imported as ${run.endTime ? 'finished' : 'running'}` });
    status = run.endTime ? 'finished' : 'running';
  }
  const problems: ImportProblem[] = [];
  const kept = keepMlflowPoints(run.metrics);
  for (const c of kept.collapsed) {
    problems.push({
      file: c.file ?? sourcePath,
      ...(c.line !== undefined ? { line: c.line } : {}),
      message: Object.is(c.value, c.keptValue)
        ? `run ${run.runId}: metric "${c.key}" point (step ${c.step}, timestamp ${c.timestamp}, value ${c.value}) stored once: the line repeats another exactly (same step and timestamp, same value), which MLflow counts as two points of the history; no value is lost`
        : `run ${run.runId}: metric "${c.key}" point (step ${c.step}, timestamp ${c.timestamp}, value ${c.value}) not stored: another point has the same step and timestamp, and the store keeps one point per (run, key, step, timestamp); the one kept is ${c.keptValue}, MLflow's latest-value choice`,
    });
  }
  // A run MLflow still calls RUNNING was left so by a script that ended without saying (no process here
  // is writing to it): it keeps the status, and the tag tells views it is not live and has no end.
  const noEnd = status === 'running' && run.endTime === null;
  writeTx(db, () => {
    const existing = db.prepare('SELECT id FROM runs WHERE uid = ?').pluck().get(run.runId) as number | undefined;
    const name = run.name ?? run.runId.slice(0, 8);
    const fields = [experimentId, name, status, run.startTime ?? now, run.startTime, run.endTime, run.tags['mlflow.source.git.commit'] ?? null, run.tags['mlflow.source.name'] ?? null];
    let id: number;
    if (existing !== undefined) {
      db.prepare('UPDATE runs SET experiment_id = ?, name = ?, status = ?, created_at = ?, started_at = ?, ended_at = ?, git_commit = ?, command = ? WHERE id = ?').run(...fields, existing);
      id = existing;
      report.runsUpdated++;
    } else {
      id = Number(db.prepare('INSERT INTO runs (experiment_id, name, status, created_at, started_at, ended_at, git_commit, command, uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(...fields, run.runId).lastInsertRowid);
      report.runsCreated++;
    }
    const tags = { ...run.tags, 'mlflow.runId': run.runId, 'mlflow.experimentId': run.experimentId, ...(run.userId ? { 'mlflow.user': run.userId } : {}), ...(run.artifactUri ? { 'mlflow.artifactUri': run.artifactUri } : {}), 'sextant.importedFrom': sourcePath, ...(noEnd ? { [NO_END_TAG]: 'true' } : {}) };
    if (!noEnd) db.prepare('DELETE FROM tags WHERE run_id = ? AND key = ?').run(id, NO_END_TAG);
    for (const r of upsertExact(db, 'params', id, run.params)) problems.push({ file: sourcePath, message: `run ${run.runId}: param "${r.key}" skipped: ${r.reason}` });
    for (const r of upsertExact(db, 'tags', id, tags)) problems.push({ file: sourcePath, message: `run ${run.runId}: tag "${r.key}" skipped: ${r.reason}` });
    report.params += Object.keys(run.params).length;
    report.tags += Object.keys(tags).length;
    const insertKey = db.prepare('INSERT OR IGNORE INTO metric_keys (name) VALUES (?)');
    const keyId = db.prepare('SELECT id FROM metric_keys WHERE name = ?').pluck();
    const insert = db.prepare('INSERT OR REPLACE INTO metrics (run_id, key_id, step, ts, value) VALUES (?, ?, ?, ?, ?)');
    const ids = new Map<string, number | null>();
    for (const p of kept.points) {
      let kid = ids.get(p.key);
      if (kid === undefined) {
        const bad = exactKeyProblem(p.key);
        if (bad) {
          problems.push({ file: sourcePath, message: `run ${run.runId}: metric "${p.key}" skipped: ${bad}` });
          ids.set(p.key, null);
          continue;
        }
        insertKey.run(p.key);
        kid = keyId.get(p.key) as number;
        ids.set(p.key, kid);
      }
      if (kid === null) continue;
      insert.run(id, kid, p.step, p.timestamp, Number.isNaN(p.value) ? null : p.value);
      report.metricPoints++;
    }
    recomputeLatest(db, id);
    recomputeBuckets(db, id);
  });
  report.problems.push(...problems);
}
