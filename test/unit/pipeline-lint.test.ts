// `sextant lint`: the same diagnostics as the editor, as text or JSON, with exit codes for CI.
import { strict as assert } from 'node:assert';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { LintReportSchema } from '../../src/engine/pipeline/diagnostics';
import { tempDir } from './tempDir';

function capture(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
}

describe('sextant lint', () => {
  it('exits 0 on the demo pipeline (default file: sextant.yaml in the current folder)', async () => {
    const dir = tempDir('sextant-lint-');
    cpSync('media/demo', dir, { recursive: true });
    const io = capture(dir);
    assert.equal(await main(['lint'], io), 0);
    assert.match(io.stderr.join('\n'), /sextant\.yaml: no problems/);
  });

  it('prints JSON with 0-based ranges and exits 1 on errors', async () => {
    const dir = tempDir('sextant-lint-');
    writeFileSync(join(dir, 'p.sextant.yaml'), 'version: 1\nstages:\n  a:\n    needs: [b]\n    run: x\n');
    const io = capture(dir);
    assert.equal(await main(['lint', 'p.sextant.yaml', '--json'], io), 1);
    const report = LintReportSchema.parse(JSON.parse(io.stdout[0]!));
    assert.equal(report.file, 'p.sextant.yaml');
    assert.deepEqual(report.diagnostics, [
      { range: { start: { line: 3, character: 12 }, end: { line: 3, character: 13 } }, severity: 'error', code: 'unknown-stage', message: 'Stage "b" is not defined.' },
    ]);
  });

  it('prints file:line:col (1-based) in text and exits 0 with warnings only', async () => {
    const dir = tempDir('sextant-lint-');
    writeFileSync(join(dir, 'sextant.yaml'), 'version: 1\nstages:\n  a:\n    run: x\n    deps: [missing.py]\n');
    const io = capture(dir);
    assert.equal(await main(['lint'], io), 0);
    assert.match(io.stdout[0]!, /^sextant\.yaml:5:12: warning \[missing-dep\] "missing\.py" does not exist/);
  });

  it('exits 2 on usage errors and 1 on a missing file', async () => {
    const dir = tempDir('sextant-lint-');
    assert.equal(await main(['lint', 'a.yaml', 'b.yaml'], capture(dir)), 2);
    assert.equal(await main(['lint', '--bogus'], capture(dir)), 2);
    const io = capture(dir);
    assert.equal(await main(['lint'], io), 1);
    assert.match(io.stderr.join('\n'), /no such file/);
  });
});
