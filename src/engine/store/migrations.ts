// Versioned schema migrations, run in order on open, each in its own transaction.
// Append new migrations; never edit one that has shipped.
import type BetterSqlite3 from 'better-sqlite3';
import { fail, ok, type Result } from '../result';
import { MODEL_ALIAS_HISTORY_SQL } from './aliasHistorySchema';
import { ARTIFACT_EVALUATIONS_SQL } from './artifactEvaluationsSchema';
import { DATASET_CHECKS_SQL } from './datasetChecksSchema';
import { DRIFT_CHECKS_SQL } from './driftChecksSchema';
import { MODEL_EXPLANATIONS_SQL } from './explanationsSchema';
import { MODEL_EVALUATIONS_SQL } from './evaluationsSchema';
import { REGISTRY_AUDIT_SQL } from './registryAuditSchema';
import { REGISTRY_CHANGES_SQL } from './registryChangesSchema';
import { RUN_CHANGES_SQL, RUN_CHANGES_STAMP_SQL } from './runChangesSchema';
import { SERVING_SQL } from './servingSchema';
import { METRIC_BUCKETS_SQL, TRACKING_SCHEMA_SQL } from './schema';
import { writeTx, type RetryOptions } from './tx';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'meta',
    sql: `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  },
  {
    version: 2,
    name: 'tracking: experiments, runs, params, metrics, tags, artifacts, datasets, models, links',
    sql: TRACKING_SCHEMA_SQL,
  },
  {
    version: 3,
    name: 'metric rollups per 8 steps, for charts',
    sql: METRIC_BUCKETS_SQL,
  },
  {
    version: 4,
    name: 'model alias history: every move of an alias, who and when',
    sql: MODEL_ALIAS_HISTORY_SQL,
  },
  {
    version: 5,
    name: 'dataset checks: validation and drift verdicts per dataset version',
    sql: DATASET_CHECKS_SQL,
  },
  {
    version: 6,
    name: 'drift checks: what the pipeline monitor compared, found and retrained',
    sql: DRIFT_CHECKS_SQL,
  },
  {
    version: 7,
    name: 'audit log (append-only, hash-chained); model version descriptions, tags and promotion gates',
    sql: REGISTRY_AUDIT_SQL,
  },
  {
    version: 8,
    name: 'serving: API tokens (hashed) and the prediction log',
    sql: SERVING_SQL,
  },
  {
    version: 9,
    name: 'model evaluations: metrics of a model version on a dataset version',
    sql: MODEL_EVALUATIONS_SQL,
  },
  {
    version: 10,
    name: 'model explanations: permutation feature importance of a model version on a dataset',
    sql: MODEL_EXPLANATIONS_SQL,
  },
  {
    version: 11,
    name: 'artifact evaluations: evaluations of a model file not registered yet, by its sha256, for the version that registers it',
    sql: ARTIFACT_EVALUATIONS_SQL,
  },
  {
    version: 12,
    name: "change sequence: each run's last change (created, status, name, deleted, purged, metrics), kept by triggers, for the change feed",
    sql: RUN_CHANGES_SQL,
  },
  {
    version: 13,
    name: 'run list: a random stamp per change (params, tags and every listed run column move it too), and an index in list order; the registry change counter',
    sql: RUN_CHANGES_STAMP_SQL + REGISTRY_CHANGES_SQL,
  },
];

export function schemaVersion(db: BetterSqlite3.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** The schema version this Sextant writes. */
export function latestSchemaVersion(): number {
  return MIGRATIONS.at(-1)?.version ?? 0;
}

export function migrate(db: BetterSqlite3.Database, file: string, migrations: Migration[] = MIGRATIONS, retry: RetryOptions = {}): Result<number> {
  const current = schemaVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    return fail({ code: 'store-too-new', file, message: `The store has schema version ${current}, newer than this Sextant understands (${latest}).`, fix: 'Update the Sextant extension / CLI.' });
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    // Another process may be migrating the same store right now (two commands starting on a fresh
    // workspace): the version is read again under the write lock, and a step it already did is skipped.
    writeTx(db, () => {
      if (schemaVersion(db) >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }, retry);
  }
  return ok(schemaVersion(db));
}
