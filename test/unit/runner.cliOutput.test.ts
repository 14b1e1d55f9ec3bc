// `sextant run` prints the same lines as the VS Code task terminal: one renderer (src/engine/runner/render.ts), without colours off a terminal.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { tempDir } from './tempDir';

describe('sextant run: human output', () => {
  it('prints stage logs, results and the summary as the task terminal does, with no ANSI codes off a terminal', async () => {
    const dir = tempDir('sextant-cli-out-');
    writeFileSync(join(dir, 'sextant.yaml'), 'version: 1\nstages:\n  hello:\n    run: echo hi; echo oops >&2\n  after:\n    run: exit 3\n    needs: [hello]\n');
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), json: () => undefined, isTty: false, cwd: dir, env: { ...process.env, SEXTANT_NO_SIGNAL_HANDLERS: '1' } };
    assert.equal(await main(['run', '--no-store'], io), 1);
    const text = out.join('\n');
    assert.ok(!text.includes('\x1b['), 'no colour codes off a terminal');
    const lines = text.split('\n').map((l) => l.replace(/\d+(\.\d)? (ms|s)\b/g, 'T'));
    for (const expected of ['▶ hello', 'hello     │ hi', 'hello     │ oops', '✓ hello ran T', '▶ after', '✗ after failed T', '    Exited with code 3.', 'Pipeline failed in T: 1 ran, 1 failed']) {
      assert.ok(lines.includes(expected), `${JSON.stringify(expected)} in:\n${lines.join('\n')}`);
    }
  });
});
