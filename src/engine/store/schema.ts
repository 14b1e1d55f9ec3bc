// The tracking schema (migration 2). Times are integer milliseconds since the Unix epoch (UTC).
// Runs have an internal integer id (compact foreign keys) and a public `uid` (32 hex characters) that
// users, the CLI, SEXTANT_RUN_ID and the views see.
//
// Metrics are the big table, so it is built for ingest speed and size: one row per point, integer
// run and key ids (key names live in metric_keys), WITHOUT ROWID so the primary key is the table
// (no second index), and no foreign keys on it (deleting a run deletes its points explicitly, see
// tracking/runs.ts). A NaN value is stored as NULL (SQLite has no NaN); ±Infinity are stored as REAL.
// latest_metrics keeps one summary row per (run, key), updated once per batch, so lists and sorts
// never scan the points.
export const TRACKING_SCHEMA_SQL = `
CREATE TABLE experiments (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT,
  primary_metric TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE experiment_tags (
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (experiment_id, key)
);

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  parent_id INTEGER REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'finished', 'failed', 'killed')),
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER,
  git_commit TEXT,
  git_dirty INTEGER CHECK (git_dirty IN (0, 1)),
  command TEXT,
  cwd TEXT,
  host TEXT,
  pid INTEGER,
  python_version TEXT,
  node_version TEXT,
  gpu TEXT,
  exit_code INTEGER,
  log_path TEXT,
  deleted_at INTEGER
);
CREATE INDEX runs_by_experiment ON runs (experiment_id, created_at);
CREATE INDEX runs_by_parent ON runs (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX runs_active ON runs (status) WHERE status IN ('queued', 'running');

CREATE TABLE params (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);

CREATE TABLE tags (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);

CREATE TABLE metric_keys (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE metrics (
  run_id INTEGER NOT NULL,
  key_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  value REAL,
  PRIMARY KEY (run_id, key_id, step, ts)
) WITHOUT ROWID;

CREATE TABLE latest_metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key_id INTEGER NOT NULL REFERENCES metric_keys(id),
  step INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  value REAL,
  min REAL,
  max REAL,
  count INTEGER NOT NULL,
  PRIMARY KEY (run_id, key_id)
) WITHOUT ROWID;

CREATE TABLE artifacts (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  size INTEGER NOT NULL,
  media_type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, path)
);
CREATE INDEX artifacts_by_hash ON artifacts (sha256);

CREATE TABLE datasets (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  path TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE dataset_versions (
  id INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  size INTEGER,
  row_count INTEGER,
  schema_json TEXT,
  profile_json TEXT,
  parent_version_id INTEGER REFERENCES dataset_versions(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (dataset_id, version),
  UNIQUE (dataset_id, content_hash)
);

CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE model_versions (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  artifact_sha256 TEXT,
  format TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (model_id, version)
);

CREATE TABLE model_aliases (
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  alias TEXT NOT NULL,
  model_version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (model_id, alias)
);

CREATE TABLE run_dataset_versions (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  dataset_version_id INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
  role TEXT NOT NULL DEFAULT 'input',
  PRIMARY KEY (run_id, dataset_version_id, role)
);
CREATE INDEX run_dataset_versions_by_version ON run_dataset_versions (dataset_version_id);

CREATE TABLE run_model_versions (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  model_version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
  role TEXT NOT NULL DEFAULT 'output',
  PRIMARY KEY (run_id, model_version_id, role)
);
CREATE INDEX run_model_versions_by_version ON run_model_versions (model_version_id);
`;

/** Points per rollup bucket, as a shift: bucket = step >> METRIC_BUCKET_SHIFT (8 steps). */
export const METRIC_BUCKET_SHIFT = 3;

// Migration 3: per-8-step rollups of every metric, kept by the writers in the same transaction as the
// points, so charts of long runs read one row per 8 points instead of every point (see
// tracking/series.ts). `count`/`step_sum` cover all points, `n`/`sum`/`min`/`max` the non-NaN ones.
// Backfilled from existing points.
export const METRIC_BUCKETS_SQL = `
CREATE TABLE metric_buckets (
  run_id INTEGER NOT NULL,
  key_id INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  count INTEGER NOT NULL,
  step_sum INTEGER NOT NULL,
  n INTEGER NOT NULL,
  sum REAL,
  min REAL,
  max REAL,
  PRIMARY KEY (run_id, key_id, bucket)
) WITHOUT ROWID;
INSERT INTO metric_buckets (run_id, key_id, bucket, count, step_sum, n, sum, min, max)
  SELECT run_id, key_id, step >> ${METRIC_BUCKET_SHIFT}, count(*), sum(step), count(value), sum(value), min(value), max(value)
  FROM metrics GROUP BY run_id, key_id, step >> ${METRIC_BUCKET_SHIFT};
`;
