// A Sextant model trained on one feature has one [N, 1] input named "input": evaluation must take the
// column from the model's metadata (its features), not from the input's name (a model with one input per
// feature). It failed with 'The model's feature "input" is not a column of the data'.
import { strict as assert } from 'node:assert';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPipeline } from '../../src/engine/runner/executor';
import { tempDir } from './tempDir';

describe('evaluate: a model trained on one feature', function () {
  this.timeout(60_000);

  it('the demo pipeline with one feature trains, evaluates and registers', async () => {
    const dir = tempDir('sextant-one-feature-');
    cpSync(join(__dirname, '..', '..', 'media', 'demo'), dir, { recursive: true });
    const file = join(dir, 'sextant.yaml');
    const yaml = readFileSync(file, 'utf8');
    const one = yaml.replace(/features: \[[^\]]*\]/, 'features: [bill_length_mm]');
    assert.notEqual(one, yaml, 'the demo names its features');
    writeFileSync(file, one);
    const r = await runPipeline({ file, gpus: [] });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const evaluate = r.value.stages.find((s) => s.name === 'evaluate')!;
    assert.equal(evaluate.status, 'ran', evaluate.reason);
    assert.ok(evaluate.metrics!.accuracy! > 0.5, `accuracy ${evaluate.metrics!.accuracy}`);
  });
});
