// The demo pipeline evaluates its model (`sextant/evaluate`) before it registers it (`sextant/register`): the
// evaluation, kept by the model file's content while no version had it, becomes part of the evaluation history
// of the version the register stage adds, with the dataset version it was computed on, so the model card's
// Evaluations section is filled after `sextant run` alone. Through the real runner and CLI on the demo workspace;
// the expected figures are read back from what the evaluate stage recorded, never typed in.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { listModels } from '../../src/engine/registry/list';
import { openStore } from '../../src/engine/store/open';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

function cli(cwd: string): CliIo & { stdout: string[]; stderr: string[]; docs: unknown[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const docs: unknown[] = [];
  return { stdout, stderr, docs, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => docs.push(JSON.parse(JSON.stringify(v))), isTty: false, cwd, env: {} };
}

interface ShownEvaluation {
  id: number;
  createdAt: number;
  rows: number;
  data: { path: string; sha256: string };
  dataset: { name: string; version: number } | null;
  metrics: Record<string, number | null>;
}
interface Shown {
  card: { version: number; evaluations: ShownEvaluation[]; latestEvaluation: { result: { model: { version: number | null }; metrics: Record<string, number | null> } } | null };
}

describe('evaluation history of a version the pipeline evaluated before registering it (demo: evaluate → register)', function () {
  this.timeout(180_000);
  let root: string;

  const show = async (ref: string): Promise<Shown> => {
    const io = cli(root);
    assert.equal(await main(['models', 'show', ref, '--json'], io), 0, io.stderr.join('\n'));
    return io.docs[0] as Shown;
  };
  const query = <T>(sql: string, ...params: unknown[]): T[] => {
    const db = openStore(workspaceLayout(root).storePath);
    assert.ok(db.ok);
    try {
      return db.value.prepare(sql).all(...params) as T[];
    } finally {
      db.value.close();
    }
  };

  before(async () => {
    root = tempDir('sextant-evalhistory-');
    assert.equal(await main(['init', root], cli(root)), 0);
  });

  it('sextant run: `models show penguin-species@1 --json` has the evaluate stage\'s evaluation, on the penguins dataset version', async () => {
    const run = cli(root);
    assert.equal(await main(['run'], run), 0, [...run.stdout, ...run.stderr].join('\n'));
    const text = run.stdout.join('\n');
    assert.match(text, /not registered yet/, text);
    assert.match(text, /1 evaluation of this model file, recorded before it was registered, now in version 1's evaluation history/, text);

    const shown = await show('penguin-species@1');
    assert.equal(shown.card.evaluations.length, 1, JSON.stringify(shown.card.evaluations));
    const [evaluation] = shown.card.evaluations;
    // The dataset version the runner registered for data/penguins.csv (the content the evaluation read).
    const datasets = query<{ name: string; version: number; hash: string }>("SELECT d.name, dv.version, dv.content_hash AS hash FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id WHERE d.name = 'penguins'");
    assert.equal(datasets.length, 1);
    assert.deepEqual(evaluation!.dataset, { name: 'penguins', version: datasets[0]!.version });
    assert.equal(evaluation!.data.sha256, datasets[0]!.hash);
    assert.equal(evaluation!.data.path, join(root, 'data', 'penguins.csv'));
    // The figures are the evaluate stage's (recorded on its run, which the version's metrics include).
    const db = openStore(workspaceLayout(root).storePath);
    assert.ok(db.ok);
    const metrics = listModels(db.value).find((m) => m.name === 'penguin-species')!.versions[0]!.metrics;
    db.value.close();
    for (const key of ['accuracy', 'f1', 'f1_macro', 'log_loss', 'roc_auc']) assert.equal(evaluation!.metrics[key], metrics[key], key);
    assert.equal(evaluation!.rows, metrics.rows);
    // The whole result, for the card's confusion matrix and curves, names the version.
    assert.equal(shown.card.latestEvaluation?.result.model.version, 1);
    assert.deepEqual(shown.card.latestEvaluation?.result.metrics, evaluation!.metrics);
  });

  it('sextant run --force: the evaluate stage finds v1 by content; v2 (same file) gets that run\'s evaluation as well as the earlier one', async () => {
    const run = cli(root);
    assert.equal(await main(['run', '--force'], run), 0, [...run.stdout, ...run.stderr].join('\n'));
    const shas = query<{ version: number; sha: string }>("SELECT v.version, v.artifact_sha256 AS sha FROM model_versions v JOIN models m ON m.id = v.model_id WHERE m.name = 'penguin-species' ORDER BY v.version");
    assert.deepEqual(shas.map((s) => s.version), [1, 2]);
    const v1 = await show('penguin-species@1');
    const v2 = await show('penguin-species@2');
    if (shas[0]!.sha === shas[1]!.sha) {
      // Training is seeded: the same bytes. v1 now has both runs' evaluations; v2 has the same two (copied).
      assert.equal(v1.card.evaluations.length, 2, JSON.stringify(v1.card.evaluations));
      assert.deepEqual(v2.card.evaluations.map((e) => [e.createdAt, e.data.sha256, e.dataset, e.metrics]), v1.card.evaluations.map((e) => [e.createdAt, e.data.sha256, e.dataset, e.metrics]));
    } else {
      // Another model: v2 has only its own evaluation, v1 keeps its one.
      assert.equal(v1.card.evaluations.length, 1);
      assert.equal(v2.card.evaluations.length, 1, JSON.stringify(v2.card.evaluations));
    }
    assert.equal(v2.card.latestEvaluation?.result.model.version, 2);
  });
});
