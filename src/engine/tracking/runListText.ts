// `sextant runs list --json` written as SQLite writes it: each run comes out of the query already in the
// documented shape (runListJson in jsonShapes.ts) and indented as JSON.stringify(list, null, 2) indents it,
// newest first, and its text goes to the output as it is: no run becomes a JS object, so a 2,000-run list
// costs the query and the write, not parsing and garbage collection (docs/cli.md). test/unit/
// tracking.runListText.test.ts holds the text byte for byte to JSON.stringify(runs.map(runListJson), null, 2).
// Two things SQLite would write differently go through JS: a number (SQLite writes 17 significant digits and
// "1.0", JSON.stringify the shortest text that reads back, and NaN/±Infinity as strings) and a time (ISO 8601
// by Date, any year), each by a function registered on the connection. A run with a key that JS orders
// first (an array index such as "2"), or a pipeline run that may be an unchanged one, comes out as a Run
// (RUN_JSON) and is shaped in JS like before.
import type { Database } from '../store/open';
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
  /** Receives the text in chunks of about 64 KB that end where a line ends, each to be followed by a newline (CliIo.out). */
  write: (text: string) => void;
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

const CHUNK = 64 * 1024;

/** Writes the runs (not deleted, of the experiment and statuses asked) as `sextant runs list --json` prints them. */
export function writeRunListJson(
  db: Database,
  options: RunListTextOptions,
): void {
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
  // The flags are worked out once per run (a materialized CTE), SQLite sorts the runs (no index holds the
  // start time), and indents each run's text one level more for its place in the list (replace).
  const rows = db
    .prepare(
      `WITH c AS MATERIALIZED (SELECT r.id, ${IN_JS} AS in_js, coalesce(r.started_at, r.created_at) AS t FROM ${RUN_JOINS} WHERE ${where.join(' AND ')})
       SELECT p.uid, c.in_js, CASE WHEN c.in_js THEN ${RUN_JSON} ELSE replace(${LIST_JSON}, char(10), char(10, 32, 32)) END
       FROM c JOIN ${RUN_JOINS} WHERE r.id = c.id ORDER BY c.t DESC, c.id DESC`,
    )
    .raw()
    .all(...args) as [string | null, 0 | 1 | 2, string][];
  // A pipeline run is unchanged only if none of its stages is listed.
  const parents = new Set<string>();
  for (const row of rows) if (row[0] !== null) parents.add(row[0]);
  let text = '[';
  let count = 0;
  for (const [, inJs, json] of rows) {
    if (options.limit !== undefined && count === options.limit) break;
    let item = json;
    if (inJs !== 0) {
      const run = toRun(json);
      if (inJs === 2 && !parents.has(run.id) && options.drop(run)) continue;
      item = JSON.stringify(options.shape(run), null, 2).replace(/\n/g, '\n  ');
    }
    if (count > 0) text += ',';
    // A chunk ends where a line does: write adds the newline.
    if (text.length >= CHUNK) {
      options.write(text);
      text = '';
    } else text += '\n';
    text += `  ${item}`;
    count++;
  }
  options.write(count === 0 ? '[]' : `${text}\n]`);
}
