// Paths stay inside the pipeline's folder: every deps, outs, metrics, dataset path and built-in path
// (`with.out`, `with.model`, a dataset's file) resolves — symlinks followed — inside the folder of the
// pipeline file; an output is never that folder itself nor the store (.sextant). Reading a dependency
// outside is allowed only when declared `{ path, external: true }`; writing outside never is. Lint
// reports an error at the exact value; the runner refuses before touching anything.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../src/engine/pipeline/analyze';
import { FsHost } from '../../src/engine/pipeline/host';
import { runPipeline } from '../../src/engine/runner/executor';
import { complete } from '../../src/lsp/completion';
import { hover } from '../../src/lsp/hover';
import { definitionAt } from '../../src/lsp/symbols';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { tempDir } from './tempDir';

/** A project folder with a sibling folder `victim` holding a file, as in the audit's repro. */
function layout(): { base: string; root: string; victim: string; precious: string } {
  const base = tempDir('sextant-paths-');
  const root = join(base, 'project');
  const victim = join(base, 'victim');
  mkdirSync(root);
  mkdirSync(victim);
  const precious = join(victim, 'precious.txt');
  writeFileSync(precious, 'do not delete');
  return { base, root, victim, precious };
}

/** 0-based line and character of the first occurrence of `needle` (after `after`, when given). */
function pos(text: string, needle: string, after = ''): { line: number; character: number } {
  const from = after ? text.indexOf(after) : 0;
  const offset = text.indexOf(needle, from);
  assert.ok(offset >= 0, `"${needle}" not in the text`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

function lint(root: string, text: string) {
  writeFileSync(join(root, 'sextant.yaml'), text);
  return analyzeText(text, new FsHost(root)).diagnostics;
}

/** Asserts exactly one error about paths, spanning `value` as written at its first occurrence after `after`. */
function assertPathError(root: string, text: string, value: string, message: RegExp, after = ''): void {
  const diags = lint(root, text).filter((d) => d.code === 'path-outside' || d.code === 'protected-output');
  assert.equal(diags.length, 1, JSON.stringify(lint(root, text), null, 1));
  const d = diags[0]!;
  assert.equal(d.severity, 'error');
  const start = pos(text, value, after);
  assert.deepEqual(d.range, { start, end: { line: start.line, character: start.character + value.length } });
  assert.match(d.message, message);
}

function capture(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('safety: paths stay inside the pipeline folder (lint)', () => {
  it('outs: ["../victim"] is an error at the value, and `sextant lint` fails', async () => {
    const { root } = layout();
    const text = 'version: 1\nstages:\n  wipe:\n    run: echo hi > out.txt\n    outs: ["../victim"]\n';
    assertPathError(root, text, '"../victim"', new RegExp(`^outs path '\\.\\./victim' resolves outside the pipeline folder ${escape(root)}`));
    const io = capture(root);
    assert.equal(await main(['lint'], io), 1);
    assert.match(io.stdout.join('\n'), /^sextant\.yaml:5:12: error \[path-outside\] outs path '\.\.\/victim'/m);
  });

  it('outs: ["."] (the pipeline folder itself) and an output in the store folder are errors', () => {
    const { root } = layout();
    assertPathError(root, 'version: 1\nstages:\n  a:\n    run: x\n    outs: [.]\n', '.', /^outs path '\.' is the pipeline folder itself/, 'outs:');
    assertPathError(root, 'version: 1\nstages:\n  a:\n    run: x\n    outs: [./]\n', './', /is the pipeline folder itself/, 'outs:');
    assertPathError(root, 'version: 1\nstages:\n  a:\n    run: x\n    outs:\n      - .sextant/sextant.db\n', '.sextant/sextant.db', /^outs path '\.sextant\/sextant\.db' is inside the store folder \.sextant/);
    assertPathError(root, 'version: 1\nstages:\n  a:\n    run: x\n    metrics: [sub/..]\n', 'sub/..', /^metrics path 'sub\/\.\.' is the pipeline folder itself/);
  });

  it('an absolute path outside is an error for outs and deps; one inside the folder is fine', () => {
    const { root, victim, precious } = layout();
    assertPathError(root, `version: 1\nstages:\n  a:\n    run: x\n    outs: [${victim}]\n`, victim, /^outs path '.*victim' resolves outside the pipeline folder/);
    assertPathError(root, `version: 1\nstages:\n  a:\n    run: x\n    deps: [${precious}]\n`, precious, /^deps path '.*precious\.txt' resolves outside the pipeline folder .*external: true/);
    assertPathError(root, 'version: 1\nstages:\n  a:\n    run: x\n    outs: [/]\n', '/', /resolves outside/, 'outs:');
    assert.deepEqual(lint(root, `version: 1\nstages:\n  a:\n    run: x\n    outs: [${join(root, 'out.txt')}]\n`).filter((d) => d.severity === 'error'), []);
  });

  it('a symlink that leads outside is followed: outs [link/x] is an error, and so is a dangling one', () => {
    const { root, victim } = layout();
    symlinkSync(victim, join(root, 'link'));
    symlinkSync(join(victim, 'not-yet', 'deeper'), join(root, 'dangling'));
    symlinkSync(join(root, 'models'), join(root, 'inside'));
    assertPathError(root, 'version: 1\nstages:\n  a:\n    run: x\n    outs: [link/x]\n', 'link/x', new RegExp(`^outs path 'link/x' resolves outside the pipeline folder ${escape(root)} \\(to ${escape(join(victim, 'x'))}, through a symbolic link\\)`));
    assertPathError(root, 'version: 1\nstages:\n  a:\n    run: x\n    outs: [dangling/m.onnx]\n', 'dangling/m.onnx', /through a symbolic link/);
    assertPathError(root, 'version: 1\nstages:\n  a:\n    run: x\n    deps: [link]\n', 'link', /^deps path 'link' resolves outside/, 'deps:');
    assert.deepEqual(lint(root, 'version: 1\nstages:\n  a:\n    run: x\n    outs: [inside/m.onnx]\n').filter((d) => d.severity === 'error'), []);
  });

  it('the language server keeps verdicts only as long as its file answers: a link made later is an error once the host is told', () => {
    const { root, victim } = layout();
    const text = 'version: 1\nstages:\n  a:\n    run: x\n    outs: [later/x]\n';
    writeFileSync(join(root, 'sextant.yaml'), text);
    const host = new FsHost(root, 60_000);
    const errors = () => analyzeText(text, host).diagnostics.filter((d) => d.code === 'path-outside');
    assert.deepEqual(errors(), []);
    symlinkSync(victim, join(root, 'later'));
    host.invalidate();
    assert.equal(errors().length, 1);
  });

  it("built-in paths: with.out, with.model and a dataset's path", () => {
    const { root } = layout();
    writeFileSync(join(root, 'd.csv'), 'x,y\n1,0\n');
    const train = 'version: 1\ndatasets:\n  d: { path: d.csv, label: y }\nstages:\n  train:\n    uses: sextant/train\n    with: { dataset: d, model: mlp, out: ../victim/m.onnx }\n';
    assertPathError(root, train, '../victim/m.onnx', /^with\.out path '\.\.\/victim\/m\.onnx' resolves outside/);
    const evaluate = 'version: 1\ndatasets:\n  d: { path: d.csv, label: y }\nstages:\n  ev:\n    uses: sextant/evaluate\n    with:\n      dataset: d\n      model: ../victim/m.onnx\n';
    assertPathError(root, evaluate, '../victim/m.onnx', /^with\.model path '\.\.\/victim\/m\.onnx' resolves outside/);
    const register = 'version: 1\nstages:\n  reg:\n    uses: sextant/register\n    with: { name: m, model: /etc/passwd }\n';
    assertPathError(root, register, '/etc/passwd', /^with\.model path '\/etc\/passwd' resolves outside/);
    const dataset = 'version: 1\ndatasets:\n  d:\n    path: ../victim/precious.txt\n    label: y\nstages:\n  v: { uses: sextant/validate, with: { dataset: d } }\n';
    assertPathError(root, dataset, '../victim/precious.txt', /^datasets\.d\.path '\.\.\/victim\/precious\.txt' resolves outside the pipeline folder .*external: true/);
    // a registered model reference is not a path
    assert.deepEqual(lint(root, 'version: 1\ndatasets:\n  d: { path: d.csv, label: y }\nstages:\n  ev: { uses: sextant/evaluate, with: { dataset: d, model: churn@production } }\n').filter((d) => d.code === 'path-outside'), []);
  });

  it('a dependency outside is allowed when declared external (deps and datasets), an output never', () => {
    const { root, precious } = layout();
    const dep = `version: 1\nstages:\n  a:\n    run: cat ${precious}\n    deps:\n      - { path: ${precious}, external: true }\n      - path: ../victim/precious.txt\n        external: true\n`;
    assert.deepEqual(lint(root, dep).filter((d) => d.severity === 'error'), []);
    const notDeclared = `version: 1\nstages:\n  a:\n    run: x\n    deps:\n      - { path: ../victim/precious.txt }\n`;
    assertPathError(root, notDeclared, '../victim/precious.txt', /^deps path '\.\.\/victim\/precious\.txt' resolves outside/);
    const ds = 'version: 1\ndatasets:\n  d: { path: ../victim/precious.txt, external: true }\nstages:\n  v: { uses: sextant/validate, with: { dataset: d } }\n';
    assert.deepEqual(lint(root, ds).filter((d) => d.severity === 'error'), []);
    // an output cannot be declared external: the format refuses it at the value
    const out = `version: 1\nstages:\n  a:\n    run: x\n    outs:\n      - { path: ${precious}, external: true }\n`;
    const errors = lint(root, out).filter((d) => d.severity === 'error');
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]!.range.start.line, 5);
    // a missing external dep is still reported as missing
    const missing = 'version: 1\nstages:\n  a:\n    run: x\n    deps: [{ path: /nonexistent/x.csv, external: true }]\n';
    const found = lint(root, missing);
    assert.deepEqual(found.map((d) => d.code), ['missing-dep']);
    assert.deepEqual(found[0]!.range.start, pos(missing, '/nonexistent/x.csv'));
  });

  it('the language server reads the object form: hover, go to definition and path completion', () => {
    const { root } = layout();
    mkdirSync(join(root, 'data'));
    writeFileSync(join(root, 'data', 'x.csv'), 'a\n1\n');
    const text = 'version: 1\nstages:\n  a:\n    run: x\n    deps:\n      - { path: data/x.csv, external: true }\n      - path: data/\n';
    writeFileSync(join(root, 'sextant.yaml'), text);
    const host = new FsHost(root);
    const analysis = analyzeText(text, host);
    const at = text.indexOf('data/x.csv') + 2;
    const h = hover(text, at, analysis);
    assert.match(JSON.stringify(h?.contents), /data\/x\.csv/);
    const def = definitionAt('file:///p', at, analysis, root);
    assert.match(def?.uri ?? '', /data\/x\.csv$/);
    const items = complete(text, text.indexOf('path: data/\n') + 'path: data/'.length, analysis, host);
    assert.ok(items.some((i) => i.label === 'x.csv'), JSON.stringify(items.map((i) => i.label)));
  });
});

describe('safety: paths stay inside the pipeline folder (runner)', () => {
  async function refused(root: string, stages: string, code: string, what: RegExp): Promise<void> {
    const file = join(root, 'sextant.yaml');
    writeFileSync(file, `version: 1\n${stages}`);
    const r = await runPipeline({ file, gpus: [] });
    assert.ok(!r.ok, 'the run should be refused');
    assert.equal(r.error.code, code);
    assert.equal(r.error.file, file);
    assert.match(r.error.message, what);
    assert.ok(!existsSync(join(root, 'ran.txt')), 'no stage ran');
    assert.ok(!existsSync(join(root, '.sextant', 'logs')), 'no log was started');
  }

  it('refuses outs: ["../victim"] before touching anything: the sibling folder and its file are still there', async () => {
    const { root, precious } = layout();
    await refused(root, 'stages:\n  first:\n    run: echo > ran.txt\n  wipe:\n    run: echo > ran.txt\n    outs: ["../victim"]\n', 'path-outside', /^Stage "wipe": outs path '\.\.\/victim' resolves outside the pipeline folder/);
    assert.equal(readFileSync(precious, 'utf8'), 'do not delete');
  });

  it('refuses ".", the store, an absolute path, a symlink escape, with.out and a dataset outside', async () => {
    const { root, victim, precious } = layout();
    symlinkSync(victim, join(root, 'link'));
    writeFileSync(join(root, 'd.csv'), 'x,y\n1,0\n');
    await refused(root, 'stages:\n  a:\n    run: echo > ran.txt\n    outs: ["."]\n', 'protected-output', /^Stage "a": outs path '\.' is the pipeline folder itself/);
    await refused(root, 'stages:\n  a:\n    run: echo > ran.txt\n    outs: [.sextant]\n', 'protected-output', /is the store folder \.sextant/);
    await refused(root, `stages:\n  a:\n    run: echo > ran.txt\n    outs: [${victim}]\n`, 'path-outside', /resolves outside/);
    await refused(root, 'stages:\n  a:\n    run: echo > ran.txt\n    outs: [link/precious.txt]\n', 'path-outside', /^Stage "a": outs path 'link\/precious\.txt' resolves outside .* through a symbolic link/);
    await refused(root, 'datasets:\n  d: { path: d.csv, label: y }\nstages:\n  t:\n    uses: sextant/train\n    with: { dataset: d, model: mlp, out: "${{ params.where }}" }\nparams: { where: ../victim/precious.txt }\n', 'path-outside', /^Stage "t": with\.out path '\.\.\/victim\/precious\.txt' resolves outside/);
    await refused(root, 'datasets:\n  d: { path: ../victim/precious.txt, label: y }\nstages:\n  v: { uses: sextant/validate, with: { dataset: d } }\n', 'path-outside', /^Stage "v": datasets\.d\.path '\.\.\/victim\/precious\.txt' resolves outside/);
    await refused(root, `stages:\n  a:\n    run: echo > ran.txt\n    deps: [${precious}]\n`, 'path-outside', /^Stage "a": deps path .* resolves outside .*external: true/);
    assert.equal(readFileSync(precious, 'utf8'), 'do not delete');
  });

  it('refuses an output that an earlier stage turned into a symlink to outside, before deleting it', async () => {
    const { root, victim, precious } = layout();
    const file = join(root, 'sextant.yaml');
    writeFileSync(file, `version: 1\nstages:\n  mklink:\n    run: ln -s ${victim} link\n  wipe:\n    needs: [mklink]\n    run: echo > ran.txt\n    outs: [link/precious.txt]\n`);
    const r = await runPipeline({ file, gpus: [] });
    assert.ok(r.ok);
    const wipe = r.value.stages.find((s) => s.name === 'wipe')!;
    assert.equal(wipe.status, 'failed');
    assert.match(wipe.reason ?? '', /outs path 'link\/precious\.txt' resolves outside .* through a symbolic link/);
    assert.equal(readFileSync(precious, 'utf8'), 'do not delete');
    assert.ok(!existsSync(join(root, 'ran.txt')));
  });

  it('an external dep is read and hashed; a normal pipeline still runs and caches', async () => {
    const { root, precious } = layout();
    const file = join(root, 'sextant.yaml');
    writeFileSync(file, `version: 1\nstages:\n  copy:\n    run: cat ${precious} > out/copy.txt\n    deps: [{ path: ${precious}, external: true }]\n    outs: [out/copy.txt]\n`);
    const first = await runPipeline({ file, gpus: [] });
    assert.ok(first.ok);
    assert.deepEqual(first.value.stages.map((s) => [s.name, s.status]), [['copy', 'ran']]);
    assert.equal(readFileSync(join(root, 'out', 'copy.txt'), 'utf8'), 'do not delete');
    const second = await runPipeline({ file, gpus: [] });
    assert.ok(second.ok);
    assert.equal(second.value.stages[0]!.status, 'cached');
    writeFileSync(precious, 'changed');
    const third = await runPipeline({ file, gpus: [] });
    assert.ok(third.ok);
    assert.equal(third.value.stages[0]!.status, 'ran');
    assert.equal(readFileSync(join(root, 'out', 'copy.txt'), 'utf8'), 'changed');
  });

  it('refuses an output declared external (the format has no such form)', async () => {
    const { root, precious } = layout();
    const file = join(root, 'sextant.yaml');
    writeFileSync(file, `version: 1\nstages:\n  a:\n    run: echo > ran.txt\n    outs: [{ path: ${precious}, external: true }]\n`);
    const r = await runPipeline({ file, gpus: [] });
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'pipeline-schema');
    assert.equal(readFileSync(precious, 'utf8'), 'do not delete');
    assert.ok(!existsSync(join(root, 'ran.txt')));
  });
});
