// Root hooks for the unit suite (.mocharc.json `require`): every run gets a fresh temporary folder of its own
// (TMPDIR, inherited by the CLI, Python and other child processes), and the run fails when tests leave anything
// in it: a test's folders come from tempDir() (./tempDir.ts), which removes them.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeTempDirs } from './tempDir';

/**
 * Entries that libraries write into TMPDIR on their own, not left by a test:
 * - `.ses`, `mat-debug-<pid>.log`: onnxruntime-node's native library, when it creates a session;
 * - `tsx-<uid>`: tsx's compile cache, when a test starts a child process through tsx.
 */
const NOT_OURS = [/^\.ses$/, /^mat-debug-\d+\.log$/, /^tsx-\d+$/];

/** What tests left in `dir` (sorted), leaving out what libraries write there on their own. */
export function leftInTempDir(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !NOT_OURS.some((re) => re.test(name)))
    .sort();
}

const runTempDir = mkdtempSync(join(tmpdir(), 'sextant-unit-run-'));
// Also when the run never reaches the root hook (a spec file that fails to load, Ctrl-C).
process.on('exit', () => rmSync(runTempDir, { recursive: true, force: true }));
// os.tmpdir() reads these on every call (TMPDIR on POSIX, TEMP/TMP on Windows).
process.env.TMPDIR = process.env.TEMP = process.env.TMP = runTempDir;

export const mochaHooks = {
  afterAll(): void {
    removeTempDirs();
    const left = leftInTempDir(runTempDir);
    rmSync(runTempDir, { recursive: true, force: true });
    if (left.length > 0) {
      throw new Error(`tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temporary folder: ${left.join(', ')}. Create temporary folders with tempDir() from test/unit/tempDir.ts, which removes them when the run ends.`);
    }
  },
};
