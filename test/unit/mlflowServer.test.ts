// `sextant server` (src/engine/mlflowServer): the MLflow REST API over a real store, on an ephemeral
// port, driven with node's fetch in MLflow's request shapes (from MLflow's REST API reference); what the
// server answers is checked, and what it wrote is read back from the store through a Tracker.
import { strict as assert } from 'node:assert';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { startMlflowServer, type RunningMlflowServer } from '../../src/engine/mlflowServer/server';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read field by field, each field asserted
type Json = Record<string, any>;

interface Reply {
  status: number;
  json: Json;
  text: string;
}

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const init: RequestInit = { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON (health, version, downloads) */
  }
  return { status: res.status, json, text };
}

/** A PUT with the path exactly as given (node:http does not resolve `..` the way fetch's URL parser does). */
function rawPut(port: number, path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((done, failed) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'PUT', headers: { 'content-type': 'application/octet-stream' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', failed);
    req.end(body);
  });
}

describe('sextant server: the MLflow REST API over the store', function () {
  let dir: string;
  let tracker: Tracker;
  let server: RunningMlflowServer;
  const post = (path: string, body: unknown): Promise<Reply> => call(server.url, 'POST', `/api/2.0/mlflow${path}`, body);
  const get = (path: string): Promise<Reply> => call(server.url, 'GET', `/api/2.0/mlflow${path}`);

  beforeEach(async () => {
    dir = tempDir('sextant-mlflow-server-');
    const opened = Tracker.open(workspaceLayout(dir), { create: true });
    assert.ok(opened.ok);
    tracker = opened.value;
    const started = await startMlflowServer({ tracker, host: '127.0.0.1', port: 0 });
    assert.ok(started.ok, started.ok ? '' : started.error.message);
    server = started.value;
  });
  afterEach(async () => {
    await server.close();
    tracker.close(true);
  });

  async function newRun(experimentName = 'exp', extra: Record<string, unknown> = {}): Promise<{ experimentId: string; runId: string }> {
    const found = await get(`/experiments/get-by-name?experiment_name=${encodeURIComponent(experimentName)}`);
    const experimentId = found.status === 200 ? found.json.experiment.experiment_id : (await post('/experiments/create', { name: experimentName })).json.experiment_id;
    const created = await post('/runs/create', { experiment_id: experimentId, start_time: 1700000000000, ...extra });
    assert.equal(created.status, 200, created.text);
    return { experimentId, runId: created.json.run.info.run_id };
  }

  it('answers /health and /version', async () => {
    const health = await call(server.url, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.text, 'OK');
    const version = await call(server.url, 'GET', '/version');
    assert.equal(version.status, 200);
    assert.match(version.text, /^\d+\.\d+\.\d+/);
  });

  it('creates, gets (by id and by name) and searches experiments; a second create of a name is RESOURCE_ALREADY_EXISTS', async () => {
    const created = await post('/experiments/create', { name: 'churn', tags: [{ key: 'team', value: 'ds' }] });
    assert.equal(created.status, 200);
    const id = created.json.experiment_id as string;
    assert.match(id, /^\d+$/);
    const byId = await get(`/experiments/get?experiment_id=${id}`);
    assert.equal(byId.status, 200);
    assert.equal(byId.json.experiment.name, 'churn');
    assert.equal(byId.json.experiment.lifecycle_stage, 'active');
    assert.deepEqual(byId.json.experiment.tags, [{ key: 'team', value: 'ds' }]);
    const byName = await get('/experiments/get-by-name?experiment_name=churn');
    assert.equal(byName.json.experiment.experiment_id, id);
    const again = await post('/experiments/create', { name: 'churn' });
    assert.equal(again.status, 400);
    assert.equal(again.json.error_code, 'RESOURCE_ALREADY_EXISTS');
    await post('/experiments/create', { name: 'other' });
    const searched = await post('/experiments/search', { max_results: 10, filter: "name LIKE 'ch%'" });
    assert.equal(searched.status, 200);
    assert.deepEqual(searched.json.experiments.map((e: { name: string }) => e.name), ['churn']);
    const paged = await post('/experiments/search', { max_results: 1 });
    assert.equal(paged.json.experiments.length, 1);
    assert.ok(paged.json.next_page_token);
    const rest = await post('/experiments/search', { max_results: 1, page_token: paged.json.next_page_token });
    assert.equal(rest.json.experiments.length, 1);
    assert.notEqual(rest.json.experiments[0].name, paged.json.experiments[0].name);
    const missing = await get('/experiments/get?experiment_id=999');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
    const missingName = await get('/experiments/get-by-name?experiment_name=nope');
    assert.equal(missingName.status, 404);
    assert.equal(missingName.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
    // In the store: the experiment and its tag.
    assert.ok(tracker.listExperiments().ok && tracker.listExperiments().ok && (tracker.listExperiments() as { value: { name: string }[] }).value.some((e) => e.name === 'churn'));
  });

  it('updates, deletes, restores and tags experiments', async () => {
    const id = (await post('/experiments/create', { name: 'a' })).json.experiment_id;
    assert.equal((await post('/experiments/update', { experiment_id: id, new_name: 'b' })).status, 200);
    assert.equal((await get(`/experiments/get?experiment_id=${id}`)).json.experiment.name, 'b');
    assert.equal((await post('/experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v' })).status, 200);
    assert.deepEqual((await get(`/experiments/get?experiment_id=${id}`)).json.experiment.tags, [{ key: 'k', value: 'v' }]);
    assert.equal((await post('/experiments/delete', { experiment_id: id })).status, 200);
    assert.equal((await get(`/experiments/get?experiment_id=${id}`)).json.experiment.lifecycle_stage, 'deleted');
    assert.deepEqual((await post('/experiments/search', {})).json.experiments ?? [], []);
    assert.equal((await post('/experiments/search', { view_type: 'DELETED_ONLY' })).json.experiments.length, 1);
    const refused = await post('/runs/create', { experiment_id: id });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error_code, 'INVALID_PARAMETER_VALUE');
    assert.equal((await post('/experiments/restore', { experiment_id: id })).status, 200);
    assert.equal((await get(`/experiments/get?experiment_id=${id}`)).json.experiment.lifecycle_stage, 'active');
    assert.equal((await post('/experiments/delete', { experiment_id: '4242' })).status, 404);
  });

  it('creates a run with run_name, tags and start_time; gets and updates it (status, end_time, run_name)', async () => {
    const exp = (await post('/experiments/create', { name: 'runs' })).json.experiment_id;
    const created = await post('/runs/create', { experiment_id: exp, run_name: 'first', start_time: 1700000000000, user_id: 'ada', tags: [{ key: 'mlflow.source.name', value: 'train.py' }] });
    assert.equal(created.status, 200, created.text);
    const info = created.json.run.info;
    assert.match(info.run_id, /^[0-9a-f]{32}$/);
    assert.equal(info.run_uuid, info.run_id);
    assert.equal(info.run_name, 'first');
    assert.equal(info.status, 'RUNNING');
    assert.equal(info.start_time, 1700000000000);
    assert.equal(info.experiment_id, exp);
    assert.equal(info.user_id, 'ada');
    assert.equal(info.artifact_uri, `mlflow-artifacts:/${exp}/${info.run_id}/artifacts`);
    const got = await get(`/runs/get?run_id=${info.run_id}`);
    assert.equal(got.status, 200);
    const tags = Object.fromEntries(got.json.run.data.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
    assert.equal(tags['mlflow.source.name'], 'train.py');
    assert.equal(tags['mlflow.runName'], 'first');
    const updated = await post('/runs/update', { run_id: info.run_id, status: 'FINISHED', end_time: 1700000009000, run_name: 'renamed' });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.json.run_info.status, 'FINISHED');
    assert.equal(updated.json.run_info.end_time, 1700000009000);
    assert.equal(updated.json.run_info.run_name, 'renamed');
    // In the store, as Sextant sees it.
    const run = tracker.getRun(info.run_id);
    assert.ok(run.ok);
    assert.equal(run.value.status, 'finished');
    assert.equal(run.value.name, 'renamed');
    assert.equal(run.value.endedAt, 1700000009000);
    assert.equal(run.value.experiment, 'runs');
    // A run with no experiment_id goes to MLflow's default experiment "0" (Sextant's "Default").
    const dflt = await post('/runs/create', {});
    assert.equal(dflt.status, 200);
    assert.equal((tracker.getRun(dflt.json.run.info.run_id) as { value: { experiment: string } }).value.experiment, 'Default');
    const unknown = await get('/runs/get?run_id=0123456789abcdef0123456789abcdef');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
    const unknownUpdate = await post('/runs/update', { run_id: 'nope', status: 'FINISHED' });
    assert.equal(unknownUpdate.status, 404);
    const badStatus = await post('/runs/update', { run_id: info.run_id, status: 'DONE' });
    assert.equal(badStatus.status, 400);
    assert.equal(badStatus.json.error_code, 'INVALID_PARAMETER_VALUE');
  });

  it('nests a run under the run named by mlflow.parentRunId', async () => {
    const { experimentId, runId: parent } = await newRun();
    const child = await post('/runs/create', { experiment_id: experimentId, tags: [{ key: 'mlflow.parentRunId', value: parent }] });
    const run = tracker.getRun(child.json.run.info.run_id);
    assert.ok(run.ok);
    assert.equal(run.value.parentId, parent);
  });

  it('logs a metric, a parameter and a tag; get-history returns every point (step 0 when not given)', async () => {
    const { runId } = await newRun();
    for (const [i, v] of [0.9, 0.5, 0.25].entries()) assert.equal((await post('/runs/log-metric', { run_id: runId, key: 'loss', value: v, timestamp: 1700000000000 + i, step: i })).status, 200);
    assert.equal((await post('/runs/log-metric', { run_id: runId, key: 'acc', value: 0.8, timestamp: 1700000000100 })).status, 200);
    assert.equal((await post('/runs/log-metric', { run_id: runId, key: 'odd', value: 'NaN', timestamp: 1700000000100, step: 1 })).status, 200);
    assert.equal((await post('/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.01' })).status, 200);
    assert.equal((await post('/runs/set-tag', { run_id: runId, key: 'stage', value: 'dev' })).status, 200);
    const history = await get(`/metrics/get-history?run_id=${runId}&metric_key=loss`);
    assert.equal(history.status, 200);
    assert.deepEqual(history.json.metrics, [
      { key: 'loss', value: 0.9, timestamp: 1700000000000, step: 0 },
      { key: 'loss', value: 0.5, timestamp: 1700000000001, step: 1 },
      { key: 'loss', value: 0.25, timestamp: 1700000000002, step: 2 },
    ]);
    const paged = await get(`/metrics/get-history?run_id=${runId}&metric_key=loss&max_results=2`);
    assert.equal(paged.json.metrics.length, 2);
    const rest = await get(`/metrics/get-history?run_id=${runId}&metric_key=loss&max_results=2&page_token=${encodeURIComponent(paged.json.next_page_token)}`);
    assert.deepEqual(rest.json.metrics.map((m: { step: number }) => m.step), [2]);
    assert.deepEqual((await get(`/metrics/get-history?run_id=${runId}&metric_key=acc`)).json.metrics, [{ key: 'acc', value: 0.8, timestamp: 1700000000100, step: 0 }]);
    assert.deepEqual((await get(`/metrics/get-history?run_id=${runId}&metric_key=odd`)).json.metrics[0].value, 'NaN');
    const run = tracker.getRun(runId);
    assert.ok(run.ok);
    assert.deepEqual(run.value.history.loss!.map((p) => p.value), [0.9, 0.5, 0.25]);
    assert.ok(Number.isNaN(run.value.history.odd![0]!.value));
    assert.equal(run.value.params.lr, '0.01');
    assert.equal(run.value.tags.stage, 'dev');
    const got = await get(`/runs/get?run_id=${runId}`);
    const loss = got.json.run.data.metrics.find((m: { key: string }) => m.key === 'loss');
    assert.deepEqual(loss, { key: 'loss', value: 0.25, timestamp: 1700000000002, step: 2 });
  });

  it('keeps parameters immutable: the same value again is fine, another value is INVALID_PARAMETER_VALUE and the first stays', async () => {
    const { runId } = await newRun();
    assert.equal((await post('/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.01' })).status, 200);
    assert.equal((await post('/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.01' })).status, 200);
    const changed = await post('/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' });
    assert.equal(changed.status, 400);
    assert.equal(changed.json.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(changed.json.message, /Changing param values is not allowed/);
    const batch = await post('/runs/log-batch', { run_id: runId, params: [{ key: 'new', value: 'x' }, { key: 'lr', value: '0.2' }], tags: [{ key: 't', value: '1' }] });
    assert.equal(batch.status, 400);
    const run = tracker.getRun(runId);
    assert.ok(run.ok);
    assert.deepEqual(run.value.params, { lr: '0.01' }, 'nothing of the refused batch was written');
    assert.equal(run.value.tags.t, undefined);
  });

  it('log-batch writes metrics, params and tags at once and enforces MLflow limits (1000 metrics, 100 params, 100 tags, 1 MB)', async () => {
    const { runId } = await newRun();
    const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), timestamp: 1700000000000 + i, step: i }));
    const ok = await post('/runs/log-batch', { run_id: runId, metrics });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json, {});
    assert.equal((await post('/runs/log-batch', { run_id: runId, metrics: [metrics[0]], params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 'mlflow.runName', value: 'batch' }] })).status, 200);
    const run = tracker.getRun(runId);
    assert.ok(run.ok);
    assert.equal(run.value.history.loss!.length, 1000);
    assert.equal(run.value.history.loss![999]!.value, 1 / 1000);
    assert.equal(run.value.params.lr, '0.1');
    assert.equal(run.value.name, 'batch', 'the mlflow.runName tag renames the run');
    const limits: [string, Record<string, unknown>][] = [
      ['metrics', { metrics: [...metrics, metrics[0]] }],
      ['params', { params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' })) }],
      ['tags', { tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: 'v' })) }],
      ['metrics, params, and tags in total', { metrics: metrics.slice(0, 999), params: [{ key: 'p', value: 'v' }], tags: [{ key: 't0', value: 'v' }] }],
    ];
    for (const [what, body] of limits) {
      const refused = await post('/runs/log-batch', { run_id: runId, ...body });
      assert.equal(refused.status, 400, what);
      assert.equal(refused.json.error_code, 'INVALID_PARAMETER_VALUE', what);
      assert.match(refused.json.message, new RegExp(`at most \\d+ ${what}`));
    }
    const big = await post('/runs/log-batch', { run_id: runId, tags: [{ key: 'big', value: 'x'.repeat(1024 * 1024) }] });
    assert.equal(big.status, 400);
    assert.equal(big.json.error_code, 'INVALID_PARAMETER_VALUE');
    const after = tracker.getRun(runId);
    assert.ok(after.ok);
    assert.equal(after.value.history.loss!.length, 1000, 'refused batches wrote nothing');
    assert.equal(Object.keys(after.value.params).length, 1);
    assert.equal(after.value.tags.t0, undefined);
    assert.equal(after.value.tags.big, undefined);
    const wrongType = await post('/runs/log-batch', { run_id: runId, metrics: [{ key: 'loss', value: 'high', timestamp: 1, step: 0 }] });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.json.error_code, 'INVALID_PARAMETER_VALUE');
    const unknownRun = await post('/runs/log-batch', { run_id: 'ffffffffffffffffffffffffffffffff', metrics: [] });
    assert.equal(unknownRun.status, 404);
    assert.equal(unknownRun.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('answers malformed JSON with 400 and an unknown endpoint with 404, both in MLflow\'s error shape, and keeps serving', async () => {
    const bad = await call(server.url, 'POST', '/api/2.0/mlflow/runs/log-batch', '{"run_id": ');
    assert.equal(bad.status, 400);
    assert.equal(typeof bad.json.error_code, 'string');
    assert.equal(typeof bad.json.message, 'string');
    const unknown = await call(server.url, 'POST', '/api/2.0/mlflow/runs/explode', {});
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error_code, 'ENDPOINT_NOT_FOUND');
    assert.equal(typeof unknown.json.message, 'string');
    assert.equal((await call(server.url, 'GET', '/health')).status, 200);
  });

  it('answers the same routes under /ajax-api/2.0/mlflow', async () => {
    const created = await call(server.url, 'POST', '/ajax-api/2.0/mlflow/experiments/create', { name: 'ui' });
    assert.equal(created.status, 200);
    const got = await call(server.url, 'GET', `/ajax-api/2.0/mlflow/experiments/get?experiment_id=${created.json.experiment_id}`);
    assert.equal(got.json.experiment.name, 'ui');
  });

  it('searches runs with the filter grammar, order_by and pages', async () => {
    const exp = (await post('/experiments/create', { name: 'search' })).json.experiment_id;
    const ids: string[] = [];
    for (const [i, [acc, opt]] of ([[0.9, 'adam'], [0.4, 'sgd'], [0.7, 'adam'], [0.6, 'adam']] as const).entries()) {
      const run = await post('/runs/create', { experiment_id: exp, run_name: `r${i}`, start_time: 1700000000000 + i });
      const id = run.json.run.info.run_id;
      ids.push(id);
      await post('/runs/log-batch', { run_id: id, metrics: [{ key: 'acc', value: acc, timestamp: 1, step: 0 }], params: [{ key: 'opt', value: opt }], tags: [{ key: 'fold', value: String(i % 2) }] });
    }
    await post('/runs/update', { run_id: ids[3], status: 'FAILED' });
    const names = async (body: Record<string, unknown>): Promise<string[]> => {
      const res = await post('/runs/search', { experiment_ids: [exp], ...body });
      assert.equal(res.status, 200, res.text);
      return (res.json.runs ?? []).map((r: { info: { run_name: string } }) => r.info.run_name);
    };
    assert.deepEqual(await names({}), ['r3', 'r2', 'r1', 'r0'], 'newest first by default');
    assert.deepEqual(await names({ filter: 'metrics.acc > 0.5', order_by: ['metrics.acc DESC'] }), ['r0', 'r2', 'r3']);
    assert.deepEqual(await names({ filter: "params.opt = 'adam' AND metrics.acc >= 0.7", order_by: ['metrics.acc ASC'] }), ['r2', 'r0']);
    assert.deepEqual(await names({ filter: "tags.fold = '1'", order_by: ['attributes.run_name'] }), ['r1', 'r3']);
    assert.deepEqual(await names({ filter: "attributes.status = 'FAILED'" }), ['r3']);
    assert.deepEqual(await names({ filter: "params.opt IN ('sgd') " }), ['r1']);
    assert.deepEqual(await names({ filter: "attributes.run_name LIKE 'r%' AND params.opt != 'adam'" }), ['r1']);
    const first = await post('/runs/search', { experiment_ids: [exp], max_results: 3, order_by: ['metrics.acc DESC'] });
    assert.deepEqual(first.json.runs.map((r: { info: { run_name: string } }) => r.info.run_name), ['r0', 'r2', 'r3']);
    const second = await post('/runs/search', { experiment_ids: [exp], max_results: 3, order_by: ['metrics.acc DESC'], page_token: first.json.next_page_token });
    assert.deepEqual(second.json.runs.map((r: { info: { run_name: string } }) => r.info.run_name), ['r1']);
    assert.equal(second.json.next_page_token, undefined);
    const bad = await post('/runs/search', { experiment_ids: [exp], filter: 'metrics.acc >> 1' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error_code, 'INVALID_PARAMETER_VALUE');
    const or = await post('/runs/search', { experiment_ids: [exp], filter: "params.opt = 'a' OR params.opt = 'b'" });
    assert.equal(or.status, 400);
    // Deleted runs leave the default view and come back when restored.
    assert.equal((await post('/runs/delete', { run_id: ids[0] })).status, 200);
    assert.deepEqual(await names({}), ['r3', 'r2', 'r1']);
    assert.deepEqual(await names({ run_view_type: 'DELETED_ONLY' }), ['r0']);
    assert.equal((tracker.getRun(ids[0]!) as { value: { deleted: boolean } }).value.deleted, true);
    const refused = await post('/runs/log-metric', { run_id: ids[0], key: 'x', value: 1, timestamp: 1 });
    assert.equal(refused.status, 400);
    assert.equal((await post('/runs/restore', { run_id: ids[0] })).status, 200);
    assert.deepEqual(await names({}), ['r3', 'r2', 'r1', 'r0']);
  });

  it('deletes a tag (404 for a tag the run does not have) and stores log-inputs datasets as run tags', async () => {
    const { runId } = await newRun();
    await post('/runs/set-tag', { run_id: runId, key: 'temp', value: '1' });
    assert.equal((await post('/runs/delete-tag', { run_id: runId, key: 'temp' })).status, 200);
    assert.equal((tracker.getRun(runId) as { value: { tags: Record<string, string> } }).value.tags.temp, undefined);
    const again = await post('/runs/delete-tag', { run_id: runId, key: 'temp' });
    assert.equal(again.status, 404);
    assert.equal(again.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
    const dataset = { name: 'penguins', digest: 'abc123', source_type: 'local', source: '{"uri": "data/penguins.csv"}', schema: '{}', profile: '{"num_rows": 344}' };
    const logged = await post('/runs/log-inputs', { run_id: runId, datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }] });
    assert.equal(logged.status, 200, logged.text);
    const got = await get(`/runs/get?run_id=${runId}`);
    assert.deepEqual(got.json.run.inputs.dataset_inputs, [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }]);
    const stored = tracker.getRun(runId);
    assert.ok(stored.ok);
    assert.deepEqual(JSON.parse(stored.value.tags['sextant.input.penguins.abc123']!).dataset, dataset);
  });

  it('uploads, lists and downloads artifacts through the proxy into the store, refusing path traversal', async () => {
    const { experimentId, runId } = await newRun();
    const base = `${server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts`;
    const put = await fetch(`${base}/model/weights.bin`, { method: 'PUT', body: new Uint8Array([1, 2, 3, 4]) });
    assert.equal(put.status, 200, await put.clone().text());
    assert.equal((await fetch(`${base}/notes.txt`, { method: 'PUT', body: 'hello', headers: { 'content-type': 'text/plain' } })).status, 200);
    // MLflow's client sends the file's guessed type: a .json file is not parsed as a request body.
    assert.equal((await fetch(`${base}/model/config.json`, { method: 'PUT', body: '{"not": "parsed"', headers: { 'content-type': 'application/json' } })).status, 200);
    assert.equal((await rawPut(server.port, `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/model/empty.txt`, '')).status, 200);
    assert.equal(await (await fetch(`${base}/model/config.json`)).text(), '{"not": "parsed"');
    const list = await call(server.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${experimentId}/${runId}/artifacts`)}`);
    assert.equal(list.status, 200);
    assert.deepEqual(
      [...list.json.files].sort((a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path)),
      [
        { path: 'model', is_dir: true },
        { path: 'notes.txt', is_dir: false, file_size: 5 },
      ],
    );
    const sub = await call(server.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${experimentId}/${runId}/artifacts/model`)}`);
    assert.deepEqual(
      [...sub.json.files].sort((a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path)),
      [
        { path: 'config.json', is_dir: false, file_size: 16 },
        { path: 'empty.txt', is_dir: false, file_size: 0 },
        { path: 'weights.bin', is_dir: false, file_size: 4 },
      ],
    );
    const down = await fetch(`${base}/model/weights.bin`);
    assert.equal(down.status, 200);
    assert.deepEqual([...new Uint8Array(await down.arrayBuffer())], [1, 2, 3, 4]);
    // Recorded on the run in the store (content-addressed in the artifacts folder).
    const artifacts = tracker.listArtifacts(runId);
    assert.ok(artifacts.ok);
    assert.deepEqual(artifacts.value.map((a) => a.path), ['model/config.json', 'model/empty.txt', 'model/weights.bin', 'notes.txt']);
    assert.ok(artifacts.value[2]!.file.startsWith(join(dir, '.sextant', 'artifacts')));
    // Sent with node:http, which (unlike fetch) sends `..` as it is instead of resolving it first.
    const evils = [`${experimentId}/${runId}/artifacts/../../escape.txt`, `${experimentId}/${runId}/artifacts/a/../../../b`, `${experimentId}/${runId}/artifacts/%2E%2E/%2e%2e/x`, '%2Fetc%2Fpasswd', '/etc/passwd', `${experimentId}/${runId}/artifacts/..%2F..%2Fx`, `${experimentId}/${runId}/artifacts/a%5C..%5Cb`];
    for (const evil of evils) {
      const res = await rawPut(server.port, `/api/2.0/mlflow-artifacts/artifacts/${evil}`, 'x');
      assert.equal(res.status, 400, `${evil}: ${res.body}`);
      assert.equal(JSON.parse(res.body).error_code, 'INVALID_PARAMETER_VALUE', evil);
    }
    const listEvil = await call(server.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent('/etc')}`);
    assert.equal(listEvil.status, 400);
    const listUp = await call(server.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${experimentId}/${runId}/artifacts/../..`)}`);
    assert.equal(listUp.status, 400);
    assert.deepEqual((tracker.listArtifacts(runId) as { value: unknown[] }).value.length, 4, 'nothing was written by the refused uploads');
    const missing = await fetch(`${base}/nope.txt`);
    assert.equal(missing.status, 404);
  });

  it('loses nothing when two clients log at once, through one server and through two servers on the same store', async () => {
    const { runId } = await newRun();
    const other = Tracker.open(workspaceLayout(dir));
    assert.ok(other.ok);
    const second = await startMlflowServer({ tracker: other.value, host: '127.0.0.1', port: 0 });
    assert.ok(second.ok);
    try {
      const client = async (url: string, key: string): Promise<void> => {
        for (let b = 0; b < 10; b++) {
          const metrics = Array.from({ length: 100 }, (_, i) => ({ key, value: b * 100 + i, timestamp: 1700000000000, step: b * 100 + i }));
          const res = await call(url, 'POST', '/api/2.0/mlflow/runs/log-batch', { run_id: runId, metrics, params: [{ key: `${key}-${b}`, value: String(b) }] });
          assert.equal(res.status, 200, res.text);
        }
      };
      await Promise.all([client(server.url, 'a'), client(server.url, 'b'), client(second.value.url, 'c'), client(second.value.url, 'd')]);
    } finally {
      await second.value.close();
      other.value.close(true);
    }
    const run = tracker.getRun(runId);
    assert.ok(run.ok);
    for (const key of ['a', 'b', 'c', 'd']) {
      assert.equal(run.value.history[key]!.length, 1000, key);
      assert.deepEqual(run.value.history[key]!.map((p) => p.value), Array.from({ length: 1000 }, (_, i) => i));
    }
    assert.equal(Object.keys(run.value.params).length, 40);
  });
});

describe('sextant server: binding and tokens', function () {
  it('refuses to listen beyond loopback without a token, and with one requires it on every route but /health', async () => {
    const dir = tempDir('sextant-mlflow-token-');
    const opened = Tracker.open(workspaceLayout(dir), { create: true });
    assert.ok(opened.ok);
    try {
      const refused = await startMlflowServer({ tracker: opened.value, host: '0.0.0.0', port: 0 });
      assert.equal(refused.ok, false);
      assert.equal(!refused.ok && refused.error.code, 'server-no-token');
      const started = await startMlflowServer({ tracker: opened.value, host: '0.0.0.0', port: 0, token: 's3cret' });
      assert.ok(started.ok);
      const url = `http://127.0.0.1:${started.value.port}`;
      try {
        assert.equal((await call(url, 'GET', '/health')).status, 200);
        const without = await call(url, 'POST', '/api/2.0/mlflow/experiments/create', { name: 'x' });
        assert.equal(without.status, 401);
        assert.equal(without.json.error_code, 'UNAUTHENTICATED');
        const wrong = await call(url, 'POST', '/api/2.0/mlflow/experiments/create', { name: 'x' }, { authorization: 'Bearer s3cres' });
        assert.equal(wrong.status, 401);
        const right = await call(url, 'POST', '/api/2.0/mlflow/experiments/create', { name: 'x' }, { authorization: 'Bearer s3cret' });
        assert.equal(right.status, 200);
      } finally {
        await started.value.close();
      }
    } finally {
      opened.value.close(true);
    }
  });

  it('`sextant server --host 0.0.0.0` without a token exits 1 and says why; a bad --port is usage (2)', async () => {
    const dir = tempDir('sextant-mlflow-cli-');
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), json: (v: unknown) => out.push(JSON.stringify(v)), isTty: false, cwd: dir, env: {} };
    assert.equal(await main(['server', '--host', '0.0.0.0', '--port', '0'], io), 1);
    assert.match(err.join('\n'), /token/);
    assert.equal(await main(['server', '--port', 'abc'], io), 2);
  });
});
