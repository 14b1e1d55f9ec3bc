// `sextant serve` and `sextant serve token add|list|revoke` through the CLI's main(), and the server as the
// editor starts it: the bundled CLI (dist/cli.js) as a child process (src/runner/serveProcess.ts).
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { cliScript } from '../../src/runner/cliProcess';
import { startServeProcess } from '../../src/runner/serveProcess';
import { openStore } from '../../src/engine/store/open';
import { resolveModel } from '../../src/engine/serve/model';
import { demoWorkspace, io } from './serveHelpers';
import type { WorkspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

const repo = join(__dirname, '..', '..');

describe('sextant serve (CLI)', function () {
  this.timeout(120_000);
  let root: string;
  let layout: WorkspaceLayout;
  const cli = async (args: string[], cwd = root) => {
    const got = io(cwd);
    const code = await main(args, got);
    return { code, ...got };
  };

  before(async () => {
    ({ root, layout } = await demoWorkspace('sextant-serve-cli-'));
  });

  it('token add prints the token once and stores its hash; list shows no secret; revoke marks it', async () => {
    const added = await cli(['serve', 'token', 'add', 'grafana', '--role', 'admin', '--json']);
    assert.equal(added.code, 0, added.stderr.join('\n'));
    const doc = added.docs[0] as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc).sort(), ['createdAt', 'createdBy', 'lastUsedAt', 'name', 'revokedAt', 'role', 'token']);
    assert.equal(doc.role, 'admin');
    const plain = await cli(['serve', 'token', 'add', 'app']);
    assert.equal(plain.code, 0);
    assert.match(plain.stdout[0]!, /^sxt_[A-Za-z0-9_-]{43}$/, 'the human form prints the token alone on stdout');
    assert.match(plain.stderr.join('\n'), /not shown again/);
    assert.equal((await cli(['serve', 'token', 'add', 'app'])).code, 1, 'a name is taken once');

    const listed = await cli(['serve', 'token', 'list', '--json']);
    assert.equal(listed.code, 0);
    const tokens = (listed.docs[0] as { tokens: Record<string, unknown>[] }).tokens;
    assert.deepEqual(tokens.map((t) => `${t.name}:${t.role}`), ['app:predict', 'grafana:admin']);
    assert.ok(tokens.every((t) => !('token' in t) && !('digest' in t)), 'no secret listed');
    assert.ok(!JSON.stringify(listed.docs).includes(String(doc.token)));

    const revoked = await cli(['serve', 'token', 'revoke', 'app', '--json']);
    assert.equal(revoked.code, 0);
    assert.equal(typeof (revoked.docs[0] as { revokedAt: unknown }).revokedAt, 'number');
    assert.equal((await cli(['serve', 'token', 'revoke', 'nobody'])).code, 1);
    const human = await cli(['serve', 'token', 'list']);
    assert.match(human.stdout[0]!, /^NAME +ROLE +CREATED/);

    // Neither raw token is anywhere in the store's bytes.
    const db = openStore(layout.storePath);
    assert.ok(db.ok);
    db.value.pragma('wal_checkpoint(TRUNCATE)');
    db.value.close();
    const bytes = readFileSync(layout.storePath);
    assert.equal(bytes.indexOf(String(doc.token)), -1);
    assert.equal(bytes.indexOf(plain.stdout[0]!), -1);
    assert.equal((await cli(['serve', 'token', 'revoke', 'grafana'])).code, 0);
  });

  it('bad usage exits 2', async () => {
    for (const args of [['serve'], ['serve', 'token'], ['serve', 'penguin-species@staging', '--port', 'http'], ['serve', 'a', 'b'], ['serve', 'token', 'add', 'x', '--role', 'root']]) {
      assert.equal((await cli(args)).code, 2, args.join(' '));
    }
  });

  it('a port in use: a clear error, exit 1', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const got = await cli(['serve', 'penguin-species@staging', '--port', String(port)]);
      assert.equal(got.code, 1);
      assert.match(got.stderr.join('\n'), new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use.*\\n  fix: Stop it, or choose another port with --port`));
    } finally {
      busy.close();
    }
  });

  it('a truncated .onnx, an unknown model, a non-loopback host without tokens: exit 1 before listening', async () => {
    const db = openStore(layout.storePath, { readonly: true });
    assert.ok(db.ok);
    const ref = resolveModel('penguin-species@1', root, { db: db.value, file: layout.storePath, artifactsDir: layout.artifactsDir });
    db.value.close();
    assert.ok(ref.ok);
    const cut = join(tempDir('sextant-serve-cut-'), 'model.onnx');
    writeFileSync(cut, readFileSync(ref.value.file).subarray(0, 300));
    const truncated = await cli(['serve', cut, '--port', '0', '--json']);
    assert.equal(truncated.code, 1);
    const error = JSON.parse(truncated.stdout.at(-1)!) as { ok: boolean; error: { file: string; message: string } };
    assert.equal(error.ok, false);
    assert.equal(error.error.file, cut);
    assert.ok(!truncated.stdout.some((l) => l.includes('listening')));

    const unknown = await cli(['serve', 'penguin-species@production', '--port', '0']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr.join('\n'), /Model "penguin-species" has no alias "production"/);

    const open = await cli(['serve', 'penguin-species@staging', '--host', '0.0.0.0', '--port', '0']);
    assert.equal(open.code, 1);
    assert.match(open.stderr.join('\n'), /No token is configured.*loopback/);
  });

  it('the manifest: Serve Model on a version, Stop Serving while a server runs, neither in the palette without a version', () => {
    const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; title: string }[]; menus: Record<string, { command: string; when?: string }[]> } };
    const title = (id: string) => manifest.contributes.commands.find((c) => c.command === id)?.title;
    assert.equal(title('sextant.models.serve'), 'Serve Model');
    assert.equal(title('sextant.models.stopServing'), 'Stop Serving');
    const context = manifest.contributes.menus['view/item/context']!;
    assert.equal(context.find((m) => m.command === 'sextant.models.serve')?.when, 'view == sextant.models && viewItem == modelVersion');
    assert.equal(context.find((m) => m.command === 'sextant.models.stopServing')?.when, 'view == sextant.models && viewItem == modelVersion && sextant.serving');
    const palette = manifest.contributes.menus.commandPalette!;
    assert.equal(palette.find((m) => m.command === 'sextant.models.serve')?.when, 'false');
    assert.equal(palette.find((m) => m.command === 'sextant.models.stopServing')?.when, 'sextant.serving');
    // The handlers the extension registers under those ids (src/views/serving.ts builds the table).
    const source = readFileSync(join(repo, 'src', 'views', 'serving.ts'), 'utf8');
    for (const id of ['sextant.models.serve', 'sextant.models.stopServing', 'sextant.models.servingMenu']) assert.ok(source.includes(`'${id}':`), id);
  });

  describe('as the editor starts it: the bundled CLI as a child process', () => {
    before(function () {
      if (!existsSync(cliScript(repo))) this.skip();
    });

    it('listens on a free port, answers, and stops on SIGTERM with exit 0', async () => {
      const stderr: string[] = [];
      const proc = startServeProcess({ extensionPath: repo, cwd: root, model: 'penguin-species@staging', onStderr: (l) => stderr.push(l) });
      const started = await proc.started;
      assert.ok(started.ok, started.ok ? '' : `${started.error.message} ${stderr.join('\n')}`);
      assert.match(started.value.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(started.value.auth, 'none');
      assert.deepEqual({ ...started.value.model, sha256: undefined }, { name: 'penguin-species', version: 1, alias: 'staging', sha256: undefined });
      const res = await fetch(started.value.predict, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: [[39.1, 18.7, 181, 3750]] }) });
      assert.equal(res.status, 200);
      assert.equal(await proc.stop(), 0);
      await assert.rejects(fetch(`${started.value.url}/health`), 'nothing listens once stopped');
    });

    it('stops when the editor goes away (its stdin pipe closes)', async () => {
      const proc = startServeProcess({ extensionPath: repo, cwd: root, model: 'penguin-species@1' });
      const started = await proc.started;
      assert.ok(started.ok);
      assert.equal(started.value.model.version, 1);
      proc.child.stdin!.end();
      assert.equal(await proc.exited, 0);
    });

    it('reports why it could not start', async () => {
      const proc = startServeProcess({ extensionPath: repo, cwd: root, model: 'no-such-model@staging' });
      const started = await proc.started;
      assert.ok(!started.ok);
      assert.match(started.error.message, /No model named "no-such-model"/);
      assert.equal(await proc.exited, 1);
    });
  });
});
