// Starts the real VS Code workbench (code-server, from .tools/) with the packaged extension installed
// from its VSIX into a fresh extensions folder, and stops it with every child it started.
// The e2e suites share one such server (sharedCodeServer), each opening its own folder in its own page.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { distBuilt } from './distOfRun';

/** The repository: the nearest folder up with a package.json (test/e2e/ here, dist/ when a bench bundles this file). */
export const ROOT = ((): string => {
  for (let dir = __dirname; ; dir = resolve(dir, '..')) if (existsSync(join(dir, 'package.json')) || dir === resolve(dir, '..')) return dir;
})();
export const OUTPUT = join(ROOT, 'test-output', 'e2e');
const CODE_SERVER = join(ROOT, '.tools', 'code-server', 'node_modules', '.bin', 'code-server');

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? res(address.port) : rej(new Error('no port'))));
    });
  });
}

export interface CodeServer {
  url: string;
  extensionsDir: string;
  stop(): void;
}

/** Installs the VSIX into a new extensions dir (the same path a user's `--install-extension` takes). */
export function installVsix(vsix: string, extensionsDir: string): void {
  execFileSync(CODE_SERVER, ['--extensions-dir', extensionsDir, '--install-extension', vsix], { stdio: 'pipe', timeout: 120_000 });
}

export async function startCodeServer(extensionsDir: string): Promise<CodeServer> {
  const port = await freePort();
  const userDataDir = mkdtempSync(join(tmpdir(), 'sextant-e2e-user-'));
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.ignoreRecommendations': true,
      'security.workspace.trust.enabled': false,
      'update.mode': 'none',
      'window.commandCenter': false,
      // code-server's automatic port forwarding (its "process" source) scans /proc and runs `ps` in the extension host every few seconds
      // (0.7–1.6% of a core here, idle or not); desktop VS Code does not do it for a local window. Off, so the
      // sidebar bench's extension-host CPU is Sextant's and VS Code's own, and no "port available" toast
      // covers the serve tests' notifications.
      'remote.autoForwardPorts': false,
      'remote.autoForwardPortsSource': 'output',
    }),
  );
  const child: ChildProcess = spawn(
    CODE_SERVER,
    ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, SEXTANT_E2E: '1' } },
  );
  let log = '';
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`code-server did not start in 60 s:\n${log}`)), 60_000);
    const onData = (data: Buffer): void => {
      log += data.toString();
      if (log.includes('HTTP server listening')) {
        clearTimeout(timer);
        res();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`code-server exited (${code}):\n${log}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    extensionsDir,
    stop() {
      // code-server leaves a file watcher child: end the whole process group we started.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
    },
  };
}

let shared: { server: Promise<CodeServer>; scratch: string } | undefined;

/**
 * The code-server of this test run: the first suite that asks packages the VSIX (scripts/package.mjs, a
 * production build into dist/), installs it and starts the server; later suites get the same one. The root
 * hook (test/e2e/rootHooks.ts) stops it when the run ends, so a suite run alone (--grep) starts it too.
 */
export function sharedCodeServer(): Promise<CodeServer> {
  if (!shared) {
    const scratch = mkdtempSync(join(tmpdir(), 'sextant-e2e-server-'));
    const server = (async (): Promise<CodeServer> => {
      const vsix = join(scratch, 'sextant.vsix');
      execFileSync(process.execPath, ['scripts/package.mjs', vsix], { cwd: ROOT, stdio: 'pipe' });
      distBuilt();
      const extensionsDir = join(scratch, 'extensions');
      installVsix(vsix, extensionsDir);
      if (!readdirSync(extensionsDir).some((d) => d.startsWith('sextant.sextant-'))) throw new Error(`the VSIX did not install into ${extensionsDir}`);
      return startCodeServer(extensionsDir);
    })();
    shared = { server, scratch };
  }
  return shared.server;
}

/** Stops the shared code-server, if a suite started one, and removes its VSIX and extensions folder. */
export async function stopSharedCodeServer(): Promise<void> {
  if (!shared) return;
  const { server, scratch } = shared;
  shared = undefined;
  (await server.catch(() => undefined))?.stop();
  rmSync(scratch, { recursive: true, force: true });
}
