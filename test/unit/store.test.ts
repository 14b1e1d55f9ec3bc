import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { openStore, type Database } from '../../src/engine/store/open';
import { MIGRATIONS, migrate, schemaVersion } from '../../src/engine/store/migrations';
import { loadBetterSqlite3 } from '../../src/engine/native/load';
import { Tracker } from '../../src/engine/tracking/tracking';
import { assertRollupsMatchPoints } from './trackingHelpers';
import { tempDir } from './tempDir';

const tmp = (): string => tempDir('sextant-store-');
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

function mustOpen(path: string, create = true): Database {
  const db = openStore(path, { create });
  if (!db.ok) throw new Error(db.error.message);
  return db.value;
}

describe('store schema and migrations', () => {
  it('creates every tracking table at the latest version, and reopening changes nothing', () => {
    const path = join(tmp(), 'sextant.db');
    const db = mustOpen(path);
    assert.equal(schemaVersion(db), MIGRATIONS.at(-1)!.version);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    for (const t of ['experiments', 'runs', 'params', 'tags', 'metric_keys', 'metrics', 'latest_metrics', 'artifacts', 'datasets', 'dataset_versions', 'models', 'model_versions', 'model_aliases', 'run_dataset_versions', 'run_model_versions']) {
      assert.ok(tables.includes(t), `missing table ${t}`);
    }
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    // metrics is WITHOUT ROWID (the primary key is the table, no second index)
    const sql = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'metrics'").pluck().get() as string;
    assert.match(sql, /WITHOUT ROWID/);
    db.close();
    const again = mustOpen(path, false);
    assert.equal(schemaVersion(again), MIGRATIONS.at(-1)!.version);
    again.close();
  });

  it('migrates a version-1 store (meta only) forward, keeping its data', () => {
    const path = join(tmp(), 'sextant.db');
    const Driver = loadBetterSqlite3();
    assert.ok(Driver.ok);
    const raw = new Driver.value(path);
    raw.exec(MIGRATIONS[0]!.sql);
    raw.prepare("INSERT INTO meta VALUES ('hello', 'world')").run();
    raw.pragma('user_version = 1');
    raw.close();
    const db = mustOpen(path, false);
    assert.equal(schemaVersion(db), MIGRATIONS.at(-1)!.version);
    assert.equal(db.prepare("SELECT value FROM meta WHERE key = 'hello'").pluck().get(), 'world');
    db.close();
  });

  it('migration 3 backfills the metric rollups of a version-2 store from its points', () => {
    const path = join(tmp(), 'sextant.db');
    const Driver = loadBetterSqlite3();
    assert.ok(Driver.ok);
    const raw = new Driver.value(path);
    assert.ok(migrate(raw, path, MIGRATIONS.filter((m) => m.version <= 2)).ok);
    raw.exec("INSERT INTO experiments (name, created_at) VALUES ('e', 0); INSERT INTO runs (uid, experiment_id, name, status, created_at) VALUES ('abcd', 1, 'r', 'finished', 0); INSERT INTO metric_keys (name) VALUES ('loss');");
    const insert = raw.prepare('INSERT INTO metrics (run_id, key_id, step, ts, value) VALUES (1, 1, ?, 0, ?)');
    for (let s = -20; s < 1000; s++) insert.run(s, s % 13 === 0 ? null : s / 7);
    raw.close();
    const t = Tracker.open({ storePath: path, artifactsDir: join(tmp(), 'a') });
    assert.ok(t.ok);
    assert.equal(schemaVersion(t.value.db), MIGRATIONS.at(-1)!.version);
    assert.equal(t.value.db.prepare('SELECT count(*) FROM metric_buckets').pluck().get(), Math.ceil(1020 / 8));
    assertRollupsMatchPoints(t.value, { latest: false });
    t.value.close(true);
  });

  it('several processes creating the same fresh store at once all succeed (migrations do not race)', async function () {
    this.timeout(60_000);
    const script = join(tmp(), 'open.js');
    writeFileSync(script, `const { openStore } = require(${JSON.stringify(resolve(__dirname, '../../src/engine/store/open'))}); const r = openStore(process.argv[2], { create: true }); if (!r.ok) { console.error(JSON.stringify(r.error)); process.exit(1); }`);
    for (let round = 0; round < 3; round++) {
      const path = join(tmp(), 'sextant.db');
      const results = await Promise.all(
        Array.from({ length: 5 }, () => new Promise<{ code: number | null; stderr: string }>((done) => {
          let stderr = '';
          const p = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), script, path]);
          p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          p.on('exit', (code) => done({ code, stderr }));
        })),
      );
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      const db = mustOpen(path, false);
      assert.equal(schemaVersion(db), MIGRATIONS.at(-1)!.version);
      db.close();
    }
  });

  it('refuses a store newer than this Sextant, naming the file', () => {
    const path = join(tmp(), 'sextant.db');
    const db = mustOpen(path);
    db.pragma('user_version = 99');
    db.close();
    const opened = openStore(path);
    assert.equal(opened.ok, false);
    if (!opened.ok) {
      assert.equal(opened.error.code, 'store-too-new');
      assert.equal(opened.error.file, path);
    }
  });

  it('enforces foreign keys and the status check', () => {
    const db = mustOpen(join(tmp(), 'sextant.db'));
    assert.throws(() => db.prepare("INSERT INTO runs (uid, experiment_id, name, status, created_at) VALUES ('x', 999, 'r', 'running', 0)").run(), /FOREIGN KEY/);
    db.prepare("INSERT INTO experiments (name, created_at) VALUES ('e', 0)").run();
    assert.throws(() => db.prepare("INSERT INTO runs (uid, experiment_id, name, status, created_at) VALUES ('x', 1, 'r', 'exploded', 0)").run(), /CHECK/);
    db.close();
  });
});

describe('store: damaged and foreign files', () => {
  it('a non-SQLite file gives a clear error naming it, and is never overwritten', () => {
    const dir = tmp();
    const path = join(dir, 'sextant.db');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(200));
    const before = sha(path);
    const opened = Tracker.open({ storePath: path, artifactsDir: join(dir, 'artifacts') }, { create: true });
    assert.equal(opened.ok, false);
    if (!opened.ok) {
      assert.equal(opened.error.code, 'store-corrupt');
      assert.equal(opened.error.file, path);
      assert.match(opened.error.message, /not a SQLite database/);
      assert.match(opened.error.fix ?? '', /[Mm]ove it aside/);
    }
    assert.equal(sha(path), before);
  });

  it('a SQLite file with damaged pages is reported as corrupt and left untouched', () => {
    const dir = tmp();
    const path = join(dir, 'sextant.db');
    const t = Tracker.open({ storePath: path, artifactsDir: join(dir, 'a') }, { create: true });
    assert.ok(t.ok);
    const run = t.value.startRun({ experiment: 'e' });
    assert.ok(run.ok);
    const points = Array.from({ length: 20_000 }, (_, i) => ({ key: 'loss', value: i, step: i }));
    assert.ok(t.value.logMetrics(run.value.id, points).ok);
    assert.ok(t.value.close(true).ok);
    // Scribble over the middle of the file (past the header and schema pages).
    const size = statSync(path).size;
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0xab), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    const before = sha(path);
    const opened = openStore(path);
    assert.equal(opened.ok, false);
    if (!opened.ok) {
      assert.equal(opened.error.code, 'store-corrupt');
      assert.equal(opened.error.file, path);
    }
    assert.equal(sha(path), before);
    // A big store is not checked point by point on open: the damage shows when the points are read.
    const big = openStore(path, { fullCheckMaxBytes: 0 });
    assert.ok(big.ok, 'the points are not checked on open');
    const read = new Tracker(big.value, { file: path }).getRun(run.value.id);
    assert.equal(read.ok, false);
    if (!read.ok) {
      assert.equal(read.error.code, 'store-corrupt');
      assert.equal(read.error.file, path);
      assert.match(read.error.fix ?? '', /move-store-aside/);
    }
    big.value.close();
    assert.equal(sha(path), before);
  });

  it('a full disk (SQLITE_FULL) is a clear error and earlier data is intact', () => {
    const dir = tmp();
    const path = join(dir, 'sextant.db');
    const t = Tracker.open({ storePath: path, artifactsDir: join(dir, 'a') }, { create: true, flushMs: -1, batchSize: 1_000_000 });
    assert.ok(t.ok);
    const tracker = t.value;
    const run = tracker.startRun({ experiment: 'e', params: { lr: 0.1 } });
    assert.ok(run.ok);
    const first = Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: i / 1000, step: i }));
    assert.ok(tracker.logMetrics(run.value.id, first).ok);
    assert.equal((tracker.flush() as { value: number }).value, 1000);
    // Cap the file at its current size: the next big batch cannot fit.
    const pages = tracker.db.pragma('page_count', { simple: true }) as number;
    tracker.db.pragma(`max_page_count = ${pages + 2}`);
    const second = Array.from({ length: 50_000 }, (_, i) => ({ key: 'loss', value: 1, step: 1000 + i }));
    assert.ok(tracker.logMetrics(run.value.id, second).ok);
    const flushed = tracker.flush();
    assert.equal(flushed.ok, false);
    if (!flushed.ok) {
      assert.equal(flushed.error.code, 'store-full');
      assert.equal(flushed.error.file, path);
      assert.match(flushed.error.message, /full/);
      assert.match(flushed.error.message, /earlier data is intact/);
      assert.match(flushed.error.fix ?? '', /Free disk space/);
    }
    // Params and tags fail the same way, clearly.
    const tagged = tracker.setTags(run.value.id, { big: 'x'.repeat(60_000) });
    assert.equal(tagged.ok, false);
    if (!tagged.ok) assert.equal(tagged.error.code, 'store-full');
    // Everything committed before is there, nothing of the failed batch is.
    const detail = tracker.getRun(run.value.id);
    assert.ok(detail.ok);
    assert.equal(detail.value.history.loss!.length, 1000);
    assert.equal(detail.value.metrics.loss!.step, 999);
    assert.equal(detail.value.params.lr, '0.1');
    // Space comes back: the buffered points are still there and go in.
    tracker.db.pragma('max_page_count = 1073741823');
    const retried = tracker.flush();
    assert.ok(retried.ok);
    assert.equal(retried.value, 50_000);
    const after = tracker.getRun(run.value.id);
    assert.ok(after.ok);
    assert.equal(after.value.history.loss!.length, 51_000);
    tracker.close(true);
  });
});
