// The store's change feed: "what changed since I last asked" — the runs that appeared, changed status,
// name or deletion, or logged new points (with the metric keys), and the runs that are gone — without
// reading the run list with its params, tags and metrics, and never reading points.
//
// No schema change: a feed asks SQLite first whether anything was committed at all since its last
// look (`PRAGMA data_version` counts other connections' commits, `total_changes()` this connection's
// own), which costs nothing when the store is idle. Only then it reads each run's (uid, status, name,
// deleted), and from latest_metrics (one summary row per run and key, updated once per written batch) the
// total of all point counts (summed inside SQLite) and the rows of the runs that are running, queued or
// new; when the total grew by more than those runs' rows account for (a finished run got points, points
// were purged), it compares every row. It compares them with what it saw last. Params and tags are not watched: the writers set them with a status change or a new run.
import type { Database } from '../store/open';
import type { RunStatus } from './schemas';

/** What changed in the store since the feed's previous look. */
export interface StoreChanges {
  /** Runs created since (public ids), oldest first. */
  added: string[];
  /** Runs whose status changed, with the new one (a new run is not listed here). */
  status: { id: string; status: RunStatus }[];
  /** Runs (already known) whose name changed, or that were deleted or restored. */
  updated: string[];
  /** Runs that logged points, with the keys that grew (new runs included). */
  metrics: { id: string; keys: string[] }[];
  /** Runs no longer in the store (purged). */
  removed: string[];
  /** Every run id above, once: what a view re-reads. */
  runs: string[];
}

interface RunSeen {
  uid: string;
  status: RunStatus;
  name: string;
  deleted: boolean;
}

/** One reader's position in the store's history. Each consumer keeps its own feed. */
export class ChangeFeed {
  private dataVersion = -1;
  private ownChanges = -1;
  private runs = new Map<number, RunSeen>();
  /** `${runRowId}:${keyId}` → `${count}:${step}` */
  private points = new Map<string, string>();
  private keyNames = new Map<number, string>();
  /** latest_metrics' row count and summed point counts at the last look. */
  private totals = { rows: 0, points: 0 };
  private started = false;
  /** How many times the feed found changes: the N of "what changed since N". */
  sequence = 0;

  constructor(private readonly db: Database) {}

  /** Whether anything was committed since the last look: two cheap pragmas, no table read. */
  private moved(): boolean {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    const own = (this.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    const moved = version !== this.dataVersion || own !== this.ownChanges;
    this.dataVersion = version;
    this.ownChanges = own;
    return moved;
  }

  /**
   * The changes since the previous call (the first call reads the current state and reports nothing);
   * undefined when nothing was committed since. Throws what better-sqlite3 throws (callers wrap it).
   */
  next(): StoreChanges | undefined {
    if (!this.moved() && this.started) return undefined;
    const first = !this.started;
    this.started = true;
    const changes: StoreChanges = { added: [], status: [], updated: [], metrics: [], removed: [], runs: [] };
    const rows = this.db.prepare('SELECT id, uid, status, name, deleted_at IS NOT NULL AS deleted FROM runs ORDER BY id').all() as { id: number; uid: string; status: RunStatus; name: string; deleted: number }[];
    const nextRuns = new Map<number, RunSeen>();
    for (const r of rows) {
      const now: RunSeen = { uid: r.uid, status: r.status, name: r.name, deleted: r.deleted === 1 };
      nextRuns.set(r.id, now);
      const before = this.runs.get(r.id);
      if (first) continue;
      if (!before) changes.added.push(r.uid);
      else {
        if (before.status !== now.status) changes.status.push({ id: r.uid, status: now.status });
        if (before.name !== now.name || before.deleted !== now.deleted) changes.updated.push(r.uid);
      }
    }
    for (const [id, seen] of this.runs) if (!nextRuns.has(id)) changes.removed.push(seen.uid);

    const grew = new Map<number, number[]>();
    const total = (this.db.prepare('SELECT count(*) AS rows, total(count) AS points FROM latest_metrics').get() as { rows: number; points: number });
    const watched = [...nextRuns].filter(([id, r]) => r.status === 'running' || r.status === 'queued' || !this.runs.has(id) || this.runs.get(id)!.status !== r.status).map(([id]) => id);
    const compare = (rows: Iterable<{ run_id: number; key_id: number; count: number; step: number }>, keys?: Set<string>): { rows: number; points: number } => {
      let n = 0;
      let points = 0;
      for (const p of rows) {
        const key = `${p.run_id}:${p.key_id}`;
        keys?.add(key);
        const before = this.points.get(key);
        const count = before === undefined ? 0 : Number(before.slice(0, before.indexOf(':')));
        const value = `${p.count}:${p.step}`;
        if (before === undefined) n++;
        points += p.count - count;
        this.points.set(key, value);
        if (!first && before !== value) (grew.get(p.run_id) ?? grew.set(p.run_id, []).get(p.run_id)!).push(p.key_id);
      }
      return { rows: n, points };
    };
    const all = (): void => {
      const keys = new Set<string>();
      compare(this.db.prepare('SELECT run_id, key_id, count, step FROM latest_metrics').iterate() as IterableIterator<{ run_id: number; key_id: number; count: number; step: number }>, keys);
      for (const k of this.points.keys()) if (!keys.has(k)) this.points.delete(k);
    };
    if (first || this.runs.size === 0) all();
    else {
      let seen = { rows: 0, points: 0 };
      for (let i = 0; i < watched.length; i += 500) {
        const chunk = watched.slice(i, i + 500);
        const part = compare(this.db.prepare(`SELECT run_id, key_id, count, step FROM latest_metrics WHERE run_id IN (${chunk.map(() => '?').join(',')})`).all(...chunk) as { run_id: number; key_id: number; count: number; step: number }[]);
        seen = { rows: seen.rows + part.rows, points: seen.points + part.points };
      }
      // Anything else moved (a finished run logged, points or runs purged): compare every row.
      if (this.totals.rows + seen.rows !== total.rows || this.totals.points + seen.points !== total.points) all();
    }
    this.totals = total;
    this.runs = nextRuns;
    if (grew.size) {
      const missing = [...new Set([...grew.values()].flat())].filter((k) => !this.keyNames.has(k));
      if (missing.length) for (const k of this.db.prepare(`SELECT id, name FROM metric_keys WHERE id IN (${missing.map(() => '?').join(',')})`).all(...missing) as { id: number; name: string }[]) this.keyNames.set(k.id, k.name);
      for (const [runId, keys] of grew) {
        const run = nextRuns.get(runId);
        if (run) changes.metrics.push({ id: run.uid, keys: keys.map((k) => this.keyNames.get(k) ?? String(k)).sort() });
      }
    }
    if (first) return undefined;
    changes.runs = [...new Set([...changes.added, ...changes.status.map((s) => s.id), ...changes.updated, ...changes.metrics.map((m) => m.id), ...changes.removed])];
    if (changes.runs.length === 0) return undefined;
    this.sequence++;
    return changes;
  }
}
