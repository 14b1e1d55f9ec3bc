// Migration 11: evaluations of a model file that no registered version had the content of yet (the
// `sextant/evaluate` stage of a pipeline that registers the file afterwards, as the demo's does), kept by
// the file's sha256 with the same columns as model_evaluations. `sextant/register` copies those of the
// content it registers into model_evaluations for the new version, in its transaction, so the version's
// evaluation history starts with them. Rows are only added; a run deleted leaves them without a run.
export const ARTIFACT_EVALUATIONS_SQL = `
CREATE TABLE artifact_evaluations (
  id INTEGER PRIMARY KEY,
  model_sha256 TEXT NOT NULL,
  dataset_version_id INTEGER REFERENCES dataset_versions(id) ON DELETE SET NULL,
  data_path TEXT NOT NULL,
  data_sha256 TEXT NOT NULL,
  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  task TEXT NOT NULL CHECK (task IN ('classification', 'regression')),
  rows INTEGER NOT NULL,
  provider TEXT NOT NULL,
  metrics_json TEXT NOT NULL,
  result_json TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX artifact_evaluations_by_sha ON artifact_evaluations (model_sha256, created_at);
`;
