// `sextant models list|show|promote|rollback|compare|tag|describe` on a real store: the demo pipeline run by the
// CLI twice (penguin-species v1 and v2, the second on two of the four features), then the registry commands, their
// JSON shapes (docs/cli.md), their records (alias history, audit log) and their exit codes.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { listAudit } from '../../src/engine/audit/log';
import { verifyAudit } from '../../src/engine/audit/verify';
import { aliasHistory, rollbackQuestion, rollbackTarget } from '../../src/engine/registry/aliases';
import { VersionComparisonSchema } from '../../src/engine/registry/compare';
import { ModelSummarySchema, listModels } from '../../src/engine/registry/list';
import { openStore, type Database } from '../../src/engine/store/open';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

function cli(cwd: string): CliIo & { stdout: string[]; stderr: string[]; docs: unknown[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const docs: unknown[] = [];
  return { stdout, stderr, docs, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => docs.push(JSON.parse(JSON.stringify(v))), isTty: false, cwd, env: {} };
}

describe('sextant models: the registry from the command line', function () {
  this.timeout(120_000);
  let root: string;
  let db: Database;
  const sextant = async (...argv: string[]) => {
    const io = cli(root);
    const code = await main(argv, io);
    return { code, doc: io.docs[0] as Record<string, unknown>, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
  };

  before(async () => {
    root = tempDir('sextant-models-cli-');
    assert.equal((await sextant('init', root)).code, 0);
    assert.equal((await sextant('run')).code, 0);
    const file = join(root, 'sextant.yaml');
    const text = readFileSync(file, 'utf8');
    assert.ok(text.includes('features: [bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g]'));
    writeFileSync(file, text.replace('features: [bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g]', 'features: [bill_length_mm, flipper_length_mm]'));
    const second = await sextant('run');
    assert.equal(second.code, 0, second.out);
    const opened = openStore(workspaceLayout(root).storePath);
    assert.ok(opened.ok);
    db = opened.value;
  });
  after(() => db?.close());

  it('list: every version with its aliases and metrics (JSON and table)', async () => {
    const r = await sextant('models', 'list', '--json');
    assert.equal(r.code, 0);
    const models = (r.doc as { models: unknown[] }).models.map((m) => ModelSummarySchema.parse(m));
    assert.deepEqual(models.map((m) => [m.name, m.versions.map((v) => [v.version, v.aliases])]), [['penguin-species', [[2, ['staging']], [1, []]]]]);
    assert.deepEqual(models, JSON.parse(JSON.stringify(listModels(db))));
    const table = await sextant('models', 'list');
    assert.match(table.out, /^MODEL\s+VERSION\s+ALIASES/);
    assert.match(table.out, /penguin-species\s+v2\s+staging/);
  });

  it('show: a version by number, by alias, or the latest; with its audit entries', async () => {
    const byAlias = await sextant('models', 'show', 'penguin-species@staging', '--json');
    assert.equal(byAlias.code, 0, byAlias.err);
    const doc = byAlias.doc as { card: { name: string; version: number; sha256: string }; notes: { description: null; tags: object; gates: unknown[] }; events: { kind: string }[] };
    assert.equal(doc.card.version, 2);
    assert.deepEqual(doc.notes, { description: null, tags: {}, gates: [] });
    assert.deepEqual(doc.events.map((e) => e.kind), ['model-registered', 'alias-moved']);
    const latest = (await sextant('models', 'show', 'penguin-species', '--json')).doc as typeof doc;
    assert.equal(latest.card.version, 2, 'no version named: the latest');
    const text = await sextant('models', 'show', 'penguin-species@1');
    assert.match(text.out, /^penguin-species v1 · registered /);
    assert.match(text.out, /input input: float32 \[N, 4\] \(bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g\)/);
    const missing = await sextant('models', 'show', 'penguin-species@9', '--json');
    assert.equal(missing.code, 1);
    assert.deepEqual(missing.doc, { ok: false, error: { code: 'model-version-unknown', message: 'Model "penguin-species" has no version 9.', fix: 'See `sextant models show penguin-species`.' } });
    assert.equal((await sextant('models', 'show', 'penguin-species@')).code, 2, 'a reference with nothing after @ is a usage error');
  });

  it('promote moves an alias (history and audit), rollback moves it back to where it was, in one action', async () => {
    const first = await sextant('models', 'promote', 'penguin-species@1', '--alias', 'production', '--json');
    assert.equal(first.code, 0, first.err);
    assert.deepEqual(first.doc, { model: 'penguin-species', alias: 'production', from: null, to: 1, gates: [] });
    const second = await sextant('models', 'promote', 'penguin-species@staging', '--alias', 'production');
    assert.equal(second.code, 0, second.out);
    assert.equal(second.out, 'penguin-species@production: v1 → v2');

    const back = await sextant('models', 'rollback', 'penguin-species', '--alias', 'production', '--json');
    assert.equal(back.code, 0, back.err);
    assert.deepEqual(back.doc, { model: 'penguin-species', alias: 'production', from: 2, to: 1, gates: [] });
    assert.equal(listModels(db)[0]!.versions.find((v) => v.aliases.includes('production'))?.version, 1);
    const [latest] = aliasHistory(db, 'penguin-species');
    assert.deepEqual([latest!.alias, latest!.from, latest!.to, latest!.source], ['production', 2, 1, 'CLI (rollback)']);
    const audit = listAudit(db, { kind: 'alias-moved' }).at(-1)!;
    assert.deepEqual(audit.detail, { alias: 'production', from: 2, to: 1, rollback: true });

    const nothing = await sextant('models', 'rollback', 'penguin-species', '--alias', 'champion', '--json');
    assert.equal(nothing.code, 1);
    assert.equal((nothing.doc as { error: { code: string } }).error.code, 'alias-no-history');
    assert.equal((await sextant('models', 'promote', 'penguin-species@1')).code, 2, '--alias is required');
    assert.equal((await sextant('models', 'promote', 'penguin-species', '--alias', 'production')).code, 2, 'a version must be named');
    assert.equal((await sextant('models', 'promote', 'penguin-species@1', '--alias', '9lives')).code, 1, 'a bad alias name is refused');
    assert.equal(verifyAudit(db).ok, true);
  });

  it('compare: metrics side by side, the difference and which is better', async () => {
    const r = await sextant('models', 'compare', 'penguin-species@1', 'penguin-species@2', '--json');
    assert.equal(r.code, 0, r.err);
    const cmp = VersionComparisonSchema.parse(r.doc);
    const [v2, v1] = listModels(db)[0]!.versions;
    assert.equal(cmp.sameArtifact, v1!.artifactSha256 === v2!.artifactSha256);
    assert.equal(cmp.sameArtifact, false, 'other features: another model');
    const accuracy = cmp.metrics.find((m) => m.metric === 'accuracy')!;
    assert.deepEqual([accuracy.a, accuracy.b], [v1!.metrics.accuracy, v2!.metrics.accuracy]);
    assert.equal(accuracy.delta, v2!.metrics.accuracy! - v1!.metrics.accuracy!);
    const loss = cmp.metrics.find((m) => m.metric === 'log_loss')!;
    assert.notEqual(loss.delta, 0);
    assert.equal(loss.better, loss.delta! < 0 ? 'b' : 'a', 'a lower loss is better');
    assert.ok(cmp.metrics.every((m) => !m.metric.includes('/')), 'curve points are left out');
    const text = await sextant('models', 'compare', 'penguin-species@1', 'penguin-species@staging');
    assert.match(text.out, /^A: penguin-species v1 .* B: penguin-species v2 \(staging\)/);
    assert.match(text.out, /\nlog_loss\s+/);
  });

  it('tag and describe a version; the version itself cannot change', async () => {
    const tagged = await sextant('models', 'tag', 'penguin-species@1', 'owner=ada', 'tier=gold', '--json');
    assert.equal(tagged.code, 0, tagged.err);
    assert.deepEqual(tagged.doc, { model: 'penguin-species', version: 1, tags: { owner: 'ada', tier: 'gold' } });
    const removed = await sextant('models', 'tag', 'penguin-species@1', '--remove', 'tier', '--json');
    assert.deepEqual(removed.doc, { model: 'penguin-species', version: 1, tags: { owner: 'ada' } });
    assert.equal((await sextant('models', 'tag', 'penguin-species@1', '1bad=x')).code, 1);
    assert.equal((await sextant('models', 'tag', 'penguin-species@1', 'novalue')).code, 2);
    const described = await sextant('models', 'describe', 'penguin-species@1', 'The first, on all four features.', '--json');
    assert.deepEqual(described.doc, { model: 'penguin-species', version: 1, description: 'The first, on all four features.' });
    const shown = (await sextant('models', 'show', 'penguin-species@1', '--json')).doc as { notes: { description: string; tags: object }; events: { kind: string }[] };
    assert.deepEqual([shown.notes.description, shown.notes.tags], ['The first, on all four features.', { owner: 'ada' }]);
    assert.ok(shown.events.some((e) => e.kind === 'model-version-tagged') && shown.events.some((e) => e.kind === 'model-version-described'));
    assert.throws(() => db.prepare("UPDATE model_versions SET artifact_sha256 = 'x' WHERE version = 1").run(), /a registered model version is immutable/);
    assert.throws(() => db.prepare('UPDATE model_versions SET version = 7 WHERE version = 1').run(), /immutable/);
  });

  it('the Models view offers Roll Back Alias… on versions and models, asking in a modal that names both versions', () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { contributes: { commands: { command: string; title: string }[]; menus: Record<string, { command: string; when?: string }[]> } };
    assert.equal(manifest.contributes.commands.find((c) => c.command === 'sextant.models.rollbackAlias')?.title, 'Roll Back Alias…');
    assert.match(manifest.contributes.menus['view/item/context']!.find((m) => m.command === 'sextant.models.rollbackAlias')?.when ?? '', /viewItem == modelVersion \|\| viewItem == model\)/);
    assert.equal(manifest.contributes.menus.commandPalette!.find((m) => m.command === 'sextant.models.rollbackAlias')?.when, 'false', 'it needs a node: not in the palette');
    assert.match(readFileSync(join(__dirname, '../../src/views/modelsCommands.ts'), 'utf8'), /'sextant\.models\.rollbackAlias': async/);
    // What the modal says, from the store: staging moved 1 → 2 when the second run registered v2.
    const target = rollbackTarget(db, 'penguin-species', 'staging');
    assert.deepEqual(target, { ok: true, value: { current: 2, previous: 1 } });
    assert.equal(rollbackQuestion('penguin-species', 'staging', 2, 1), 'Roll back the alias "staging" of model "penguin-species" from version 2 to version 1, where it pointed before its last move?');
  });
});
