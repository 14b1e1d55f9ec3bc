// The metric names earlier runs logged in the workspace store (read-only), for the checks of the metrics
// a gate requires: a `run:` stage's metrics are known only from what it logged. Read at most once per
// `ttlMs` per store, and again only when the store's files changed (their size and time), so the
// per-keystroke analysis never scans the store.
import { statSync } from 'node:fs';
import { loadBetterSqlite3 } from '../native/load';

interface Kept {
  checkedAt: number;
  stamp: string;
  names: ReadonlySet<string> | undefined;
}

const kept = new Map<string, Kept>();

/** Size and modification time of the store and its write-ahead log: what changes when a run logs. */
function stampOf(storePath: string): string | undefined {
  const parts: string[] = [];
  for (const file of [storePath, `${storePath}-wal`]) {
    try {
      const st = statSync(file);
      parts.push(`${st.size}:${st.mtimeMs}`);
    } catch {
      if (file === storePath) return undefined;
    }
  }
  return parts.join('|');
}

function read(storePath: string): ReadonlySet<string> | undefined {
  const sqlite = loadBetterSqlite3();
  if (!sqlite.ok) return undefined;
  let db: import('better-sqlite3').Database | undefined;
  try {
    db = new sqlite.value(storePath, { readonly: true, fileMustExist: true });
    const rows = db
      .prepare(
        `SELECT mk.name AS name FROM metric_keys mk
         WHERE EXISTS (SELECT 1 FROM latest_metrics lm JOIN runs r ON r.id = lm.run_id WHERE lm.key_id = mk.id AND r.deleted_at IS NULL)`,
      )
      .all() as { name: string }[];
    return new Set(rows.map((r) => r.name));
  } catch {
    return undefined; // an old or damaged store: doctor reports it
  } finally {
    db?.close();
  }
}

/** Metric names logged by the store's runs (not deleted); undefined without a readable store. */
export function loggedMetricNames(storePath: string, ttlMs = 2000): ReadonlySet<string> | undefined {
  const now = Date.now();
  const hit = kept.get(storePath);
  if (hit && now - hit.checkedAt < ttlMs) return hit.names;
  const stamp = stampOf(storePath);
  if (stamp === undefined) {
    kept.set(storePath, { checkedAt: now, stamp: '', names: undefined });
    return undefined;
  }
  if (hit && hit.stamp === stamp) {
    hit.checkedAt = now;
    return hit.names;
  }
  const names = read(storePath);
  kept.set(storePath, { checkedAt: now, stamp, names });
  return names;
}
