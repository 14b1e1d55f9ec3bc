// The CLI runs itself only from its own bundle (src/cli/bin.ts → dist/cli.js). Another bundle that imports
// the CLI's main (the benches do) must not run it on that process's arguments: `npm run bench -- lsp`
// printed "sextant: unknown command "lsp"" and set exit code 2.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { tempDir } from './tempDir';

const ROOT = join(__dirname, '..', '..');

describe('the CLI entry', function () {
  this.timeout(60_000);

  it('a bundle that imports the CLI main does not run the CLI on its own arguments', () => {
    const dir = tempDir('sextant-cli-entry-');
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, `import { main } from ${JSON.stringify(join(ROOT, 'src', 'cli', 'main'))};\nconsole.log(typeof main);\n`);
    const out = join(dir, 'out.js');
    buildSync({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'cjs', external: ['vscode', 'better-sqlite3', 'onnxruntime-node'], define: { SEXTANT_VERSION: '"0.0.0"' }, logLevel: 'silent' });
    const r = spawnSync(process.execPath, [out, 'lsp'], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'function');
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
  });

  it('the CLI bundle runs itself: node dist/cli.js --version', () => {
    const out = join(tempDir('sextant-cli-bin-'), 'cli.js');
    buildSync({ entryPoints: [join(ROOT, 'src', 'cli', 'bin.ts')], outfile: out, bundle: true, platform: 'node', format: 'cjs', external: ['vscode', 'better-sqlite3', 'onnxruntime-node'], define: { SEXTANT_VERSION: '"9.9.9"' }, logLevel: 'silent' });
    const r = spawnSync(process.execPath, [out, '--version'], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), '9.9.9');
    assert.equal(r.status, 0);
  });
});
