import { strict as assert } from 'node:assert';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cliScript, startCliRun } from '../../src/runner/cliProcess';
import type { RunnerEvent } from '../../src/engine/runner/types';
import { tempDir } from './tempDir';



// What the VS Code task does, without VS Code: run the bundled CLI (dist/cli.js) as a child process
// and read its events. Skips when the bundle has not been built (`npm run build`).
const root = join(__dirname, '..', '..');

describe('runner (VS Code): the CLI child process behind the task', function () {
  this.timeout(30_000);
  before(function () {
    if (!existsSync(cliScript(root))) this.skip();
  });

  function pipeline(stages: Record<string, unknown>): string {
    const dir = tempDir('sextant-task-');
    writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, stages }));
    return dir;
  }

  function start(dir: string, onEvent: (e: RunnerEvent) => void = () => undefined) {
    const events: RunnerEvent[] = [];
    const stderr: string[] = [];
    const run = startCliRun({ extensionPath: root, cwd: dir, file: join(dir, 'sextant.yaml'), gpu: 'never', maxParallel: 0, onEvent: (e) => (events.push(e), onEvent(e)), onError: (e) => stderr.push(e.message), onStderr: (l) => stderr.push(l) });
    return { run, events, stderr };
  }

  it('streams the events of a run and exits with its status', async () => {
    const dir = pipeline({ a: { run: 'echo hello' }, b: { run: 'exit 4', needs: ['a'] } });
    const { run, events } = start(dir);
    assert.equal(await run.done, 1);
    const end = events.find((e) => e.type === 'pipeline-end');
    assert.ok(end && end.type === 'pipeline-end');
    assert.deepEqual(end.result.stages.map((s) => s.status), ['ran', 'failed']);
    assert.ok(events.some((e) => e.type === 'stage-log' && e.line === 'hello'));
  });

  it('cancel (closing the task terminal) stops the stage and ends the run as cancelled', async () => {
    const dir = pipeline({ long: { run: 'sleep 30' } });
    const started = Date.now();
    const { run, events } = start(dir, (e) => {
      if (e.type === 'stage-start') setTimeout(() => run.cancel(), 200);
    });
    assert.equal(await run.done, 1);
    assert.ok(Date.now() - started < 15_000);
    const end = events.find((e) => e.type === 'pipeline-end');
    assert.ok(end && end.type === 'pipeline-end');
    assert.equal(end.result.status, 'cancelled');
  });

  it('a closed stdin (VS Code gone) cancels the run', async () => {
    const dir = pipeline({ long: { run: 'sleep 30' } });
    const { run, events } = start(dir, (e) => {
      if (e.type === 'stage-start') setTimeout(() => run.child.stdin!.end(), 200);
    });
    assert.equal(await run.done, 1);
    const end = events.find((e) => e.type === 'pipeline-end');
    assert.ok(end && end.type === 'pipeline-end' && end.result.status === 'cancelled');
  });

  it('reports a pipeline that cannot run as an error event', async () => {
    const dir = tempDir('sextant-task-');
    writeFileSync(join(dir, 'sextant.yaml'), 'version: 1\nstages:\n  a: { run: x, needs: [b] }\n  b: { run: y, needs: [a] }\n');
    const { run, stderr } = start(dir);
    assert.equal(await run.done, 1);
    assert.ok(stderr.some((l) => /cycle/.test(l)), stderr.join('\n'));
  });
});
