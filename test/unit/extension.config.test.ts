// One place decides where the store is, and Sextant's settings reach every process they concern: the
// settings module (src/settings.ts, no vscode), the pipeline task's CLI child (`--store`, the Python
// environment), the language server (initializationOptions, didChangeConfiguration) and the doctor.
// src/config.ts, the one reader of VS Code's settings, is exercised by the e2e suite.
import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { runDoctor } from '../../src/engine/doctor/checks';
import { openStore } from '../../src/engine/store/open';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import type { RunnerEvent } from '../../src/engine/runner/types';
import { cliScript, startCliRun, type CliRunOptions } from '../../src/runner/cliProcess';
import { pythonEnv, resolveSettingPath, settingsFrom } from '../../src/settings';
import { buildServer } from '../support/buildServer';
import { LspClient } from '../support/lspClient';
import { tempDir } from './tempDir';

const ROOT = join(__dirname, '..', '..');

describe('settings (src/settings.ts): the values of section `sextant`', () => {
  it('reads each setting, empty strings and wrong types as the default', () => {
    const values: Record<string, unknown> = { storePath: ' data/runs.db ', pythonPath: '', 'runner.maxParallel': 3, 'runner.gpu': 'never', 'experiments.primaryMetric': 'accuracy' };
    assert.deepEqual(settingsFrom((k) => values[k]), { storePath: 'data/runs.db', pythonPath: undefined, maxParallel: 3, gpu: 'never', primaryMetric: 'accuracy' });
    assert.deepEqual(settingsFrom(() => undefined), { storePath: undefined, pythonPath: undefined, maxParallel: 0, gpu: 'auto', primaryMetric: undefined });
    const wrong: Record<string, unknown> = { storePath: 42, 'runner.maxParallel': -2, 'runner.gpu': 'sometimes' };
    assert.deepEqual(settingsFrom((k) => wrong[k]), { storePath: undefined, pythonPath: undefined, maxParallel: 0, gpu: 'auto', primaryMetric: undefined });
    assert.equal(settingsFrom((k) => (k === 'runner.maxParallel' ? 2.5 : undefined)).maxParallel, 0);
  });

  it('resolves a path setting against the workspace folder, with ${workspaceFolder} and ~/', () => {
    assert.equal(resolveSettingPath('runs/s.db', '/ws', '/home/u'), '/ws/runs/s.db');
    assert.equal(resolveSettingPath('${workspaceFolder}/../shared/s.db', '/ws', '/home/u'), '/shared/s.db');
    assert.equal(resolveSettingPath('~/stores/s.db', '/ws', '/home/u'), '/home/u/stores/s.db');
    assert.equal(resolveSettingPath('/abs/s.db', '/ws', '/home/u'), '/abs/s.db');
  });

  it('the Python environment: the interpreter folder first on PATH, SEXTANT_PYTHON naming it', () => {
    assert.deepEqual(pythonEnv('/ws/.venv/bin/python', { PATH: '/usr/bin' }), { PATH: `/ws/.venv/bin${delimiter}/usr/bin`, SEXTANT_PYTHON: '/ws/.venv/bin/python' });
    assert.deepEqual(pythonEnv('/p/python3', {}), { PATH: '/p', SEXTANT_PYTHON: '/p/python3' });
  });

  it('the layout: a store elsewhere keeps its artifacts beside it', () => {
    assert.deepEqual(workspaceLayout('/ws'), { root: '/ws', storePath: '/ws/.sextant/sextant.db', artifactsDir: '/ws/.sextant/artifacts' });
    assert.deepEqual(workspaceLayout('/ws', 'runs/team.db'), { root: '/ws', storePath: '/ws/runs/team.db', artifactsDir: '/ws/runs/artifacts' });
    assert.deepEqual(workspaceLayout('/ws', '/data/team.db'), { root: '/ws', storePath: '/data/team.db', artifactsDir: '/data/artifacts' });
  });
});

describe('the pipeline task (src/runner/cliProcess.ts): the store and the Python the settings name', function () {
  this.timeout(60_000);
  before(function () {
    if (!existsSync(cliScript(ROOT))) this.skip();
  });

  function run(dir: string, options: Partial<CliRunOptions>): Promise<{ code: number; events: RunnerEvent[]; stderr: string[] }> {
    const events: RunnerEvent[] = [];
    const stderr: string[] = [];
    const started = startCliRun({ extensionPath: ROOT, cwd: dir, file: join(dir, 'sextant.yaml'), gpu: 'never', maxParallel: 0, onEvent: (e) => events.push(e), onError: (e) => stderr.push(e.message), onStderr: (l) => stderr.push(l), ...options });
    return started.done.then((code) => ({ code, events, stderr }));
  }

  it('records the run in the store it is given (`--store`), not in .sextant/ beside the pipeline', async () => {
    const dir = tempDir('sextant-store-setting-');
    writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, name: 'elsewhere', stages: { a: { run: 'echo hi' } } }));
    const store = join(dir, 'shared', 'team.db');
    const { code, stderr } = await run(dir, { store });
    assert.equal(code, 0, stderr.join('\n'));
    assert.ok(!existsSync(join(dir, '.sextant', 'sextant.db')), 'no store in .sextant/');
    const db = openStore(store, { readonly: true });
    assert.ok(db.ok, db.ok ? '' : db.error.message);
    const names = db.value.prepare('SELECT e.name FROM runs r JOIN experiments e ON e.id = r.experiment_id').all() as { name: string }[];
    db.value.close();
    assert.ok(names.some((n) => n.name === 'elsewhere'), JSON.stringify(names));
  });

  it('stages that call `python` run the interpreter of sextant.pythonPath', async () => {
    const dir = tempDir('sextant-python-setting-');
    const bin = join(dir, 'venv', 'bin');
    mkdirSync(bin, { recursive: true });
    for (const name of ['python', 'python3']) {
      writeFileSync(join(bin, name), '#!/bin/sh\necho "venv-python $*"\n');
      chmodSync(join(bin, name), 0o755);
    }
    writeFileSync(join(dir, 'sextant.yaml'), stringify({ version: 1, stages: { a: { run: 'python train.py' }, b: { run: 'echo "$SEXTANT_PYTHON"' } } }));
    const python = resolveSettingPath('venv/bin/python', dir);
    const { code, events, stderr } = await run(dir, { env: pythonEnv(python, process.env) });
    assert.equal(code, 0, stderr.join('\n'));
    const lines = events.flatMap((e) => (e.type === 'stage-log' ? [`${e.stage}: ${e.line}`] : []));
    assert.ok(lines.includes('a: venv-python train.py'), lines.join('\n'));
    assert.ok(lines.includes(`b: ${python}`), lines.join('\n'));
  });
});

describe('the doctor checks the interpreter of sextant.pythonPath', () => {
  it('names a missing interpreter, and reports the version of one that exists', async () => {
    const missing = await runDoctor({ python: '/nonexistent/venv/bin/python' });
    const check = missing.checks.find((c) => c.name === 'python')!;
    assert.equal(check.status, 'warn');
    assert.match(check.detail, /\/nonexistent\/venv\/bin\/python not found/);
    assert.match(check.fix ?? '', /sextant\.pythonPath/);
    const dir = tempDir('sextant-doctor-python-');
    writeFileSync(join(dir, 'python'), '#!/bin/sh\necho "Python 3.99.0"\n');
    chmodSync(join(dir, 'python'), 0o755);
    const found = (await runDoctor({ python: join(dir, 'python') })).checks.find((c) => c.name === 'python')!;
    assert.deepEqual([found.status, found.detail], ['ok', 'Python 3.99.0']);
  });
});

describe('the language server reads the store the extension names (initializationOptions, didChangeConfiguration)', function () {
  this.timeout(60_000);
  let server: string;
  let client: LspClient | undefined;
  before(async () => {
    server = await buildServer();
  });
  afterEach(async () => {
    await client?.stop();
    client = undefined;
  });

  /** A store with runs of experiment "penguins" at lr 0.1 (accuracy 0.9) and `otherLr` (accuracy 0.97). */
  function seed(path: string, otherLr: string): void {
    const db = openStore(path, { create: true });
    assert.ok(db.ok);
    const sql = db.value;
    sql.prepare("INSERT INTO experiments (id, name, created_at) VALUES (1, 'penguins', 0)").run();
    sql.prepare("INSERT INTO metric_keys (id, name) VALUES (1, 'accuracy')").run();
    for (const [id, lr, acc] of [[1, '0.1', 0.9], [2, otherLr, 0.97]] as const) {
      sql.prepare("INSERT INTO runs (id, uid, experiment_id, name, status, created_at) VALUES (?, ?, 1, 'r', 'finished', ?)").run(id, `u${id}`, id);
      sql.prepare("INSERT INTO params (run_id, key, value) VALUES (?, 'lr', ?)").run(id, lr);
      sql.prepare('INSERT INTO latest_metrics (run_id, key_id, step, ts, value, min, max, count) VALUES (?, 1, 0, ?, ?, ?, ?, 1)').run(id, id, acc, acc, acc);
    }
    sql.close();
  }

  it('shows param history from the named store, and from the new one after a change', async () => {
    const dir = tempDir('sextant-lsp-store-');
    const first = join(dir, 'stores', 'first.db');
    const second = join(dir, 'stores', 'second.db');
    seed(first, '0.05');
    seed(second, '0.2');
    // a store in the default place too, which the server must not read once told otherwise
    seed(join(dir, '.sextant', 'sextant.db'), '0.3');
    client = LspClient.spawn(process.execPath, [server, '--stdio']);
    const rootUri = pathToFileURL(dir).toString();
    await client.request('initialize', { processId: process.pid, rootUri, workspaceFolders: [{ uri: rootUri, name: 'root' }], capabilities: { workspace: { codeLens: { refreshSupport: true } } }, initializationOptions: { commands: ['sextant.runWithParam'], storePath: first } });
    client.notify('initialized', {});
    const uri = pathToFileURL(join(dir, 'sextant.yaml')).toString();
    const published = client.waitFor('textDocument/publishDiagnostics', (p: { uri: string }) => p.uri === uri);
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'sextant-pipeline', version: 1, text: readFileSync(join(ROOT, 'media/demo/sextant.yaml'), 'utf8') } });
    await published;
    const titles = async (): Promise<string[]> => ((await client!.request<{ command: { title: string } }[]>('textDocument/codeLens', { textDocument: { uri } })) ?? []).map((l) => l.command.title);
    assert.deepEqual(await titles(), ['accuracy at this value: last 0.900, best 0.900 (1 run) · best 0.970 at lr = 0.05', 'Run with lr = 0.05']);

    client.notify('workspace/didChangeConfiguration', { settings: { storePath: second } });
    const deadline = Date.now() + 10_000;
    let now = await titles();
    while (!now.includes('Run with lr = 0.2') && Date.now() < deadline) now = await titles();
    assert.deepEqual(now, ['accuracy at this value: last 0.900, best 0.900 (1 run) · best 0.970 at lr = 0.2', 'Run with lr = 0.2']);

    // told nothing: the workspace root's default store
    client.notify('workspace/didChangeConfiguration', { settings: {} });
    now = await titles();
    assert.ok(now.includes('Run with lr = 0.3'), now.join(' | '));
  });
});
