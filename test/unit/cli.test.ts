import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { usableExecutionProviders } from '../../src/engine/doctor/checks';
import { mediaPath } from '../../src/engine/paths';
import { readPipeline } from '../../src/engine/pipeline/read';
import { tempDir } from './tempDir';

function capture(cwd = process.cwd()): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
}

describe('sextant CLI', () => {
  it('prints help and exits 2 without a command', async () => {
    const io = capture();
    assert.equal(await main([], io), 2);
    assert.match(io.stdout.join('\n'), /Usage: sextant <command>/);
    assert.match(io.stdout.join('\n'), /init/);
    assert.match(io.stdout.join('\n'), /doctor/);
  });

  it('prints its version', async () => {
    const io = capture();
    assert.equal(await main(['--version'], io), 0);
    assert.match(io.stdout[0]!, /^\d+\.\d+\.\d+/);
  });

  it('rejects an unknown command and an unknown option with exit 2', async () => {
    const io = capture();
    assert.equal(await main(['frobnicate'], io), 2);
    assert.match(io.stderr.join('\n'), /unknown command "frobnicate"/);
    const io2 = capture();
    assert.equal(await main(['doctor', '--nope'], io2), 2);
    assert.match(io2.stderr.join('\n'), /unknown option --nope/);
  });

  it('init writes the demo workspace and refuses to overwrite it', async () => {
    const dir = tempDir('sextant-init-');
    const io = capture(dir);
    assert.equal(await main(['init', '--json'], io), 0);
    const out = JSON.parse(io.stdout[0]!) as { ok: boolean; files: string[] };
    assert.equal(out.ok, true);
    assert.ok(out.files.includes('sextant.yaml'));
    assert.ok(existsSync(join(dir, 'data', 'penguins.csv')));
    const csv = readFileSync(join(dir, 'data', 'penguins.csv'), 'utf8').split('\n');
    assert.equal(csv[0], 'species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex');
    assert.ok(csv.length > 200);

    writeFileSync(join(dir, 'sextant.yaml'), 'mine');
    const io2 = capture(dir);
    assert.equal(await main(['init'], io2), 1);
    assert.match(io2.stderr.join('\n'), /already exist/);
    assert.equal(readFileSync(join(dir, 'sextant.yaml'), 'utf8'), 'mine');
  });

  it('doctor --json reports every check with a stable shape', async () => {
    const dir = tempDir('sextant-doctor-');
    const io = capture(dir);
    const code = await main(['doctor', '--json'], io);
    const report = JSON.parse(io.stdout[0]!) as { ok: boolean; checks: { name: string; status: string; detail: string }[] };
    assert.equal(code, report.ok ? 0 : 1);
    assert.deepEqual(report.checks.map((c) => c.name), ['node', 'sqlite', 'onnxruntime', 'gpu', 'python', 'git', 'store']);
    const sqlite = report.checks.find((c) => c.name === 'sqlite')!;
    assert.equal(sqlite.status, 'ok');
    assert.match(sqlite.detail, /SQLite 3\.\d+/);
  });

  it('doctor names a corrupt store and moves it aside on request, keeping its bytes', async () => {
    const dir = tempDir('sextant-doctor-');
    mkdirSync(join(dir, '.sextant'));
    writeFileSync(join(dir, '.sextant', 'sextant.db'), 'this is not sqlite at all');
    const io = capture(dir);
    assert.equal(await main(['doctor', '--json'], io), 1);
    const report = JSON.parse(io.stdout[0]!) as { checks: { name: string; status: string; detail: string }[] };
    const store = report.checks.find((c) => c.name === 'store')!;
    assert.equal(store.status, 'fail');
    assert.match(store.detail, /sextant\.db: This file is not a SQLite database/);

    const io2 = capture(dir);
    await main(['doctor', '--move-store-aside', '--json'], io2);
    const moved = readdirSync(join(dir, '.sextant')).find((f) => f.startsWith('sextant.db.corrupt-'));
    assert.ok(moved, 'moved aside');
    assert.equal(readFileSync(join(dir, '.sextant', moved), 'utf8'), 'this is not sqlite at all');
  });
});

describe('the demo workspace', () => {
  it('ships a pipeline that parses against the schema', () => {
    const result = readPipeline(mediaPath('demo', 'sextant.yaml'));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.error));
    assert.deepEqual(Object.keys(result.value.stages), ['validate', 'train', 'evaluate', 'gate', 'register']);
    assert.deepEqual(Object.keys(result.value.datasets ?? {}), ['penguins', 'live']);
  });
});

describe('doctor', () => {
  it('counts CUDA as usable only when its provider library is installed', () => {
    const backends = [{ name: 'cpu', bundled: true }, { name: 'cuda', bundled: false }];
    const dir = tempDir('sextant-ort-');
    assert.deepEqual(usableExecutionProviders(backends, dir), ['cpu']);
    writeFileSync(join(dir, 'libonnxruntime_providers_cuda.so'), '');
    assert.deepEqual(usableExecutionProviders(backends, dir), ['cpu', 'cuda']);
  });
});
