// The root hook (./hooks.ts) gives each unit run its own TMPDIR and fails the run when tests leave anything there.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leftInTempDir } from './hooks';
import { tempDir } from './tempDir';

describe('temporary folders of the unit run', () => {
  it('each run has a TMPDIR of its own, which child processes inherit', () => {
    assert.match(tmpdir(), /sextant-unit-run-[^/]+$/);
    assert.equal(process.env.TMPDIR, tmpdir());
  });

  it('the check names what tests left, not what onnxruntime and tsx write there on their own', () => {
    const dir = tempDir('sextant-hooks-');
    mkdirSync(join(dir, 'sextant-store-abc123'));
    writeFileSync(join(dir, 'left.txt'), '');
    writeFileSync(join(dir, '.ses'), '1');
    writeFileSync(join(dir, 'mat-debug-4242.log'), '');
    mkdirSync(join(dir, 'tsx-0'));
    assert.deepEqual(leftInTempDir(dir), ['left.txt', 'sextant-store-abc123']);
  });
});
