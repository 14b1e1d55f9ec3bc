// The run list cache (tracking/runListCache.ts): `sextant runs list --json` renders only the runs that changed
// since the last list, and prints, byte for byte, what it prints without a cache, whatever changed in between:
// a metric, a param, a tag, a status, a name, a deletion, a purge, an experiment's name, a write through
// SQLite by another program, a store restored from a backup and written further. A damaged, foreign or
// unwritable cache file changes nothing printed.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isUnchangedPipelineRun } from '../../src/engine/runner/unchangedRun';
import { runListJson } from '../../src/engine/tracking/jsonShapes';
import { readRunListCache, runListCacheFile, writeUnchangedRunList } from '../../src/engine/tracking/runListCache';
import { writeRunListJson, type RunListTextOptions } from '../../src/engine/tracking/runListText';
import { Tracker } from '../../src/engine/tracking/tracking';
import { tempDir } from './tempDir';

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

type Filter = Pick<RunListTextOptions, 'experiment' | 'status' | 'limit'>;

function list(tracker: Tracker, filter: Filter, cacheFile?: string, storePath?: string): { text: string; rendered: number } {
  const chunks: Uint8Array[] = [];
  const rendered = writeRunListJson(tracker.db, {
    ...filter,
    cacheFile,
    storePath,
    drop: (run) => isUnchangedPipelineRun(run, []),
    shape: runListJson,
    write: (chunk) => chunks.push(chunk),
  });
  return { text: Buffer.concat(chunks).toString('utf8'), rendered };
}

function open(dir: string, clock: () => number): Tracker {
  return must(Tracker.open({ storePath: join(dir, '.sextant', 'sextant.db'), artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true, flushMs: -1, clock }));
}

function fixture(): { dir: string; tracker: Tracker; ids: string[]; cache: string; clock: () => number } {
  const dir = tempDir('sextant-runlistcache-');
  let now = 1_750_000_000_000;
  const clock = (): number => (now += 1000);
  const tracker = open(dir, clock);
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const id = must(tracker.startRun({ experiment: i % 3 === 0 ? 'churn' : 'fraud', name: `run ${i} ünï`, params: { lr: String(0.01 * i), depth: String(i) }, tags: { owner: 'me' } })).id;
    must(tracker.logMetrics(id, [{ key: 'loss', value: 1 / (i + 1), step: 0 }, { key: 'acc', value: i / 12, step: 0 }]));
    must(tracker.flush());
    if (i % 4 !== 1) must(tracker.finishRun(id, i % 5 === 0 ? 'failed' : 'finished', 0));
    ids.push(id);
  }
  return { dir, tracker, ids, cache: runListCacheFile(join(dir, '.sextant', 'sextant.db')), clock };
}

/** The whole list from the cache alone, or undefined when the cache says the store must be read. */
function unchanged(cache: string, storePath: string, alive: (pid: number) => boolean = () => true, limit?: number): string | undefined {
  const chunks: Uint8Array[] = [];
  return writeUnchangedRunList(readRunListCache(cache), storePath, (chunk) => chunks.push(chunk), alive, limit) ? Buffer.concat(chunks).toString('utf8') : undefined;
}

/** Waits until the store's last change is old enough to be recorded (store/fileState.ts: 100 ms). */
const settle = (): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);

const FILTERS: Filter[] = [{}, { experiment: 'churn' }, { status: ['finished'] }, { limit: 5 }];

/** Every filter, through the cache, prints what it prints without one; returns how many runs each rendered. */
function sameAsUncached(tracker: Tracker, cache: string, what: string): number[] {
  return FILTERS.map((filter) => {
    const cached = list(tracker, filter, cache);
    assert.equal(cached.text, list(tracker, filter).text, `${what}, ${JSON.stringify(filter)}`);
    return cached.rendered;
  });
}

describe('run list cache: only changed runs are rendered, and the list is what it is without the cache', () => {
  it('a second list renders nothing and prints the same bytes; the cache file sits beside the store', () => {
    const { tracker, cache } = fixture();
    const first = list(tracker, {}, cache);
    assert.equal(first.rendered, 12);
    assert.ok(existsSync(cache), cache);
    const second = list(tracker, {}, cache);
    assert.equal(second.rendered, 0);
    assert.equal(second.text, first.text);
    assert.equal(second.text, list(tracker, {}).text);
    tracker.close(true);
  });

  it('each kind of change renders exactly the runs it touched', () => {
    const { dir, tracker, ids, cache } = fixture();
    list(tracker, {}, cache);
    const changes: [string, () => void, number][] = [
      ['a metric logged', () => (must(tracker.logMetric(ids[1]!, 'loss', 0.5, 1)), must(tracker.flush())), 1],
      ['a param added', () => must(tracker.logParams(ids[2]!, { batch: '64' })), 1],
      ['a tag set', () => must(tracker.setTags(ids[3]!, { owner: 'you' })), 1],
      ['a tag removed', () => must(tracker.removeTags(ids[3]!, ['owner'])), 1],
      ['a status', () => must(tracker.finishRun(ids[5]!, 'killed', 137)), 1],
      ['a name', () => must(tracker.renameRun(ids[6]!, 'renamed "run" ✓')), 1],
      ['a deletion', () => must(tracker.deleteRuns([ids[7]!])), 0],
      ['a restore', () => must(tracker.restoreRuns([ids[7]!])), 1],
      ['a new run', () => must(tracker.startRun({ experiment: 'churn', name: 'new' })), 1],
      ['an experiment renamed (4 runs of it)', () => tracker.db.prepare("UPDATE experiments SET name = 'churn-2' WHERE name = 'churn'").run(), 5],
      ['a param changed by another program', () => tracker.db.prepare("UPDATE params SET value = '0.5' WHERE key = 'lr' AND run_id = (SELECT id FROM runs WHERE uid = ?)").run(ids[8]!), 1],
      ['a git commit set by another program', () => tracker.db.prepare("UPDATE runs SET git_commit = 'feed' WHERE uid = ?").run(ids[9]!), 1],
      ['a run deleted and purged', () => (must(tracker.deleteRuns([ids[10]!])), must(tracker.purgeDeletedRuns())), 0],
    ];
    for (const [what, change, expected] of changes) {
      change();
      const [whole] = sameAsUncached(tracker, cache, what);
      assert.equal(whole, expected, `${what}: runs rendered`);
      assert.equal(list(tracker, {}, cache).rendered, 0, `${what}: nothing left to render`);
    }
    // A store written by another connection (the Python helper, an MLflow import): the triggers see it too.
    const other = open(dir, () => Date.now());
    must(other.setTags(ids[0]!, { note: 'from elsewhere' }));
    must(other.close(true));
    assert.deepEqual(sameAsUncached(tracker, cache, 'a tag from another connection')[0], 1);
    tracker.close(true);
  });

  it('a store restored from a backup and written further is rendered again, though its sequence numbers come round again', () => {
    const { dir, tracker, ids, cache } = fixture();
    const store = join(dir, '.sextant', 'sextant.db');
    must(tracker.close(true));
    const backup = join(dir, 'backup.db');
    copyFileSync(store, backup);
    let t = open(dir, () => Date.now());
    must(t.setTags(ids[4]!, { branch: 'lost' }));
    list(t, {}, cache);
    must(t.close(true));
    copyFileSync(backup, store);
    t = open(dir, () => Date.now());
    // The same write count since the backup: run 4's sequence number is the one the cache holds.
    must(t.setTags(ids[4]!, { branch: 'kept' }));
    const [whole] = sameAsUncached(t, cache, 'restored and written');
    assert.equal(whole, 1);
    assert.match(list(t, {}, cache).text, /"branch": "kept"/);
    t.close(true);
  });

  it('a damaged, foreign or another version\'s cache file is read as none, and rewritten', () => {
    const { tracker, cache } = fixture();
    const good = list(tracker, {}).text;
    list(tracker, {}, cache);
    const content = readFileSync(cache);
    const damaged: [string, Buffer | string][] = [
      ['empty', ''],
      ['garbage', 'not a cache at all\n'],
      ['another version', content.toString('latin1').replace(/^(sextant run list cache \d+) \S+/, '$1 9.9.9')],
      ['cut short', content.subarray(0, content.length - 100)],
      ['a header that lies', content.toString('latin1').replace(/,(\d+),(\d+)\]\]/, (_, o: string, l: string) => `,${o},${Number(l) + 10_000}]]`)],
    ];
    for (const [what, bytes] of damaged) {
      writeFileSync(cache, bytes);
      const r = list(tracker, {}, cache);
      assert.equal(r.text, good, what);
      assert.equal(r.rendered, 12, `${what}: everything rendered`);
      assert.equal(list(tracker, {}, cache).rendered, 0, `${what}: the cache was rewritten`);
    }
    tracker.close(true);
  });

  it("another store's cache renders every run; a cache that cannot be written changes nothing printed", () => {
    const a = fixture();
    const b = fixture();
    list(a.tracker, {}, a.cache);
    copyFileSync(a.cache, b.cache);
    assert.equal(list(b.tracker, {}, b.cache).rendered, 12, 'same row ids and sequence numbers, other stamps');
    const nowhere = join(b.dir, 'not-a-folder', 'x.run-list');
    writeFileSync(join(b.dir, 'not-a-folder'), 'a file where the folder should be');
    for (let i = 0; i < 2; i++) assert.equal(list(b.tracker, {}, nowhere).text, list(b.tracker, {}).text);
    a.tracker.close(true);
    b.tracker.close(true);
  });

  it('a list of some runs keeps the other runs in the cache; a whole list forgets deleted ones', () => {
    const { tracker, ids, cache } = fixture();
    list(tracker, {}, cache);
    must(tracker.logMetric(ids[2]!, 'loss', 0.1, 5));
    must(tracker.flush());
    assert.equal(list(tracker, { experiment: 'fraud' }, cache).rendered, 1);
    assert.equal(list(tracker, {}, cache).rendered, 0, 'the churn runs were kept');
    must(tracker.deleteRuns([ids[0]!]));
    const before = readFileSync(cache).length;
    list(tracker, {}, cache);
    assert.ok(readFileSync(cache).length < before, 'the deleted run left the cache');
    tracker.close(true);
  });

  it('an unchanged store\'s whole list is printed from the cache without SQLite; any write, or a dead running run, means a read', () => {
    const { dir, tracker, ids, cache } = fixture();
    const store = join(dir, '.sextant', 'sextant.db');
    // A run this process runs, as the runner records it (host and pid).
    must(tracker.startRun({ experiment: 'live', name: 'running here', host: hostname(), pid: process.pid }));
    // A pipeline run whose stages were all cached (left out of lists: its item is empty).
    const cachedPipeline = must(tracker.startRun({ experiment: 'live', name: 'pipeline (all cached)', tags: { 'sextant.kind': 'pipeline' } })).id;
    must(tracker.finishRun(cachedPipeline, 'finished', 0));
    must(tracker.close(true));
    const reader = must(Tracker.open({ storePath: store, artifactsDir: join(dir, 'a') }, { readonly: true, flushMs: -1 }));
    settle();
    const read = list(reader, {}, cache, store).text;
    assert.equal(unchanged(cache, store), read, 'the same bytes, from the cache alone');
    assert.equal(unchanged(cache, store), read, 'and again');
    // Its first N runs too (`runs list --limit 1 --json`, as CI asks for the latest run).
    for (const limit of [1, 2, 5, 1000]) assert.equal(unchanged(cache, store, () => true, limit), list(reader, { limit }).text, `--limit ${limit}`);
    // A list with an option records nothing for the whole list, and leaves the record as it was.
    list(reader, { limit: 2 }, cache, store);
    list(reader, { experiment: 'churn' }, cache, store);
    assert.equal(unchanged(cache, store), read);
    // The running run's process gone means a read (which marks it killed).
    assert.equal(unchanged(cache, store, () => false), undefined);
    // Any write by anyone moves the store's state.
    const writer = open(dir, () => Date.now());
    must(writer.setTags(ids[2]!, { late: 'yes' }));
    assert.equal(unchanged(cache, store), undefined, 'a write');
    const again = list(reader, {}, cache, store).text;
    assert.match(again, /"late": "yes"/);
    assert.equal(unchanged(cache, store), undefined, 'the list right after a write records nothing: a write in the same clock tick could share its times');
    must(writer.close(true));
    settle();
    const settled = list(reader, {}, cache, store).text;
    assert.equal(unchanged(cache, store), settled);
    assert.equal(settled, list(reader, {}).text);
    reader.close(true);
  });

  it('lists taken while another process writes are whole JSON documents, and the cache is right once it stops', async () => {
    const { dir, tracker, cache } = fixture();
    const store = join(dir, '.sextant', 'sextant.db');
    const script = join(tempDir('sextant-runlistcache-writer-'), 'writer.js');
    writeFileSync(
      script,
      `const { Tracker } = require(${JSON.stringify(join(__dirname, '../../src/engine/tracking/tracking'))});
       const t = Tracker.open({ storePath: process.argv[2], artifactsDir: process.argv[2] + '-artifacts' }, { flushMs: -1 });
       if (!t.ok) throw new Error(t.error.message);
       const until = Date.now() + 1500;
       for (let i = 0; Date.now() < until; i++) {
         const run = t.value.startRun({ experiment: 'busy', name: 'w' + i, params: { i: String(i) } });
         t.value.logMetrics(run.value.id, [{ key: 'loss', value: 1 / (i + 1), step: 0 }]);
         t.value.flush();
         t.value.setTags(run.value.id, { done: 'yes' });
         t.value.finishRun(run.value.id, 'finished', 0);
       }
       t.value.close(true);`,
    );
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), script, store], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((res) => child.on('exit', res));
    let lists = 0;
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      const shortcut = unchanged(cache, store);
      const text = shortcut ?? list(tracker, {}, cache, store).text;
      const ids = (JSON.parse(text) as { id: string }[]).map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length, 'each run once');
      lists++;
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(await exited, 0, stderr);
    assert.ok(lists >= 5, `${lists} lists while it wrote`);
    settle();
    const after = list(tracker, {}, cache, store).text;
    assert.equal(after, list(tracker, {}).text);
    assert.equal(unchanged(cache, store), after);
    assert.ok((JSON.parse(after) as { experiment: string }[]).filter((r) => r.experiment === 'busy').length > 0);
    tracker.close(true);
  });
});
