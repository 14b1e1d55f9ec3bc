// Migration 9: every evaluation of a registered model version (`sextant eval`, the `sextant/evaluate`
// stage): on which data (its file's sha256, and the dataset version with that content when one is
// registered), by which run when a pipeline stage ran it, the headline metrics as JSON for lists and the
// model card's history, and the engine's whole result (src/engine/evaluate/schema.ts). Rows are only
// added; an evaluation of a deleted version goes with it.
export const MODEL_EVALUATIONS_SQL = `
CREATE TABLE model_evaluations (
  id INTEGER PRIMARY KEY,
  model_version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
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
CREATE INDEX model_evaluations_by_version ON model_evaluations (model_version_id, created_at);
CREATE INDEX model_evaluations_by_dataset ON model_evaluations (dataset_version_id) WHERE dataset_version_id IS NOT NULL;
`;
