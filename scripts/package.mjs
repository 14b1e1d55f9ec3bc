// `npm run package`: a production build and a platform-specific VSIX (native binaries for this
// platform only), e.g. sextant-0.1.0-linux-x64.vsix. Prints its size and what it holds.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const target = `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
const out = process.argv[2] ?? `sextant-${version}-${target}.vsix`;

try {
  execFileSync(process.execPath, ['esbuild.mjs', '--production'], { stdio: 'inherit' });
  // README links stay relative: there is no public repository URL to rewrite them against.
  execFileSync(process.execPath, ['node_modules/@vscode/vsce/vsce', 'package', '--target', target, '--allow-missing-repository', '--no-rewrite-relative-links', '--skip-license', '-o', out], { stdio: ['ignore', 'inherit', 'inherit'] });
} catch {
  console.error('package: failed (see above)');
  process.exit(1);
}
const size = statSync(out).size;
console.log(`${out}: ${(size / 1024 / 1024).toFixed(1)} MiB`);
