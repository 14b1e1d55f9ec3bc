// The drift verdict kept with a dataset version (dataset_checks, kind 'drift') and shown as the version
// row's badge in the Datasets view: drifted or not, the share of drifted columns, against which reference.
// Recorded by the engine (keepDrift), by `sextant drift` when given registered datasets (by name, NAME@V,
// or files whose content is a registered version), by the `sextant/drift` stage and by the pipeline's
// monitor, all on real files and a real store.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { keepDrift } from '../../src/engine/data/versions/driftVersion';
import { listDatasets, showDatasetVersion } from '../../src/engine/data/versions/read';
import { registerDatasetVersion } from '../../src/engine/data/versions/register';
import type { DatasetVersion } from '../../src/engine/data/versions/schema';
import { compareFiles } from '../../src/engine/drift/report';
import { runPipeline } from '../../src/engine/runner/executor';
import { StoreTracker } from '../../src/engine/runner/storeTracker';
import { openStore, type Database } from '../../src/engine/store/open';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { driftBadge, versionRow } from '../../src/views/datasetsItems';
import { writeDriftCsv } from './driftData';
import { tempDir } from './tempDir';

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

function capture(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
}

async function cli(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capture(cwd);
  const code = await main(args, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

const storeOf = (dir: string): string => join(dir, '.sextant', 'sextant.db');

function versionsOf(dir: string, name: string): DatasetVersion[] {
  const db = must(openStore(storeOf(dir), { readonly: true }));
  try {
    return listDatasets(db).find((d) => d.name === name)?.versions ?? [];
  } finally {
    db.close();
  }
}

/** A workspace with data/reference.csv (400 rows) and data/live.csv: drawn alike (shift 0) or drifted (shift 1). */
function workspace(prefix: string, shift: number): string {
  const dir = tempDir(prefix);
  mkdirSync(join(dir, 'data'));
  writeDriftCsv(join(dir, 'data', 'reference.csv'), { rows: 400, shift: 0, seed: 1 });
  writeDriftCsv(join(dir, 'data', 'live.csv'), { rows: 400, shift, seed: 2 });
  return dir;
}

describe('Datasets view: the drift badge of a version (engine, CLI, stage, monitor)', function () {
  this.timeout(60_000);

  describe('engine: keepDrift and the version row', () => {
    let dir: string;
    let db: Database;
    beforeEach(() => {
      dir = workspace('sextant-driftbadge-', 1);
      db = must(openStore(storeOf(dir), { create: true }));
    });
    afterEach(() => db.close());

    it('a drifted comparison: ⚠ drift, the share, against reference@1; tooltip with the summary and the file', async () => {
      const ref = join(dir, 'data', 'reference.csv');
      const live = join(dir, 'data', 'live.csv');
      const report = must(compareFiles(ref, live));
      assert.equal(report.dataset_drift, true);
      const drifted = report.columns.filter((c) => c.drifted).length;
      const kept = must(await keepDrift(db, { current: { register: { name: 'live', file: live, root: dir } }, reference: { register: { name: 'reference', file: ref, root: dir } }, report }));
      assert.equal(kept.version.version, 1, 'the current content is registered as it is compared');
      assert.deepEqual(kept.reference && [kept.reference.dataset, kept.reference.version], ['reference', 1]);
      assert.equal(kept.summary, `${drifted} of ${report.columns.length} columns drifted (${(report.drift_share * 100).toFixed(1)}%)`);

      const [v] = versionsOf(dir, 'live');
      assert.equal(v!.drift?.passed, false);
      assert.equal(v!.drift?.driftShare, report.drift_share);
      assert.equal(v!.drift?.columnsTested, report.columns.length);
      assert.equal(v!.drift?.referenceFile, ref);
      const row = versionRow(v!, { now: Date.now() });
      const pct = `${Number((report.drift_share * 100).toFixed(1))}%`;
      assert.equal(row.description, `just now · 400 rows · ⚠ drift ${pct} vs reference@1`);
      assert.deepEqual([row.icon, row.iconColor], ['warning', 'problemsWarningIcon.foreground']);
      assert.match(row.tooltip, /Drift vs reference\\@1 \(`[^`]*\/data\/reference\.csv`\): dataset drift: \d of 4 columns drifted \\\(50\\\.0\\%\\\)/, 'markdown-escaped');
      // `sextant data show --json` carries the same figures
      const shown = must(showDatasetVersion(db, 'live'));
      assert.equal(shown.checks[0]!.kind, 'drift');
      assert.equal(shown.checks[0]!.driftShare, report.drift_share);
    });

    it('no drift, a reference that is only a file, and a comparison where no column could be tested', async () => {
      const ref = join(dir, 'data', 'reference.csv');
      const same = join(dir, 'data', 'same.csv');
      writeDriftCsv(same, { rows: 400, shift: 0, seed: 3 });
      const report = must(compareFiles(ref, same));
      assert.equal(report.dataset_drift, false);
      // the reference is no registered version: the badge names its file
      must(await keepDrift(db, { current: { register: { name: 'same', file: same, root: dir } }, report }));
      let [v] = versionsOf(dir, 'same');
      const pct = `${Number((report.drift_share * 100).toFixed(1))}%`;
      assert.equal(versionRow(v!, { now: Date.now() }).description, `just now · 400 rows · no drift ${pct} vs reference.csv`);
      assert.equal(versionRow(v!, { now: Date.now() }).icon, 'circle-outline');

      // columns on one side only: nothing tested, said as such (not "no drift")
      const other = join(dir, 'data', 'other.csv');
      writeFileSync(other, 'x,y\n1,a\n2,b\n3,c\n');
      const untested = must(compareFiles(ref, other));
      assert.equal(untested.columns.length, 0);
      const otherId = must(await registerDatasetVersion(db, { name: 'other', file: other, root: dir })).id;
      const refId = must(await registerDatasetVersion(db, { name: 'reference', file: ref, root: dir })).id;
      const kept = must(await keepDrift(db, { current: { versionId: otherId }, reference: { versionId: refId }, report: untested }));
      assert.equal(kept.summary, `no column could be tested (${untested.not_tested.length} not tested)`);
      [v] = versionsOf(dir, 'other');
      assert.equal(driftBadge(v!.drift), 'drift untested vs reference@1');

      // the latest check is the badge: compare `same` again against the registered reference
      const again = must(compareFiles(ref, same));
      must(await keepDrift(db, { current: { register: { name: 'same', file: same, root: dir } }, reference: { versionId: refId }, report: again, at: Date.now() + 1000 }));
      [v] = versionsOf(dir, 'same');
      assert.equal(driftBadge(v!.drift), `no drift ${pct} vs reference@1`);
      assert.equal(must(showDatasetVersion(db, 'same')).checks.length, 2, 'every check is kept; the newest is the badge');
    });

    it('keeps no raw value of a warning (they may quote personal data), only where it is', async () => {
      const ref = join(dir, 'data', 'ref-v.csv');
      const cur = join(dir, 'data', 'cur-v.csv');
      const values = Array.from({ length: 40 }, (_, i) => String(i));
      writeFileSync(ref, `v\n${values.join('\n')}\n`);
      writeFileSync(cur, `v\n${values.slice(0, 39).join('\n')}\nsecret-4111111111111111\n`);
      const report = must(compareFiles(ref, cur));
      assert.equal(report.warnings.length, 1, JSON.stringify(report));
      assert.match(report.warnings[0]!.message, /secret-4111/);
      must(await keepDrift(db, { current: { register: { name: 'cur', file: cur, root: dir } }, report }));
      const stored = db.prepare("SELECT result_json FROM dataset_checks WHERE kind = 'drift'").pluck().get() as string;
      assert.ok(!stored.includes('secret-4111'), stored);
      assert.deepEqual(JSON.parse(stored).warnings, [{ column: 'v', file: cur, line: 41 }]);
    });
  });

  describe('sextant drift with registered datasets', () => {
    it('NAME and NAME@VERSION: compared from the dataset\'s file, the verdict kept with the current\'s version', async () => {
      const dir = workspace('sextant-driftbadge-cli-', 1);
      assert.equal((await cli(dir, 'data', 'add', 'data/reference.csv', '--name', 'reference', '--json')).code, 0);
      assert.equal((await cli(dir, 'data', 'add', 'data/live.csv', '--name', 'live', '--json')).code, 0);
      const r = await cli(dir, 'drift', 'reference@1', 'live', '--json');
      assert.equal(r.code, 1, `the dataset drifted: exit 1\n${r.err}`);
      const json = JSON.parse(r.out) as { dataset_drift: boolean; drift_share: number; recorded: { dataset: string; version: number; reference: { dataset: string; version: number }; summary: string } };
      assert.equal(json.dataset_drift, true);
      assert.deepEqual([json.recorded.dataset, json.recorded.version, json.recorded.reference], ['live', 1, { dataset: 'reference', version: 1 }]);
      const [v] = versionsOf(dir, 'live');
      assert.equal(v!.drift?.passed, false);
      assert.equal(v!.drift?.driftShare, json.drift_share);
      assert.equal(driftBadge(v!.drift), `⚠ drift ${Number((json.drift_share * 100).toFixed(1))}% vs reference@1`);
      // `sextant data show` says it in words: DRIFT, not "FAILED"
      const shown = await cli(dir, 'data', 'show', 'live');
      assert.match(shown.out, new RegExp(`^drift: DRIFT: ${json.recorded.summary.replace(/[()]/g, '\\$&').replace(/\./g, '\\.')} \\(vs reference@1\\) · `, 'm'));

      // the file moves on: NAME@1 is no longer on disk, and the CLI says so (exit 1), naming the file
      writeDriftCsv(join(dir, 'data', 'live.csv'), { rows: 300, shift: 0, seed: 9 });
      const gone = await cli(dir, 'drift', 'reference', 'live@1', '--json');
      assert.equal(gone.code, 1);
      const error = (JSON.parse(gone.out) as { ok: false; error: { code: string; message: string; file: string } }).error;
      assert.equal(error.code, 'dataset-version-not-on-disk');
      assert.equal(error.file, join(dir, 'data', 'live.csv'));
      assert.match(error.message, /holds other content now \(content not registered yet\) than v1/);
      // an unknown version: the versions there are
      const unknown = await cli(dir, 'drift', 'reference@7', 'live', '--json');
      assert.equal(unknown.code, 1);
      assert.match(unknown.out, /no version 7 \(versions 1 to 1\)/);
    });

    it('files whose content is a registered version: recorded; --no-record and a workspace without a store: nothing written', async () => {
      const dir = workspace('sextant-driftbadge-files-', 0);
      const r0 = await cli(dir, 'drift', 'data/reference.csv', 'data/live.csv');
      assert.equal(r0.code, 0, r0.err);
      assert.ok(!existsSync(storeOf(dir)), 'drift never creates a store');
      assert.doesNotMatch(r0.out, /Kept with/);

      assert.equal((await cli(dir, 'data', 'add', 'data/reference.csv')).code, 0);
      assert.equal((await cli(dir, 'data', 'add', 'data/live.csv')).code, 0);
      const skipped = await cli(dir, 'drift', 'data/reference.csv', 'data/live.csv', '--no-record');
      assert.equal(skipped.code, 0);
      assert.equal(versionsOf(dir, 'live')[0]!.drift, null, '--no-record keeps nothing');

      const r = await cli(dir, 'drift', 'data/reference.csv', 'data/live.csv');
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^Kept with live v1 \(vs reference@1\): 0 of 4 columns drifted \(0\.0%\)\.$/m);
      const [v] = versionsOf(dir, 'live');
      assert.equal(driftBadge(v!.drift), 'no drift 0% vs reference@1');
      assert.match((await cli(dir, 'data', 'show', 'live')).out, /^drift: no drift: 0 of 4 columns drifted \(0\.0%\) \(vs reference@1\) · /m);
    });
  });

  describe('pipelines: the sextant/drift stage and the monitor', () => {
    async function runIn(dir: string): Promise<void> {
      const opened = Tracker.open(workspaceLayout(dir), { create: true });
      assert.ok(opened.ok);
      try {
        must(await runPipeline({ file: join(dir, 'sextant.yaml'), gpus: [], tracker: new StoreTracker(opened.value) }));
      } finally {
        opened.value.close(true);
      }
    }

    it('sextant/drift keeps its verdict with the current dataset\'s version, against the reference\'s', async () => {
      const dir = workspace('sextant-driftbadge-stage-', 1);
      writeFileSync(
        join(dir, 'sextant.yaml'),
        stringify({ version: 1, name: 'checked', datasets: { reference: { path: 'data/reference.csv' }, live: { path: 'data/live.csv' } }, stages: { check: { uses: 'sextant/drift', with: { reference: 'reference', current: 'live' } } } }),
      );
      await runIn(dir);
      const [v] = versionsOf(dir, 'live');
      assert.ok(v, 'the current dataset has a version');
      assert.equal(v.drift?.passed, false);
      assert.deepEqual(v.drift?.reference, { dataset: 'reference', version: 1 });
      assert.match(driftBadge(v.drift), /^⚠ drift \d+(\.\d)?% vs reference@1$/);
      const db = must(openStore(storeOf(dir), { readonly: true }));
      try {
        const runId = db.prepare("SELECT run_id FROM dataset_checks WHERE kind = 'drift'").pluck().get();
        assert.equal(typeof runId, 'number', 'the check names the stage\'s run');
      } finally {
        db.close();
      }
    });

    it('the monitor keeps each new verdict with the current dataset\'s version', async () => {
      const dir = workspace('sextant-driftbadge-monitor-', 0);
      writeFileSync(
        join(dir, 'sextant.yaml'),
        stringify({
          version: 1,
          name: 'monitored',
          datasets: { reference: { path: 'data/reference.csv' }, live: { path: 'data/live.csv' } },
          stages: { train: { run: 'wc -l < data/reference.csv > model.txt', deps: ['data/reference.csv'], outs: ['model.txt'] } },
          monitor: { reference: 'reference', current: 'live', on_drift: { run: 'train' } },
        }),
      );
      await runIn(dir);
      let [v] = versionsOf(dir, 'live');
      assert.equal(driftBadge(v!.drift), 'no drift 0% vs reference@1');
      writeDriftCsv(join(dir, 'data', 'live.csv'), { rows: 300, shift: 1, seed: 4 });
      await runIn(dir);
      const versions = versionsOf(dir, 'live');
      assert.deepEqual(versions.map((x) => x.version), [2, 1]);
      [v] = versions;
      assert.equal(v!.drift?.passed, false);
      assert.match(driftBadge(v!.drift), /^⚠ drift \d+(\.\d)?% vs reference@1$/);
      assert.equal(driftBadge(versions[1]!.drift), 'no drift 0% vs reference@1', 'the older version keeps its own verdict');
    });
  });
});
