// `sextant runs list --json` as text SQLite writes (tracking/runListText.ts) must be, byte for byte, what
// JSON.stringify(runs.map(runListJson), null, 2) prints for the same runs: the documented shape has one
// definition (jsonShapes.ts), and this test keeps the SQL from drifting away from it.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { isUnchangedPipelineRun } from '../../src/engine/runner/unchangedRun';
import { runListJson } from '../../src/engine/tracking/jsonShapes';
import { writeRunListJson, type RunListTextOptions } from '../../src/engine/tracking/runListText';
import type { Run } from '../../src/engine/tracking/schemas';
import { Tracker } from '../../src/engine/tracking/tracking';
import { tempDir } from './tempDir';

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function fixture(): { tracker: Tracker; ids: Record<string, string> } {
  const dir = tempDir('sextant-runlisttext-');
  let now = 1_750_000_000_000;
  const tracker = must(
    Tracker.open(
      {
        storePath: join(dir, '.sextant', 'sextant.db'),
        artifactsDir: join(dir, '.sextant', 'artifacts'),
      },
      { create: true, flushMs: -1, clock: () => (now += 7) },
    ),
  );
  const ids: Record<string, string> = {};
  const awkward = 'ünïcødé 🚀 "q" \\ / \n\t\r\b\f\u0001\u001f\u007f\u2028 nul:\u0000.';
  ids.full = must(
    tracker.startRun({
      experiment: 'churn',
      name: `baseline "quoted" \\ run ${awkward}`,
      command: 'python train.py',
      gitCommit: 'abc123',
      params: {
        zeta: 'last',
        alpha: 'first',
        note: awkward,
        Zed: 'upper',
        [awkward]: 'key',
        '01': 'not an index',
        '42949672950': 'not an index either',
      },
      tags: { stage: 'train', owner: 'me', '': 'empty key' },
    }),
  ).id;
  const values: [string, number][] = [
    ['loss', 0.1 + 0.2],
    ['tiny', 5e-324],
    ['huge', 1.7976931348623157e308],
    ['nan', NaN],
    ['inf', Infinity],
    ['minus_inf', -Infinity],
    ['negzero', -0],
    ['whole', 3],
    ['big_int', 2 ** 53 - 1],
    ['e21', 1e21],
    ['e_minus_7', 1e-7],
    ['sixteen', 0.035535734450899942],
    ['__proto__', 2],
    [awkward, 1.5],
  ];
  must(
    tracker.logMetrics(
      ids.full,
      values.map(([key, value]) => ({ key, value, step: 0 })),
    ),
  );
  must(tracker.finishRun(ids.full, 'finished', 0));
  ids.indexKeys = must(
    tracker.startRun({
      experiment: 'churn',
      name: 'index keys',
      params: { '10': 'ten', '2': 'two', a: 'x' },
    }),
  ).id;
  must(tracker.finishRun(ids.indexKeys, 'failed', 3));
  ids.indexMetric = must(tracker.startRun({ experiment: 'other', name: 'index metric' })).id;
  must(
    tracker.logMetrics(ids.indexMetric, [
      { key: 'b', value: 1, step: 0 },
      { key: '7', value: 2, step: 0 },
    ]),
  );
  ids.running = must(
    tracker.startRun({
      experiment: 'other',
      name: 'still going',
      pid: process.pid,
    }),
  ).id;
  ids.queued = must(
    tracker.startRun({
      experiment: 'other',
      name: 'waiting',
      status: 'queued',
    }),
  ).id;
  ids.unchanged = must(
    tracker.startRun({
      experiment: 'churn',
      name: 'pipeline (all cached)',
      tags: { 'sextant.kind': 'pipeline' },
    }),
  ).id;
  must(tracker.finishRun(ids.unchanged, 'finished', 0));
  ids.pipeline = must(
    tracker.startRun({
      experiment: 'churn',
      name: 'pipeline',
      tags: { 'sextant.kind': 'pipeline' },
    }),
  ).id;
  ids.stage = must(
    tracker.startRun({
      experiment: 'churn',
      name: 'stage',
      parentId: ids.pipeline,
      tags: { 'sextant.stage': 'fit' },
    }),
  ).id;
  must(tracker.finishRun(ids.stage, 'finished', 0));
  must(tracker.finishRun(ids.pipeline, 'finished', 0));
  ids.deleted = must(tracker.startRun({ experiment: 'churn', name: 'gone' })).id;
  must(tracker.deleteRuns([ids.deleted]));
  must(tracker.flush());
  return { tracker, ids };
}

/** What `runs list --json` printed before: every run read, the unchanged pipeline runs left out, shaped and stringified in JS. */
function reference(tracker: Tracker, filter: { experiment?: string; status?: Run['status'][]; limit?: number }): string {
  const listed = must(tracker.listRuns({ experiment: filter.experiment, status: filter.status }));
  const stagesOf = new Map<string, Run[]>();
  for (const r of listed) if (r.parentId) (stagesOf.get(r.parentId) ?? stagesOf.set(r.parentId, []).get(r.parentId)!).push(r);
  const runs = listed.filter((r) => !isUnchangedPipelineRun(r, stagesOf.get(r.id) ?? [])).slice(0, filter.limit);
  return `${JSON.stringify(runs.map(runListJson), null, 2)}\n`;
}

function written(tracker: Tracker, filter: Omit<RunListTextOptions, 'drop' | 'shape' | 'write'>): { text: string; shaped: string[] } {
  const chunks: Uint8Array[] = [];
  const shaped: string[] = [];
  writeRunListJson(tracker.db, {
    ...filter,
    drop: (run) => isUnchangedPipelineRun(run, []),
    shape: (run) => (shaped.push(run.name), runListJson(run)),
    write: (chunk) => chunks.push(chunk),
  });
  return { text: Buffer.concat(chunks).toString('utf8'), shaped };
}

describe('runs list --json written by SQLite (runListText)', () => {
  it('is byte for byte JSON.stringify(runs.map(runListJson), null, 2), for each filter', () => {
    const { tracker } = fixture();
    const filters = [
      {},
      { experiment: 'churn' },
      { experiment: 'nope' },
      { status: ['finished' as const] },
      { status: ['running' as const, 'queued' as const] },
      { limit: 1 },
      { limit: 3 },
      { limit: 100 },
    ];
    for (const filter of filters) assert.equal(written(tracker, filter).text, reference(tracker, filter), JSON.stringify(filter));
    tracker.close(true);
  });

  it('writes in SQL every run but one with an array-index key (JS orders those keys first) and a pipeline run that may be unchanged', () => {
    const { tracker, ids } = fixture();
    const { text, shaped } = written(tracker, {});
    // The pipeline run with a listed stage is not left out: JS shapes it; the unchanged one is left out unshaped.
    assert.deepEqual(shaped.sort(), ['index keys', 'index metric', 'pipeline']);
    const runs = JSON.parse(text) as {
      id: string;
      params: Record<string, string>;
      metrics: Record<string, unknown>;
    }[];
    assert.ok(!runs.some((r) => r.id === ids.unchanged), 'the unchanged pipeline run is left out');
    assert.ok(
      runs.some((r) => r.id === ids.pipeline),
      'a pipeline run with a listed stage is kept',
    );
    const full = runs.find((r) => r.id === ids.full)!;
    assert.deepEqual([full.metrics.nan, full.metrics.inf, full.metrics.minus_inf, full.metrics.negzero], ['NaN', 'Infinity', '-Infinity', 0]);
    assert.match(text, /"sixteen": 0\.03553573445089994,/);
    assert.match(text, /"e21": 1e\+21,\n {6}"e_minus_7": 1e-7,/);
    assert.match(text, /"whole": 3,/);
    assert.match(text, /\\u0000\.",/);
    tracker.close(true);
  });

  it('writes [] for no runs, and pieces that are not changed once written', () => {
    const { tracker } = fixture();
    assert.equal(written(tracker, { experiment: 'nope' }).text, '[]\n');
    // About 10 KB a run with a long param: several 64 KB chunks.
    for (let i = 0; i < 40; i++)
      must(
        tracker.startRun({
          experiment: 'wide',
          name: `w${i}`,
          params: { blob: 'x'.repeat(10_000) },
        }),
      );
    const chunks: Uint8Array[] = [];
    const copies: Buffer[] = [];
    writeRunListJson(tracker.db, {
      experiment: 'wide',
      drop: () => false,
      shape: runListJson,
      write: (c) => (chunks.push(c), copies.push(Buffer.from(c))),
    });
    // process.stdout.write may still hold a piece after it returns.
    assert.deepEqual(
      chunks.map((c) => Buffer.from(c)),
      copies,
    );
    assert.equal(Buffer.concat(chunks).toString('utf8'), reference(tracker, { experiment: 'wide' }));
    tracker.close(true);
  });
});
