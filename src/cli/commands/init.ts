import { resolve } from 'node:path';
import { createDemoWorkspace } from '../../engine/demo/createDemo';
import { describeError } from '../../engine/result';
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from '../command';

export const initCommand: CliCommand = {
  name: 'init',
  summary: 'Create the demo workspace (pipeline and Palmer penguins data) in DIR (default: the current folder).',
  usage: 'sextant init [DIR] [--force] [--json]',
  json: true,
  options: [{ name: 'force', type: 'boolean', description: 'Overwrite demo files that already exist.' }],
  async run(args, io) {
    const dir = resolve(io.cwd, args.positionals[0] ?? '.');
    const result = createDemoWorkspace(dir, { overwrite: Boolean(args.flags.force) });
    if (!result.ok) {
      if (args.flags.json) io.json({ ok: false, error: result.error });
      else io.err(`sextant init: ${describeError(result.error)}`);
      return EXIT_FAILURE;
    }
    if (args.flags.json) io.json({ ok: true, dir: result.value.dir, files: result.value.written });
    else io.out(`Created the demo workspace in ${result.value.dir}:\n${result.value.written.map((f) => `  ${f}`).join('\n')}\nOpen it in VS Code, or run \`sextant run\` there.`);
    return EXIT_OK;
  },
};
