// The store's change feed: "what changed since I last asked" — the runs that appeared, changed status,
// name or deletion, or logged new points (with the metric keys), and the runs that are gone — without
// reading the run list with its params, tags and metrics, and never reading points.
//
// A look costs what changed, not what the store holds. It asks SQLite first whether anything was
// committed at all since its last look (`PRAGMA data_version` counts other connections' commits,
// `total_changes()` this connection's own), which reads no table when the store is idle. Only then it
// reads the store's change sequence (run_changes, kept by triggers: src/engine/store/runChangesSchema.ts)
// for the runs changed since the last number it saw — an index range — and for those runs only their
// (uid, status, name, deleted) and latest_metrics rows (one summary row per run and key, updated once per
// written batch), compared with what it saw last. A store opened read-only before its migration to the
// change sequence has no run_changes: then every look compares every run. Params and tags move
// the sequence too (for the run list cache, since migration 13), but the feed does not report them: the
// writers set them with a status change or a new run.
import type { Statement } from 'better-sqlite3';
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

type RunRow = { id: number; uid: string; status: RunStatus; name: string; deleted: number };
type PointRow = { run_id: number; key_id: number; count: number; step: number };

/** Row reads per statement: SQLite's default limit on bound parameters is far above. */
const CHUNK = 500;

/** One reader's position in the store's history. Each consumer keeps its own feed. */
export class ChangeFeed {
  private dataVersion = -1;
  private ownChanges = -1;
  private runs = new Map<number, RunSeen>();
  /** run row id → key id → `${count}:${step}` */
  private points = new Map<number, Map<number, string>>();
  private keyNames = new Map<number, string>();
  /** The last change sequence number read (run_changes.seq); undefined: the store has no change sequence. */
  private seq: number | undefined;
  private started = false;
  /** The row ids of the runs a look found added (they are listed oldest first). */
  private readonly addedAt = new Map<string, number>();
  /** How many times the feed found changes: the N of "what changed since N". */
  sequence = 0;
  /** Rows read from runs and latest_metrics by the looks so far (what a look costs; tests read it). */
  rowsRead = 0;

  /** The two statements every look runs (once a second per view or panel), prepared once. */
  private readonly counters: { version: Statement; own: Statement };

  constructor(private readonly db: Database) {
    this.counters = { version: db.prepare('PRAGMA data_version').pluck(), own: db.prepare('SELECT total_changes()').pluck() };
  }

  /** Whether anything was committed since the last look: two cheap pragmas, no table read. */
  private moved(): boolean {
    const version = this.counters.version.get() as number;
    const own = this.counters.own.get() as number;
    const moved = version !== this.dataVersion || own !== this.ownChanges;
    this.dataVersion = version;
    this.ownChanges = own;
    return moved;
  }

  /** The store's change sequence position now; undefined when it has none (an older store opened read-only). */
  private lastSeq(): number | undefined {
    const table = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'run_changes'").get();
    if (!table) return undefined;
    return (this.db.prepare('SELECT coalesce(max(seq), 0) AS n FROM run_changes').get() as { n: number }).n;
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
    const grew = new Map<number, number[]>();
    if (first || this.seq === undefined) {
      // The change sequence's position first: whatever is committed after it is read again next time.
      this.seq = this.lastSeq();
      const runs = this.db.prepare('SELECT id, uid, status, name, deleted_at IS NOT NULL AS deleted FROM runs').all() as RunRow[];
      const points = this.db.prepare('SELECT run_id, key_id, count, step FROM latest_metrics').all() as PointRow[];
      this.compare(new Set([...this.runs.keys(), ...runs.map((r) => r.id)]), runs, points, first, changes, grew);
    } else {
      const changed = this.db.prepare('SELECT run_id, seq FROM run_changes WHERE seq > ? ORDER BY seq').all(this.seq) as { run_id: number; seq: number }[];
      if (changed.length === 0) return undefined;
      this.seq = changed.at(-1)!.seq;
      const ids = [...new Set(changed.map((c) => c.run_id))];
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        const marks = chunk.map(() => '?').join(',');
        const runs = this.db.prepare(`SELECT id, uid, status, name, deleted_at IS NOT NULL AS deleted FROM runs WHERE id IN (${marks})`).all(...chunk) as RunRow[];
        const points = this.db.prepare(`SELECT run_id, key_id, count, step FROM latest_metrics WHERE run_id IN (${marks})`).all(...chunk) as PointRow[];
        this.compare(new Set(chunk), runs, points, false, changes, grew);
      }
    }
    if (grew.size) {
      const missing = [...new Set([...grew.values()].flat())].filter((k) => !this.keyNames.has(k));
      if (missing.length) for (const k of this.db.prepare(`SELECT id, name FROM metric_keys WHERE id IN (${missing.map(() => '?').join(',')})`).all(...missing) as { id: number; name: string }[]) this.keyNames.set(k.id, k.name);
      for (const [runId, keys] of grew) {
        const run = this.runs.get(runId);
        if (run) changes.metrics.push({ id: run.uid, keys: keys.map((k) => this.keyNames.get(k) ?? String(k)).sort() });
      }
    }
    if (first) return undefined;
    changes.added.sort((a, b) => (this.addedAt.get(a) ?? 0) - (this.addedAt.get(b) ?? 0));
    this.addedAt.clear();
    changes.runs = [...new Set([...changes.added, ...changes.status.map((s) => s.id), ...changes.updated, ...changes.metrics.map((m) => m.id), ...changes.removed])];
    if (changes.runs.length === 0) return undefined;
    this.sequence++;
    return changes;
  }

  /** Compares the `scope` runs' rows now with what was seen, and keeps them as seen. */
  private compare(scope: Set<number>, runRows: RunRow[], pointRows: PointRow[], first: boolean, changes: StoreChanges, grew: Map<number, number[]>): void {
    this.rowsRead += runRows.length + pointRows.length;
    const present = new Set<number>();
    for (const r of [...runRows].sort((a, b) => a.id - b.id)) {
      present.add(r.id);
      const now: RunSeen = { uid: r.uid, status: r.status, name: r.name, deleted: r.deleted === 1 };
      const before = this.runs.get(r.id);
      this.runs.set(r.id, now);
      if (first) continue;
      if (!before) {
        changes.added.push(r.uid);
        this.addedAt.set(r.uid, r.id);
      }
      else {
        if (before.status !== now.status) changes.status.push({ id: r.uid, status: now.status });
        if (before.name !== now.name || before.deleted !== now.deleted) changes.updated.push(r.uid);
      }
    }
    for (const id of scope) {
      if (present.has(id)) continue;
      const seen = this.runs.get(id);
      if (seen) changes.removed.push(seen.uid);
      this.runs.delete(id);
    }
    const byRun = new Map<number, Map<number, string>>();
    for (const p of pointRows) (byRun.get(p.run_id) ?? byRun.set(p.run_id, new Map()).get(p.run_id)!).set(p.key_id, `${p.count}:${p.step}`);
    for (const id of scope) {
      const now = byRun.get(id);
      const before = this.points.get(id);
      if (now && present.has(id)) this.points.set(id, now);
      else this.points.delete(id);
      if (first || !now || !present.has(id)) continue;
      for (const [key, value] of now) if (before?.get(key) !== value) (grew.get(id) ?? grew.set(id, []).get(id)!).push(key);
    }
  }
}
