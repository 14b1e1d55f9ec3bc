// Promotion gates declared on `sextant/register`, through the real runner (`sextant run` on the demo's penguins
// data: train → evaluate → register): a gate that passes moves the alias; one that blocks leaves it, registers the
// version all the same, fails the stage and writes the reason to the audit log; "not worse than production"
// compares with the version the alias points at; a later `sextant models promote` checks the version's gates
// again. The expected numbers are read back from what the evaluate stage recorded, never typed in.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { listAudit } from '../../src/engine/audit/log';
import { verifyAudit } from '../../src/engine/audit/verify';
import { BUILTINS } from '../../src/engine/pipeline/builtins';
import { schemaAt, describe as describeSchema } from '../../src/engine/pipeline/schemaInfo';
import { listModels } from '../../src/engine/registry/list';
import { openStore, type Database } from '../../src/engine/store/open';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

function cli(cwd: string): CliIo & { stdout: string[]; stderr: string[]; docs: unknown[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const docs: unknown[] = [];
  return { stdout, stderr, docs, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => docs.push(JSON.parse(JSON.stringify(v))), isTty: false, cwd, env: {} };
}

/** Features that tell the three species apart well, and one that cannot tell Adélie from Chinstrap. */
const GOOD = '[bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g]';
const POOR = '[body_mass_g, flipper_length_mm]';

/** The pipeline: `features` decide how good the model is; another `seed` makes another model (and holdout). */
function pipeline(features: string, seed: number, gates: string): string {
  return `version: 1
name: gated
datasets:
  penguins: { path: data/penguins.csv, label: species }
stages:
  train:
    uses: sextant/train
    with: { dataset: penguins, model: logistic-regression, features: ${features}, lr: 0.1, epochs: 200, seed: ${seed}, out: models/m.onnx }
    outs: [models/m.onnx]
  evaluate:
    needs: [train]
    uses: sextant/evaluate
    with: { model: models/m.onnx, dataset: penguins, split: 0.2, seed: ${seed} }
  register:
    needs: [evaluate]
    uses: sextant/register
    with:
      name: penguins
      model: models/m.onnx
      alias: production
      gates: ${gates}
`;
}

const fmt = (x: number): string => Number(x.toPrecision(6)).toString();

describe('promotion gates on sextant/register, through the runner', function () {
  this.timeout(120_000);
  let root: string;
  let db: Database;

  const run = async (features: string, seed: number, gates: string) => {
    writeFileSync(join(root, 'sextant.yaml'), pipeline(features, seed, gates));
    const io = cli(root);
    const code = await main(['run'], io);
    return { code, text: [...io.stdout, ...io.stderr].join('\n') };
  };
  const production = (): number | undefined => listModels(db)[0]?.versions.find((v) => v.aliases.includes('production'))?.version;
  const f1Of = (version: number): number => listModels(db)[0]!.versions.find((v) => v.version === version)!.metrics.f1!;

  before(async () => {
    root = tempDir('sextant-gates-');
    const io = cli(root);
    assert.equal(await main(['init', root], io), 0, io.stderr.join('\n'));
  });
  afterEach(() => db?.close());
  const open = () => {
    const opened = openStore(workspaceLayout(root).storePath);
    assert.ok(opened.ok);
    db = opened.value;
  };

  it('the gates are part of the register stage schema, so lint, completion and hover read them', async () => {
    writeFileSync(join(root, 'sextant.yaml'), pipeline(GOOD, 7, '[{ metric: f1, at_least: 0.85 }, { metric: f1, not_worse_than: production, tolerance: 0.01 }]'));
    assert.equal(await main(['lint'], cli(root)), 0);
    writeFileSync(join(root, 'sextant.yaml'), pipeline(GOOD, 7, '[{ metric: f1, at_lest: 0.85 }]'));
    const lint = cli(root);
    assert.equal(await main(['lint'], lint), 1);
    assert.match(lint.stdout.join('\n'), /Unknown key "at_lest" in with.gates\[0\]. Did you mean "at_least"\?/);
    const written = BUILTINS['sextant/register'].written;
    assert.match(describeSchema(schemaAt(written, ['gates'])) ?? '', /Promotion gates/);
    assert.match(describeSchema(schemaAt(written, ['gates', 0, 'not_worse_than'])) ?? '', /must not be worse than that version/);
    const parsed = BUILTINS['sextant/register'].resolved.safeParse({ name: 'x', model: 'm.onnx', gates: [{ metric: 'f1' }] });
    assert.equal(parsed.success, false, 'a gate with no bound is refused');
    assert.match(JSON.stringify(parsed.error?.issues), /needs `at_least`, `at_most` or `not_worse_than`/);
  });

  it('a gate that passes: the version is registered and the alias moves to it', async () => {
    const r = await run(GOOD, 7, '[{ metric: f1, at_least: 0.85 }]');
    assert.equal(r.code, 0, r.text);
    open();
    assert.equal(production(), 1);
    const f1 = f1Of(1);
    assert.ok(f1 >= 0.85, `the trained model's f1 is ${f1}`);
    assert.match(r.text, new RegExp(`gate passed: f1 >= 0.85: f1 = ${fmt(f1).replace('.', '\\.')} >= 0.85`));
    assert.deepEqual(listAudit(db).map((e) => e.kind), ['model-registered', 'alias-moved']);
  });

  it('a gate that blocks: the version is registered, the alias stays, the stage fails, the reason is in the record', async () => {
    const r = await run(POOR, 7, '[{ metric: f1, at_least: 0.85 }]');
    assert.equal(r.code, 1, r.text);
    open();
    assert.equal(production(), 1, 'production still on v1');
    assert.deepEqual(listModels(db)[0]!.versions.map((v) => v.version), [2, 1], 'v2 is registered all the same');
    const f1 = f1Of(2);
    assert.ok(f1 < 0.85, `the poor model's f1 is ${f1}`);
    const reason = `f1 >= 0.85: f1 = ${fmt(f1)} < 0.85`;
    assert.ok(r.text.includes(`the alias "production" was not moved: a promotion gate blocked it: ${reason}.`), r.text);
    const blocked = listAudit(db, { kind: 'promotion-blocked' });
    assert.equal(blocked.length, 1);
    assert.equal(blocked[0]!.subject, 'model:penguins@2');
    assert.equal(blocked[0]!.detail.alias, 'production');
    assert.equal(blocked[0]!.detail.reason, reason);
    const io = cli(root);
    assert.equal(await main(['models', 'show', 'penguins@2'], io), 0);
    assert.ok(io.stdout.join('\n').includes(`promotion-blocked by`) && io.stdout.join('\n').includes(`production: ${reason}`), io.stdout.join('\n'));
  });

  it('"not worse than production by more than": blocks beyond the tolerance, passes within it', async () => {
    const blockedRun = await run(POOR, 8, '[{ metric: f1, not_worse_than: production, tolerance: 0.01 }]');
    assert.equal(blockedRun.code, 1, blockedRun.text);
    open();
    const [prod, candidate] = [f1Of(1), f1Of(3)];
    const worseBy = prod - candidate;
    assert.ok(worseBy > 0.01, `v3 is worse than v1 by ${worseBy}`);
    assert.equal(production(), 1);
    const reason = `f1 not worse than production by more than 0.01: f1 = ${fmt(candidate)} vs production (v1) ${fmt(prod)}: worse by ${fmt(worseBy)}, more than the 0.01 allowed`;
    assert.equal(listAudit(db, { kind: 'promotion-blocked' }).at(-1)!.detail.reason, reason);
    db.close();

    const passedRun = await run(POOR, 9, '[{ metric: f1, not_worse_than: production, tolerance: 1 }]');
    assert.equal(passedRun.code, 0, passedRun.text);
    open();
    assert.equal(production(), 4);
    assert.match(passedRun.text, /gate passed: f1 not worse than production by more than 1: .*worse by [\d.]+, within 1/);
  });

  it('sextant models promote checks the version\'s gates again: v2 is still blocked, v1 passes; the chain verifies', async () => {
    open();
    const blocked = cli(root);
    assert.equal(await main(['models', 'promote', 'penguins@2', '--alias', 'production', '--json'], blocked), 1);
    const err = (blocked.docs[0] as { error: { code: string; message: string } }).error;
    assert.equal(err.code, 'gate-blocked');
    assert.ok(err.message.includes(`f1 >= 0.85: f1 = ${fmt(f1Of(2))} < 0.85`), err.message);
    assert.equal(production(), 4, 'the alias did not move');
    const blocks = listAudit(db, { kind: 'promotion-blocked' });
    assert.deepEqual([blocks.at(-1)!.subject, blocks.at(-1)!.source], ['model:penguins@2', 'CLI']);

    const passed = cli(root);
    assert.equal(await main(['models', 'promote', 'penguins@1', '--alias', 'production', '--json'], passed), 0, passed.stderr.join('\n'));
    const move = passed.docs[0] as { from: number; to: number; gates: { gate: string; passed: boolean }[] };
    assert.deepEqual([move.from, move.to, move.gates.map((g) => [g.gate, g.passed])], [4, 1, [['f1 >= 0.85', true]]]);
    assert.equal(production(), 1);
    assert.equal(verifyAudit(db).ok, true);
  });
});
