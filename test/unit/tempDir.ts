// Temporary folders for tests, removed when the test run ends (a root-level `after` hook).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tempDirs: string[] = [];

/** A temporary folder, removed when the tests end. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes every folder tempDir() made so far (also called by the run's root hook, ./hooks.ts, before it checks TMPDIR is empty). */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

// Loaded first by ./hooks.ts (before mocha defines `after`), whose root hook removes them; loaded by a test
// file when run without the root hooks (`mocha --no-config`).
if (typeof after === 'function') after(removeTempDirs);
