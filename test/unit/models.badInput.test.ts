// Bad input across evaluation, the registry and serving (issue 11, "Bad input"), the parts the per-module tests
// do not pin: every refused evaluation leaves the registry as it was (no evaluation stored, no audit entry); a
// register stage given a truncated .onnx fails before anything is written (no version, no blob, no entry); a
// port in use fails the second server and leaves the first one serving, with no "serving-started" written; a
// wrong token is refused without being recorded as a token's use or a logged prediction; numbers JSON cannot
// carry as finite (1e400) are refused with the field named. Elsewhere: serve.test.ts (signature mismatches, the
// 100 MB body, tokens, a truncated .onnx before listening), serve.cli.test.ts (port in use: exit 1),
// evaluate.cli.test.ts (names, count, dtype, truncated, unseen classes, NaN: each error's text).
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { listAudit } from '../../src/engine/audit/log';
import { verifyAudit } from '../../src/engine/audit/verify';
import { emptyPolicy } from '../../src/engine/data/pii/protect';
import { listModels } from '../../src/engine/registry/list';
import { loadServedModel, resolveModel, type ServedModel } from '../../src/engine/serve/model';
import { startServer, type RunningServer } from '../../src/engine/serve/server';
import { openStore, type Database } from '../../src/engine/store/open';
import type { WorkspaceLayout } from '../../src/engine/workspace/layout';
import { demoWorkspace, io } from './serveHelpers';

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('bad input: a precise error, the server stays up, nothing half-written in the registry', function () {
  this.timeout(180_000);
  let root: string;
  let layout: WorkspaceLayout;
  let db: Database;
  let csv: string;

  const cli = async (args: string[]) => {
    const got = io(root);
    const code = await main(args, got);
    return { code, out: got.stdout.join('\n'), err: got.stderr.join('\n'), docs: got.docs };
  };
  /** What a half-done action would leave behind: versions, evaluations, audit entries, prediction log rows, blobs. */
  const snapshot = () => ({
    versions: listModels(db).flatMap((m) => m.versions.map((v) => `${m.name}@${v.version}`)),
    evaluations: db.prepare('SELECT count(*) FROM model_evaluations').pluck().get() as number,
    audit: listAudit(db).map((e) => `${e.seq} ${e.kind} ${e.subject}`),
    predictions: db.prepare('SELECT count(*) FROM prediction_log').pluck().get() as number,
    blobs: blobs(),
  });
  const blobs = (): string[] => {
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else out.push(e.name);
      }
    };
    walk(layout.artifactsDir);
    return out.sort();
  };

  before(async () => {
    ({ root, layout } = await demoWorkspace('sextant-badinput-'));
    const opened = openStore(layout.storePath);
    assert.ok(opened.ok);
    db = opened.value;
    csv = readFileSync(join(root, 'data', 'penguins.csv'), 'utf8');
  });
  after(() => db?.close());

  it('sextant eval NAME@ALIAS on data that does not fit: exit 1 naming the cause, and no evaluation or audit entry stored', async () => {
    const stored = await cli(['eval', 'penguin-species@staging', 'data/penguins.csv', '--json']);
    assert.equal(stored.code, 0, stored.err);
    const before = snapshot();
    assert.ok(before.evaluations >= 1, 'a good evaluation is stored (so the counts below can move)');
    const lines = csv.split('\n');
    const cases: [string, string, RegExp][] = [
      ['names.csv', csv.replace('flipper_length_mm', 'flipper_mm'), /The model's feature "flipper_length_mm" is not a column of the data/],
      ['dtype.csv', lines.map((l, i) => (i === 5 ? l.replace(/,(\d+),(\d+),/, ',$1,heavy,') : l)).join('\n'), /Column "body_mass_g" at line 6 is "heavy", not a number/],
      ['unseen.csv', lines.map((l, i) => (i === 7 ? l.replace(/^\w+,/, 'emperor,') : l)).join('\n'), /"emperor" \(1 row, first at line 8\)\. The model's classes: adelie, chinstrap, gentoo/],
      ['nolabel.csv', lines.map((l) => l.split(',').slice(1).join(',')).join('\n'), /species/],
    ];
    for (const [file, text, message] of cases) {
      writeFileSync(join(root, file), text);
      const r = await cli(['eval', 'penguin-species@staging', file]);
      assert.equal(r.code, 1, `${file}: ${r.out}`);
      assert.match(r.err, message, file);
      assert.match(r.err, new RegExp(file.replace('.', '\\.')), `${file}: the error names the data file`);
    }
    assert.deepEqual(snapshot(), before, 'nothing was stored by the refused evaluations');
  });

  it('a registered version whose artifact was cut short: eval and serve refuse it, naming the file, and store nothing', async () => {
    const ref = resolveModel('penguin-species@1', root, { db, file: layout.storePath, artifactsDir: layout.artifactsDir });
    assert.ok(ref.ok);
    const bytes = readFileSync(ref.value.file);
    const before = snapshot();
    try {
      writeFileSync(ref.value.file, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const evaluated = await cli(['eval', 'penguin-species@1', 'data/penguins.csv']);
      assert.equal(evaluated.code, 1, evaluated.out);
      assert.match(evaluated.err, /truncated|not an ONNX model|changed since it was registered/i);
      const served = await cli(['serve', 'penguin-species@1', '--port', '0']);
      assert.equal(served.code, 1, served.out);
      assert.match(served.err, /truncated|not an ONNX model|changed since it was registered|cannot load/i);
      assert.match(`${evaluated.err}\n${served.err}`, new RegExp(ref.value.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    } finally {
      writeFileSync(ref.value.file, bytes);
    }
    assert.deepEqual(snapshot(), before);
  });

  it('a register stage given a truncated .onnx fails before writing anything: no model, no version, no audit entry, the file not copied', async () => {
    const model = readFileSync(join(root, 'models', 'penguins.onnx'));
    const cut = model.subarray(0, Math.floor(model.length * 0.7));
    writeFileSync(join(root, 'cut.onnx'), cut);
    writeFileSync(join(root, 'register-cut.yaml'), 'version: 1\nname: cut\nstages:\n  register:\n    uses: sextant/register\n    with: { name: cut-model, model: cut.onnx, alias: production }\n');
    const before = snapshot();
    const r = await cli(['run', '--file', 'register-cut.yaml']);
    assert.equal(r.code, 1, r.out);
    assert.match(`${r.out}\n${r.err}`, /Stage "register": the model file is not a whole ONNX model \(.+\); nothing was registered/);
    const after = snapshot();
    assert.deepEqual(after.versions, before.versions);
    assert.ok(!after.blobs.includes(createHash('sha256').update(cut).digest('hex')), 'the cut file was not copied into the artifact store');
    assert.deepEqual(after.audit, before.audit);
    assert.equal(db.prepare("SELECT count(*) FROM models WHERE name = 'cut-model'").pluck().get(), 0);
  });

  describe('serving', () => {
    let model: ServedModel;
    let server: RunningServer;
    before(async () => {
      const ref = resolveModel('penguin-species@staging', root, { db, file: layout.storePath, artifactsDir: layout.artifactsDir });
      assert.ok(ref.ok);
      const loaded = await loadServedModel(ref.value);
      assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
      model = loaded.value;
      const started = await startServer({ model, host: '127.0.0.1', port: 0, db, policy: emptyPolicy() });
      assert.ok(started.ok, started.ok ? '' : started.error.message);
      server = started.value;
    });
    after(async () => {
      await server?.close();
    });

    it('a port in use: the second server fails with a precise error before writing anything; the first keeps serving', async () => {
      server.log?.flush();
      const before = snapshot();
      const second = await startServer({ model, host: '127.0.0.1', port: server.port, db, policy: emptyPolicy() });
      assert.ok(!second.ok);
      assert.equal(second.error.code, 'serve-port-in-use');
      assert.equal(second.error.message, `Port ${server.port} on 127.0.0.1 is in use (another server, or an earlier \`sextant serve\`).`);
      assert.deepEqual(snapshot(), before, 'no serving-started entry for a server that never listened');
      const viaCli = await cli(['serve', 'penguin-species@staging', '--port', String(server.port)]);
      assert.equal(viaCli.code, 1);
      assert.match(viaCli.err, new RegExp(`Port ${server.port} on 127\\.0\\.0\\.1 is in use`));
      const health = await fetch(`${server.url}/health`);
      assert.equal(health.status, 200);
      const answered = await post(`${server.url}/predict`, { instances: [[39.1, 18.7, 181, 3750]] });
      assert.equal(answered.status, 200, JSON.stringify(answered.json));
    });

    it('numbers JSON parses to Infinity (1e400) are refused naming the field; null is a missing value the model fills in', async () => {
      const row = { bill_length_mm: 39.1, bill_depth_mm: 18.7, flipper_length_mm: 181, body_mass_g: 3750 };
      const huge = await post(`${server.url}/predict`, `{"inputs": [{"bill_length_mm": 39.1, "bill_depth_mm": 1e400, "flipper_length_mm": 181, "body_mass_g": 3750}]}`);
      assert.equal(huge.status, 400, JSON.stringify(huge.json));
      assert.match((huge.json.error as { message: string }).message, /^inputs\[0\]\.bill_depth_mm: expected a number \(float32\) or null/);
      const nan = await post(`${server.url}/predict`, `{"instances": [[39.1, NaN, 181, 3750]]}`);
      assert.equal(nan.status, 400);
      assert.match((nan.json.error as { message: string }).message, /not valid JSON/);
      const missing = await post(`${server.url}/predict`, { inputs: [{ ...row, bill_depth_mm: null }] });
      assert.equal(missing.status, 200, JSON.stringify(missing.json));
      const p = (missing.json.predictions as { probabilities: number[] }[])[0]!.probabilities;
      assert.ok(p.every(Number.isFinite), `finite probabilities for an imputed feature: ${p.join(', ')}`);
    });

    it('a wrong token: 401, not recorded as a token\'s use nor as a prediction, and the server keeps answering', async () => {
      const made = await cli(['serve', 'token', 'add', 'badinput', '--role', 'predict', '--json']);
      assert.equal(made.code, 0, made.err);
      const token = (made.docs[0] as { token: string }).token;
      try {
        server.log?.flush();
        const before = snapshot();
        for (const wrong of [`${token}x`, 'sxt_' + 'A'.repeat(43), '']) {
          const r = await post(`${server.url}/predict`, { instances: [[39.1, 18.7, 181, 3750]] }, wrong || undefined);
          assert.equal(r.status, 401);
        }
        server.log?.flush();
        assert.deepEqual(snapshot(), before, 'a refused token leaves no token-used entry and no logged prediction');
        assert.equal((await post(`${server.url}/predict`, { instances: [[39.1, 18.7, 181, 3750]] }, token)).status, 200);
        server.log?.flush();
        const after = snapshot();
        assert.equal(after.predictions, before.predictions + 1);
        assert.deepEqual(after.audit.slice(before.audit.length).map((e) => e.replace(/^\d+ /, '')), ['token-used model:penguin-species@1']);
      } finally {
        assert.equal((await cli(['serve', 'token', 'revoke', 'badinput'])).code, 0);
      }
      assert.ok(verifyAudit(db).ok);
    });
  });
});
