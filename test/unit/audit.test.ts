// The audit log: append-only (SQLite triggers), hash-chained, written in the same transaction as the registry
// action it records, and `sextant audit verify` names what an attacker with the file changed: an edited entry
// (with or without its hash recomputed), a reordered pair, a removed entry, a cut-off tail (caught by the head
// kept in `meta`, and when that was rewritten too, only by a head kept outside the store: --expect-head).
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { canonicalJson } from '../../src/engine/audit/canonical';
import { appendAudit, AUDIT_HEAD_KEY, entryHash, listAudit, GENESIS_HASH } from '../../src/engine/audit/log';
import { verifyAudit, AuditVerdictSchema } from '../../src/engine/audit/verify';
import { registerModelVersion } from '../../src/engine/builtins/register';
import { aliasHistory, moveAlias } from '../../src/engine/registry/aliases';
import { listModels } from '../../src/engine/registry/list';
import { openStore, type Database } from '../../src/engine/store/open';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

function cli(cwd: string): CliIo & { out: (t: string) => void; stdout: string[]; stderr: string[]; docs: unknown[] } {
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

describe('audit log: append-only, hash-chained, verified', function () {
  this.timeout(30_000);
  let root: string;
  let storePath: string;
  let db: Database;

  /** A store with 7 entries from real registry actions: 3 registrations with @staging (6), one promotion (1). */
  beforeEach(() => {
    root = tempDir('sextant-audit-');
    const layout = workspaceLayout(root);
    storePath = layout.storePath;
    const t = Tracker.open(layout, { create: true });
    assert.ok(t.ok);
    const run = t.value.startRun({ experiment: 'penguins', name: 'register' });
    assert.ok(run.ok);
    t.value.close(true);
    const model = join(root, 'model.onnx');
    for (const content of ['one', 'two', 'three']) {
      writeFileSync(model, content);
      const r = registerModelVersion(storePath, { name: 'penguins', file: model, runId: run.value.id, alias: 'staging' });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
    }
    const opened = openStore(storePath);
    assert.ok(opened.ok);
    db = opened.value;
    const moved = moveAlias(db, storePath, { name: 'penguins', alias: 'production', version: 2, who: { actor: 'ada', source: 'CLI' } });
    assert.ok(moved.ok, moved.ok ? '' : moved.error.message);
  });
  afterEach(() => db.close());

  it('records registrations and alias moves in order, each chained to the one before', () => {
    const entries = listAudit(db);
    assert.deepEqual(
      entries.map((e) => [e.seq, e.kind, e.subject]),
      [
        [1, 'model-registered', 'model:penguins@1'],
        [2, 'alias-moved', 'model:penguins'],
        [3, 'model-registered', 'model:penguins@2'],
        [4, 'alias-moved', 'model:penguins'],
        [5, 'model-registered', 'model:penguins@3'],
        [6, 'alias-moved', 'model:penguins'],
        [7, 'alias-moved', 'model:penguins'],
      ],
    );
    assert.deepEqual(entries[6]!.detail, { alias: 'production', from: null, to: 2 });
    assert.equal(entries[6]!.actor, 'ada');
    assert.equal(entries[0]!.prevHash, GENESIS_HASH);
    for (let i = 1; i < entries.length; i++) assert.equal(entries[i]!.prevHash, entries[i - 1]!.hash);
    for (const e of entries) assert.equal(entryHash(e, e.prevHash), e.hash);
    assert.match(String(entries[0]!.detail.sha256), /^[0-9a-f]{64}$/);
    const verdict = verifyAudit(db);
    assert.deepEqual(verdict, { ok: true, entries: 7, head: { seq: 7, hash: entries[6]!.hash }, recordedHead: { seq: 7, hash: entries[6]!.hash }, problems: [] });
    assert.ok(AuditVerdictSchema.safeParse(verdict).success);
  });

  it('the hash is over canonical JSON: the same entry with its keys in another order hashes the same', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, 'x'], c: null } }), '{"a":{"c":null,"d":[1,"x"]},"b":1}');
    const e = listAudit(db)[1]!;
    assert.equal(entryHash({ ...e, detail: { to: e.detail.to!, from: e.detail.from!, alias: e.detail.alias! } }, e.prevHash), e.hash);
  });

  it('SQLite itself refuses to change or delete an entry (triggers)', () => {
    assert.throws(() => db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2").run(), /append-only: an entry cannot be changed/);
    assert.throws(() => db.prepare('DELETE FROM audit_log WHERE seq = 7').run(), /append-only: an entry cannot be deleted/);
    assert.equal(listAudit(db).length, 7);
    assert.equal(listAudit(db)[1]!.actor.length > 0 && listAudit(db)[1]!.actor !== 'mallory', true);
  });

  it('the audit entry is part of the alias move: when it cannot be written, the alias does not move', () => {
    db.exec("CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit write failed'); END");
    const moved = moveAlias(db, storePath, { name: 'penguins', alias: 'production', version: 3 });
    assert.equal(moved.ok, false);
    assert.match(moved.ok ? '' : moved.error.message, /audit write failed/);
    db.exec('DROP TRIGGER fail_audit');
    assert.deepEqual(listModels(db)[0]!.versions.find((v) => v.aliases.includes('production'))?.version, 2, 'production still on v2');
    assert.equal(aliasHistory(db, 'penguins').filter((h) => h.alias === 'production').length, 1, 'no history row for the failed move');
    assert.equal(listAudit(db).length, 7);
  });

  it('appendAudit takes events of the serving kinds and refuses an event that does not parse', () => {
    const e = appendAudit(db, { kind: 'token-used', actor: 'token:ci', source: 'server 127.0.0.1:8400', subject: 'server:penguins@production', detail: { route: '/predict' } });
    assert.equal(e.seq, 8);
    assert.throws(() => appendAudit(db, { kind: 'nonsense' as 'token-used', actor: 'x', source: 'y', subject: 'z' }));
    assert.equal(verifyAudit(db).ok, true);
  });

  it('finds an edited entry and names it; the CLI exits 1 and says which', async () => {
    tamper(db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 4");
    const verdict = verifyAudit(db);
    assert.equal(verdict.ok, false);
    assert.deepEqual(verdict.problems.map((p) => [p.entry, p.kind]), [[4, 'edited']]);
    assert.match(verdict.problems[0]!.message, /entry 4 \(alias-moved of model:penguins\) was changed after it was written/);
    const io = cli(root);
    assert.equal(await main(['audit', 'verify'], io), 1);
    assert.match(io.stderr.join('\n'), /entry 4: edited: /);
    assert.match(io.stdout.join('\n'), /TAMPERED: 1 problem in 7 entries/);
    const json = cli(root);
    assert.equal(await main(['audit', 'verify', '--json'], json), 1);
    assert.deepEqual((json.docs[0] as { problems: { entry: number; kind: string }[] }).problems.map((p) => [p.entry, p.kind]), [[4, 'edited']]);
  });

  it('an edit whose hash was recomputed still shows: the next entry no longer follows it', () => {
    const e = listAudit(db)[2]!;
    const detail = { ...e.detail, sha256: 'f'.repeat(64) };
    tamper(db, 'UPDATE audit_log SET detail_json = ?, hash = ? WHERE seq = 3', canonicalJson(detail), entryHash({ ...e, detail }, e.prevHash));
    const verdict = verifyAudit(db);
    assert.deepEqual(verdict.problems.map((p) => [p.entry, p.kind]), [[4, 'removed']]);
    assert.match(verdict.problems[0]!.message, /entry 4 was written after an entry that is not in the log .*entry 3 was changed and its hash recomputed/);
  });

  it('finds reordered entries', () => {
    const [, second, third] = listAudit(db);
    const cols = 'at = ?, kind = ?, actor = ?, source = ?, subject = ?, detail_json = ?, prev_hash = ?, hash = ?';
    const values = (e: typeof second) => [e!.at, e!.kind, e!.actor, e!.source, e!.subject, canonicalJson(e!.detail), e!.prevHash, e!.hash];
    tamper(db, `UPDATE audit_log SET ${cols} WHERE seq = 2`, ...values(third));
    tamper(db, `UPDATE audit_log SET ${cols} WHERE seq = 3`, ...values(second));
    const verdict = verifyAudit(db);
    assert.equal(verdict.ok, false);
    assert.deepEqual(verdict.problems.map((p) => [p.entry, p.kind]), [[2, 'reordered'], [3, 'reordered'], [4, 'reordered']]);
    assert.match(verdict.problems[0]!.message, /entry 2 was written after entry 3, not after entry 1: entries were reordered/);
  });

  it('finds a removed entry, also when the ones after it were renumbered', () => {
    tamper(db, 'DELETE FROM audit_log WHERE seq = 3');
    assert.deepEqual(verifyAudit(db).problems.map((p) => [p.entry, p.kind, p.message]), [[4, 'removed', 'entry 3 is missing (removed).']]);
    for (let seq = 4; seq <= 7; seq++) tamper(db, 'UPDATE audit_log SET seq = ? WHERE seq = ?', seq - 1, seq);
    const verdict = verifyAudit(db);
    assert.deepEqual(verdict.problems.map((p) => [p.entry, p.kind]), [[3, 'removed'], [6, 'head-mismatch']]);
    assert.match(verdict.problems[0]!.message, /an entry between 2 and 3 was removed/);
  });

  it('finds a cut-off tail by the head recorded in meta; when that was rewritten too, only --expect-head catches it', async () => {
    const head = listAudit(db).at(-1)!.hash;
    tamper(db, 'DELETE FROM audit_log WHERE seq >= 6');
    const verdict = verifyAudit(db);
    assert.deepEqual(verdict.problems.map((p) => [p.entry, p.kind]), [[5, 'truncated']]);
    assert.match(verdict.problems[0]!.message, /the log ends at entry 5, but the store recorded entry 7 .* as its last: entries 6 to 7 were removed/);

    // The attacker rewrites the head record too: the chain alone is consistent again.
    const last = listAudit(db).at(-1)!;
    db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(JSON.stringify({ seq: last.seq, hash: last.hash }), AUDIT_HEAD_KEY);
    assert.equal(verifyAudit(db).ok, true, 'a chain cannot show a cut tail whose head record was rewritten');
    const caught = verifyAudit(db, { expectHead: head });
    assert.deepEqual(caught.problems.map((p) => [p.entry, p.kind]), [[5, 'truncated']]);
    const io = cli(root);
    assert.equal(await main(['audit', 'verify', '--expect-head', head], io), 1);
    assert.match(io.stderr.join('\n'), /the head you expected .* is not in the log/);
    // A head recorded earlier that the log has grown past is fine.
    const earlier = listAudit(db)[2]!.hash;
    const ok = cli(root);
    assert.equal(await main(['audit', 'verify', '--expect-head', earlier], ok), 0, ok.stderr.join('\n'));
  });

  it('sextant audit list prints the entries, filtered by subject and kind, as JSON too', async () => {
    const io = cli(root);
    assert.equal(await main(['audit', 'list', '--json', '--subject', 'model:penguins', '--kind', 'model-registered'], io), 0);
    const doc = io.docs[0] as { entries: { seq: number; subject: string }[] };
    assert.deepEqual(doc.entries.map((e) => [e.seq, e.subject]), [[1, 'model:penguins@1'], [3, 'model:penguins@2'], [5, 'model:penguins@3']]);
    const text = cli(root);
    assert.equal(await main(['audit', 'list', '--limit', '2'], text), 0);
    assert.match(text.stdout.join('\n'), /^#\s+WHEN/);
    assert.match(text.stdout.join('\n'), /\n7 .*alias-moved\s+model:penguins\s+ada\s+CLI/);
    assert.equal(await main(['audit', 'list', '--kind', 'bogus'], cli(root)), 2);
  });
});
