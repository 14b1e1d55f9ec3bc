// Migration for serving (src/engine/serve): the API tokens of `sextant serve` and the log of the
// predictions it answered.
//   serve_tokens: a token is stored only as the SHA-256 of its bytes (hex). Tokens are 256 random bits,
//     so a fast hash loses nothing (nobody can guess them back from the digest) and costs microseconds on
//     every request, where scrypt would add tens of milliseconds per request for no gain. `revoked_at` keeps a
//     revoked token listed (who had it, when it stopped working); `last_used_at` is written with the log.
//   prediction_log: one row per answered request: the model (name, version, file hash), the inputs as rows
//     of {feature: value} with the personal-data rules applied (the columns drift compares), the outputs,
//     the latency, the token that asked, and the user's feedback when it came (POST /feedback).
export const SERVING_SQL = `
CREATE TABLE serve_tokens (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('predict', 'admin')),
  digest TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
);
CREATE TABLE prediction_log (
  id INTEGER PRIMARY KEY,
  request_id TEXT NOT NULL UNIQUE,
  model TEXT NOT NULL,
  model_version INTEGER,
  model_sha256 TEXT NOT NULL,
  at INTEGER NOT NULL,
  latency_ms REAL NOT NULL,
  rows INTEGER NOT NULL,
  inputs_json TEXT NOT NULL,
  outputs_json TEXT NOT NULL,
  token_id INTEGER REFERENCES serve_tokens(id) ON DELETE SET NULL,
  feedback_json TEXT,
  feedback_at INTEGER
);
CREATE INDEX prediction_log_by_model ON prediction_log (model, model_version, at);
`;
