// The store's change sequence, read by the change feed (src/engine/tracking/changes.ts): one row per run
// with the sequence number of the last write that touched what a run list shows of it — the run created,
// its status, name or deletion changed, it was purged, or its latest_metrics (one summary row per key,
// written once per batch) changed. Kept by triggers, so every writer (the engine, the Python helper
// media/python/sextant_log.py, an older Sextant on the same store once migrated) keeps it without knowing.
// Numbers only grow: a write takes max + 1 under SQLite's single write lock, so "runs changed since N"
// is an index range (run_changes_by_seq) that reads only the runs changed since, however many runs the
// store holds. A purged run keeps its row (the feed learns it is gone from it).
const bump = (run: string): string => `
  UPDATE run_changes SET seq = (SELECT max(seq) FROM run_changes) + 1 WHERE run_id = ${run};
  INSERT INTO run_changes (run_id, seq) SELECT ${run}, (SELECT coalesce(max(seq), 0) + 1 FROM run_changes)
    WHERE NOT EXISTS (SELECT 1 FROM run_changes WHERE run_id = ${run});`;

export const RUN_CHANGES_SQL = `
CREATE TABLE run_changes (
  run_id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL
);
CREATE INDEX run_changes_by_seq ON run_changes (seq);
INSERT INTO run_changes (run_id, seq) SELECT id, id FROM runs;
CREATE TRIGGER run_changes_run_insert AFTER INSERT ON runs BEGIN ${bump('NEW.id')} END;
CREATE TRIGGER run_changes_run_update AFTER UPDATE OF status, name, deleted_at ON runs BEGIN ${bump('NEW.id')} END;
CREATE TRIGGER run_changes_run_delete AFTER DELETE ON runs BEGIN ${bump('OLD.id')} END;
CREATE TRIGGER run_changes_metrics_insert AFTER INSERT ON latest_metrics BEGIN ${bump('NEW.run_id')} END;
CREATE TRIGGER run_changes_metrics_update AFTER UPDATE ON latest_metrics BEGIN ${bump('NEW.run_id')} END;
CREATE TRIGGER run_changes_metrics_delete AFTER DELETE ON latest_metrics BEGIN ${bump('OLD.run_id')} END;
`;
