// The store's change sequence, read by the change feed (src/engine/tracking/changes.ts) and the run list
// cache (runListCache.ts there): one row per run with the sequence number of the last write that touched
// what a run list shows of it — the run created, its status, name or deletion changed, it was purged, or its
// latest_metrics (one summary row per key, written once per batch) changed; since migration 13 also its
// params, tags and other listed columns, with a random stamp per change (below). Kept by triggers, so every writer (the engine, the Python helper
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

// Migration 13: each change also draws a random stamp, and the sequence also moves when a run's params or
// tags change, or any column a run list shows (its times, commit, exit code, experiment, parent). The run
// list cache (src/engine/tracking/runListCache.ts) keys a run's text on (seq, stamp): seq alone could come
// round again after a store is restored from a backup and written further, the stamp (53 random bits) not.
const stampedBump = (run: string): string => `
  UPDATE run_changes SET seq = (SELECT max(seq) FROM run_changes) + 1, stamp = random() >> 11 WHERE run_id = ${run};
  INSERT INTO run_changes (run_id, seq, stamp) SELECT ${run}, (SELECT coalesce(max(seq), 0) + 1 FROM run_changes), random() >> 11
    WHERE NOT EXISTS (SELECT 1 FROM run_changes WHERE run_id = ${run});`;

const LISTED_RUN_COLUMNS = 'experiment_id, parent_id, name, status, created_at, started_at, ended_at, git_commit, exit_code, deleted_at';

// Also an index in the list's order holding what the list reads of each run (`runs list` reads it instead of
// the runs' rows, and sorts nothing).
export const RUN_CHANGES_STAMP_SQL = `
CREATE INDEX runs_listed ON runs (coalesce(started_at, created_at) DESC, id DESC, uid, experiment_id, parent_id, status) WHERE deleted_at IS NULL;
ALTER TABLE run_changes ADD COLUMN stamp INTEGER NOT NULL DEFAULT 0;
UPDATE run_changes SET stamp = random() >> 11;
DROP TRIGGER run_changes_run_insert;
DROP TRIGGER run_changes_run_update;
DROP TRIGGER run_changes_run_delete;
DROP TRIGGER run_changes_metrics_insert;
DROP TRIGGER run_changes_metrics_update;
DROP TRIGGER run_changes_metrics_delete;
CREATE TRIGGER run_changes_run_insert AFTER INSERT ON runs BEGIN ${stampedBump('NEW.id')} END;
CREATE TRIGGER run_changes_run_update AFTER UPDATE OF ${LISTED_RUN_COLUMNS} ON runs BEGIN ${stampedBump('NEW.id')} END;
CREATE TRIGGER run_changes_run_delete AFTER DELETE ON runs BEGIN ${stampedBump('OLD.id')} END;
CREATE TRIGGER run_changes_metrics_insert AFTER INSERT ON latest_metrics BEGIN ${stampedBump('NEW.run_id')} END;
CREATE TRIGGER run_changes_metrics_update AFTER UPDATE ON latest_metrics BEGIN ${stampedBump('NEW.run_id')} END;
CREATE TRIGGER run_changes_metrics_delete AFTER DELETE ON latest_metrics BEGIN ${stampedBump('OLD.run_id')} END;
CREATE TRIGGER run_changes_params_insert AFTER INSERT ON params BEGIN ${stampedBump('NEW.run_id')} END;
CREATE TRIGGER run_changes_params_update AFTER UPDATE ON params BEGIN ${stampedBump('NEW.run_id')} END;
CREATE TRIGGER run_changes_params_delete AFTER DELETE ON params BEGIN ${stampedBump('OLD.run_id')} END;
CREATE TRIGGER run_changes_tags_insert AFTER INSERT ON tags BEGIN ${stampedBump('NEW.run_id')} END;
CREATE TRIGGER run_changes_tags_update AFTER UPDATE ON tags BEGIN ${stampedBump('NEW.run_id')} END;
CREATE TRIGGER run_changes_tags_delete AFTER DELETE ON tags BEGIN ${stampedBump('OLD.run_id')} END;
`;
