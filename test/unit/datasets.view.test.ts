// The Datasets view's rows in plain Node, from a real store: a dataset's versions newest first with when,
// rows, the validation badge (from Validate: the engine's verdict kept with the version), the drift badge
// against the reference, which version the file holds now and which one the pipeline pins; a version's
// columns with type, missing share and one line of figures, personal data flagged and masked; the
// actions' commands declared with their menus and hidden from the palette.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { versionColumns } from '../../src/engine/data/versions/describe';
import { recordDatasetCheck } from '../../src/engine/data/versions/checks';
import { listDatasets, showDatasetVersion } from '../../src/engine/data/versions/read';
import { registerDatasetVersion } from '../../src/engine/data/versions/register';
import { validateVersion } from '../../src/engine/data/versions/validateVersion';
import { Hasher } from '../../src/engine/runner/hash';
import { openStore, type Database } from '../../src/engine/store/open';
import { columnRow, driftBadge, validationBadge, versionRow } from '../../src/views/datasetsItems';
import { tempDir } from './tempDir';

const ROOT = join(__dirname, '..', '..');
const HOUR = 3_600_000;

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

describe('Datasets view rows (plain Node, real store)', function () {
  this.timeout(60_000);
  let dir: string;
  let db: Database;
  const file = (): string => join(dir, 'customers.csv');

  beforeEach(() => {
    dir = tempDir('sextant-dsview-');
    db = must(openStore(join(dir, '.sextant', 'sextant.db'), { create: true }));
  });
  afterEach(() => db.close());

  it('versions newest first: when, rows, validation and drift badges, current and pinned', async () => {
    writeFileSync(file(), 'age,plan\n31,basic\n45,pro\n');
    const t0 = Date.now() - 5 * HOUR;
    must(await registerDatasetVersion(db, { name: 'customers', file: file(), root: dir, clock: () => t0 }));
    writeFileSync(file(), 'age,plan\n31,basic\n45,pro\nabc,pro\n');
    const expectations = [{ column: 'age', type: 'integer' as const }, { column: 'plan', in: ['basic', 'pro'] }];
    const validated = must(await validateVersion(db, { name: 'customers', file: file(), root: dir, expectations, baseDir: dir }));
    assert.equal(validated.version.version, 2, 'Validate registers the content first');
    assert.equal(validated.report.passed, false, 'the stray "abc" fails the type check');
    assert.equal(validated.summary, '1 of 2 checks failed');
    const v1 = must(showDatasetVersion(db, 'customers', 1));
    must(recordDatasetCheck(db, { versionId: db.prepare('SELECT id FROM dataset_versions WHERE version = 2').pluck().get() as number, kind: 'drift', passed: false, summary: '1 of 2 columns drifted', referenceId: db.prepare('SELECT id FROM dataset_versions WHERE version = 1').pluck().get() as number }));

    const versions = listDatasets(db)[0]!.versions;
    const currentHash = (await new Hasher().path(file())).sha256!;
    const rows = versions.map((v) => versionRow(v, { currentHash, pin: 1, now: Date.now() }));
    assert.deepEqual(rows.map((r) => r.label), ['v2', 'v1']);
    assert.equal(rows[0]!.description, 'just now · 3 rows · ✗ 1 of 2 checks failed · ⚠ drift vs customers@1 · current');
    assert.equal(rows[1]!.description, '5h ago · 2 rows · pinned');
    assert.deepEqual([rows[0]!.icon, rows[0]!.iconColor, rows[0]!.contextValue], ['error', 'problemsErrorIcon.foreground', 'version-current']);
    assert.deepEqual([rows[1]!.icon, rows[1]!.iconColor, rows[1]!.contextValue], ['circle-outline', undefined, 'version']);
    assert.match(rows[1]!.tooltip, /The pipeline pins this version, but the file holds other content now\./);
    assert.match(rows[0]!.tooltip, new RegExp(`sha256 \`${versions[0]!.hash}\``));
    assert.equal(v1.validation, null);
    assert.equal(validationBadge(null), '');
    assert.equal(driftBadge({ kind: 'drift', passed: true, summary: 'none', reference: null, at: 0 }), 'no drift');

    // fixed data validates: the badge of the new version says so
    writeFileSync(file(), 'age,plan\n31,basic\n46,pro\n');
    const ok3 = must(await validateVersion(db, { name: 'customers', file: file(), root: dir, expectations, baseDir: dir }));
    assert.equal(versionRow(ok3.version, { now: Date.now() }).description, 'just now · 2 rows · ✓ valid');
  });

  it('a version\'s columns: type, missing share, one line of figures; personal data flagged, its values masked', async () => {
    const emails = Array.from({ length: 30 }, (_, i) => `user${i}@mail.example.com`);
    writeFileSync(file(), `id,email,spend,plan\n${emails.map((e, i) => `${i},${e},${i % 5 === 0 ? '' : (i * 2.5).toFixed(1)},${i % 2 ? 'pro' : 'basic'}`).join('\n')}\n`);
    must(await registerDatasetVersion(db, { name: 'customers', file: file(), root: dir }));
    const profile = must(showDatasetVersion(db, 'customers')).profile!;
    const rows = versionColumns(profile).map((c) => columnRow(c, { isLabel: c.name === 'plan', checks: c.name === 'spend' ? ['between [0,100]'] : [] }));
    const byName = Object.fromEntries(rows.map((r) => [r.label, r]));
    assert.deepEqual(rows.map((r) => r.label), ['id', 'email', 'spend', 'plan']);
    assert.equal(byName.spend!.description, 'float · 20.0% missing · 2.5 … 72.5, mean 37.5');
    assert.equal(byName.spend!.icon, 'pass');
    assert.match(byName.plan!.description, /^label · (categorical|string) · 2 distinct: basic 50\.0%, pro 50\.0%$/);
    assert.equal(byName.plan!.icon, 'target');
    assert.equal(byName.email!.icon, 'lock');
    assert.match(byName.email!.description, /personal data \(email\), masked/);
    for (const r of rows) for (const e of emails) assert.ok(!`${r.description}${r.tooltip}`.includes(e), `raw e-mail in the ${r.label} row`);
  });

  it('declares Register Version, Validate and Profile on dataset rows, hidden from the palette', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; title: string }[]; menus: Record<string, { command: string; when: string }[]> } };
    for (const [command, title] of [['sextant.datasets.registerVersion', 'Register Version'], ['sextant.datasets.validate', 'Validate'], ['sextant.datasets.profile', 'Profile']] as const) {
      assert.equal(manifest.contributes.commands.find((c) => c.command === command)?.title, title);
      assert.ok(manifest.contributes.menus['view/item/context']!.some((m) => m.command === command && m.when === 'view == sextant.datasets && viewItem == dataset'), `${command} on dataset rows`);
      assert.equal(manifest.contributes.menus.commandPalette!.find((m) => m.command === command)?.when, 'false');
    }
    // the open/reveal actions (viewItem =~ /^dataset/) do not show on version rows
    assert.ok(!/^dataset/.test('version') && !/^dataset/.test('version-current'));
  });
});
