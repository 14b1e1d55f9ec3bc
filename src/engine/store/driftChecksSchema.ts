// Migration 6: every drift check the pipeline's `monitor:` (or a `sextant/drift` stage: `stage`) made
// (src/engine/monitor/), drifted or not, so the
// editor can show the latest verdict at the dataset's entry and `sextant monitor report` can count
// detections, retrains and the time from a detection to a new registered model version. Independent of
// migration 5 (dataset versions): a check names the pipeline file and its datasets, not a stored version.
export const DRIFT_CHECKS_SQL = `
CREATE TABLE drift_checks (
  id INTEGER PRIMARY KEY,
  pipeline_file TEXT NOT NULL,
  reference TEXT NOT NULL,
  current TEXT NOT NULL,
  stage TEXT,
  reference_sha256 TEXT,
  current_sha256 TEXT,
  run_uid TEXT,
  checked_at INTEGER NOT NULL,
  current_changed_at INTEGER,
  dataset_drift INTEGER NOT NULL CHECK (dataset_drift IN (0, 1)),
  drift_share REAL NOT NULL,
  columns_json TEXT NOT NULL,
  not_tested_json TEXT NOT NULL,
  on_drift TEXT,
  models_json TEXT NOT NULL,
  retrain_run_uid TEXT,
  retrain_status TEXT CHECK (retrain_status IN ('ran', 'failed', 'skipped'))
);
CREATE INDEX drift_checks_by_pipeline ON drift_checks (pipeline_file, current, checked_at);
CREATE INDEX drift_checks_by_data ON drift_checks (pipeline_file, current_sha256, reference_sha256);
`;
