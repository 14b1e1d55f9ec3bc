// Migration 4: the history of every model alias move (src/engine/registry/aliases.ts writes it in the
// same transaction as the move). Versions are kept as numbers, not row ids, so the history outlives a
// deleted version and reads the way users name versions (name@3). from_version is NULL when the alias
// was new; to_version is NULL when it was removed. Backfilled with the aliases that exist now (their
// earlier moves were not recorded).
export const MODEL_ALIAS_HISTORY_SQL = `
CREATE TABLE model_alias_history (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  alias TEXT NOT NULL,
  from_version INTEGER,
  to_version INTEGER,
  actor TEXT NOT NULL,
  source TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX model_alias_history_by_model ON model_alias_history (model_id, at);
INSERT INTO model_alias_history (model_id, alias, from_version, to_version, actor, source, at)
  SELECT a.model_id, a.alias, NULL, v.version, 'unknown', 'before history', a.updated_at
  FROM model_aliases a JOIN model_versions v ON v.id = a.model_version_id;
`;
