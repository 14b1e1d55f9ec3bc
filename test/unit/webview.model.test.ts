// The model card's host side without VS Code: its message contract (src/webviews/model/protocol.ts) and the
// card it is sent, built from a real store: the demo pipeline run by the CLI (train → evaluate → register).
import { strict as assert } from 'node:assert';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { aliasMoveQuestion, moveAlias } from '../../src/engine/registry/aliases';
import { modelCard } from '../../src/engine/registry/card';
import { openStore, type Database } from '../../src/engine/store/open';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { modelCardData, modelCardTitle } from '../../src/webviews/model/data';
import { HostMessageSchema, PageMessageSchema, PageStateSchema, type ModelCardData } from '../../src/webviews/model/protocol';
import { tempDir } from './tempDir';

function io(cwd: string): CliIo & { stderr: string[] } {
  const stderr: string[] = [];
  return { stderr, out: () => undefined, err: (t) => stderr.push(t), json: () => undefined, isTty: false, cwd, env: {} };
}

/** The demo workspace with its pipeline run once by the CLI: penguin-species v1 registered, @staging on it. */
async function demoStore(): Promise<{ root: string; layout: ReturnType<typeof workspaceLayout> }> {
  const root = tempDir('sextant-model-card-');
  const run = io(root);
  assert.equal(await main(['init', root], run), 0, run.stderr.join('\n'));
  assert.equal(await main(['run'], run), 0, run.stderr.join('\n'));
  return { root, layout: workspaceLayout(root) };
}

describe('model card: the data the host sends, from the demo pipeline', function () {
  this.timeout(60_000);
  let layout: ReturnType<typeof workspaceLayout>;
  let db: Database;
  const card = (version = 1): ModelCardData => {
    const built = modelCard(db, layout.artifactsDir, 'penguin-species', version);
    assert.ok(built.ok, built.ok ? '' : built.error.message);
    const data = modelCardData(built.value);
    assert.ok(HostMessageSchema.safeParse(JSON.parse(JSON.stringify({ type: 'data', data }))).success, 'what the host builds passes the contract, after JSON');
    return data;
  };

  before(async () => {
    ({ layout } = await demoStore());
    const opened = openStore(layout.storePath);
    assert.ok(opened.ok);
    db = opened.value;
  });
  after(() => db?.close());

  it('the signature read from the registered ONNX file, with the trainer\'s feature names and classes', () => {
    const data = card();
    assert.equal(data.name, 'penguin-species');
    assert.equal(data.version, 1);
    assert.ok(data.file.exists && data.file.path?.startsWith(layout.artifactsDir));
    assert.ok(data.signature.ok);
    assert.deepEqual(data.signature.inputs, [{ name: 'input', type: 'float32', shape: ['N', 4] }]);
    assert.deepEqual(data.signature.outputs.map((o) => `${o.name}:${o.type}`), ['probabilities:float32', 'label_index:int64', 'label:string']);
    assert.deepEqual(data.signature.outputs[0]!.shape, ['N', 3]);
    assert.deepEqual(data.features, ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g']);
    assert.equal(data.label, 'species');
    assert.deepEqual(data.classes, ['adelie', 'chinstrap', 'gentoo']);
  });

  it('metrics of the evaluate stage, lineage (the pipeline run, its params, the stage that registered, datasets by name), aliases and their history', () => {
    const data = card();
    assert.ok(typeof data.metrics.accuracy === 'number' && data.metrics.accuracy > 0.9, JSON.stringify(data.metrics));
    assert.ok('f1' in data.metrics && 'train_loss' in data.metrics);
    assert.equal(data.source.kind, 'run');
    if (data.source.kind !== 'run') return;
    assert.match(data.source.name, /^pipeline /);
    assert.equal(data.source.experiment, 'penguins');
    assert.equal(data.source.stage, 'register');
    assert.equal(data.source.params.lr, '0.1', 'the pipeline params');
    assert.equal(data.source.params.epochs, '200');
    assert.equal(data.source.gitCommit, null, 'the demo folder is no git repository');
    assert.deepEqual(data.datasets.map((d) => [d.name, d.path, d.version, d.role]), [['penguins', 'data/penguins.csv', 1, 'input']], 'the dataset version the run\'s stages read (recorded by the runner)');
    assert.deepEqual(data.datasetNames, ['penguins']);
    assert.deepEqual(data.aliases, [{ alias: 'staging', version: 1 }]);
    const register = db.prepare("SELECT uid FROM runs WHERE name = 'register'").pluck().get() as string;
    assert.deepEqual(data.history.map((h) => [h.alias, h.from, h.to, h.source]), [['staging', null, 1, `pipeline run ${register.slice(0, 8)}`]]);
    assert.equal(modelCardTitle(data.name, data.version), 'Model penguin-species v1');
  });

  it('every evaluation kept with the version (oldest first, with its dataset version), the latest one\'s matrix and curves, and the latest SHAP of a row', async () => {
    const root = join(layout.storePath, '..', '..');
    const before = card().evaluations!.length;
    const docs: { metrics: { accuracy: number }; confusion_matrix: number[][] }[] = [];
    const run = { ...io(root), json: (v: unknown) => docs.push(JSON.parse(JSON.stringify(v))) };
    for (let i = 0; i < 2; i++) assert.equal(await main(['eval', 'penguin-species@1', 'data/penguins.csv', '--json'], run), 0, run.stderr.join('\n'));
    assert.equal(await main(['models', 'explain', 'penguin-species@1', 'data/penguins.csv', '--row', '3'], run), 0, run.stderr.join('\n'));
    const data = card();
    const evaluations = data.evaluations!;
    assert.equal(evaluations.length, before + 2);
    const [first, second] = evaluations.slice(-2);
    assert.ok(first!.id < second!.id && first!.createdAt <= second!.createdAt, 'oldest first');
    assert.deepEqual([first!.dataset, second!.dataset], ['penguins v1', 'penguins v1'], 'the registered dataset version with the file\'s content');
    assert.deepEqual([first!.metrics.accuracy, second!.metrics.accuracy], docs.map((d) => d.metrics.accuracy));
    assert.ok(['accuracy', 'f1', 'f1_macro', 'roc_auc', 'log_loss'].every((k) => k in second!.metrics));
    const latest = data.latestEvaluation!;
    assert.equal(latest.id, second!.id);
    assert.deepEqual(latest.classes, ['adelie', 'chinstrap', 'gentoo']);
    assert.deepEqual(latest.matrix, docs[1]!.confusion_matrix);
    assert.deepEqual(latest.roc.map((c) => c.label), latest.classes, 'one-vs-rest: a curve per class');
    for (const c of [...latest.roc, ...latest.pr]) {
      assert.ok(c.x.length >= 2 && c.x.length <= 400 && c.x.length === c.y.length);
      for (let i = 1; i < c.x.length; i++) assert.ok(c.x[i]! >= c.x[i - 1]!, `${c.label}: x increasing, as the chart draws it`);
    }
    const shap = data.shap!;
    assert.equal(shap.data, 'data/penguins.csv');
    assert.deepEqual(shap.rows.map((r) => [r.row, r.line, r.method]), [[3, 4, 'exact']]);
    const r = shap.rows[0]!;
    assert.deepEqual(r.features.map((f) => f.feature), data.features);
    assert.ok(Math.abs(r.features.reduce((s, f) => s + f.attribution, 0) - (r.prediction - r.base)) < 1e-9);
  });

  it('a second run with another lr registers v2 (staging moves), and moving production shows in both cards with its history', async () => {
    const root = join(layout.storePath, '..', '..');
    const pipeline = join(root, 'sextant.yaml');
    writeFileSync(pipeline, readFileSync(pipeline, 'utf8').replace('lr: 0.1', 'lr: 0.05'));
    const run = io(root);
    assert.equal(await main(['run'], run), 0, run.stderr.join('\n'));
    const moved = moveAlias(db, layout.storePath, { name: 'penguin-species', alias: 'production', version: 1, expectedFrom: null, who: { actor: 'ada', source: 'VS Code' } });
    assert.ok(moved.ok);
    const v1 = card(1);
    const v2 = card(2);
    assert.deepEqual(v2.versions, [2, 1]);
    assert.equal(v2.source.kind === 'run' && v2.source.params.lr, '0.05');
    assert.equal(v1.source.kind === 'run' && v1.source.params.lr, '0.1');
    assert.deepEqual(v1.aliases, [{ alias: 'production', version: 1 }, { alias: 'staging', version: 2 }]);
    assert.deepEqual(v2.history.slice(0, 2).map((h) => [h.alias, h.from, h.to, h.actor]), [['production', null, 1, 'ada'], ['staging', 1, 2, v2.history[1]!.actor]]);
    assert.match(v2.history[1]!.source, /^pipeline run /);
    assert.equal(aliasMoveQuestion('penguin-species', 2, 'production', 1), 'Move the alias "production" of model "penguin-species" to version 2? It now points at version 1.');
    assert.equal(aliasMoveQuestion('penguin-species', 2, 'champion', null), 'Move the alias "champion" of model "penguin-species" to version 2? "champion" is not set yet.');
  });

  it('bad input said plainly: a deleted model file, a source run that is gone, a version with no metrics, an unknown version', () => {
    const v1 = card(1);
    rmSync(v1.file.path!);
    const gone = card(1);
    assert.equal(gone.file.exists, false);
    assert.equal(gone.signature.ok, false);
    assert.match(gone.signature.ok ? '' : gone.signature.message, /model file is gone from the artifact store/);
    // The source run deleted (soft, as the Experiments view does), then purged: the card says so, with no metrics.
    const t = new Tracker(db, { file: layout.storePath, artifactsDir: layout.artifactsDir });
    const source = v1.source.kind === 'run' ? v1.source.id : '';
    assert.ok(t.deleteRuns([source]).ok);
    assert.equal(card(1).source.kind, 'deleted');
    assert.ok(t.purgeDeletedRuns(0).ok);
    const purged = card(1);
    assert.deepEqual(purged.source, { kind: 'none' });
    assert.deepEqual(purged.metrics, {});
    assert.deepEqual(purged.datasetNames, []);
    const unknown = modelCard(db, layout.artifactsDir, 'penguin-species', 9);
    assert.equal(unknown.ok, false);
    assert.match(unknown.ok ? '' : unknown.error.message, /has no version 9/);
  });
});

describe('model card: the message contract', () => {
  it('accepts the page\'s actions and nothing else; the saved state names the version', () => {
    assert.ok(PageMessageSchema.safeParse({ type: 'moveAlias', alias: 'production', expectedFrom: 1 }).success);
    assert.ok(PageMessageSchema.safeParse({ type: 'moveAlias', alias: 'production', expectedFrom: null }).success);
    assert.ok(PageMessageSchema.safeParse({ type: 'revealFile' }).success);
    assert.ok(PageMessageSchema.safeParse({ type: 'openSourceRun' }).success);
    assert.equal(PageMessageSchema.safeParse({ type: 'moveAlias', alias: '', expectedFrom: 1 }).success, false);
    assert.equal(PageMessageSchema.safeParse({ type: 'moveAlias', alias: 'production', expectedFrom: 1, version: 3 }).success, false, 'the page cannot name another version');
    assert.equal(PageMessageSchema.safeParse({ type: 'openFile', path: '/etc/passwd' }).success, false);
    assert.deepEqual(PageStateSchema.parse({ model: 'm', version: 2 }), { model: 'm', version: 2 });
    assert.equal(PageStateSchema.safeParse({ model: 'm' }).success, false);
  });
});
