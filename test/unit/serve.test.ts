// Serving (src/engine/serve) on the demo workspace's registered model: the real fastify server on an
// ephemeral port, hit with node's fetch; predictions checked against onnxruntime's own session.run, tokens
// against the store's bytes, /metrics parsed, the prediction log read back from the store.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import * as ort from 'onnxruntime-node';
import { main } from '../../src/cli/main';
import { listAudit } from '../../src/engine/audit/log';
import { verifyAudit } from '../../src/engine/audit/verify';
import { emptyPolicy, hashValue } from '../../src/engine/data/pii/protect';
import { loadServedModel, resolveModel, type ServedModel } from '../../src/engine/serve/model';
import { PredictionLog } from '../../src/engine/serve/predictionLog';
import { startServer, type RunningServer } from '../../src/engine/serve/server';
import { openStore, type Database } from '../../src/engine/store/open';
import type { WorkspaceLayout } from '../../src/engine/workspace/layout';
import { demoWorkspace, io } from './serveHelpers';
import { tempDir } from './tempDir';

const FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];

/** Rows of the demo data (features only, in the model's order), blanks as null. */
function demoRows(root: string, n: number): (number | null)[][] {
  const [header, ...lines] = readFileSync(join(root, 'data', 'penguins.csv'), 'utf8').trim().split('\n');
  const cols = header!.split(',');
  return lines.slice(0, n).map((line) => {
    const cells = line.split(',');
    return FEATURES.map((f) => {
      const v = cells[cols.indexOf(f)]!;
      return v === '' || v === 'NA' ? null : Number(v);
    });
  });
}

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function healthy(url: string): Promise<void> {
  const res = await fetch(`${url}/health`);
  assert.equal(res.status, 200, 'the server still answers');
  assert.equal(((await res.json()) as { status: string }).status, 'ok');
}

/** Parses the Prometheus text exposition format: sample name with labels → value. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m, `a valid exposition line: ${line}`);
    samples.set(m[1]!, Number(m[2]));
  }
  return samples;
}

describe('serving: the demo model over HTTP', function () {
  this.timeout(120_000);
  let root: string;
  let layout: WorkspaceLayout;
  let db: Database;
  let model: ServedModel;
  let server: RunningServer;
  let url: string;
  let session: ort.InferenceSession;
  const cli = async (args: string[]) => {
    const got = io(root);
    const code = await main(args, got);
    return { code, ...got };
  };

  before(async () => {
    ({ root, layout } = await demoWorkspace('sextant-serve-'));
    const opened = openStore(layout.storePath);
    assert.ok(opened.ok);
    db = opened.value;
    const ref = resolveModel('penguin-species@staging', root, { db, file: layout.storePath, artifactsDir: layout.artifactsDir });
    assert.ok(ref.ok, ref.ok ? '' : ref.error.message);
    assert.equal(ref.value.version, 1);
    const loaded = await loadServedModel(ref.value);
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.error.message);
    model = loaded.value;
    const started = await startServer({ model, host: '127.0.0.1', port: 0, db, policy: emptyPolicy() });
    assert.ok(started.ok, started.ok ? '' : started.error.message);
    server = started.value;
    url = server.url;
    session = await ort.InferenceSession.create(readFileSync(ref.value.file));
  });
  after(async () => {
    await server?.close();
    await session?.release();
    db?.close();
  });

  it('answers rows as objects and as arrays with what onnxruntime\'s session.run gives on the same rows', async () => {
    const rows = demoRows(root, 40);
    assert.ok(rows.some((r) => r.includes(null)), 'the demo data has missing values (sent as null, fed as NaN)');
    const direct = await session.run({ input: new ort.Tensor('float32', Float32Array.from(rows.flat(), (v) => (v === null ? NaN : v)), [rows.length, 4]) });
    const probabilities = direct.probabilities!.data as Float32Array;
    const labels = direct.label!.data as string[];
    const indexes = Array.from(direct.label_index!.data as BigInt64Array, Number);
    const objects = await post(`${url}/v1/models/penguin-species/predict`, { inputs: rows.map((r) => Object.fromEntries(FEATURES.map((f, i) => [f, r[i]]))) });
    const arrays = await post(`${url}/predict`, { instances: rows });
    for (const res of [objects, arrays]) {
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const predictions = res.json.predictions as { probabilities: number[]; label: string; label_index: number }[];
      assert.equal(predictions.length, rows.length, 'one prediction per row of the batch');
      predictions.forEach((p, i) => {
        assert.deepEqual(p.probabilities, Array.from(probabilities.subarray(i * 3, i * 3 + 3)), `row ${i}: the same float32 probabilities`);
        assert.equal(p.label, labels[i]);
        assert.equal(p.label_index, indexes[i]);
      });
      assert.deepEqual(res.json.model, { name: 'penguin-species', version: 1 });
      assert.match(String(res.json.request_id), /^[0-9a-f-]{36}$/);
      assert.equal(res.headers.get('x-request-id'), res.json.request_id);
    }
  });

  it('refuses inputs that do not match the signature with 400 and a precise message, and keeps serving', async () => {
    const row = { bill_length_mm: 39.1, bill_depth_mm: 18.7, flipper_length_mm: 181, body_mass_g: 3750 };
    const cases: [unknown, RegExp][] = [
      [{ inputs: [{ ...row, bill_lenght_mm: 1 }] }, /^inputs\[0\]: unknown feature "bill_lenght_mm"; the model takes bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g\.$/],
      [{ inputs: [row, { bill_length_mm: 39.1, bill_depth_mm: 18.7, flipper_length_mm: 181 }] }, /^inputs\[1\]\.body_mass_g: missing; expected a number \(float32\) or null\.$/],
      [{ inputs: [{ ...row, flipper_length_mm: '181' }] }, /^inputs\[0\]\.flipper_length_mm: expected a number \(float32\) or null, got the string "181"\.$/],
      [{ instances: [[39.1, 18.7, 181]] }, /^instances\[0\]: 3 values, the model takes 4 \(bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, in this order\)\.$/],
      [{ instances: [[39.1, 18.7, 181, true]] }, /^instances\[0\]\[3\] \(body_mass_g\): expected a number \(float32\) or null, got boolean true\.$/],
      [{ inputs: [] }, /^inputs: no rows/],
      [{ rows: [row] }, /unknown field "rows": send either "inputs"/],
      [[row], /must be a JSON object/],
      ['{"inputs": [', /not valid JSON/],
    ];
    for (const [body, message] of cases) {
      const res = await post(`${url}/predict`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const error = res.json.error as { code: string; message: string };
      assert.match(error.message, message);
    }
    const many = await post(`${url}/predict`, { instances: [[1, 2, 3], ['a', 2, 3, 4], [1, 2, 3, 4]] });
    assert.match((many.json.error as { message: string }).message, /^instances\[0\]: 3 values.* \(and 1 more problems\)\.$/);
    const other = await post(`${url}/v1/models/other-model/predict`, { inputs: [row] });
    assert.equal(other.status, 404);
    assert.match((other.json.error as { message: string }).message, /serves "penguin-species", not "other-model"/);
    await healthy(url);
  });

  it('refuses a 100 MB body with 413 without reading it, and keeps serving', async () => {
    const size = 100 * 1024 * 1024;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(size) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < size) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    assert.equal(status, 413);
    await healthy(url);
  });

  it('logs each prediction (inputs, outputs, latency, request id) in the store without holding the response, and takes feedback by request id', async () => {
    const rows = demoRows(root, 3);
    const res = await post(`${url}/predict`, { instances: rows });
    assert.equal(res.status, 200);
    const id = String(res.json.request_id);
    server.log!.flush();
    const logged = db.prepare('SELECT * FROM prediction_log WHERE request_id = ?').get(id) as Record<string, unknown>;
    assert.ok(logged, 'the request is in the prediction log');
    assert.equal(logged.model, 'penguin-species');
    assert.equal(logged.model_version, 1);
    assert.equal(logged.model_sha256, model.sha256);
    assert.equal(logged.rows, 3);
    assert.ok((logged.latency_ms as number) > 0);
    assert.deepEqual(JSON.parse(logged.inputs_json as string), rows.map((r) => Object.fromEntries(FEATURES.map((f, i) => [f, r[i]]))));
    assert.deepEqual(JSON.parse(logged.outputs_json as string), res.json.predictions);
    const fb = await post(`${url}/feedback`, { request_id: id, feedback: { label: 'adelie' } });
    assert.equal(fb.status, 200, JSON.stringify(fb.json));
    assert.deepEqual(JSON.parse((db.prepare('SELECT feedback_json FROM prediction_log WHERE request_id = ?').pluck().get(id) as string)), { label: 'adelie' });
    const unknown = await post(`${url}/feedback`, { request_id: 'no-such-request', feedback: 1 });
    assert.equal(unknown.status, 404);
    // Written without a flush too: the timer writes within a moment.
    const again = await post(`${url}/predict`, { instances: rows });
    const waitUntil = Date.now() + 3000;
    while (!db.prepare('SELECT 1 FROM prediction_log WHERE request_id = ?').get(again.json.request_id) && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 50));
    assert.ok(db.prepare('SELECT 1 FROM prediction_log WHERE request_id = ?').get(again.json.request_id), 'written by the batching timer');
  });

  it('serves /metrics in the Prometheus format: requests by status, the latency histogram, errors, the model version', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const before = parseMetrics(text);
    const ok = 'sextant_http_requests_total{route="/predict",method="POST",status="200"}';
    const bad = 'sextant_http_requests_total{route="/predict",method="POST",status="400"}';
    const row = [[39.1, 18.7, 181, 3750]];
    for (let i = 0; i < 3; i++) assert.equal((await post(`${url}/predict`, { instances: row })).status, 200);
    assert.equal((await post(`${url}/predict`, { instances: [[1]] })).status, 400);
    const after = parseMetrics(await (await fetch(`${url}/metrics`)).text());
    assert.equal(after.get(ok)! - (before.get(ok) ?? 0), 3);
    assert.equal(after.get(bad)! - (before.get(bad) ?? 0), 1);
    assert.equal(after.get('sextant_predict_errors_total{reason="bad_input"}')! - before.get('sextant_predict_errors_total{reason="bad_input"}')!, 1);
    assert.equal(after.get('sextant_predicted_rows_total')! - before.get('sextant_predicted_rows_total')!, 3);
    assert.equal(after.get('sextant_http_request_duration_seconds_count{route="/predict"}')! - before.get('sextant_http_request_duration_seconds_count{route="/predict"}')!, 4);
    assert.equal(after.get('sextant_http_request_duration_seconds_bucket{le="+Inf",route="/predict"}'), after.get('sextant_http_request_duration_seconds_count{route="/predict"}'));
    assert.equal(after.get(`sextant_model_info{model="penguin-species",version="1",sha256="${model.sha256}"}`), 1);
  });

  it('with tokens: 401 without or with a wrong token, 403 for a role that may not, revocation at once; tokens stored only as SHA-256', async () => {
    const row = { instances: [[39.1, 18.7, 181, 3750]] };
    assert.equal((await post(`${url}/predict`, row)).status, 200, 'no token configured yet: open on loopback');
    const made = await cli(['serve', 'token', 'add', 'ci', '--role', 'predict', '--json']);
    assert.equal(made.code, 0, made.stderr.join('\n'));
    const token = (made.docs[0] as { token: string }).token;
    const admin = ((await cli(['serve', 'token', 'add', 'ops', '--role', 'admin', '--json'])).docs[0] as { token: string }).token;
    assert.match(token, /^sxt_[A-Za-z0-9_-]{43}$/);

    const missing = await post(`${url}/predict`, row);
    assert.equal(missing.status, 401, 'a token added from another process applies at the next request');
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="sextant"');
    assert.match((missing.json.error as { message: string }).message, /needs a token/);
    const wrong = await post(`${url}/predict`, row, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`);
    assert.equal(wrong.status, 401);
    assert.match((wrong.json.error as { message: string }).message, /not valid/);
    assert.equal((await post(`${url}/predict`, row, token)).status, 200);
    assert.equal((await post(`${url}/predict`, row, admin)).status, 200, 'admin may predict too');
    assert.equal((await fetch(`${url}/metrics`)).status, 401);
    assert.equal((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status, 403, 'a predict token may not read /metrics');
    const metrics = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(metrics.status, 200);
    assert.ok(parseMetrics(await metrics.text()).get('sextant_predict_errors_total{reason="unauthorized"}')! >= 3);
    await healthy(url);

    assert.equal((await cli(['serve', 'token', 'revoke', 'ci'])).code, 0);
    assert.equal((await post(`${url}/predict`, row, token)).status, 401, 'revoked: refused at the next request');

    // The store keeps the digest, never the token: not in the table, not anywhere in the file's bytes.
    server.log!.flush();
    const stored = db.prepare('SELECT name, digest, last_used_at FROM serve_tokens ORDER BY name').all() as { name: string; digest: string; last_used_at: number | null }[];
    assert.deepEqual(stored.map((t) => t.name), ['ci', 'ops']);
    assert.equal(stored[0]!.digest, createHash('sha256').update(token).digest('hex'));
    assert.ok(stored[0]!.last_used_at !== null, 'last use written with the log');
    db.pragma('wal_checkpoint(TRUNCATE)');
    for (const file of [layout.storePath, `${layout.storePath}-wal`]) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        continue;
      }
      assert.equal(bytes.indexOf(token), -1, `the raw token is not in ${file}`);
      assert.equal(bytes.indexOf(admin), -1, `the raw admin token is not in ${file}`);
    }
    assert.equal((await cli(['serve', 'token', 'revoke', 'ops'])).code, 0);

    // The audit log: the server's start, each token made, its first use by this server (once, not per request), its revocation.
    const entries = listAudit(db).map((e) => `${e.kind} ${e.subject} ${e.actor}`);
    assert.ok(entries.some((e) => e.startsWith('serving-started model:penguin-species@1 ')), entries.join('\n'));
    for (const name of ['ci', 'ops']) {
      assert.equal(entries.filter((e) => e.startsWith(`token-created token:${name} `)).length, 1);
      assert.equal(entries.filter((e) => e === `token-used model:penguin-species@1 ${name}`).length, 1, `${name}: one token-used entry for many requests`);
      assert.equal(entries.filter((e) => e.startsWith(`token-revoked token:${name} `)).length, 1);
    }
    assert.ok(verifyAudit(db).ok, 'the chain holds');
  });

  it('refuses to serve without tokens on a non-loopback address, before listening', async () => {
    const scratch = tempDir('sextant-serve-nohost-');
    const other = openStore(join(scratch, 'store.db'), { create: true });
    assert.ok(other.ok);
    try {
      const started = await startServer({ model, host: '0.0.0.0', port: 0, db: other.value, policy: emptyPolicy() });
      assert.ok(!started.ok);
      assert.equal(started.error.code, 'serve-no-token');
      assert.match(started.error.message, /loopback/);
    } finally {
      other.value.close();
    }
  });

  it('a truncated .onnx is an error before any port is opened', async () => {
    const ref = resolveModel('penguin-species@1', root, { db, file: layout.storePath, artifactsDir: layout.artifactsDir });
    assert.ok(ref.ok);
    const bytes = readFileSync(ref.value.file);
    const cut = join(tempDir('sextant-serve-cut-'), 'cut.onnx');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const loaded = await loadServedModel({ name: 'cut', version: null, alias: null, file: cut });
    assert.ok(!loaded.ok);
    assert.equal(loaded.error.file, cut);
    assert.match(loaded.error.message, /not an ONNX model|cannot load/i);
  });
});

describe('serving: the prediction log applies the personal-data rules', () => {
  it('hashes, drops and masks flagged columns before they reach the store', () => {
    const scratch = tempDir('sextant-serve-pii-');
    const opened = openStore(join(scratch, 'store.db'), { create: true });
    assert.ok(opened.ok);
    const db = opened.value;
    try {
      const policy = emptyPolicy('salt');
      policy.rules.set('customer_id', 'hash');
      policy.rules.set('name', 'drop');
      const log = new PredictionLog(db, { name: 'm', version: null, sha256: 'x' }, policy, (m) => assert.fail(m));
      const features = ['customer_id', 'name', 'contact', 'amount'];
      log.add({ requestId: 'r1', at: 1, latencyMs: 1.5, features, rows: [['c-17', 'Ada Lovelace', 'ada@example.org', 12.5], ['c-18', 'Alan Turing', 'not an email', 3]], outputs: [{ y: 1 }, { y: 0 }], tokenId: null });
      log.close();
      const stored = JSON.parse(db.prepare("SELECT inputs_json FROM prediction_log WHERE request_id = 'r1'").pluck().get() as string) as Record<string, unknown>[];
      assert.deepEqual(stored, [
        { customer_id: hashValue('c-17', 'salt'), contact: 'a***@***.org', amount: 12.5 },
        { customer_id: hashValue('c-18', 'salt'), contact: 'n***@***', amount: 3 },
      ]);
      assert.equal(policy.detected.get('contact'), 'email', 'the column was found to hold e-mail addresses and is masked from then on');
    } finally {
      db.close();
    }
  });
});
