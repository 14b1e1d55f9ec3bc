// Migration 10: explanations kept with a model version (src/engine/explain): what the model relies on, measured
// on a dataset. One row per explanation, newest last: its kind ('permutation-importance'), the data file and
// its sha256, the settings (metric, repeats, seed) and the engine's full result as JSON. A version is never
// changed by an explanation; the model card shows the latest.
export const MODEL_EXPLANATIONS_SQL = `
CREATE TABLE model_explanations (
  id INTEGER PRIMARY KEY,
  model_version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  data_path TEXT NOT NULL,
  data_sha256 TEXT NOT NULL,
  result_json TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX model_explanations_by_version ON model_explanations (model_version_id, kind, created_at);
`;
