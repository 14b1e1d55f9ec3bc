// `sextant runs list` does not list clutter: a pipeline run in which every stage was cached is not
// recorded (`sextant run --json` gives run_id null), and the empty ones earlier versions recorded are left out.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

function capture(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
}

async function cli(dir: string, args: string[]): Promise<unknown> {
  const io = capture(dir);
  assert.equal(await main(args, io), 0, io.stderr.join('\n'));
  return JSON.parse(io.stdout.at(-1)!);
}

describe('sextant runs list: no clutter from fully cached runs', function () {
  this.timeout(60_000);

  it('a rerun with every stage cached adds no run; an empty one recorded by an earlier version is left out', async () => {
    const dir = tempDir('sextant-cli-cached-');
    writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, name: 'penguins', stages: { prepare: { run: "printf 'x\\n' > data.csv", outs: ['data.csv'] }, evaluate: { needs: ['prepare'], deps: ['data.csv'], run: "echo '::sextant metric accuracy=0.97'" } } }));
    const first = (await cli(dir, ['run', '--json', '--cpu'])) as { run_id: string | null; stages: { status: string }[] };
    assert.ok(first.run_id);
    const again = (await cli(dir, ['run', '--json', '--cpu'])) as { run_id: string | null; stages: { status: string }[] };
    assert.deepEqual(again.stages.map((s) => s.status), ['cached', 'cached']);
    assert.equal(again.run_id, null);

    // what an earlier version recorded for that rerun: an empty finished pipeline run
    const t = Tracker.open(workspaceLayout(dir));
    assert.ok(t.ok);
    const legacy = t.value.startRun({ experiment: 'penguins', name: 'pipeline 2026-11-30 10:00:00', tags: { 'sextant.kind': 'pipeline', 'sextant.pipeline': join(dir, 'sextant.yaml') } });
    assert.ok(legacy.ok);
    t.value.finishRun(legacy.value.id, 'finished', null);
    t.value.close(true);

    const runs = (await cli(dir, ['runs', 'list', '--json'])) as { id: string; name: string }[];
    assert.deepEqual(runs.filter((r) => r.name.startsWith('pipeline ')).map((r) => r.id), [first.run_id], 'one pipeline run: the first; neither the rerun nor the empty one');
    assert.deepEqual(runs.filter((r) => !r.name.startsWith('pipeline ')).map((r) => r.name).sort(), ['evaluate', 'prepare']);
  });
});
