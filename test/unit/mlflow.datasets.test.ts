// MLflow dataset inputs come in as dataset versions linked to their runs; what cannot come is reported.
// The store is written file for file as MLflow's FileStore writes one (run inputs/, experiment datasets/).
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerDatasetVersion } from '../../src/engine/data/versions/register';
import { listDatasets } from '../../src/engine/data/versions/read';
import { importMlflow } from '../../src/engine/mlflow/importer';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

function write(file: string, text: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}

function run(root: string, id: string, start: number): void {
  write(join(root, '1', id, 'meta.yaml'), `artifact_uri: file:///x/mlruns/1/${id}/artifacts\nend_time: ${start + 10}\nentry_point_name: ''\nexperiment_id: '1'\nlifecycle_stage: active\nrun_id: ${id}\nrun_name: run-${id.slice(0, 1)}\nrun_uuid: ${id}\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: ${start}\nstatus: 3\ntags: []\nuser_id: me\n`);
}

function input(root: string, runId: string, inputId: string, sourceId: string, sourceType = 'DATASET', context = 'training'): void {
  write(join(root, '1', runId, 'inputs', inputId, 'meta.yaml'), `destination_id: ${runId}\ndestination_type: RUN\nsource_id: ${sourceId}\nsource_type: ${sourceType}\ntags:\n  mlflow.data.context: ${context}\n`);
}

function record(root: string, id: string, name: string, digest: string, schema: string, profile: string, source = '{"uri": "data/iris.csv"}'): void {
  write(join(root, '1', 'datasets', id, 'meta.yaml'), `digest: ${digest}\nname: ${name}\nprofile: '${profile}'\nschema: '${schema}'\nsource: '${source}'\nsource_type: local\n`);
}

function store(): { dir: string; root: string } {
  const dir = tempDir('sextant-mlflow-datasets-');
  const root = join(dir, 'mlruns');
  write(join(root, '1', 'meta.yaml'), "artifact_location: file:///x/mlruns/1\ncreation_time: 1700000000000\nexperiment_id: '1'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: exp\n");
  run(root, A, 1700000001000);
  run(root, B, 1700000002000);
  const colspec = '{"mlflow_colspec": [{"type": "double", "name": "x", "required": true}, {"type": "string", "name": "label", "required": true}]}';
  record(root, 'd1', 'iris', '1111aaaa', colspec, '{"num_rows": 150, "num_elements": 300}');
  record(root, 'd2', 'iris', '2222bbbb', colspec, '{"num_rows": 120, "num_elements": 240}');
  record(root, 'd3', 'images', '3333cccc', '{"mlflow_tensorspec": {"features": "[{\\"type\\": \\"tensor\\"}]"}}', '{"features_shape": [10, 28, 28]}', '{"path": "s3://bucket/images"}');
  record(root, 'd4', 'blobs', '4444dddd', '{"mlflow_colspec": [{"type": "binary", "name": "raw", "required": true}]}', '{"num_rows": 3}');
  record(root, 'd9', 'unused', '9999eeee', colspec, '{"num_rows": 1}');
  input(root, A, 'i1', 'd1');
  input(root, A, 'i3', 'd3');
  input(root, A, 'i4', 'd4', 'DATASET', 'eval');
  input(root, B, 'i2', 'd2');
  input(root, B, 'i5', 'dmissing');
  input(root, B, 'i6', 'm-0123', 'MODEL_INPUT');
  return { dir, root };
}

describe('MLflow import: dataset inputs', () => {
  it('each digest of a dataset is a version (next number, parent the previous latest), linked to the runs that used it; what cannot come is reported', () => {
    const { dir, root } = store();
    const tracker = must(Tracker.open(workspaceLayout(dir), { create: true }));
    const report = must(importMlflow(tracker, dir));
    assert.equal(report.datasetVersions, 4);
    assert.equal(report.datasetInputs, 4);
    const iris = listDatasets(tracker.db).find((d) => d.name === 'iris')!;
    assert.equal(iris.path, 'data/iris.csv');
    assert.deepEqual(
      iris.versions.map((v) => [v.version, v.hash, v.rows, v.parentVersion, v.createdAt, v.schema]),
      [
        [2, 'mlflow:2222bbbb', 120, 1, 1700000002000, [{ name: 'x', type: 'float' }, { name: 'label', type: 'string' }]],
        [1, 'mlflow:1111aaaa', 150, null, 1700000001000, [{ name: 'x', type: 'float' }, { name: 'label', type: 'string' }]],
      ],
    );
    const links = tracker.db.prepare('SELECT r.uid, d.name, dv.version FROM run_dataset_versions l JOIN runs r ON r.id = l.run_id JOIN dataset_versions dv ON dv.id = l.dataset_version_id JOIN datasets d ON d.id = dv.dataset_id ORDER BY r.uid, d.name').all();
    assert.deepEqual(links, [
      { uid: A, name: 'blobs', version: 1 },
      { uid: A, name: 'images', version: 1 },
      { uid: A, name: 'iris', version: 1 },
      { uid: B, name: 'iris', version: 2 },
    ]);
    const images = listDatasets(tracker.db).find((d) => d.name === 'images')!;
    assert.equal(images.path, 's3://bucket/images');
    assert.equal(images.versions[0]!.schema, null);
    assert.equal(images.versions[0]!.rows, null);
    const messages = report.problems.map((p) => `${p.file.slice(root.length + 1)}: ${p.message}`).sort();
    assert.deepEqual(messages, [
      `1/${B}/inputs/i5/meta.yaml: MLflow dataset input not imported: its dataset record dmissing is not in ${join(root, '1', 'datasets')}`,
      `1/${B}/inputs/i6/meta.yaml: MLflow run input of type MODEL_INPUT (m-0123) not imported: only dataset inputs are`,
      '1/datasets/d3/meta.yaml: MLflow dataset "images" (digest 3333cccc): schema not kept: a tensor schema has no columns',
      '1/datasets/d4/meta.yaml: MLflow dataset "blobs" (digest 4444dddd): schema not kept: column "raw" has MLflow type "binary", which Sextant\'s column types cannot hold',
      '1/datasets/d9: MLflow dataset record that no run of the experiment names in its inputs/: not imported (a dataset version is imported with the runs that used it)',
    ]);
    tracker.close();
  });

  it('a name Sextant registers files under gets its own dataset "NAME (MLflow)": MLflow digests never become versions of that file', async () => {
    const { dir } = store();
    const tracker = must(Tracker.open(workspaceLayout(dir), { create: true }));
    const csv = join(dir, 'iris.csv');
    writeFileSync(csv, 'x,label\n1.5,a\n2.5,b\n');
    must(await registerDatasetVersion(tracker.db, { name: 'iris', file: csv, root: dir }));
    const report = must(importMlflow(tracker, dir));
    const names = listDatasets(tracker.db).map((d) => [d.name, d.versions.map((v) => v.hash.startsWith('mlflow:') ? v.hash : 'sha256')]);
    assert.deepEqual(names.filter(([n]) => String(n).startsWith('iris')), [
      ['iris', ['sha256']],
      ['iris (MLflow)', ['mlflow:2222bbbb', 'mlflow:1111aaaa']],
    ]);
    assert.equal(report.problems.filter((p) => p.message.includes('imported as dataset "iris (MLflow)"')).length, 2);
    // Again: the same versions, no new problem about the name.
    const again = must(importMlflow(tracker, dir));
    assert.equal(again.datasetVersions, 0);
    assert.equal(again.problems.filter((p) => p.message.includes('imported as dataset')).length, 0);
    tracker.close();
  });
});

describe('MLflow import: run meta.yaml as MLflow reads it', () => {
  it('a run meta.yaml without a status key is RUNNING, as MLflow reads it (not an unknown status)', () => {
    const { dir, root } = store();
    const file = join(root, '1', A, 'meta.yaml');
    writeFileSync(file, `artifact_uri: file:///x\nend_time: null\nexperiment_id: '1'\nlifecycle_stage: active\nrun_id: ${A}\nrun_uuid: ${A}\nstart_time: 1700000001000\ntags: []\nuser_id: me\n`);
    const tracker = must(Tracker.open(workspaceLayout(dir), { create: true }));
    const report = must(importMlflow(tracker, dir));
    assert.equal(must(tracker.getRun(A)).status, 'running');
    assert.deepEqual(report.problems.filter((p) => p.message.includes('status')), []);
    tracker.close();
  });
});
