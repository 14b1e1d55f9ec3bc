// Permutation feature importance: the method as scikit-learn's permutation_importance defines it (baseline score
// minus the score with one column shuffled, per repeat; mean and ddof-0 std), checked against the shuffles
// recomputed independently; then on a real model (trained by Sextant, exported to ONNX, registered, run by
// onnxruntime-node through `sextant models explain`): a feature that is pure noise gets about nothing, the one
// that decides the label the most; the result is kept with the version and the model card carries it.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { registerModelVersion } from '../../src/engine/builtins/register';
import { ExplanationSchema } from '../../src/engine/explain/explainVersion';
import { permutationImportance } from '../../src/engine/explain/permutation';
import { modelCard } from '../../src/engine/registry/card';
import { openStore } from '../../src/engine/store/open';
import { exportOnnx } from '../../src/engine/train/onnx/export';
import { Rng, permutation } from '../../src/engine/train/rng';
import { trainClassifier } from '../../src/engine/train/train';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { modelCardData } from '../../src/webviews/model/data';
import { HostMessageSchema } from '../../src/webviews/model/protocol';
import { tempDir } from './tempDir';

function cli(cwd: string): CliIo & { stdout: string[]; stderr: string[]; docs: unknown[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const docs: unknown[] = [];
  return { stdout, stderr, docs, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => docs.push(JSON.parse(JSON.stringify(v))), isTty: false, cwd, env: {} };
}

/** Rows where `signal` decides the label (yes when > 0, a few flipped), `weak` leans with it, `noise` is independent. */
function sample(n: number, seed: number): { signal: number; weak: number; noise: number; label: string }[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const signal = rng.next() * 2 - 1;
    const weak = signal * 0.3 + rng.normal() * 0.5;
    const noise = rng.next() * 2 - 1;
    const flip = rng.next() < 0.03;
    return { signal, weak, noise, label: (signal > 0) !== flip ? 'yes' : 'no' };
  });
}

describe('permutation feature importance', function () {
  this.timeout(60_000);

  it('is baseline minus the score with the column shuffled, per repeat, with the same shuffles in the same order', async () => {
    // A real rule as the model: class 1 when feature 0 > 0; feature 1 is never looked at.
    const n = 40;
    const x = new Float32Array(n * 2);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      x[i * 2] = (i % 7) - 3;
      x[i * 2 + 1] = i;
      y[i] = (i % 7) - 3 > 0 ? 1 : 0;
    }
    const rule = (v: number): [number, number] => (v > 0 ? [0.1, 0.9] : [0.9, 0.1]);
    const predict = async (m: Float32Array, rows: number) => Float32Array.from({ length: rows * 2 }, (_, k) => rule(m[Math.floor(k / 2) * 2]!)[k % 2]!);
    const result = await permutationImportance({ predict, x, y, features: ['used', 'ignored'], classes: 2, repeats: 4, seed: 11 });
    assert.equal(result.baseline, 1);
    // Recompute the drops of "used" with the same PRNG: feature 0's repeats take the first 4 shuffles.
    const rng = new Rng(11);
    const expected = Array.from({ length: 4 }, () => {
      const order = permutation(n, rng);
      let right = 0;
      for (let i = 0; i < n; i++) right += ((x[order[i]! * 2]! > 0 ? 1 : 0) === y[i] ? 1 : 0);
      return 1 - right / n;
    });
    const used = result.features.find((f) => f.feature === 'used')!;
    assert.deepEqual(used.drops, expected);
    const mean = expected.reduce((s, d) => s + d, 0) / 4;
    assert.equal(used.importance, mean);
    assert.equal(used.std, Math.sqrt(expected.reduce((s, d) => s + (d - mean) ** 2, 0) / 4), 'population std (ddof 0), as numpy');
    assert.deepEqual(result.features.find((f) => f.feature === 'ignored'), { feature: 'ignored', importance: 0, std: 0, drops: [0, 0, 0, 0] });
    assert.deepEqual(result.features.map((f) => f.feature), ['used', 'ignored'], 'most important first');
  });

  describe('on a registered ONNX model, through sextant models explain', () => {
    let root: string;

    before(() => {
      root = tempDir('sextant-explain-');
      const train = sample(400, 1);
      const features = ['signal', 'weak', 'noise'];
      const fit = trainClassifier(
        {
          x: { rows: train.length, cols: 3, data: Float64Array.from(train.flatMap((r) => [r.signal, r.weak, r.noise])) },
          y: Int32Array.from(train, (r) => (r.label === 'yes' ? 1 : 0)),
          features,
          classes: ['no', 'yes'],
          lines: new Int32Array(train.length),
        },
        { kind: 'logistic-regression', label: 'label', epochs: 200, lr: 0.5, seed: 1 },
      );
      assert.ok(fit.ok, fit.ok ? '' : fit.error.message);
      const modelFile = join(root, 'model.onnx');
      writeFileSync(modelFile, exportOnnx(fit.value.model));
      const layout = workspaceLayout(root);
      const t = Tracker.open(layout, { create: true });
      assert.ok(t.ok);
      const run = t.value.startRun({ experiment: 'explain', name: 'register' });
      assert.ok(run.ok);
      t.value.close(true);
      assert.ok(registerModelVersion(layout.storePath, { name: 'signal', file: modelFile, runId: run.value.id }).ok);
      const test = sample(300, 2);
      writeFileSync(join(root, 'test.csv'), ['noise,label,signal,weak', ...test.map((r) => `${r.noise},${r.label},${r.signal},${r.weak}`)].join('\n') + '\n');
    });

    it('noise gets about nothing, the label-deciding feature the most; kept with the version and on the card', async () => {
      const io = cli(root);
      assert.equal(await main(['models', 'explain', 'signal@1', 'test.csv', '--repeats', '5', '--seed', '3', '--json'], io), 0, io.stderr.join('\n'));
      const e = ExplanationSchema.parse(io.docs[0]);
      assert.equal(e.rows, 300);
      assert.ok(e.baseline > 0.9, `accuracy ${e.baseline}`);
      const by = Object.fromEntries(e.features.map((f) => [f.feature, f]));
      assert.equal(e.features[0]!.feature, 'signal');
      assert.ok(by.signal!.importance > 0.3, `signal ${by.signal!.importance}`);
      assert.ok(Math.abs(by.noise!.importance) < 0.02, `noise ${by.noise!.importance}`);
      assert.ok(by.signal!.importance > by.weak!.importance && by.weak!.importance >= by.noise!.importance - 0.02);
      assert.equal(by.signal!.drops.length, 5);

      const again = cli(root);
      assert.equal(await main(['models', 'explain', 'signal@1', 'test.csv', '--repeats', '5', '--seed', '3', '--json', '--no-save'], again), 0);
      assert.deepEqual((again.docs[0] as typeof e).features, e.features, 'the same seed, the same shuffles, the same numbers');

      const loss = cli(root);
      assert.equal(await main(['models', 'explain', 'signal@1', 'test.csv', '--metric', 'log_loss', '--json', '--no-save'], loss), 0);
      const l = ExplanationSchema.parse(loss.docs[0]);
      assert.equal(l.features[0]!.feature, 'signal');
      assert.ok(l.features[0]!.importance > 0.1 && Math.abs(l.features.find((f) => f.feature === 'noise')!.importance) < 0.02, 'log loss rises most without signal');

      const db = openStore(workspaceLayout(root).storePath);
      assert.ok(db.ok);
      try {
        const card = modelCard(db.value, workspaceLayout(root).artifactsDir, 'signal', 1);
        assert.ok(card.ok);
        assert.deepEqual(card.value.importance?.features, e.features, 'the card has the saved one (not the --no-save runs)');
        const data = modelCardData(card.value);
        assert.ok(HostMessageSchema.safeParse(JSON.parse(JSON.stringify({ type: 'data', data }))).success);
        assert.deepEqual(data.importance?.features.map((f) => f.feature), e.features.map((f) => f.feature));
      } finally {
        db.value.close();
      }
      const text = cli(root);
      assert.equal(await main(['models', 'explain', 'signal@1', 'test.csv', '--no-save'], text), 0);
      assert.match(text.stdout.join('\n'), /\nsignal\s+0\.\d+\s+0\.\d+\s+█{30}/);
    });

    it('says precisely what is wrong with the data: a missing feature, a label value the model never saw', async () => {
      writeFileSync(join(root, 'short.csv'), 'signal,label\n0.5,yes\n');
      const missing = cli(root);
      assert.equal(await main(['models', 'explain', 'signal@1', 'short.csv', '--json'], missing), 1);
      assert.match((missing.docs[0] as { error: { message: string } }).error.message, /takes the features signal, weak, noise; the file lacks weak, noise/);
      writeFileSync(join(root, 'unseen.csv'), 'signal,weak,noise,label\n0.5,0.1,0.2,yes\n-0.5,0.1,0.2,maybe\n');
      const unseen = cli(root);
      assert.equal(await main(['models', 'explain', 'signal@1', 'unseen.csv', '--json'], unseen), 1);
      assert.match((unseen.docs[0] as { error: { message: string } }).error.message, /values the model never saw: maybe \(its classes: no, yes\)/);
      assert.equal(await main(['models', 'explain', 'signal@1', 'test.csv', '--metric', 'r2'], cli(root)), 2);
    });
  });
});
