// A corpus of real MLflow file stores (MLflow 1.x, 2.x and 3.x, committed to public GitHub repositories;
// each fixture's SOURCE.md names the repository and commit) imported and compared run by run with an
// independent reading of the same files by Debian's python3-yaml (test/support/read_mlruns.py, which reads
// them as MLflow's FileStore does): names, statuses, times, params, tags, latest metrics, point counts,
// dataset inputs; and everything the import leaves out is in the report, with the store it came from.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { showDatasetVersion } from '../../src/engine/data/versions/read';
import { importMlflow, type ImportReport } from '../../src/engine/mlflow/importer';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

const FIXTURES = resolve(__dirname, '../fixtures/mlflow');
const READER = resolve(__dirname, '../support/read_mlruns.py');
const PYTHON = '/usr/bin/python3';

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
interface Expected {
  experiments: Record<string, { id: string; name: string }>;
  runs: Record<
    string,
    {
      experiment: string;
      name: string | null;
      status: string;
      start: number | null;
      end: number | null;
      params: Record<string, string>;
      tags: Record<string, string>;
      metrics: Record<string, { count: number; last: Num; step: number }>;
      inputs: { name: string; digest: string; context: string | null; rows: number | null; columns: string[] }[];
      outputs: string[];
    }
  >;
  loggedModels: Record<string, { dir: string; name: string | null; sourceRun: string | null; params: Record<string, string>; metrics: Record<string, { count: number; last: Num }> }>;
  malformed: string[];
}

const SEXTANT_STATUS: Record<string, string> = { RUNNING: 'running', SCHEDULED: 'queued', FINISHED: 'finished', FAILED: 'failed', KILLED: 'killed' };

/** The corpus: fixture folder, what it is, and how many runs MLflow reads from it. */
const CORPUS: { name: string; what: string; runs: number }[] = [
  { name: 'taxifare-1x', what: 'MLflow 1.x, 2021: runs left RUNNING, `name:` in run meta.yaml', runs: 2 },
  { name: 'speech-rnn-1x', what: 'MLflow 1.x, 2021: Keras autologging, a stray store inside the store', runs: 1 },
  { name: 'framework-2x', what: 'MLflow 2.x, 2023: 27 runs, one metric per run', runs: 27 },
  { name: 'iris-real', what: 'MLflow 2.x, 2024: a registered model', runs: 13 },
  { name: 'stock-quant-2x', what: 'MLflow 2.x, 2026: qlib recorder, FAILED runs, 4,200 points', runs: 10 },
  { name: 'wine-eval-2x', what: 'MLflow 2.22, 2025: dataset inputs, mlflow.evaluate metrics', runs: 7 },
  { name: 'elasticnet-3x', what: 'MLflow 3.7, 2025: logged models (models/m-*), run outputs/', runs: 3 },
];

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function readWithPyYaml(store: string): Expected | string {
  const py = spawnSync(PYTHON, [READER, store], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (py.status !== 0) return (py.stderr || String(py.error)).trim().split('\n').at(-1) ?? 'failed';
  return JSON.parse(py.stdout) as Expected;
}

function same(actual: number | null | undefined, expected: Num): boolean {
  if (expected === 'NaN') return actual === null || (typeof actual === 'number' && Number.isNaN(actual));
  if (expected === 'Infinity') return actual === Infinity;
  if (expected === '-Infinity') return actual === -Infinity;
  return actual === expected;
}

/** Points of run/key the import reported as collapsed (same step and timestamp as a point it kept). */
function collapsed(report: ImportReport, store: string, runId: string, key: string): number {
  return report.problems.filter((p) => p.source === store && p.message.includes('same step and timestamp') && p.message.startsWith(`run ${runId}: metric "${key}" point`)).length;
}

describe('MLflow import of a corpus of real stores, compared run by run with python3-yaml', () => {
  let python: string | undefined;
  before(function () {
    const probe = spawnSync(PYTHON, ['-c', 'import yaml'], { encoding: 'utf8' });
    if (probe.status !== 0) python = (probe.stderr || String(probe.error)).trim().split('\n').at(-1);
  });

  for (const fixture of CORPUS) {
    it(`${fixture.name} (${fixture.what}): every run as MLflow reads it, everything left out reported`, function () {
      if (python !== undefined) {
        console.warn(`    SKIPPED: ${PYTHON} with PyYAML is missing (apt-get install python3-yaml): ${python}`);
        this.skip();
      }
      const store = join(FIXTURES, fixture.name, 'mlruns');
      const expected = readWithPyYaml(store);
      if (typeof expected === 'string') throw new Error(`read_mlruns.py failed on ${store}: ${expected}`);
      assert.equal(Object.keys(expected.runs).length, fixture.runs);

      const dir = tempDir('sextant-mlflow-corpus-');
      const tracker = must(Tracker.open(workspaceLayout(dir), { create: true }));
      const report = must(importMlflow(tracker, store));
      assert.equal(report.runsCreated, fixture.runs);
      for (const p of report.problems) assert.equal(p.source, store, `problem without its store: ${p.file}: ${p.message}`);

      let points = 0;
      for (const [id, e] of Object.entries(expected.runs)) {
        const run = must(tracker.getRun(id));
        assert.equal(run.experiment, e.experiment, id);
        assert.equal(run.name, e.name ?? id.slice(0, 8), `${id} name`);
        assert.equal(run.status, SEXTANT_STATUS[e.status], `${id} status`);
        assert.equal(run.startedAt, e.start, `${id} start`);
        assert.equal(run.endedAt, e.end, `${id} end`);
        assert.deepEqual(run.params, e.params, `${id} params`);
        for (const [k, v] of Object.entries(e.tags)) assert.equal(run.tags[k], v, `${id} tag ${k}`);
        assert.deepEqual(Object.keys(run.metrics).sort(), Object.keys(e.metrics).sort(), `${id} metric keys`);
        for (const [k, m] of Object.entries(e.metrics)) {
          assert.ok(same(run.metrics[k]!.last, m.last), `${id} ${k}: latest ${run.metrics[k]!.last}, MLflow's ${m.last}`);
          // Every line MLflow reads is a point stored, or a point the report names as collapsed into another.
          assert.equal(run.history[k]!.length + collapsed(report, store, id, k), m.count, `${id} ${k} points`);
          points += run.history[k]!.length;
        }
        const inputs = tracker.db
          .prepare("SELECT d.name, dv.content_hash AS hash, dv.row_count AS rows, dv.schema_json AS schema FROM run_dataset_versions l JOIN dataset_versions dv ON dv.id = l.dataset_version_id JOIN datasets d ON d.id = dv.dataset_id JOIN runs r ON r.id = l.run_id WHERE r.uid = ? AND l.role = 'input' ORDER BY d.name, dv.content_hash")
          .all(id) as { name: string; hash: string; rows: number | null; schema: string | null }[];
        assert.deepEqual(
          inputs.map((i) => ({ name: i.name, digest: i.hash.replace(/^mlflow:/, ''), rows: i.rows, columns: i.schema ? (JSON.parse(i.schema) as { name: string }[]).map((c) => c.name) : [] })),
          e.inputs.map((i) => ({ name: i.name, digest: i.digest, rows: i.rows, columns: i.columns })),
          `${id} dataset inputs`,
        );
        for (const o of e.outputs) assert.ok(report.problems.some((p) => p.file === join(store, Object.entries(expected.experiments).find(([, x]) => x.name === e.experiment)![0], id, 'outputs', o) && p.message.includes('not imported')), `${id} output ${o} reported`);
      }
      assert.equal(report.metricPoints, points);
      for (const [modelId, m] of Object.entries(expected.loggedModels)) {
        const p = report.problems.find((x) => x.file === m.dir);
        assert.ok(p, `logged model ${modelId} reported`);
        assert.match(p.message, new RegExp(`logged model "${m.name}" \\(${modelId}, logged by run ${m.sourceRun}\\) not imported`));
        // Its params and metrics are its run's: nothing of it is lost with it.
        const run = must(tracker.getRun(m.sourceRun!));
        for (const [k, v] of Object.entries(m.params)) assert.equal(run.params[k], v, `${modelId} param ${k} on its run`);
        for (const [k, x] of Object.entries(m.metrics)) assert.ok(same(run.metrics[k]?.last, x.last), `${modelId} metric ${k} on its run`);
      }
      for (const folder of expected.malformed) assert.ok(report.problems.some((p) => p.file === folder), `malformed ${folder} reported`);

      // Re-importing changes nothing.
      const snapshot = (): string => JSON.stringify(['runs', 'params', 'tags', 'metrics', 'latest_metrics', 'datasets', 'dataset_versions', 'run_dataset_versions', 'model_versions'].map((t) => tracker.db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()));
      const before = snapshot();
      const again = must(importMlflow(tracker, store));
      assert.equal(again.runsCreated, 0);
      assert.equal(again.datasetVersions, 0);
      assert.equal(snapshot(), before);
      tracker.close();
    });
  }
});

describe('MLflow import: fixes found on the corpus', () => {
  function importFixture(name: string): { tracker: Tracker; report: ImportReport; store: string } {
    const store = join(FIXTURES, name, 'mlruns');
    const tracker = must(Tracker.open(workspaceLayout(tempDir('sextant-mlflow-corpus-')), { create: true }));
    return { tracker, report: must(importMlflow(tracker, store)), store };
  }

  it('elasticnet-3x: a metric line repeated exactly (MLflow 3.7 wrote each twice) is reported as stored once, no value lost', () => {
    const { tracker, report } = importFixture('elasticnet-3x');
    const repeats = report.problems.filter((p) => p.message.includes('same step and timestamp'));
    assert.equal(repeats.length, 18); // 3 runs × 6 metrics, each line written twice
    for (const p of repeats) {
      assert.match(p.message, /stored once: the line repeats another exactly .* no value is lost$/);
      assert.equal(p.line, 2);
    }
    tracker.close();
  });

  it('wine-eval-2x: the dataset input is one dataset version (hash mlflow:<digest>, rows, schema) linked to the 7 runs, its path the script that made it', () => {
    const { tracker, report } = importFixture('wine-eval-2x');
    assert.equal(report.datasetVersions, 1);
    assert.equal(report.datasetInputs, 7);
    const detail = must(showDatasetVersion(tracker.db, 'dataset'));
    assert.equal(detail.version, 1);
    assert.equal(detail.hash, 'mlflow:1fbe660b');
    assert.equal(detail.rows, 400);
    assert.equal(detail.size, null);
    assert.deepEqual(detail.schema?.map((c) => `${c.name}:${c.type}`).slice(-2), ['alcohol:float', 'quality:integer']);
    assert.equal(detail.schema?.length, 12);
    assert.equal(detail.path, '/home/alejandro/Documents/u/cursos/productos/PRE-12-mlflow-evaluacion-alvelezp/homework/__main__.py');
    assert.equal(detail.runs.length, 7);
    assert.ok(detail.runs.every((r) => r.role === 'input'));
    // Nothing of the store is left out: its one dataset record is the version above.
    assert.deepEqual(report.problems, []);
    tracker.close();
  });

  it('speech-rnn-1x: a stray store inside the store (mlruns/mlruns/) is named as such, not as a broken experiment', () => {
    const { tracker, report, store } = importFixture('speech-rnn-1x');
    assert.deepEqual(
      report.problems.map((p) => [p.file, p.message]),
      [[join(store, 'mlruns'), 'an MLflow store inside the store (its folders hold experiments): skipped; import it on its own']],
    );
    tracker.close();
  });
});

describe('sextant import mlflow: what was not imported, store by store', () => {
  it('prints a "Not imported from STORE (N):" header over that store\'s problems', async () => {
    const store = join(FIXTURES, 'elasticnet-3x', 'mlruns');
    const cwd = tempDir('sextant-mlflow-cli-');
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io: CliIo = { out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
    assert.equal(await main(['import', 'mlflow', store], io), 0, stderr.join('\n'));
    assert.equal(stderr[0], `Not imported from ${store} (24):`);
    assert.equal(stderr.length, 25);
    assert.ok(stderr.slice(1).every((l) => l.startsWith(`  ! ${store}/`)));
    assert.ok(stderr.some((l) => l.includes('models/m-864759a2b63c46d5a38f2943ee8586bc: MLflow 3 logged model "model"')));
  });
});
