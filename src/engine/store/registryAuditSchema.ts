// Migration 7: the audit log and what the registry keeps beside each version.
//
// audit_log: append-only and hash-chained (src/engine/audit/): each entry holds the previous entry's hash, and
// its own hash is sha256 over a canonical JSON of its content and that previous hash. Triggers refuse any
// UPDATE or DELETE, so no Sextant code path (nor a careless SQL client) can change history; someone with the
// file can drop the triggers, and `sextant audit verify` then finds what was edited, reordered or removed. The
// head of the chain (last entry number and hash) is also kept in `meta` under 'audit.head', written in the
// same transaction as each entry, so a removed tail shows; an attacker who rewrites both is only caught by a
// head hash recorded outside the store (`sextant audit verify --expect-head HASH`).
//
// model_versions: a version's artifact, number, model and gates never change once registered (a trigger
// refuses it; a new version is registered instead). Its description and tags can be edited.
// gates_json: the promotion gates its `sextant/register` stage declared, checked again when it is promoted.
export const REGISTRY_AUDIT_SQL = `
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  source TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail_json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_by_subject ON audit_log (subject, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be changed'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be deleted'); END;

ALTER TABLE model_versions ADD COLUMN description TEXT;
ALTER TABLE model_versions ADD COLUMN gates_json TEXT;
CREATE TRIGGER model_versions_immutable BEFORE UPDATE OF model_id, version, artifact_sha256, format, created_at, gates_json ON model_versions
BEGIN SELECT RAISE(ABORT, 'a registered model version is immutable: register a new version instead'); END;
CREATE TABLE model_version_tags (
  model_version_id INTEGER NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (model_version_id, key)
);
`;
