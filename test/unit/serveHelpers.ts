// Shared by the serving tests (serve.test.ts, serve.cli.test.ts): a CLI io that keeps what is printed, and the
// demo workspace with its pipeline run once.
import { strict as assert } from 'node:assert';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { workspaceLayout, type WorkspaceLayout } from '../../src/engine/workspace/layout';
import { tempDir } from './tempDir';

export function io(cwd: string): CliIo & { stdout: string[]; stderr: string[]; docs: unknown[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const docs: unknown[] = [];
  return { stdout, stderr, docs, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => docs.push(v), isTty: false, cwd, env: {} };
}

/** The demo workspace with its pipeline run once by the CLI: penguin-species v1 registered, @staging on it. */
export async function demoWorkspace(prefix: string): Promise<{ root: string; layout: WorkspaceLayout }> {
  const root = tempDir(prefix);
  const run = io(root);
  assert.equal(await main(['init', root], run), 0, run.stderr.join('\n'));
  assert.equal(await main(['run'], run), 0, run.stderr.join('\n'));
  return { root, layout: workspaceLayout(root) };
}

