// `sextant runs list --json` written as SQLite writes it: each run comes out of the query already in the
// documented shape (runListJson in jsonShapes.ts) and indented as JSON.stringify(list, null, 2) indents it,
// newest first, and its text goes to the output as it is: no run becomes a JS object, so a 2,000-run list
// costs the query and the write, not parsing and garbage collection (docs/cli.md). test/unit/
// tracking.runListText.test.ts holds the text byte for byte to JSON.stringify(runs.map(runListJson), null, 2).
// Two things SQLite would write differently go through JS: a number (SQLite writes 17 significant digits and
// "1.0", JSON.stringify the shortest text that reads back, and NaN/±Infinity as strings) and a time (ISO 8601
// by Date, any year), each by a function registered on the connection. A run with a key that JS orders
// first (an array index such as "2"), or a pipeline run that may be an unchanged one, comes out as a Run
// (RUN_JSON) and is shaped in JS like before. Rendering 2,000 runs costs SQLite about 100 ms, so each run's
// text is kept in the run list cache (runListCache.ts) and rendered again only when the run changed.
import type { Database } from '../store/open';
import { settledSince, storeFileState } from '../store/fileState';
import { readRunListCache, writeRunListCache, type CachedRun, type RunListCache } from './runListCache';
import { RUN_JOINS, RUN_JSON, toRun } from './runJson';
import type { Run, RunStatus } from './schemas';

export interface RunListTextOptions {
  experiment?: string;
  status?: RunStatus[];
  /** At most this many runs, counted after `drop`. */
  limit?: number;
  /** Whether to leave out a finished pipeline run with no metrics and no stage run in the list (asked of no other run). */
  drop: (run: Run) => boolean;
  /** The documented shape of a run that SQLite cannot write as JS would (runListJson). */
  shape: (run: Run) => unknown;
  /** Receives the list's UTF-8 text, newline included, in pieces, each written before the next comes. */
  write: (chunk: Uint8Array) => void;
  /** The run list cache (runListCache.ts): render only the runs changed since the last list, and update it. */
  cacheFile?: string;
  /** That cache as the caller already read it (readRunListCache); read from cacheFile when absent. */
  cache?: RunListCache;
  /** The store the list is read from: with cacheFile, a whole list records its state for writeUnchangedRunList. */
  storePath?: string;
}

const NUMBER_FN = 'sextant_json_number';
const TIME_FN = 'sextant_iso_time';

/** A key a JS object puts before the others, in numeric order (an array index: "0", "7", "42"); up to 10 digits is a superset. */
const indexKey = (col: string): string =>
  `(${col} = '0' OR (${col} GLOB '[1-9]*' AND ${col} NOT GLOB '*[^0-9]*' AND length(${col}) <= 10))`;

const LIST_JSON = `json_pretty(json_object(
    'id', r.uid, 'experiment', e.name, 'name', r.name, 'status', r.status,
    'params', json((SELECT json_group_object(key, value ORDER BY key) FROM params WHERE run_id = r.id)),
    'metrics', json((SELECT json_group_object(k.name, json(${NUMBER_FN}(l.value)) ORDER BY l.key_id)
                     FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id WHERE l.run_id = r.id)),
    'started_at', ${TIME_FN}(r.started_at), 'ended_at', ${TIME_FN}(r.ended_at), 'parent_id', p.uid,
    'tags', json((SELECT json_group_object(key, value ORDER BY key) FROM tags WHERE run_id = r.id)),
    'git_commit', r.git_commit, 'exit_code', r.exit_code), '  ')`;

// 2: maybe an unchanged pipeline run (isUnchangedPipelineRun decides, in JS); 1: a key JS would order differently; 0: SQLite writes it.
const IN_JS = `CASE
    WHEN r.parent_id IS NULL AND r.status = 'finished' AND NOT EXISTS (SELECT 1 FROM latest_metrics WHERE run_id = r.id)
         AND EXISTS (SELECT 1 FROM tags WHERE run_id = r.id AND key = 'sextant.kind' AND value = 'pipeline') THEN 2
    WHEN EXISTS (SELECT 1 FROM params WHERE run_id = r.id AND ${indexKey('key')})
      OR EXISTS (SELECT 1 FROM tags WHERE run_id = r.id AND ${indexKey('key')})
      OR EXISTS (SELECT 1 FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id WHERE l.run_id = r.id AND ${indexKey('k.name')}) THEN 1
    ELSE 0 END`;

const registered = new WeakSet<Database>();

function registerFunctions(db: Database): void {
  if (registered.has(db)) return;
  // SQLite stores NaN as NULL.
  db.function(NUMBER_FN, { deterministic: true }, (v: unknown) =>
    v === null
      ? '"NaN"'
      : v === Infinity
        ? '"Infinity"'
        : v === -Infinity
          ? '"-Infinity"'
          : JSON.stringify(v as number),
  );
  db.function(TIME_FN, { deterministic: true }, (ms: unknown) =>
    ms === null ? null : new Date(ms as number).toISOString(),
  );
  registered.add(db);
}

type ListedRow = [id: number, uid: string, seq: number | null, stamp: number | null, experiment: string, parentUid: string | null];

/** The items (`\n  {…},`) of the runs with these row ids, as the list shows them, by row id. */
function renderRuns(db: Database, ids: number[], parents: ReadonlySet<string>, options: RunListTextOptions): Map<number, { item: Uint8Array; dropAlone: boolean }> {
  // The flags are worked out once per run (a materialized CTE), and each run's text is indented one level
  // more for its place in the list (replace).
  const rows = db
    .prepare(
      `WITH c AS MATERIALIZED (SELECT r.id, ${IN_JS} AS in_js FROM ${RUN_JOINS} WHERE r.id IN (SELECT value FROM json_each(?)))
       SELECT c.id, c.in_js, CASE WHEN c.in_js THEN ${RUN_JSON} ELSE replace(${LIST_JSON}, char(10), char(10, 32, 32)) END
       FROM c JOIN ${RUN_JOINS} WHERE r.id = c.id`,
    )
    .raw()
    .all(JSON.stringify(ids)) as [number, 0 | 1 | 2, string][];
  const items = new Map<number, { item: Uint8Array; dropAlone: boolean }>();
  for (const [id, inJs, json] of rows) {
    if (inJs === 0) {
      items.set(id, { item: Buffer.from(`\n  ${json},`), dropAlone: false });
      continue;
    }
    const run = toRun(json);
    const dropAlone = inJs === 2 && options.drop(run);
    // A run left out now is not shaped: its item stays empty until a list shows it (current(), below).
    const text = dropAlone && !parents.has(run.id) ? undefined : JSON.stringify(options.shape(run), null, 2).replace(/\n/g, '\n  ');
    items.set(id, { item: text === undefined ? new Uint8Array(0) : Buffer.from(`\n  ${text},`), dropAlone });
  }
  return items;
}

/** Whether `b` starts where `a` ends, in the same memory (two items next to each other in the cache). */
const adjacent = (a: Uint8Array, b: Uint8Array): boolean => a.buffer === b.buffer && a.byteOffset + a.length === b.byteOffset;

/**
 * Writes the runs (not deleted, of the experiment and statuses asked) as `sextant runs list --json` prints
 * them, with the final newline. With `cacheFile` (runListCache.ts), only the runs changed since the last list
 * are rendered, and the cache is brought up to date. Returns how many runs were rendered.
 */
export function writeRunListJson(db: Database, options: RunListTextOptions): number {
  registerFunctions(db);
  const where = ['r.deleted_at IS NULL'];
  const args: unknown[] = [];
  if (options.experiment !== undefined) {
    where.push('e.name = ?');
    args.push(options.experiment);
  }
  if (options.status?.length) {
    where.push(`r.status IN (${options.status.map(() => '?').join(',')})`);
    args.push(...options.status);
  }
  const before = options.storePath === undefined ? undefined : storeFileState(options.storePath);
  const cached = options.cacheFile === undefined ? undefined : (options.cache ?? readRunListCache(options.cacheFile));
  const cache = cached?.runs ?? new Map<number, CachedRun>();
  // A pipeline run is unchanged only if none of its stages is listed.
  const parents = new Set<string>();
  // A cached item is current when the run has not changed since, and it has one (a run left out has none).
  const current = (row: ListedRow, entry: CachedRun | undefined): entry is CachedRun =>
    entry !== undefined &&
    row[2] !== null &&
    entry.seq === row[2] &&
    entry.stamp === row[3] &&
    entry.experiment === row[4] &&
    (entry.item.length > 0 || (entry.dropAlone && !parents.has(row[1])));
  // One read transaction, so the runs rendered are the runs listed, and the running runs are theirs. Newest
  // first, by the index runs_listed (migration 13).
  const { listed, stale, rendered, running } = db.transaction(() => {
    const listed = db
      .prepare(
        `SELECT r.id, r.uid, x.seq, x.stamp, e.name, p.uid FROM ${RUN_JOINS} LEFT JOIN run_changes x ON x.run_id = r.id
         WHERE ${where.join(' AND ')} ORDER BY coalesce(r.started_at, r.created_at) DESC, r.id DESC`,
      )
      .raw()
      .all(...args) as ListedRow[];
    for (const row of listed) if (row[5] !== null) parents.add(row[5]);
    const stale = listed.filter((row) => !current(row, cache.get(row[0]))).map((row) => row[0]);
    const running = db.prepare("SELECT host, pid FROM runs WHERE status IN ('queued', 'running') AND pid IS NOT NULL AND host IS NOT NULL").raw().all() as [string, number][];
    return { listed, stale, running, rendered: stale.length > 0 ? renderRuns(db, stale, parents, options) : new Map<number, { item: Uint8Array; dropAlone: boolean }>() };
  })();
  // The runs in list order, each as cached or as rendered now; the new cache keeps them in that order.
  const next = new Map<number, CachedRun>();
  const shown: Uint8Array[] = [];
  // Whether the cache's items, in order, are this list: every run kept, and none left out that has an item.
  let itemsAreList = true;
  for (const row of listed) {
    const [id, uid, seq, stamp, experiment] = row;
    const kept = cache.get(id);
    const entry = current(row, kept) ? kept : { seq: seq ?? -1, stamp: stamp ?? 0, experiment, uid, ...rendered.get(id)! };
    if (seq !== null) next.set(id, entry);
    else itemsAreList = false;
    if (options.limit !== undefined && shown.length === options.limit) continue;
    if (!(entry.dropAlone && !parents.has(uid))) shown.push(entry.item);
    else if (entry.item.length > 0) itemsAreList = false;
  }
  writeItems(shown, options.write);
  if (options.cacheFile !== undefined) {
    // A list of some runs keeps the others' items as they were; a whole list also forgets the runs no longer
    // listed, and records the store's state for the next whole list if it is still the state that was read.
    const whole = options.experiment === undefined && !options.status?.length;
    if (!whole) for (const [id, entry] of cache) if (!next.has(id)) next.set(id, entry);
    // A list with an option leaves that record as it was, unless it rewrites the cache (in another order).
    const changed = stale.length > 0 || next.size !== cache.size;
    const wholeList =
      whole && options.limit === undefined
        ? itemsAreList && before !== undefined && options.storePath !== undefined && settledSince(before, storeFileState(options.storePath))
          ? { state: before.key, running }
          : null
        : changed
          ? null
          : (cached?.whole ?? null);
    if (changed || JSON.stringify(cached?.whole ?? null) !== JSON.stringify(wholeList)) writeRunListCache(options.cacheFile, next, wholeList);
  }
  return stale.length;
}

/**
 * `[`, the items (the last without its comma), `\n]\n`. Items next to each other in the cache go out as one
 * piece, as they are; short pieces (items rendered now) are joined into fewer writes.
 */
function writeItems(items: Uint8Array[], write: (chunk: Uint8Array) => void): void {
  if (items.length === 0) {
    write(Buffer.from('[]\n'));
    return;
  }
  const last = items.length - 1;
  items[last] = items[last]!.subarray(0, items[last]!.length - 1);
  const pieces: Uint8Array[] = [];
  for (const item of items) {
    const previous = pieces.at(-1);
    if (previous && adjacent(previous, item)) pieces[pieces.length - 1] = new Uint8Array(previous.buffer, previous.byteOffset, previous.length + item.length);
    else pieces.push(item);
  }
  let short: Uint8Array[] = [Buffer.from('[')];
  const flush = (): void => {
    if (short.length > 0) write(short.length === 1 ? short[0]! : Buffer.concat(short));
    short = [];
  };
  for (const piece of pieces) {
    if (piece.length >= JOIN_BELOW) {
      flush();
      write(piece);
      continue;
    }
    short.push(piece);
    if (short.length >= 256) flush();
  }
  short.push(Buffer.from('\n]\n'));
  flush();
}

/** Pieces shorter than this are joined before they are written. */
const JOIN_BELOW = 64 * 1024;
