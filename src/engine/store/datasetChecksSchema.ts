// Migration 5: what was found about each dataset version, kept beside it (the Datasets view's badges, the
// CLI's `data show`): a validation of its expectations, or a drift comparison against a reference
// version. One row per check, newest last; `summary` is one line ("2 of 7 expectations failed"),
// `result_json` the engine's full result (PII-masked like everything the engine shows).
export const DATASET_CHECKS_SQL = `
CREATE TABLE dataset_checks (
  id INTEGER PRIMARY KEY,
  dataset_version_id INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('validation', 'drift')),
  reference_version_id INTEGER REFERENCES dataset_versions(id) ON DELETE CASCADE,
  passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
  summary TEXT NOT NULL,
  result_json TEXT,
  run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX dataset_checks_by_version ON dataset_checks (dataset_version_id, kind, created_at);
`;
