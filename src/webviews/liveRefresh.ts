// When a panel that shows runs reads the store again: only when a run it shows changed. Each panel keeps
// its own position in the store's change feed (src/engine/tracking/changes.ts: "what changed since N"),
// asks it on every store notification and every second while visible (a look at an idle store is two
// pragmas, nothing read), and rebuilds only when the feed names a run the panel shows, a stage of a
// pipeline run it shows, or a run of the experiment it shows. Another script logging into another run
// costs a panel one feed look, never a re-read of its data nor a message to its page. No `vscode` import:
// src/webviews/panelHost.ts wires it, the unit tests drive it against a real store.
import type { ChangeFeed, StoreChanges } from '../engine/tracking/changes';
import type { Database } from '../engine/store/open';
import type { Run } from '../engine/tracking/schemas';

/** What a panel shows of the store, as its last build read it. */
export interface Shown {
  /** Runs whose data the panel shows (public ids). */
  runs: Iterable<string>;
  /** A run that is a child of one of these (a pipeline run's stage, new or changed) counts too. */
  parents?: Iterable<string>;
  /** Any run of this experiment (new or changed) counts too. */
  experiment?: string;
}

/** What LiveRefresh needs of the store's tracker. */
export interface LiveSource {
  db: Database;
  listRuns(filter: { ids: string[]; includeDeleted: true }): { ok: true; value: Pick<Run, 'id' | 'parentId' | 'experiment'>[] } | { ok: false };
}

export type LiveTracker = { kind: 'ok'; tracker: LiveSource } | { kind: 'missing' } | { kind: 'error' };

export interface LiveOptions {
  tracker: () => Promise<LiveTracker>;
  /** The change feed's class (from the engine, through the loader in the extension). */
  feed: () => Promise<new (db: Database) => ChangeFeed>;
  /** What the panel shows now; undefined: nothing from the store yet (the next look that finds any change rebuilds). */
  shown: () => Shown | undefined;
}

/** Whether `changes` touches what `shown` shows; `origin` says where a run not named in `shown` belongs. */
export function touches(shown: Shown, changes: StoreChanges, origin: (id: string) => { parentId: string | null; experiment: string } | undefined): boolean {
  const runs = new Set(shown.runs);
  const parents = new Set(shown.parents ?? []);
  for (const id of changes.runs) {
    if (runs.has(id)) return true;
    if (!parents.size && shown.experiment === undefined) continue;
    const from = origin(id);
    if (!from) continue;
    if ((from.parentId !== null && parents.has(from.parentId)) || from.experiment === shown.experiment) return true;
  }
  return false;
}

export class LiveRefresh {
  private feed: { db: Database; feed: ChangeFeed } | undefined;
  /** A run's parent and experiment never change: looked up once per run. */
  private readonly origins = new Map<string, { parentId: string | null; experiment: string }>();
  private checking: Promise<boolean> | undefined;
  /** Feed looks that found nothing committed, found changes elsewhere, or found a change the panel shows. */
  readonly counts = { idle: 0, elsewhere: 0, mine: 0 };

  constructor(private readonly options: LiveOptions) {}

  /**
   * Moves the feed to now, just before the panel reads the store: what changed until then is in that read.
   * The first call takes the feed's first look.
   */
  async sync(): Promise<void> {
    const got = await this.options.tracker();
    if (got.kind !== 'ok') {
      this.feed = undefined;
      return;
    }
    const feed = await this.feedFor(got.tracker.db);
    try {
      feed.next();
    } catch {
      // the read that follows reports what is wrong with the store; the next look starts afresh
      this.feed = undefined;
    }
  }

  /** Whether the panel should read the store again now; one look at a time (a caller during a look gets that look's answer). */
  check(): Promise<boolean> {
    this.checking ??= this.look().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async look(): Promise<boolean> {
    const got = await this.options.tracker();
    if (got.kind !== 'ok') {
      // The store went away or broke: show it (once).
      const had = this.feed !== undefined;
      this.feed = undefined;
      return had;
    }
    const shown = this.options.shown();
    if (!this.feed || this.feed.db !== got.tracker.db) {
      // Another store (or the first one): everything the panel shows may differ.
      this.feed = undefined;
      await this.sync();
      return true;
    }
    let changes: StoreChanges | undefined;
    try {
      changes = this.feed.feed.next();
    } catch {
      // A store that cannot be read now: read it again, which shows why; the next look starts afresh.
      this.feed = undefined;
      return true;
    }
    if (!changes) {
      this.counts.idle++;
      return false;
    }
    if (!shown) return true;
    const unknown = changes.runs.filter((id) => !this.origins.has(id));
    if (unknown.length && (shown.parents !== undefined || shown.experiment !== undefined)) {
      const listed = got.tracker.listRuns({ ids: unknown, includeDeleted: true });
      if (listed.ok) for (const r of listed.value) this.origins.set(r.id, { parentId: r.parentId, experiment: r.experiment });
    }
    const mine = touches(shown, changes, (id) => this.origins.get(id));
    this.counts[mine ? 'mine' : 'elsewhere']++;
    return mine;
  }

  private async feedFor(db: Database): Promise<ChangeFeed> {
    if (this.feed?.db === db) return this.feed.feed;
    const Feed = await this.options.feed();
    this.feed = { db, feed: new Feed(db) };
    return this.feed.feed;
  }
}
