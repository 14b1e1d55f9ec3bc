// The registry's change counter (migration 13): one number that every write to what the Models view and a
// model card show moves (models, versions, aliases, version tags and descriptions, evaluations, explanations),
// kept by triggers, so a write by any process (`sextant models promote` in a terminal, the pipeline's register
// stage, an MLflow import) is seen by a window that reads one row (src/engine/registry/changes.ts).
const REGISTRY_TABLES = ['models', 'model_versions', 'model_aliases', 'model_version_tags', 'model_evaluations', 'model_explanations'];

export const REGISTRY_CHANGES_SQL = `
CREATE TABLE registry_changes (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL
);
INSERT INTO registry_changes (id, seq) VALUES (1, 0);
${REGISTRY_TABLES.flatMap((table) =>
  ['INSERT', 'UPDATE', 'DELETE'].map((event) => `CREATE TRIGGER registry_changes_${table}_${event.toLowerCase()} AFTER ${event} ON ${table} BEGIN UPDATE registry_changes SET seq = seq + 1; END;`),
).join('\n')}
`;
