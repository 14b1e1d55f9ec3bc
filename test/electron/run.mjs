// `npm run test:electron`: the same extension inside desktop VS Code through @vscode/test-electron.
// It DOWNLOADS VS Code from Microsoft on first use, so it is only for machines with that access; the
// offline suite (`npm run test:e2e`, code-server + Chromium) is what CI runs.
// Note: desktop VS Code runs extensions in Electron, whose NODE_MODULE_VERSION differs from Node's:
// better-sqlite3 must be rebuilt for it (`npx @electron/rebuild -v <electron version>`), or the
// store-backed views report the ABI mismatch by name (see docs/architecture.md).
import { runTests } from '@vscode/test-electron';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const workspace = join(mkdtempSync(join(tmpdir(), 'sextant-electron-')), 'demo');
execFileSync(process.execPath, [join(root, 'bin', 'sextant.js'), 'init', workspace], { stdio: 'inherit' });
await runTests({
  version: '1.100.3',
  extensionDevelopmentPath: root,
  extensionTestsPath: join(root, 'test', 'electron', 'suite', 'index.cjs'),
  launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
});
