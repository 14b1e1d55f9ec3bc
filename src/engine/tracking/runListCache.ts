// The run list cache: each run's item in `sextant runs list --json` as the last list wrote it, so that a list
// renders in SQLite only the runs that changed since (runListText.ts). An entry is used when the run's place
// in the store's change sequence is the same: run_changes' seq and random stamp, which triggers move on every
// write to what a listed run's text comes from (the run's listed columns, params, tags, latest metrics:
// src/engine/store/runChangesSchema.ts), and its experiment's name, which is compared because an experiment
// is one row for many runs. The file sits beside the store (sextant.db → sextant.db.run-list) and belongs to
// one Sextant version. It is only a cache: a missing, damaged or foreign file is read as empty, and one that
// cannot be written (a read-only folder, a full disk) is left as it was; neither changes what a list prints.
//
// The file: a first line `sextant run list cache 3 VERSION HEADER_BYTES`, a header (JSON: `runs`, each
// [row id, seq, stamp, experiment, public id, left out alone (0/1), offset, length] in bytes of the body, and
// `whole`), a newline, and the body: each run's item as the list prints it (`\n  {…},`, UTF-8), in the order
// of the last list. Items are handed on as views of the body, so an unchanged list is written as one piece.
//
// `whole`: when the body is, item for item, the whole list (`runs list --json` with no option), the store's
// state on disk then (store/fileState.ts) and the host and pid of each run still marked running. A store still
// in that state, whose running runs' processes all live, has that list: writeUnchangedRunList prints the body
// without opening SQLite (the store's driver, its schema and the queries are 35 ms of the command's 180).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { storeFileState } from '../store/fileState';
import { writeSideFile } from '../store/sideFile';
import { VERSION } from '../version';

/** A run's item in the list, and what it was written for. */
export interface CachedRun {
  seq: number;
  stamp: number;
  experiment: string;
  /** The run's public id (a pipeline run is left out only while none of its stages is listed). */
  uid: string;
  /** Whether the run is left out of lists when none of its stage runs is listed (an unchanged pipeline run). */
  dropAlone: boolean;
  /** `\n  {…},`: the run's text, indented for its place in the list, in UTF-8; empty for a run left out when it was rendered. */
  item: Uint8Array;
}

const MAGIC = `sextant run list cache 3 ${VERSION} `;

type HeaderEntry = [id: number, seq: number, stamp: number, experiment: string, uid: string, dropAlone: 0 | 1, offset: number, length: number];

/** The store's state when the body was the whole list, and the runs then marked running (host, pid). */
export interface WholeList {
  state: string;
  running: [host: string, pid: number][];
}

interface Header {
  runs: HeaderEntry[];
  whole: WholeList | null;
}

export interface RunListCache {
  runs: Map<number, CachedRun>;
  whole: WholeList | null;
  body: Uint8Array;
}

/** Where the cache of the store at `storePath` lives. */
export const runListCacheFile = (storePath: string): string => `${storePath}.run-list`;

/** The cached runs by row id, and the whole list's record; empty when there is no cache, or it is damaged or another version's. */
export function readRunListCache(file: string): RunListCache {
  const none: RunListCache = { runs: new Map(), whole: null, body: new Uint8Array(0) };
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch {
    return none;
  }
  const firstLine = content.indexOf(10);
  if (firstLine < 0 || content.toString('latin1', 0, MAGIC.length) !== MAGIC) return none;
  const headerBytes = Number(content.toString('latin1', MAGIC.length, firstLine));
  const bodyStart = firstLine + 1 + headerBytes + 1;
  if (!Number.isSafeInteger(headerBytes) || bodyStart > content.length || content[bodyStart - 1] !== 10) return none;
  let header: Header;
  try {
    header = JSON.parse(content.toString('utf8', firstLine + 1, bodyStart - 1)) as Header;
  } catch {
    return none;
  }
  if (typeof header !== 'object' || header === null || !Array.isArray(header.runs)) return none;
  const body = content.subarray(bodyStart);
  const runs = new Map<number, CachedRun>();
  let end = 0;
  for (const [id, seq, stamp, experiment, uid, dropAlone, offset, length] of header.runs) {
    if (!(offset >= 0 && length >= 0 && offset + length <= body.length)) return none;
    runs.set(id, { seq, stamp, experiment, uid, dropAlone: dropAlone === 1, item: body.subarray(offset, offset + length) });
    end = Math.max(end, offset + length);
  }
  const whole = header.whole && typeof header.whole.state === 'string' && Array.isArray(header.whole.running) && end === body.length ? header.whole : null;
  return { runs, whole, body };
}

/**
 * Prints the whole list, or its first `limit` runs (`runs list --limit 1 --json`, as CI asks for the latest
 * run), from the cache, when the store is as it was when the cache was written and every run it marked
 * running (on this host) still runs; returns whether it did. Otherwise the list must be read.
 */
export function writeUnchangedRunList(cache: RunListCache, storePath: string, write: (chunk: Uint8Array) => void, alive: (pid: number) => boolean, limit?: number): boolean {
  if (!cache.whole || storeFileState(storePath).key !== cache.whole.state) return false;
  const host = hostname();
  if (cache.whole.running.some(([h, pid]) => h === host && !alive(pid))) return false;
  // The items are the list in order (a run left out has an empty one): the first `limit` shown end here.
  let end = cache.body.length;
  if (limit !== undefined) {
    let shown = 0;
    for (const { item } of cache.runs.values()) {
      if (item.length === 0) continue;
      if (++shown === limit) {
        end = item.byteOffset + item.length - cache.body.byteOffset;
        break;
      }
    }
  }
  if (end === 0) write(Buffer.from('[]\n'));
  else {
    write(Buffer.from('['));
    write(cache.body.subarray(0, end - 1));
    write(Buffer.from('\n]\n'));
  }
  return true;
}

/** Writes the cache whole, in the map's order (a new file renamed over the old). A cache that cannot be written is left as it was. */
export function writeRunListCache(file: string, runs: ReadonlyMap<number, CachedRun>, whole: WholeList | null): void {
  const header: HeaderEntry[] = [];
  const items: Uint8Array[] = [];
  let offset = 0;
  for (const [id, r] of runs) {
    header.push([id, r.seq, r.stamp, r.experiment, r.uid, r.dropAlone ? 1 : 0, offset, r.item.length]);
    items.push(r.item);
    offset += r.item.length;
  }
  const headerText = Buffer.from(`${JSON.stringify({ runs: header, whole } satisfies Header)}\n`);
  writeSideFile(file, Buffer.concat([Buffer.from(`${MAGIC}${headerText.length - 1}\n`), headerText, ...items]));
}
