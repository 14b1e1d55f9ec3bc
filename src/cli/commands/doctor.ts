import { resolve } from 'node:path';
import { runDoctor } from '../../engine/doctor/checks';
import { moveStoreAside } from '../../engine/store/health';
import { describeError } from '../../engine/result';
import { workspaceLayout } from '../../engine/workspace/layout';
import { value } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from '../command';

const MARK = { ok: '✓', warn: '!', fail: '✗' } as const;

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'Check Node, SQLite, onnxruntime, GPUs (nvidia-smi), Python, git and the workspace store; say what is missing and the fix.',
  usage: 'sextant doctor [--workspace DIR] [--move-store-aside] [--json]',
  json: true,
  options: [
    { name: 'workspace', alias: 'w', type: 'string', description: 'Workspace whose store to check (default: the current folder).' },
    { name: 'move-store-aside', type: 'boolean', description: 'Rename the store to <name>.corrupt-<time> if it is damaged (never deletes it; a healthy store stays, exit 1).' },
  ],
  async run(args, io) {
    const layout = workspaceLayout(resolve(io.cwd, value(args, 'workspace') ?? '.'));
    if (args.flags['move-store-aside']) {
      const moved = moveStoreAside(layout.storePath);
      if (!moved.ok) {
        // Only a damaged store is moved: a healthy (or missing, or uncheckable) one stays, exit 1.
        if (args.flags.json) io.json({ ok: false, error: moved.error });
        else io.err(`sextant doctor: ${describeError(moved.error)}`);
        return EXIT_FAILURE;
      }
      io.err(`Moved the store aside to ${moved.value}`);
    }
    const report = await runDoctor({ storePath: layout.storePath });
    if (args.flags.json) {
      io.json(report);
    } else {
      for (const c of report.checks) {
        io.out(`${MARK[c.status]} ${c.name.padEnd(12)} ${c.detail}${c.fix ? `\n  ${' '.repeat(12)} fix: ${c.fix}` : ''}`);
      }
      io.out(report.ok ? '\nEverything Sextant needs is here.' : '\nSome checks failed: see the fixes above.');
    }
    return report.ok ? EXIT_OK : EXIT_FAILURE;
  },
};
