// `sextant`: the command-line face of the engine. Exit codes: 0 ok, 1 failure, 2 bad usage.
// The command table (and with it the engine: better-sqlite3, zod, yaml) is required on first use, so that
// `sextant --version` starts about as fast as a bare `node`. A closed stdout (`sextant runs show ID | head -1`)
// ends the process quietly.
import { parseArgs, UsageError } from './args';
import { EXIT_FAILURE, EXIT_USAGE, JSON_OPTION, type CliCommand, type CliIo } from './command';
import { VERSION } from '../engine/version';

/** The table of subcommands' names, loaded when first needed (not for --version); each command's module is
 * loaded only when it runs (in the built CLI, a bundle of its own: src/cli/commands/index.ts). */
function commandTable(): typeof import('./commands') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./commands') as typeof import('./commands');
}

const HELP_OPTION = { name: 'help', alias: 'h', type: 'boolean' as const, description: 'Show help for this command.' };

function topHelp(): string {
  const COMMANDS = commandTable().allCommands();
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `sextant ${VERSION}: MLOps in your editor, and on the command line`,
    '',
    'Usage: sextant <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     Show help (also `sextant <command> --help`)',
    '  -v, --version  Print the version',
    '',
    'Commands that print data take --json. Exit codes: 0 ok, 1 failure, 2 bad usage.',
  ].join('\n');
}

function commandHelp(command: CliCommand): string {
  const options = command.json ? [...command.options, JSON_OPTION] : command.options;
  const lines = [`Usage: ${command.usage}`, '', command.summary];
  if (options.length > 0) {
    lines.push('', 'Options:');
    for (const o of options) {
      const flag = `${o.alias ? `-${o.alias}, ` : '    '}--${o.name}${o.type === 'string' ? ' VALUE' : ''}`;
      lines.push(`  ${flag.padEnd(24)} ${o.description}`);
    }
  }
  return lines.join('\n');
}

/** Finds the longest command name that prefixes argv (`runs list` before `runs`) and loads that command. */
function findCommand(argv: string[]): { command: CliCommand; rest: string[] } | undefined {
  const candidates = commandTable().COMMAND_TABLE.filter((c) => {
    const words = c.name.split(' ');
    return words.every((w, i) => argv[i] === w);
  }).sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  const found = candidates[0];
  return found ? { command: found.load(), rest: argv.slice(found.name.split(' ').length) } : undefined;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(topHelp());
    return argv.length === 0 ? EXIT_USAGE : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.out(VERSION);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = commandTable().COMMAND_TABLE.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length > 0) {
      io.err(`sextant ${argv[0]}: which one? ${group.map((c) => c.name).join(', ')}`);
    } else {
      io.err(`sextant: unknown command "${argv[0]}". Run \`sextant --help\` for the list.`);
    }
    return EXIT_USAGE;
  }
  const { command, rest } = found;
  const specs = [...command.options, HELP_OPTION, ...(command.json ? [JSON_OPTION] : [])];
  let args;
  try {
    args = parseArgs(rest, specs);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`sextant ${command.name}: ${err.message}\n\n${commandHelp(command)}`);
      return EXIT_USAGE;
    }
    throw err;
  }
  if (args.flags.help) {
    io.out(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`sextant ${command.name}: ${err.message}`);
      return EXIT_USAGE;
    }
    io.err(`sextant ${command.name}: ${(err as Error).stack ?? String(err)}`);
    return EXIT_FAILURE;
  }
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    write: (chunk) => process.stdout.write(chunk),
    json: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    isTty: Boolean(process.stdout.isTTY),
    cwd: process.cwd(),
    env: process.env,
  };
}

/** A reader that went away (`| head`): stop quietly, as other command-line tools do; any other write error is reported. */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    process.stderr.write(`sextant: cannot write output: ${err.message}\n`);
    process.exit(EXIT_FAILURE);
  });
}

/** Runs the CLI on this process's arguments and sets its exit code. */
export function runFromProcess(): void {
  quietOnClosedPipe(process.stdout);
  main(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`sextant: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = EXIT_FAILURE;
    },
  );
}

