// `sextant data add|list|show` on real files and a real store: the JSON shapes (checked against the
// engine's zod schemas), the no-op on unchanged content, names from the pipeline or the file, the
// version that a run recorded showing its readers, exit codes and messages for bad input.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { DatasetSummarySchema, DatasetVersionDetailSchema, DatasetVersionSchema } from '../../src/engine/data/versions/schema';
import { tempDir } from './tempDir';

function capture(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
}

async function sextant(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capture(cwd);
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

const AddSchema = z.object({ created: z.boolean(), note: z.string().optional(), version: DatasetVersionSchema }).strict();

describe('sextant data add | list | show', function () {
  this.timeout(120_000);

  it('adds a file as v1, again as a no-op, changed as v2; lists and shows them (text and --json)', async () => {
    const dir = tempDir('sextant-dvcli-');
    writeFileSync(join(dir, 'iris.csv'), 'sepal,species\n5.1,setosa\n4.9,setosa\nabc,virginica\n');
    const first = await sextant(dir, 'data', 'add', 'iris.csv', '--json');
    assert.equal(first.code, 0, first.err);
    const v1 = AddSchema.parse(JSON.parse(first.out));
    assert.equal(v1.created, true);
    assert.deepEqual([v1.version.dataset, v1.version.version, v1.version.rows], ['iris', 1, 3]);

    const again = await sextant(dir, 'data', 'add', 'iris.csv');
    assert.equal(again.code, 0);
    assert.match(again.out, /^iris v1 · 3 rows · 2 columns · .* \(unchanged: already registered\)$/);

    writeFileSync(join(dir, 'iris.csv'), 'sepal,species\n5.1,setosa\n');
    const second = AddSchema.parse(JSON.parse((await sextant(dir, 'data', 'add', 'iris.csv', '--json')).out));
    assert.deepEqual([second.created, second.version.version, second.version.parentVersion, second.version.rows], [true, 2, 1, 1]);
    // --name: another dataset
    const named = AddSchema.parse(JSON.parse((await sextant(dir, 'data', 'add', 'iris.csv', '--name', 'iris_small', '--json')).out));
    assert.deepEqual([named.version.dataset, named.version.version, named.created], ['iris_small', 1, true]);

    const list = await sextant(dir, 'data', 'list', '--json');
    assert.equal(list.code, 0);
    const datasets = z.object({ datasets: z.array(DatasetSummarySchema) }).strict().parse(JSON.parse(list.out)).datasets;
    assert.deepEqual(datasets.map((d) => [d.name, d.path, d.versions.map((v) => v.version)]), [['iris', 'iris.csv', [2, 1]], ['iris_small', 'iris.csv', [1]]]);
    const text = (await sextant(dir, 'data', 'list')).out.split('\n');
    assert.match(text[0]!, /^DATASET\s+VERSIONS\s+LATEST\s+ROWS\s+SIZE\s+REGISTERED\s+PATH$/);
    assert.match(text[1]!, /^iris\s+2\s+v2\s+1\s+\d+ B\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+iris\.csv$/);

    const show = await sextant(dir, 'data', 'show', 'iris@1', '--json');
    assert.equal(show.code, 0, show.err);
    const detail = DatasetVersionDetailSchema.parse(JSON.parse(show.out));
    assert.equal(detail.version, 1);
    assert.equal(detail.profile?.rows, 3);
    // the stray "abc" in a numeric column is in the profile, with its line
    assert.deepEqual(detail.profile?.columns.find((c) => c.name === 'sepal')?.strays?.examples, [{ line: 4, value: 'abc' }]);
    const shownText = (await sextant(dir, 'data', 'show', 'iris@1')).out;
    assert.match(shownText, /^iris v1 · 3 rows · 2 columns/);
    assert.match(shownText, /\nsepal\s+float\s+0\.0%\s+4\.9 … 5\.1, mean 5 · 1 not float \(line 4\)\n/);
  });

  it('names a file after the pipeline dataset that reads it; shows the runs that read a version', async () => {
    const root = tempDir('sextant-dvcli-demo-');
    assert.equal((await sextant(root, 'init', root)).code, 0);
    const added = AddSchema.parse(JSON.parse((await sextant(root, 'data', 'add', 'data/penguins-live.csv', '--json')).out));
    assert.equal(added.version.dataset, 'live', 'the pipeline\'s name for data/penguins-live.csv');
    assert.equal((await sextant(root, 'run')).code, 0);
    const shown = DatasetVersionDetailSchema.parse(JSON.parse((await sextant(root, 'data', 'show', 'penguins', '--json')).out));
    assert.deepEqual(shown.runs.map((r) => r.name).sort(), ['evaluate', 'train', 'validate']);
    const text = (await sextant(root, 'data', 'show', 'penguins')).out;
    assert.match(text, /\nmodel penguin-species v1: trained on this version/);
    assert.match(text, /RUN\s+STAGE\s+ROLE\s+EXPERIMENT\s+STATUS/);
    assert.ok(readFileSync(join(root, 'data', 'penguins.csv')).length > 0);
  });

  it('bad input: usage errors exit 2, a missing file or unknown dataset/version exits 1 with the reason', async () => {
    const dir = tempDir('sextant-dvcli-bad-');
    assert.equal((await sextant(dir, 'data', 'add')).code, 2);
    assert.equal((await sextant(dir, 'data', 'add', 'x.csv', '--name', '9 lives')).code, 2);
    const missing = await sextant(dir, 'data', 'add', 'nope.csv');
    assert.equal(missing.code, 1);
    assert.match(missing.err, /nope\.csv: The file does not exist/);
    const noStore = await sextant(dir, 'data', 'list', '--json');
    assert.deepEqual([noStore.code, JSON.parse(noStore.out)], [0, { datasets: [] }]);
    assert.equal((await sextant(dir, 'data', 'show', 'iris@two')).code, 2);
    writeFileSync(join(dir, 'a.csv'), 'x\n1\n');
    assert.equal((await sextant(dir, 'data', 'add', 'a.csv')).code, 0);
    const unknown = await sextant(dir, 'data', 'show', 'a@3', '--json');
    assert.equal(unknown.code, 1);
    assert.match(JSON.parse(unknown.out).error.message, /Dataset "a" has no version 3 \(versions 1 to 1\)/);
    const other = await sextant(dir, 'data', 'show', 'wine');
    assert.match(other.err, /No dataset named "wine" is registered/);
  });
});
