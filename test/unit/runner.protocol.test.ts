import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runPipeline } from '../../src/engine/runner/executor';
import { StoreTracker } from '../../src/engine/runner/storeTracker';
import { MemoryTracker } from '../../src/engine/runner/tracker';
import type { PipelineResult } from '../../src/engine/runner/types';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

// `::sextant` lines printed by a stage, through the real runner: one implementation (ProtocolIngestor)
// records them, so what docs/tracking.md promises holds for a stage as for any script.

const SCRIPT = [
  "echo '::sextant metric loss=0.5 step=3 timestamp=1700000000000'",
  // a param over the 64 KiB limit, next to one that fits
  "big=$(head -c 70000 /dev/zero | tr '\\0' a)",
  'echo "::sextant param big=$big small=1"',
  'mkdir -p models && echo onnx > models/model.onnx',
  "echo '::sextant artifact models/model.onnx'",
  "echo '::sextant tag stage=my-own-stage gpu=a100'",
].join('\n');

function workspace(): string {
  const dir = tempDir('sextant-protocol-');
  writeFileSync(join(dir, 'stage.sh'), `${SCRIPT}\n`);
  writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, stages: { train: { run: 'sh stage.sh', resources: { gpu: 1 } } } }));
  return dir;
}

/** The runner's own lines of a stage log (the stage's output holds a 70 KB line). */
function sextantLines(log: string): string {
  return readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('[sextant]')).join('\n');
}

async function run(dir: string, tracker: StoreTracker | MemoryTracker): Promise<PipelineResult> {
  const r = await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [], tracker });
  if (!r.ok) throw new Error(r.error.message);
  assert.equal(r.value.status, 'succeeded', JSON.stringify(r.value.stages));
  return r.value;
}

describe('runner: ::sextant lines go through the one protocol implementation', () => {
  let dir: string;
  let store: Tracker;
  let result: PipelineResult;
  let stageRunId: string;

  before(async () => {
    dir = workspace();
    const opened = Tracker.open(workspaceLayout(dir), { create: true });
    assert.ok(opened.ok);
    store = opened.value;
    result = await run(dir, new StoreTracker(store));
    stageRunId = result.stages[0]!.run_id!;
  });
  after(() => void store.close(true));

  it('keeps a metric line\'s timestamp= (and step=)', () => {
    const run = store.getRun(stageRunId);
    assert.ok(run.ok);
    assert.deepEqual(run.value.history.loss, [{ step: 3, timestamp: 1_700_000_000_000, value: 0.5 }]);
    assert.equal(result.stages[0]!.metrics!.loss, 0.5);
  });

  it('reports a param over 64 KiB as a problem line in the stage log; the rest of the line is kept', () => {
    const run = store.getRun(stageRunId);
    assert.ok(run.ok);
    assert.equal(run.value.params.small, '1');
    assert.equal(run.value.params.big, undefined);
    const log = sextantLines(join(dir, result.stages[0]!.log!));
    assert.match(log, /\[sextant\] protocol: stdout line 2: "big" skipped: the param value is [\d.]+ KiB; params are limited to 64 KiB/);
  });

  it('stores `::sextant artifact models/model.onnx` under its own path with a media type from its extension; the log stays under logs/', () => {
    const run = store.getRun(stageRunId);
    assert.ok(run.ok);
    const byPath = Object.fromEntries(run.value.artifacts.map((a) => [a.path, a.mediaType]));
    assert.deepEqual(byPath, { 'models/model.onnx': 'application/onnx', 'logs/train.log': 'text/plain' });
  });

  it('keeps the user\'s tags stage/gpu; the runner\'s own tags are under sextant.', () => {
    const run = store.getRun(stageRunId);
    assert.ok(run.ok);
    const tags = run.value.tags;
    assert.equal(tags.stage, 'my-own-stage');
    assert.equal(tags.gpu, 'a100');
    assert.equal(tags['sextant.stage'], 'train');
    assert.equal(tags['sextant.gpu'], 'cpu (fallback)');
    assert.equal(tags['sextant.resources.gpu'], '1');
    assert.deepEqual(Object.keys(tags).filter((k) => !k.startsWith('sextant.')).sort(), ['gpu', 'stage']);
  });

  it('without a store (--no-store), the same lines are checked the same way', async () => {
    const memDir = workspace();
    const tracker = new MemoryTracker();
    const r = await run(memDir, tracker);
    const stage = tracker.runs.get(r.stages[0]!.run_id!)!;
    assert.deepEqual(stage.metrics.loss, [0.5]);
    assert.deepEqual(stage.params, { small: '1' });
    assert.equal(stage.tags?.stage, 'my-own-stage');
    assert.equal(stage.tags?.['sextant.stage'], 'train');
    assert.match(sextantLines(join(memDir, r.stages[0]!.log!)), /protocol: stdout line 2: "big" skipped: the param value is/);
  });
});
