// The custom protocol between the extension and the language server (src/lsp/protocol.ts): every custom
// method is spelled there only, the server answers each request it declares, and the command a param
// CodeLens of the real server invokes is one the extension declares and registers (the lens never appeared
// in VS Code while the extension did not register it: the client lists only registered commands).
import { strict as assert } from 'node:assert';
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILTIN_NAMES } from '../../src/engine/pipeline/builtins';
import { openStore } from '../../src/engine/store/open';
import * as protocol from '../../src/lsp/protocol';
import { PipelineOutlineRequest, PROTOCOL, RUN_WITH_PARAM_COMMAND, type PipelineOutlineResult } from '../../src/lsp/protocol';
import { buildServer } from '../support/buildServer';
import { LspClient } from '../support/lspClient';
import { tempDir } from './tempDir';

const ROOT = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|mjs|cjs|js)$/.test(name) ? [path] : [];
  });
}

/** Quoted `'sextant/x'` strings that are not built-in stage names (`uses: sextant/train`), per file. */
function methodStrings(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/['"`]sextant\/([A-Za-z][\w-]*)/g)].map((m) => `sextant/${m[1]}`).filter((m) => !(BUILTIN_NAMES as string[]).includes(m));
}

describe('language server protocol: one file, both sides', function () {
  this.timeout(60_000);

  it("no source file but src/lsp/protocol.ts spells a custom method ('sextant/…')", () => {
    const found: string[] = [];
    for (const file of [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'bench'))]) {
      const rel = relative(ROOT, file);
      if (rel === join('src', 'lsp', 'protocol.ts')) continue;
      for (const m of methodStrings(file)) found.push(`${rel}: ${m}`);
    }
    assert.deepEqual(found, []);
    // the checker sees them where they are
    const declared = new Set(methodStrings(join(ROOT, 'src/lsp/protocol.ts')));
    assert.deepEqual([...declared].sort(), [...PROTOCOL.requests, ...PROTOCOL.notifications].map((r) => r.method).sort());
  });

  it('the server and the client take their methods from the protocol file', () => {
    for (const side of ['src/lsp/server.ts', 'src/lsp/client.ts']) {
      const text = readFileSync(join(ROOT, side), 'utf8');
      assert.match(text, /from '\.\/protocol'/, side);
      for (const r of [...PROTOCOL.requests, ...PROTOCOL.notifications]) {
        const name = Object.entries(protocol).find(([, v]) => v === r)![0];
        assert.match(text, new RegExp(`\\b${name}\\b`), `${side} uses ${name}`);
      }
    }
  });

  describe('over the real server', () => {
    let server: string;
    let client: LspClient;
    let dir: string;

    before(async () => {
      server = await buildServer();
    });

    beforeEach(() => {
      dir = tempDir('sextant-lsp-protocol-');
      cpSync(join(ROOT, 'media/demo'), dir, { recursive: true });
    });

    afterEach(async () => {
      await client.stop();
    });

    async function start(commands?: string[]): Promise<string> {
      client = LspClient.spawn(process.execPath, [server, '--stdio']);
      await client.request('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).toString(), capabilities: {}, ...(commands ? { initializationOptions: { commands } } : {}) });
      client.notify('initialized', {});
      const uri = pathToFileURL(join(dir, 'sextant.yaml')).toString();
      await client.openDocument(uri, readFileSync(join(dir, 'sextant.yaml'), 'utf8'), 1);
      return uri;
    }

    it('answers every request the protocol declares (the outline of the demo pipeline)', async () => {
      const uri = await start();
      assert.deepEqual(PROTOCOL.requests, [PipelineOutlineRequest]);
      const outline = await client.request<PipelineOutlineResult | null>(PipelineOutlineRequest.method, { uri });
      assert.deepEqual(outline?.stages.map((s) => s.name), ['validate', 'train', 'evaluate', 'gate', 'register']);
      assert.equal(await client.request(PipelineOutlineRequest.method, { uri: pathToFileURL(join(dir, 'other.yaml')).toString() }), null);
    });

    it('the command of the "Run with" lens is declared in package.json and registered by the extension', async () => {
      const db = openStore(join(dir, '.sextant', 'sextant.db'), { create: true });
      assert.ok(db.ok);
      const sql = db.value;
      sql.prepare("INSERT INTO experiments (id, name, created_at) VALUES (1, 'penguins', 0)").run();
      sql.prepare("INSERT INTO metric_keys (id, name) VALUES (1, 'accuracy')").run();
      for (const [id, lr, acc] of [[1, '0.1', 0.91], [2, '0.05', 0.97]] as const) {
        sql.prepare("INSERT INTO runs (id, uid, experiment_id, name, status, created_at) VALUES (?, ?, 1, 'r', 'finished', ?)").run(id, `u${id}`, id);
        sql.prepare("INSERT INTO params (run_id, key, value) VALUES (?, 'lr', ?)").run(id, lr);
        sql.prepare('INSERT INTO latest_metrics (run_id, key_id, step, ts, value, min, max, count) VALUES (?, 1, 0, ?, ?, ?, ?, 1)').run(id, id, acc, acc, acc);
      }
      sql.close();
      // VS Code's client lists the sextant.* commands the extension registered (src/lsp/client.ts)
      const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
      const declared = manifest.contributes.commands.map((c) => c.command);
      const uri = await start(declared.filter((c) => c.startsWith('sextant.')));
      const lenses = await client.request<{ command: { title: string; command: string; arguments?: unknown[] } }[]>('textDocument/codeLens', { textDocument: { uri } });
      const invoked = lenses.map((l) => l.command.command).filter((c) => c !== '');
      assert.deepEqual(invoked, [RUN_WITH_PARAM_COMMAND]);
      for (const id of invoked) {
        assert.ok(declared.includes(id), `${id} is in package.json contributes.commands`);
        assert.ok((PROTOCOL.commands as readonly string[]).includes(id), `${id} is typed in src/lsp/protocol.ts`);
      }
      // registered: a key of the runner's command table, which the extension passes to registerCommands
      const register = readFileSync(join(ROOT, 'src/runner/register.ts'), 'utf8');
      assert.match(register, /\[RUN_WITH_PARAM_COMMAND\]: async \(\.\.\.\[uriText, name, value\]: RunWithParamArgs\)/);
      assert.match(readFileSync(join(ROOT, 'src/extension.ts'), 'utf8'), /const runnerCommands = registerRunner\(ctx\);[\s\S]*registerCommands\(ctx, \{[\s\S]*\.\.\.runnerCommands,/);
      assert.deepEqual(lenses.find((l) => l.command.command === RUN_WITH_PARAM_COMMAND)?.command.arguments, [uri, 'lr', 0.05]);
    });
  });
});
