import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { RunDetailJsonSchema, RunListJsonSchema } from '../../src/engine/tracking/jsonShapes';
import { tempDir } from './tempDir';

const FIXTURES = resolve(__dirname, '../fixtures/mlflow');

function capture(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
}

function workspace(): string {
  return tempDir('sextant-cli-runs-');
}

function seed(dir: string): { a: string; b: string } {
  const t = Tracker.open(workspaceLayout(dir), { create: true });
  if (!t.ok) throw new Error(t.error.message);
  const a = t.value.startRun({ experiment: 'churn', name: 'small', params: { lr: 0.1 } });
  const b = t.value.startRun({ experiment: 'other', name: 'big' });
  if (!a.ok || !b.ok) throw new Error('start');
  t.value.logMetrics(a.value.id, [
    { key: 'loss', value: 0.5, step: 0 },
    { key: 'loss', value: 0.25, step: 1 },
    { key: 'gain', value: Infinity, step: 0 },
  ]);
  t.value.finishRun(a.value.id, 'finished', 0);
  t.value.close(true);
  return { a: a.value.id, b: b.value.id };
}

describe('sextant runs / import mlflow', () => {
  it('runs list --json prints the documented shape, filtered by experiment', async () => {
    const dir = workspace();
    const { a } = seed(dir);
    const io = capture(dir);
    assert.equal(await main(['runs', 'list', '--json', '--experiment', 'churn'], io), 0);
    const runs = JSON.parse(io.stdout[0]!) as Record<string, unknown>[];
    assert.equal(runs.length, 1);
    for (const r of runs) RunListJsonSchema.parse(r);
    const run = runs[0]!;
    for (const key of ['id', 'experiment', 'name', 'status', 'params', 'metrics', 'started_at', 'ended_at']) assert.ok(key in run, key);
    assert.equal(run.id, a);
    assert.equal(run.experiment, 'churn');
    assert.equal(run.status, 'finished');
    assert.deepEqual(run.params, { lr: '0.1' });
    assert.deepEqual(run.metrics, { gain: 'Infinity', loss: 0.25 });
    assert.match(String(run.started_at), /^\d{4}-\d\d-\d\dT/);
    const all = capture(dir);
    assert.equal(await main(['runs', 'list', '--json', '-w', dir], all), 0);
    assert.equal((JSON.parse(all.stdout[0]!) as unknown[]).length, 2);
    const text = capture(dir);
    assert.equal(await main(['runs', 'list'], text), 0);
    assert.match(text.stdout[0]!, /^ID\s+EXPERIMENT\s+NAME\s+STATUS/);
    assert.match(text.stdout[0]!, /loss=0\.25/);
  });

  it('runs list --filter and --sort use the view\'s filter terms and sort keys', async () => {
    const dir = workspace();
    const t = Tracker.open(workspaceLayout(dir), { create: true });
    if (!t.ok) throw new Error(t.error.message);
    for (const [name, loss, lr] of [['a', 0.5, '0.1'], ['b', 0.2, '0.01'], ['c', 0.9, '0.001']] as const) {
      const r = t.value.startRun({ experiment: 'grid', name, params: { lr } });
      if (!r.ok) throw new Error('start');
      t.value.logMetric(r.value.id, 'loss', loss, 0);
    }
    t.value.close(true);
    const names = async (argv: string[]): Promise<string[]> => {
      const io = capture(dir);
      assert.equal(await main(['runs', 'list', '--json', ...argv], io), 0, io.stderr.join('\n'));
      return (JSON.parse(io.stdout[0]!) as { name: string }[]).map((r) => r.name);
    };
    assert.deepEqual(await names(['--sort', 'loss']), ['b', 'a', 'c']);
    assert.deepEqual(await names(['--sort', '-loss', '--limit', '2']), ['c', 'a']);
    assert.deepEqual(await names(['--filter', 'loss<0.6', '--sort', 'params.lr']), ['b', 'a']);
    const bad = capture(dir);
    assert.equal(await main(['runs', 'list', '--filter', 'loss<'], bad), 2);
    assert.match(bad.stderr.join('\n'), /--filter: "loss<" has no value/);
  });

  it('runs show --json has full histories; an unknown id fails with exit 1', async () => {
    const dir = workspace();
    const { a } = seed(dir);
    const io = capture(dir);
    assert.equal(await main(['runs', 'show', a.slice(0, 6), '--json'], io), 0);
    const run = JSON.parse(io.stdout[0]!) as { id: string; history: Record<string, { step: number; value: unknown }[]>; exit_code: number };
    RunDetailJsonSchema.parse(run);
    assert.equal(run.id, a);
    assert.deepEqual(run.history.loss!.map((p) => [p.step, p.value]), [[0, 0.5], [1, 0.25]]);
    assert.equal(run.exit_code, 0);
    const missing = capture(dir);
    assert.equal(await main(['runs', 'show', 'ffffffff', '--json'], missing), 1);
    assert.equal((JSON.parse(missing.stdout[0]!) as { error: { code: string } }).error.code, 'run-not-found');
    const usage = capture(dir);
    assert.equal(await main(['runs', 'show'], usage), 2);
  });

  it('with no store: an empty list (exit 0), and the store is not created', async () => {
    const dir = workspace();
    const io = capture(dir);
    assert.equal(await main(['runs', 'list', '--json'], io), 0);
    assert.deepEqual(JSON.parse(io.stdout[0]!), []);
    const again = capture(dir);
    assert.equal(await main(['runs', 'list'], again), 0);
    assert.match(again.stderr[0]!, /No runs yet/);
    assert.equal(existsSync(join(dir, '.sextant')), false);
  });

  it('a corrupt store: exit 1, the file named, its bytes untouched', async () => {
    const dir = workspace();
    mkdirSync(join(dir, '.sextant'));
    const store = join(dir, '.sextant', 'sextant.db');
    writeFileSync(store, 'garbage'.repeat(100));
    const before = createHash('sha256').update(readFileSync(store)).digest('hex');
    const io = capture(dir);
    assert.equal(await main(['runs', 'list'], io), 1);
    assert.match(io.stderr[0]!, new RegExp(`${store.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*not a SQLite database`));
    const imp = capture(dir);
    assert.equal(await main(['import', 'mlflow', FIXTURES, '--json'], imp), 1);
    assert.equal(createHash('sha256').update(readFileSync(store)).digest('hex'), before);
  });

  it('import mlflow --json reports what it imported, twice with the same result', async () => {
    const dir = workspace();
    const io = capture(dir);
    assert.equal(await main(['import', 'mlflow', FIXTURES, '--json'], io), 0);
    const first = JSON.parse(io.stdout[0]!) as { ok: boolean; runsCreated: number; runsUpdated: number; metricPoints: number; problems: unknown[] };
    assert.equal(first.ok, true);
    assert.equal(first.runsCreated, 3);
    assert.equal(first.metricPoints, 10);
    assert.equal(first.problems.length, 1);
    const io2 = capture(dir);
    assert.equal(await main(['import', 'mlflow', FIXTURES, '--json'], io2), 0);
    const second = JSON.parse(io2.stdout[0]!) as { runsCreated: number; runsUpdated: number };
    assert.deepEqual([second.runsCreated, second.runsUpdated], [0, 3]);
    const list = capture(dir);
    assert.equal(await main(['runs', 'list', '--json'], list), 0);
    assert.equal((JSON.parse(list.stdout[0]!) as unknown[]).length, 3);
    const none = capture(dir);
    assert.equal(await main(['import', 'mlflow', join(dir, 'nothing-here')], none), 1);
    assert.match(none.stderr[0]!, /No such file or folder/);
  });
});
