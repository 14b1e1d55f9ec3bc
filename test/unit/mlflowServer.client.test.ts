// `sextant server`: what running the real MLflow client (2.12, test/fixtures/mlflowServer/mlflow_real_tutorial.py
// and more) against it found missing, each fixed here and driven over HTTP in the request shapes that client
// sends (docs/mlflow-server.md, "The real MLflow client").
import { strict as assert } from 'node:assert';
import { startMlflowServer, type RunningMlflowServer } from '../../src/engine/mlflowServer/server';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read field by field, each field asserted
type Json = Record<string, any>;

describe('sextant server: calls the real MLflow client makes', function () {
  let tracker: Tracker;
  let server: RunningMlflowServer;

  async function post(path: string, body: unknown): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${server.url}/api/2.0/mlflow${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Json };
  }

  beforeEach(async () => {
    const opened = Tracker.open(workspaceLayout(tempDir('sextant-mlflow-client-')), { create: true });
    assert.ok(opened.ok);
    tracker = opened.value;
    const started = await startMlflowServer({ tracker, host: '127.0.0.1', port: 0 });
    assert.ok(started.ok);
    server = started.value;
  });
  afterEach(async () => {
    await server.close();
    tracker.close(true);
  });

  async function newRun(): Promise<string> {
    const exp = await post('/experiments/create', { name: 'models' });
    const run = await post('/runs/create', { experiment_id: exp.json.experiment_id, run_name: 'fit' });
    return run.json.run.info.run_id as string;
  }

  it('runs/log-model (log_model, autolog) appends each MLmodel to the tag mlflow.log-model.history, as MLflow does', async () => {
    const runId = await newRun();
    // The body mlflow.sklearn.log_model sends (mlflow/tracking/_tracking_service/client.py: _record_logged_model).
    const model = { artifact_path: 'model', flavors: { sklearn: { pickled_model: 'model.pkl', sklearn_version: '1.2.1' } }, run_id: runId, utc_time_created: '2026-12-01 10:03:53.000000', model_uuid: 'a1b2' };
    const first = await post('/runs/log-model', { run_id: runId, model_json: JSON.stringify(model) });
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.deepEqual(first.json, {});
    const second = await post('/runs/log-model', { run_id: runId, model_json: JSON.stringify({ ...model, artifact_path: 'model2' }) });
    assert.equal(second.status, 200);
    const stored = tracker.getRun(runId);
    assert.ok(stored.ok);
    const history = JSON.parse(stored.value.tags['mlflow.log-model.history']!) as Json[];
    assert.deepEqual(
      history.map((m) => m.artifact_path),
      ['model', 'model2'],
    );
    assert.deepEqual(history[0], model);
    // The same under /ajax-api, and the tag comes back in runs/get.
    const got = await fetch(`${server.url}/ajax-api/2.0/mlflow/runs/get?run_id=${runId}`).then((r) => r.json() as Promise<Json>);
    assert.ok((got.run.data.tags as Json[]).some((t) => t.key === 'mlflow.log-model.history'));
  });

  it('runs/log-model refuses JSON that is not an MLmodel, and unknown or deleted runs, in MLflow shape', async () => {
    const runId = await newRun();
    const malformed = await post('/runs/log-model', { run_id: runId, model_json: '{not json' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(malformed.json.message, /Malformed model info/);
    const missing = await post('/runs/log-model', { run_id: runId, model_json: JSON.stringify({ artifact_path: 'model' }) });
    assert.equal(missing.status, 400);
    assert.match(missing.json.message, /missing mandatory fields: flavors, utc_time_created, run_id/);
    const noField = await post('/runs/log-model', { run_id: runId });
    assert.equal(noField.status, 400);
    assert.equal(noField.json.error_code, 'INVALID_PARAMETER_VALUE');
    const model = JSON.stringify({ artifact_path: 'm', flavors: {}, utc_time_created: 'x', run_id: 'y' });
    const unknown = await post('/runs/log-model', { run_id: 'f'.repeat(32), model_json: model });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
    await post('/runs/delete', { run_id: runId });
    const deleted = await post('/runs/log-model', { run_id: runId, model_json: model });
    assert.equal(deleted.status, 400);
    const stored = tracker.listRuns({ ids: [runId], includeDeleted: true });
    assert.ok(stored.ok);
    assert.equal(stored.value[0]!.tags['mlflow.log-model.history'], undefined, 'nothing was written by a refused call');
  });

  it('runs/search takes datasets.name, datasets.digest and datasets.context (search_runs(filter_string="datasets.name = \'…\'")): a run matches when one of its inputs does', async () => {
    const exp = (await post('/experiments/create', { name: 'data' })).json.experiment_id as string;
    const ids: string[] = [];
    for (const [name, inputs] of [
      ['both', [['iris', 'd1', 'training'], ['wine', 'd2', 'eval']]],
      ['iris-eval', [['iris', 'd3', 'eval']]],
      ['none', []],
    ] as const) {
      const runId = (await post('/runs/create', { experiment_id: exp, run_name: name })).json.run.info.run_id as string;
      ids.push(runId);
      if (inputs.length > 0) {
        const datasets = inputs.map(([n, digest, context]) => ({ tags: [{ key: 'mlflow.data.context', value: context }], dataset: { name: n, digest, source_type: 'local', source: '{}' } }));
        assert.equal((await post('/runs/log-inputs', { run_id: runId, datasets })).status, 200);
      }
    }
    const names = async (filter: string): Promise<string[]> => {
      const r = await post('/runs/search', { experiment_ids: [exp], filter, order_by: ['attributes.run_name ASC'] });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return (r.json.runs as Json[]).map((x) => x.info.run_name as string);
    };
    assert.deepEqual(await names("datasets.name = 'iris'"), ['both', 'iris-eval']);
    assert.deepEqual(await names("datasets.name = 'wine'"), ['both']);
    assert.deepEqual(await names("datasets.digest IN ('d2', 'd3')"), ['both', 'iris-eval']);
    assert.deepEqual(await names("datasets.context = 'training'"), ['both']);
    assert.deepEqual(await names("datasets.name = 'iris' AND datasets.context = 'eval'"), ['both', 'iris-eval']);
    assert.deepEqual(await names("dataset.name LIKE 'w%'"), ['both']);
    const bad = await post('/runs/search', { experiment_ids: [exp], filter: "datasets.size = '1'" });
    assert.equal(bad.status, 400);
    assert.match(bad.json.message, /Invalid dataset key 'size'.*name, digest, context/);
    const order = await post('/runs/search', { experiment_ids: [exp], order_by: ['datasets.name'] });
    assert.equal(order.status, 400);
    assert.equal(order.json.error_code, 'INVALID_PARAMETER_VALUE');
  });
});
