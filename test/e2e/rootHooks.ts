// Mocha root hooks of the e2e run (.mocharc.e2e.json requires this file): test-output/e2e/ is emptied once,
// before the first suite, so every screenshot of a full run survives it; the code-server and the Chromium
// that suites share are stopped after the last one.
import { mkdirSync, rmSync } from 'node:fs';
import { OUTPUT, stopSharedCodeServer } from './codeServer';
import { closeBrowserOfRun } from './workbench';

export const mochaHooks = {
  beforeAll(): void {
    rmSync(OUTPUT, { recursive: true, force: true });
    mkdirSync(OUTPUT, { recursive: true });
  },
  async afterAll(): Promise<void> {
    await closeBrowserOfRun();
    await stopSharedCodeServer();
  },
};
