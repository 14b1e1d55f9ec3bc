// `sextant import mlflow DIR`: copies experiments, runs, params, tags and metric histories from an
// MLflow file store (mlruns/) or an MLflow SQLite database (mlflow.db) into the Sextant store.
// Idempotent: runs keep their MLflow run id as their Sextant id (and as the tag mlflow.runId), so a
// second import updates the same runs, and metric points are keyed by (run, key, step, timestamp).
// Each run is written in its own transaction. Deleted runs and experiments are skipped; MLflow
// artifacts stay where they are (their location is kept in the tag mlflow.artifactUri).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fail, ok, type Result } from '../result';
import { storeError, writeTx } from '../store/tx';
import { recomputeBuckets, recomputeLatest } from '../tracking/latest';
import { getOrCreateExperiment, upsertKeyValues } from '../tracking/runs';
import type { Tracker } from '../tracking/tracking';
import { checkKey } from '../tracking/validate';
import { isFileStore, openFileStore } from './fileStore';
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
  problems: z.array(z.object({ file: z.string(), line: z.number().int().optional(), message: z.string() })),
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
  if (isFileStore(join(path, 'mlruns'))) sources.push(openFileStore(join(path, 'mlruns')));
  else if (isFileStore(path)) sources.push(openFileStore(path));
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
  const report: ImportReport = { sources: [], experiments: 0, runsCreated: 0, runsUpdated: 0, metricPoints: 0, params: 0, tags: 0, skippedDeleted: 0, problems: [] };
  const db = tracker.db;
  const parents: { child: string; parent: string }[] = [];
  try {
    for (const source of found.value) {
      report.sources.push({ kind: source.kind, path: source.path });
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
            if (run.tags['mlflow.parentRunId']) parents.push({ child: run.runId, parent: run.tags['mlflow.parentRunId'] });
          }
        }
        report.problems.push(...source.problems);
        report.skippedDeleted += source.skippedDeleted;
      } finally {
        source.close();
      }
    }
    writeTx(db, () => {
      const link = db.prepare('UPDATE runs SET parent_id = (SELECT id FROM runs WHERE uid = ?) WHERE uid = ? AND EXISTS (SELECT 1 FROM runs WHERE uid = ?)');
      for (const { child, parent } of parents) link.run(parent, child, parent);
    });
  } catch (err) {
    return fail(storeError(err, tracker.file, 'import from MLflow'));
  }
  tracker.forgetCachedRuns();
  return ok(report);
}

function writeRun(db: Tracker['db'], experimentId: number, run: MlflowRun, sourcePath: string, report: ImportReport, now: number): void {
  let status = toSextantStatus(run.status);
  if (!status) {
    report.problems.push({ file: sourcePath, message: `run ${run.runId}: unknown MLflow status "${run.status}", imported as ${run.endTime ? 'finished' : 'running'}` });
    status = run.endTime ? 'finished' : 'running';
  }
  const problems: ImportProblem[] = [];
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
    const tags = { ...run.tags, 'mlflow.runId': run.runId, 'mlflow.experimentId': run.experimentId, ...(run.userId ? { 'mlflow.user': run.userId } : {}), ...(run.artifactUri ? { 'mlflow.artifactUri': run.artifactUri } : {}), 'sextant.importedFrom': sourcePath };
    for (const r of upsertKeyValues(db, 'params', id, run.params)) problems.push({ file: sourcePath, message: `run ${run.runId}: param "${r.key}" skipped: ${r.reason}` });
    for (const r of upsertKeyValues(db, 'tags', id, tags)) problems.push({ file: sourcePath, message: `run ${run.runId}: tag "${r.key}" skipped: ${r.reason}` });
    report.params += Object.keys(run.params).length;
    report.tags += Object.keys(tags).length;
    const insertKey = db.prepare('INSERT OR IGNORE INTO metric_keys (name) VALUES (?)');
    const keyId = db.prepare('SELECT id FROM metric_keys WHERE name = ?').pluck();
    const insert = db.prepare('INSERT OR REPLACE INTO metrics (run_id, key_id, step, ts, value) VALUES (?, ?, ?, ?, ?)');
    const ids = new Map<string, number | null>();
    for (const p of run.metrics) {
      let kid = ids.get(p.key);
      if (kid === undefined) {
        const checked = checkKey(p.key);
        if (!checked.ok) {
          problems.push({ file: sourcePath, message: `run ${run.runId}: metric "${p.key}" skipped: ${checked.reason}` });
          ids.set(p.key, null);
          continue;
        }
        insertKey.run(checked.key);
        kid = keyId.get(checked.key) as number;
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
