// Dataset versions on a real store: content hash as the runner hashes, rows, schema and profile stored
// once; re-registering the same content writes nothing; new content is the next version with its parent;
// personal data never reaches the store raw; the runner records the versions each stage read and wrote,
// and the model card shows them; lineage both ways; migration 5's checks; a 1M-row CSV's registration time.
import { strict as assert } from 'node:assert';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { recordDatasetCheck } from '../../src/engine/data/versions/checks';
import { findVersionId, listDatasets, parseVersionRef, showDatasetVersion } from '../../src/engine/data/versions/read';
import { registerDatasetVersion } from '../../src/engine/data/versions/register';
import { modelCard } from '../../src/engine/registry/card';
import { runPipeline } from '../../src/engine/runner/executor';
import { sha256File } from '../../src/engine/runner/hash';
import { StoreTracker } from '../../src/engine/runner/storeTracker';
import { Tracker } from '../../src/engine/tracking/tracking';
import { openStore, type Database } from '../../src/engine/store/open';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

function storeIn(dir: string): Database {
  const opened = openStore(join(dir, '.sextant', 'sextant.db'), { create: true });
  assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
  return opened.value;
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

function quietIo(cwd: string): CliIo & { stderr: string[] } {
  const stderr: string[] = [];
  return { stderr, out: () => undefined, err: (t) => stderr.push(t), json: () => undefined, isTty: false, cwd, env: {} };
}

const IRIS = 'sepal,petal,species\n5.1,1.4,setosa\n4.9,1.4,setosa\n6.3,4.9,virginica\n5.8,,versicolor\n';

describe('dataset versions (engine)', function () {
  this.timeout(120_000);

  it('registers hash, size, rows, schema and profile; the same content again is a no-op; new content is v2 with v1 as parent', async () => {
    const dir = tempDir('sextant-dv-');
    const file = join(dir, 'iris.csv');
    writeFileSync(file, IRIS);
    const db = storeIn(dir);
    try {
      const first = must(await registerDatasetVersion(db, { name: 'iris', file, root: dir, clock: () => 1000 }));
      assert.equal(first.created, true);
      assert.equal(first.version.version, 1);
      assert.equal(first.version.hash, await sha256File(file), 'the runner\'s content hash');
      assert.equal(first.version.size, Buffer.byteLength(IRIS));
      assert.equal(first.version.rows, 4);
      assert.deepEqual(first.version.schema, [{ name: 'sepal', type: 'float' }, { name: 'petal', type: 'float' }, { name: 'species', type: 'string' }]);
      assert.equal(first.version.parentVersion, null);

      const again = must(await registerDatasetVersion(db, { name: 'iris', file, root: dir, clock: () => 2000 }));
      assert.equal(again.created, false);
      assert.equal(again.id, first.id);
      assert.equal(again.version.createdAt, 1000, 'the stored version is untouched');
      assert.equal(db.prepare('SELECT count(*) FROM dataset_versions').pluck().get(), 1);

      writeFileSync(file, `${IRIS}7.7,6.7,virginica\n`);
      const second = must(await registerDatasetVersion(db, { name: 'iris', file, root: dir, clock: () => 3000 }));
      assert.equal(second.created, true);
      assert.equal(second.version.version, 2);
      assert.equal(second.version.parentVersion, 1);
      assert.equal(second.version.rows, 5);
      assert.notEqual(second.version.hash, first.version.hash);

      const listed = listDatasets(db);
      assert.deepEqual(listed.map((d) => [d.name, d.path, d.versions.map((v) => v.version)]), [['iris', 'iris.csv', [2, 1]]]);
      const shown = must(showDatasetVersion(db, 'iris', 1));
      assert.equal(shown.rows, 4);
      assert.equal(shown.profile?.rows, 4);
      const petal = shown.profile?.columns.find((c) => c.name === 'petal');
      assert.equal(petal?.missing, 1);
      assert.equal(petal?.numeric?.max, 4.9);
      assert.equal(must(showDatasetVersion(db, 'iris')).version, 2, 'no version: the latest');
      assert.match((showDatasetVersion(db, 'iris', 7) as { ok: false; error: { message: string } }).error.message, /has no version 7 \(versions 1 to 2\)/);
      assert.match((showDatasetVersion(db, 'wine') as { ok: false; error: { message: string } }).error.message, /No dataset named "wine"/);
      assert.deepEqual(must(parseVersionRef('iris@2')), { name: 'iris', version: 2 });
      assert.equal(parseVersionRef('iris@two').ok, false);
    } finally {
      db.close();
    }
  });

  it('keeps the raw values of personal-data columns out of the store (profile and schema)', async () => {
    const dir = tempDir('sextant-dv-pii-');
    const file = join(dir, 'customers.csv');
    const emails = Array.from({ length: 40 }, (_, i) => `person${i}.lastname@example.org`);
    const cards = Array.from({ length: 40 }, () => '4111111111111111');
    writeFileSync(file, `id,email,card,spend\n${emails.map((e, i) => `${i},${e},${cards[i]},${(i * 3.5).toFixed(1)}`).join('\n')}\n`);
    const db = storeIn(dir);
    try {
      const v = must(await registerDatasetVersion(db, { name: 'customers', file, root: dir }));
      const stored = db.prepare('SELECT schema_json || profile_json FROM dataset_versions WHERE id = ?').pluck().get(v.id) as string;
      for (const e of emails) assert.ok(!stored.includes(e), `raw e-mail ${e} stored`);
      assert.ok(!stored.includes('4111111111111111'), 'raw card number stored');
      assert.ok(!stored.includes('person1'), 'no part of a local part before the mask');
      const profile = must(showDatasetVersion(db, 'customers')).profile!;
      assert.equal(profile.columns.find((c) => c.name === 'email')?.pii?.kind, 'email');
      assert.equal(profile.columns.find((c) => c.name === 'card')?.pii?.kind, 'card');
      assert.ok(profile.columns.find((c) => c.name === 'spend')?.numeric, 'other columns keep their figures');
    } finally {
      db.close();
    }
  });

  it('the runner records the versions each stage read and wrote; the model card and the version\'s lineage show them', async () => {
    const root = tempDir('sextant-dv-demo-');
    const io = quietIo(root);
    assert.equal(await main(['init', root], io), 0, io.stderr.join('\n'));
    assert.equal(await main(['run'], io), 0, io.stderr.join('\n'));
    const layout = workspaceLayout(root);
    const db = must(openStore(layout.storePath));
    try {
      const penguins = readFileSync(join(root, 'data', 'penguins.csv'));
      const shown = must(showDatasetVersion(db, 'penguins'));
      assert.equal(shown.version, 1);
      assert.equal(shown.hash, await sha256File(join(root, 'data', 'penguins.csv')));
      assert.equal(shown.size, penguins.length);
      assert.equal(shown.rows, penguins.toString().trim().split('\n').length - 1);
      // validate, train and evaluate read it (sextant/register reads only the model)
      assert.deepEqual(shown.runs.map((r) => [r.name, r.role]).sort(), [['evaluate', 'input'], ['train', 'input'], ['validate', 'input']]);
      assert.ok(shown.runs.every((r) => r.pipelineRun !== null && r.experiment === 'penguins'));
      assert.deepEqual(shown.models, [
        { model: 'penguin-species', version: 1, role: 'evaluated', run: shown.models[0]!.run },
        { model: 'penguin-species', version: 1, role: 'trained', run: shown.models[0]!.run },
      ]);
      const register = db.prepare("SELECT uid FROM runs WHERE name = 'register'").pluck().get() as string;
      assert.equal(shown.models[0]!.run, register);

      const card = must(modelCard(db, layout.artifactsDir, 'penguin-species', 1));
      assert.deepEqual(card.datasets, [{ name: 'penguins', path: 'data/penguins.csv', version: 1, hash: shown.hash, rows: shown.rows, role: 'input' }]);

      // a second run with the data changed: validate, train and evaluate read v2; v1 keeps its lineage
      writeFileSync(join(root, 'data', 'penguins.csv'), penguins.toString().replace(/\n[^\n]*\n$/, '\n'));
      db.close();
      assert.equal(await main(['run'], io), 0, io.stderr.join('\n'));
      const db2 = must(openStore(layout.storePath));
      try {
        const v2 = must(showDatasetVersion(db2, 'penguins', 2));
        assert.equal(v2.parentVersion, 1);
        assert.equal(v2.rows, shown.rows! - 1);
        assert.deepEqual(v2.models.map((m) => `${m.model}@${m.version}:${m.role}`), ['penguin-species@2:evaluated', 'penguin-species@2:trained']);
        assert.equal(must(showDatasetVersion(db2, 'penguins', 1)).runs.length, 3, 'v1\'s readers are unchanged');
        assert.deepEqual(must(modelCard(db2, layout.artifactsDir, 'penguin-species', 2)).datasets.map((d) => d.version), [2]);
      } finally {
        db2.close();
      }
    } finally {
      if (db.open) db.close();
    }
  });

  it('a stage that writes a dataset links its version as output, the next stage\'s as input; a pin to another version is said in the log', async () => {
    const root = tempDir('sextant-dv-out-');
    const pipeline = {
      version: 1,
      name: 'outs',
      datasets: { clean: { path: 'clean.csv', version: 1 } },
      stages: {
        prepare: { run: `printf 'a,b\\n1,x\\n2,y\\n' > clean.csv`, outs: ['clean.csv'] },
        train: { needs: ['prepare'], deps: ['clean.csv'], run: 'wc -l clean.csv' },
      },
    };
    writeFileSync(join(root, 'sextant.yaml'), stringify(pipeline));
    const opened = Tracker.open(workspaceLayout(root), { create: true });
    assert.ok(opened.ok);
    const result = must(await runPipeline({ file: join(root, 'sextant.yaml'), gpus: [], tracker: new StoreTracker(opened.value) }));
    assert.equal(result.status, 'succeeded');
    const db = opened.value.db;
    const v1 = must(showDatasetVersion(db, 'clean'));
    assert.deepEqual([v1.version, v1.rows], [1, 2]);
    assert.deepEqual(v1.runs.map((r) => [r.name, r.role]).sort(), [['prepare', 'output'], ['train', 'input']]);
    const trainLog = readFileSync(join(root, result.stages.find((x) => x.name === 'train')!.log!), 'utf8');
    assert.match(trainLog, new RegExp(`\\[sextant\\] dataset clean: read version 1, sha256 ${v1.hash.slice(0, 12)}\\n`), 'registered by prepare already');
    assert.match(readFileSync(join(root, result.stages.find((x) => x.name === 'prepare')!.log!), 'utf8'), /\[sextant\] dataset clean: wrote version 1 \(new\)/);
    assert.doesNotMatch(trainLog, /pins version/);
    // the data changes: the run writes and reads v2 while the pipeline pins v1, and the logs say so
    pipeline.stages.prepare.run = `printf 'a,b\\n3,z\\n' > clean.csv`;
    writeFileSync(join(root, 'sextant.yaml'), stringify(pipeline));
    const second = must(await runPipeline({ file: join(root, 'sextant.yaml'), gpus: [], tracker: new StoreTracker(opened.value) }));
    const prepareLog = readFileSync(join(root, second.stages.find((x) => x.name === 'prepare')!.log!), 'utf8');
    assert.match(prepareLog, /\[sextant\] dataset clean: wrote version 2 \(new\), sha256 [0-9a-f]{12}\n\[sextant\] dataset clean: the pipeline pins version 1, but the file is version 2\n/);
    const v2 = must(showDatasetVersion(db, 'clean', 2));
    assert.deepEqual([v2.parentVersion, v2.rows, v2.runs.map((r) => r.role).sort()], [1, 1, ['input', 'output']]);
    opened.value.close(true);
  });

  it('records validation and drift checks per version (migration 5), the latest shown on the version', async () => {
    const dir = tempDir('sextant-dv-checks-');
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    writeFileSync(a, IRIS);
    writeFileSync(b, `${IRIS}9,9,setosa\n`);
    const db = storeIn(dir);
    try {
      const ref = must(await registerDatasetVersion(db, { name: 'ref', file: a, root: dir }));
      const cur = must(await registerDatasetVersion(db, { name: 'cur', file: b, root: dir }));
      must(recordDatasetCheck(db, { versionId: cur.id, kind: 'validation', passed: false, summary: '1 of 3 expectations failed', at: 10 }));
      must(recordDatasetCheck(db, { versionId: cur.id, kind: 'validation', passed: true, summary: '3 expectations passed', at: 20 }));
      must(recordDatasetCheck(db, { versionId: cur.id, kind: 'drift', passed: false, summary: '2 of 3 columns drifted', referenceId: ref.id, at: 30 }));
      const shown = must(showDatasetVersion(db, 'cur'));
      assert.deepEqual(shown.validation, { kind: 'validation', passed: true, summary: '3 expectations passed', reference: null, at: 20 });
      assert.deepEqual(shown.drift?.reference, { dataset: 'ref', version: 1 });
      assert.equal(shown.checks.length, 3);
      assert.equal(must(showDatasetVersion(db, 'ref')).validation, null);
      assert.equal(must(findVersionId(db, 'cur', 1)), cur.id);
    } finally {
      db.close();
    }
  });

  it('measures: registering a 1M-row CSV (hash + streamed profile), and re-registering it', async () => {
    const dir = tempDir('sextant-dv-big-');
    mkdirSync(join(dir, 'data'));
    const file = join(dir, 'data', 'big.csv');
    const out = createWriteStream(file);
    const kinds = ['a', 'b', 'c', 'd'];
    let chunk = 'id,x,y,kind,flag\n';
    for (let i = 0; i < 1_000_000; i++) {
      chunk += `${i},${((i * 7919) % 10007) / 100},${(i % 1000) * 0.5},${kinds[i % 4]},${i % 3 === 0 ? 'yes' : 'no'}\n`;
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        chunk = '';
      }
    }
    out.end(chunk);
    await new Promise<void>((r) => out.on('finish', () => r()));
    const db = storeIn(dir);
    try {
      let t = performance.now();
      const v = must(await registerDatasetVersion(db, { name: 'big', file, root: dir }));
      const first = performance.now() - t;
      t = performance.now();
      const again = must(await registerDatasetVersion(db, { name: 'big', file, root: dir }));
      const second = performance.now() - t;
      assert.equal(v.version.rows, 1_000_000);
      assert.equal(again.created, false);
      console.log(`      register 1M rows (${(v.version.size! / 2 ** 20).toFixed(1)} MiB): ${first.toFixed(0)} ms; unchanged again (hash only): ${second.toFixed(0)} ms`);
    } finally {
      db.close();
    }
  });
});
