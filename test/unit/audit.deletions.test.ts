// Deletions in the audit log: every delete path of the registry (a version, an alias, a whole model) and of
// the tracking store (runs deleted, restored, purged; MLflow experiments deleted and restored) appends a chained
// entry in the same transaction as the deletion, a refused deletion changes nothing and writes nothing, and
// `sextant audit verify` names a deletion entry that was edited, reordered or removed.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { canonicalJson } from '../../src/engine/audit/canonical';
import { GENESIS_HASH, listAudit, type AuditEntry } from '../../src/engine/audit/log';
import { verifyAudit } from '../../src/engine/audit/verify';
import { registerModelVersion } from '../../src/engine/builtins/register';
import { aliasHistory } from '../../src/engine/registry/aliases';
import { deleteModelVersion, removeAlias } from '../../src/engine/registry/deletion';
import { listModels } from '../../src/engine/registry/list';
import { MlflowStore } from '../../src/engine/mlflowServer/store';
import { openStore, type Database } from '../../src/engine/store/open';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

function cli(cwd: string): CliIo & { stdout: string[]; stderr: string[]; docs: unknown[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const docs: unknown[] = [];
  return { stdout, stderr, docs, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => docs.push(JSON.parse(JSON.stringify(v))), isTty: false, cwd, env: {} };
}

/** As an attacker with the file would: the append-only triggers dropped first. */
function tamper(db: Database, sql: string, ...params: unknown[]): void {
  db.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
  db.prepare(sql).run(...params);
}

/** Each entry holds the previous one's hash, from the genesis hash on. */
function assertChained(entries: AuditEntry[]): void {
  entries.forEach((e, i) => assert.equal(e.prevHash, i === 0 ? GENESIS_HASH : entries[i - 1]!.hash, `entry ${e.seq} follows entry ${i}`));
}

describe('audit log: deletions are recorded, chained and verified', function () {
  this.timeout(60_000);
  let root: string;
  let storePath: string;
  let runId: string;

  /** Three versions of "penguins": v1 @production, v3 @staging; one run. Entries: 3 registrations + 2 moves. */
  beforeEach(() => {
    root = tempDir('sextant-audit-del-');
    const layout = workspaceLayout(root);
    storePath = layout.storePath;
    const t = Tracker.open(layout, { create: true });
    assert.ok(t.ok);
    const run = t.value.startRun({ experiment: 'penguins', name: 'register' });
    assert.ok(run.ok);
    runId = run.value.id;
    t.value.close(true);
    const model = join(root, 'model.onnx');
    ['one', 'two', 'three'].forEach((content, i) => {
      writeFileSync(model, content);
      const alias = i === 0 ? 'production' : i === 2 ? 'staging' : undefined;
      const r = registerModelVersion(storePath, { name: 'penguins', file: model, runId, ...(alias ? { alias } : {}) });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
    });
  });

  const withDb = <T>(fn: (db: Database) => T): T => {
    const opened = openStore(storePath);
    assert.ok(opened.ok);
    try {
      return fn(opened.value);
    } finally {
      opened.value.close();
    }
  };

  it('sextant models delete NAME@N: the version goes, one chained model-version-deleted entry; the chain verifies', async () => {
    const io = cli(root);
    assert.equal(await main(['models', 'delete', 'penguins@2', '--json'], io), 0, io.stderr.join('\n'));
    assert.deepEqual(io.docs[0], { model: 'penguins', version: 2, sha256: (io.docs[0] as { sha256: string }).sha256, aliasesRemoved: [] });
    withDb((db) => {
      assert.deepEqual(listModels(db)[0]!.versions.map((v) => v.version), [3, 1]);
      const entries = listAudit(db);
      assertChained(entries);
      const last = entries.at(-1)!;
      assert.equal(last.kind, 'model-version-deleted');
      assert.equal(last.subject, 'model:penguins@2');
      assert.equal(last.source, 'CLI');
      assert.match(String(last.detail.sha256), /^[0-9a-f]{64}$/);
      assert.equal(verifyAudit(db).ok, true);
    });
  });

  it('a version an alias points at is not deleted (nothing written); --with-aliases removes the alias too, each recorded', async () => {
    const before = withDb((db) => listAudit(db).length);
    const refused = cli(root);
    assert.equal(await main(['models', 'delete', 'penguins@1'], refused), 1);
    assert.match(refused.stderr.join('\n'), /Version 1 of "penguins" is where "production" points: it was not deleted/);
    withDb((db) => {
      assert.equal(listAudit(db).length, before, 'a refused deletion writes no entry');
      assert.deepEqual(listModels(db)[0]!.versions.map((v) => v.version), [3, 2, 1]);
    });
    const io = cli(root);
    assert.equal(await main(['models', 'delete', 'penguins@1', '--with-aliases'], io), 0, io.stderr.join('\n'));
    assert.equal(io.stdout.join('\n'), 'deleted penguins v1; aliases removed: production');
    withDb((db) => {
      const tail = listAudit(db).slice(before);
      assert.deepEqual(tail.map((e) => [e.kind, e.subject, e.detail.alias ?? null]), [['alias-removed', 'model:penguins', 'production'], ['model-version-deleted', 'model:penguins@1', null]]);
      assert.deepEqual(tail[1]!.detail.aliases_removed, ['production']);
      assert.deepEqual(aliasHistory(db, 'penguins').find((h) => h.alias === 'production'), { alias: 'production', from: 1, to: null, actor: tail[0]!.actor, source: 'CLI', at: tail[0]!.at });
      assert.equal(verifyAudit(db).ok, true);
    });
  });

  it('sextant models unalias: the alias goes with an alias-removed entry; an unknown alias is refused and writes nothing', async () => {
    const io = cli(root);
    assert.equal(await main(['models', 'unalias', 'penguins', '--alias', 'staging', '--json'], io), 0, io.stderr.join('\n'));
    assert.deepEqual(io.docs[0], { model: 'penguins', alias: 'staging', from: 3 });
    const count = withDb((db) => {
      const last = listAudit(db).at(-1)!;
      assert.deepEqual([last.kind, last.subject, last.detail], ['alias-removed', 'model:penguins', { alias: 'staging', from: 3 }]);
      assert.deepEqual(listModels(db)[0]!.versions.find((v) => v.version === 3)!.aliases, []);
      return listAudit(db).length;
    });
    const again = cli(root);
    assert.equal(await main(['models', 'unalias', 'penguins', '--alias', 'staging'], again), 1);
    assert.match(again.stderr.join('\n'), /Model "penguins" has no alias "staging"\. Nothing was changed\./);
    assert.equal(await main(['models', 'unalias', 'penguins@3', '--alias', 'x'], cli(root)), 2);
    withDb((db) => assert.equal(listAudit(db).length, count));
  });

  it('sextant models delete NAME: refused while aliased; --with-aliases deletes the model with one model-deleted entry; numbers are never reused', async () => {
    const refused = cli(root);
    assert.equal(await main(['models', 'delete', 'penguins'], refused), 1);
    assert.match(refused.stderr.join('\n'), /Model "penguins" still has @production \(v1\), @staging \(v3\): it was not deleted/);
    const io = cli(root);
    assert.equal(await main(['models', 'delete', 'penguins', '--with-aliases', '--json'], io), 0, io.stderr.join('\n'));
    assert.deepEqual(io.docs[0], { model: 'penguins', versions: [1, 2, 3], aliasesRemoved: ['production', 'staging'] });
    withDb((db) => {
      assert.deepEqual(listModels(db), []);
      const last = listAudit(db).at(-1)!;
      assert.deepEqual([last.kind, last.subject, last.detail], ['model-deleted', 'model:penguins', { versions: [1, 2, 3], aliases_removed: { production: 1, staging: 3 } }]);
    });
    // Registering the name again continues after v3: "penguins@1" in the log keeps meaning the first artifact.
    writeFileSync(join(root, 'model.onnx'), 'four');
    const r = registerModelVersion(storePath, { name: 'penguins', file: join(root, 'model.onnx'), runId });
    assert.ok(r.ok);
    assert.equal(r.value.version, 4);
    withDb((db) => {
      assert.equal(deleteModelVersion(db, storePath, { name: 'penguins', version: 4 }).ok, true);
      assert.equal(nextRegistered(), 5);
      assertChained(listAudit(db));
      assert.equal(verifyAudit(db).ok, true);
    });
    function nextRegistered(): number {
      const again = registerModelVersion(storePath, { name: 'penguins', file: join(root, 'model.onnx'), runId });
      assert.ok(again.ok);
      return again.value.version;
    }
  });

  it('unknown models and versions are refused and write nothing', () => {
    withDb((db) => {
      const n = listAudit(db).length;
      const a = deleteModelVersion(db, storePath, { name: 'penguins', version: 9 });
      assert.equal(a.ok ? '' : a.error.code, 'model-version-unknown');
      const b = removeAlias(db, storePath, { name: 'nope', alias: 'production' });
      assert.equal(b.ok ? '' : b.error.code, 'model-unknown');
      const c = removeAlias(db, storePath, { name: 'penguins', alias: 'production', expectedFrom: 2 });
      assert.match(c.ok ? '' : c.error.message, /was moved meanwhile: it now points at version 1\. Nothing was changed/);
      assert.equal(listAudit(db).length, n);
    });
  });

  it('runs deleted, restored and purged (the Tracker, as the Experiments view and the MLflow server call it) are each recorded', () => {
    const t = Tracker.open(workspaceLayout(root));
    assert.ok(t.ok);
    try {
      assert.ok(t.value.deleteRuns([runId], { source: 'VS Code' }).ok);
      assert.ok(t.value.restoreRuns([runId], { source: 'VS Code' }).ok);
      assert.ok(t.value.deleteRuns([runId]).ok);
      const purged = t.value.purgeDeletedRuns(0, { source: 'VS Code' });
      assert.ok(purged.ok);
      assert.equal(purged.value, 1);
      const entries = listAudit(t.value.db).slice(-4);
      assert.deepEqual(entries.map((e) => [e.kind, e.subject, e.source]), [
        ['run-deleted', `run:${runId}`, 'VS Code'],
        ['run-restored', `run:${runId}`, 'VS Code'],
        ['run-deleted', `run:${runId}`, 'sextant'],
        ['run-purged', `run:${runId}`, 'VS Code'],
      ]);
      assert.deepEqual(entries[0]!.detail, { name: 'register', experiment: 'penguins', stages: 0 });
      assert.equal(verifyAudit(t.value.db).ok, true);
    } finally {
      t.value.close(true);
    }
  });

  it('an MLflow experiment deleted and restored through the MLflow server store is recorded', () => {
    const t = Tracker.open(workspaceLayout(root));
    assert.ok(t.ok);
    try {
      const store = new MlflowStore(t.value);
      const id = String(t.value.db.prepare("SELECT id FROM experiments WHERE name = 'penguins'").pluck().get());
      store.setExperimentLifecycle(id, 'deleted');
      store.setExperimentLifecycle(id, 'active');
      assert.deepEqual(listAudit(t.value.db).slice(-2).map((e) => [e.kind, e.subject, e.source]), [
        ['experiment-deleted', 'experiment:penguins', 'MLflow server'],
        ['experiment-restored', 'experiment:penguins', 'MLflow server'],
      ]);
      assert.equal(verifyAudit(t.value.db).ok, true);
    } finally {
      t.value.close(true);
    }
  });

  describe('sextant audit verify names a deletion entry that was tampered with', () => {
    /** The store after deleting v2: entry 6 is the deletion, 7 the alias removal after it. */
    let db: Database;
    beforeEach(async () => {
      assert.equal(await main(['models', 'delete', 'penguins@2'], cli(root)), 0);
      assert.equal(await main(['models', 'unalias', 'penguins', '--alias', 'staging'], cli(root)), 0);
      const opened = openStore(storePath);
      assert.ok(opened.ok);
      db = opened.value;
      assert.deepEqual(listAudit(db).map((e) => e.kind).slice(-2), ['model-version-deleted', 'alias-removed']);
      assert.equal(listAudit(db).length, 7);
    });
    afterEach(() => db.close());

    it('edited: the deletion made to look like another version\'s', async () => {
      tamper(db, "UPDATE audit_log SET subject = 'model:penguins@3' WHERE seq = 6");
      assert.deepEqual(verifyAudit(db).problems.map((p) => [p.entry, p.kind]), [[6, 'edited']]);
      const io = cli(root);
      assert.equal(await main(['audit', 'verify'], io), 1);
      assert.match(io.stderr.join('\n'), /entry 6: edited: entry 6 \(model-version-deleted of model:penguins@3\) was changed after it was written/);
    });

    it('reordered: the deletion swapped with the entry before it', async () => {
      const [fifth, sixth] = listAudit(db).slice(4, 6);
      const cols = 'at = ?, kind = ?, actor = ?, source = ?, subject = ?, detail_json = ?, prev_hash = ?, hash = ?';
      const values = (e: AuditEntry) => [e.at, e.kind, e.actor, e.source, e.subject, canonicalJson(e.detail), e.prevHash, e.hash];
      tamper(db, `UPDATE audit_log SET ${cols} WHERE seq = 5`, ...values(sixth!));
      tamper(db, `UPDATE audit_log SET ${cols} WHERE seq = 6`, ...values(fifth!));
      const io = cli(root);
      assert.equal(await main(['audit', 'verify', '--json'], io), 1);
      const problems = (io.docs[0] as { problems: { entry: number; kind: string; message: string }[] }).problems;
      assert.deepEqual(problems.map((p) => [p.entry, p.kind]), [[5, 'reordered'], [6, 'reordered'], [7, 'reordered']]);
      assert.match(problems[0]!.message, /entry 5 was written after entry 6, not after entry 4/);
    });

    it('removed: the deletion entry taken out, with or without renumbering the rest', async () => {
      tamper(db, 'DELETE FROM audit_log WHERE seq = 6');
      assert.deepEqual(verifyAudit(db).problems.map((p) => [p.entry, p.kind, p.message]), [[7, 'removed', 'entry 6 is missing (removed).']]);
      tamper(db, 'UPDATE audit_log SET seq = 6 WHERE seq = 7');
      const io = cli(root);
      assert.equal(await main(['audit', 'verify'], io), 1);
      assert.match(io.stderr.join('\n'), /entry 6: removed: entry 6 was written after an entry that is not in the log .*an entry between 5 and 6 was removed/);
    });
  });
});
