// Opening a store runs SQLite's quick_check unless it passed on the store in exactly its present state
// (store/checkRecord.ts): the record never hides damage done after it, even damage that keeps the file's
// size and modification time (a `cp -p` over it, a scribble with the time put back).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { storeFileState } from '../../src/engine/store/fileState';
import { openStore } from '../../src/engine/store/open';
import { Tracker } from '../../src/engine/tracking/tracking';
import { tempDir } from './tempDir';

function store(): { path: string; run: string } {
  const dir = tempDir('sextant-checkrecord-');
  const path = join(dir, '.sextant', 'sextant.db');
  const t = Tracker.open({ storePath: path, artifactsDir: join(dir, '.sextant', 'artifacts') }, { create: true, flushMs: -1 });
  assert.ok(t.ok);
  const run = t.value.startRun({ experiment: 'e', params: { lr: '0.1' } });
  assert.ok(run.ok);
  assert.ok(t.value.logMetrics(run.value.id, Array.from({ length: 20_000 }, (_, i) => ({ key: 'loss', value: i, step: i }))).ok);
  assert.ok(t.value.close(true).ok);
  // The first reader after the last writer closed makes the write-ahead log again, which is a change.
  const reader = openStore(path, { readonly: true });
  assert.ok(reader.ok);
  reader.value.close();
  return { path, run: run.value.id };
}

/** Waits until the store's last change is old enough to be recorded (fileState.ts: SETTLED_MS, 100 ms). */
const settle = (): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);

const record = (path: string): string | undefined => (existsSync(`${path}.checked`) ? readFileSync(`${path}.checked`, 'utf8') : undefined);

/** Writes over the middle of the store (past the header and the schema), then puts its modification time back, to the nanosecond. */
function scribble(path: string): void {
  const before = statSync(path, { bigint: true });
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(8192, 0xab), 0, 8192, Math.floor(Number(before.size) / 2 / 4096) * 4096);
  closeSync(fd);
  const ns = before.mtimeNs;
  const touched = spawnSync('touch', ['-m', '-d', `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`, path], { encoding: 'utf8' });
  assert.equal(touched.status, 0, touched.stderr);
  const after = statSync(path, { bigint: true });
  assert.equal(after.mtimeNs, before.mtimeNs, 'the modification time was put back');
  assert.equal(after.size, before.size);
}

describe('store integrity check on open: skipped only for a store unchanged since it passed', () => {
  it('a passing check is recorded with the store file\'s state; opening again leaves it as it is', () => {
    const { path } = store();
    settle();
    const opened = openStore(path, { readonly: true });
    assert.ok(opened.ok);
    opened.value.close();
    const first = record(path);
    assert.ok(first?.includes(storeFileState(path).key), `${first} names ${storeFileState(path).key}`);
    const again = openStore(path, { readonly: true });
    assert.ok(again.ok);
    again.value.close();
    assert.equal(record(path), first);
  });

  it('damage done after the check is found, though the size and modification time are the same', () => {
    const { path } = store();
    settle();
    const opened = openStore(path, { readonly: true });
    assert.ok(opened.ok);
    opened.value.close();
    assert.ok(record(path));
    scribble(path);
    const damaged = openStore(path, { readonly: true });
    assert.equal(damaged.ok, false, 'the recorded check hid the damage');
    if (!damaged.ok) {
      assert.equal(damaged.error.code, 'store-corrupt');
      assert.equal(damaged.error.file, path);
    }
  });

  it('a write moves the state, and the next open checks and records the new one', () => {
    const { path, run } = store();
    settle();
    const t = Tracker.open({ storePath: path, artifactsDir: join(path, '..', 'artifacts') }, { flushMs: -1 });
    assert.ok(t.ok);
    assert.ok(record(path)?.includes(storeFileState(path).key));
    assert.ok(t.value.setTags(run, { note: 'more' }).ok);
    assert.ok(t.value.close(true).ok);
    assert.ok(!record(path)?.includes(storeFileState(path).key), 'the write moved the state');
    for (const wait of [false, true]) {
      // The first open checks (the reader then makes the write-ahead log again); once settled, one records.
      if (wait) settle();
      const opened = openStore(path, { readonly: true });
      assert.ok(opened.ok);
      opened.value.close();
    }
    assert.ok(record(path)?.includes(storeFileState(path).key));
  });

  it('a store changed a moment ago is checked but not recorded: a write in the same clock tick could share its times', () => {
    const { path, run } = store();
    const t = Tracker.open({ storePath: path, artifactsDir: join(path, '..', 'artifacts') }, { flushMs: -1 });
    assert.ok(t.ok);
    assert.ok(t.value.setTags(run, { note: 'now' }).ok);
    const opened = openStore(path, { readonly: true });
    assert.ok(opened.ok);
    opened.value.close();
    assert.ok(!record(path)?.includes(storeFileState(path).key), 'recorded a moment after a write');
    assert.ok(t.value.close(true).ok);
  });

  it('a record that cannot be written changes nothing: the store opens, checked each time', () => {
    const { path } = store();
    rmSync(`${path}.checked`, { force: true });
    mkdirSync(`${path}.checked`);
    for (let i = 0; i < 2; i++) {
      const opened = openStore(path, { readonly: true });
      assert.ok(opened.ok);
      opened.value.close();
    }
    scribble(path);
    assert.equal(openStore(path, { readonly: true }).ok, false);
  });

  it('a record of another state (a garbled one too) is not taken', () => {
    const { path } = store();
    writeFileSync(`${path}.checked`, 'quick_check ok whole 1:2:3:4:5 -\n');
    scribble(path);
    assert.equal(openStore(path, { readonly: true }).ok, false);
  });
});
