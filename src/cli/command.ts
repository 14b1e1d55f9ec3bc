// The shape every `sextant` subcommand has. Commands that print data accept --json, and their JSON
// shapes are documented in docs/cli.md: they are a stable interface that CI and other tools read.
import type { OptionSpec, ParsedArgs } from './args';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Writes bytes to stdout as they are (no newline added), for output too large to build as one string
   * (`runs list --json`). The chunk is not changed afterwards. A CliIo without it gets the same text from out(). */
  write?(chunk: Uint8Array): void;
  /** Prints a value as JSON on stdout (one document, 2-space indent). */
  json(value: unknown): void;
  isTty: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  /** One or two words: `init`, `runs list`. */
  name: string;
  summary: string;
  /** e.g. `sextant init [DIR]` */
  usage: string;
  /** Whether it prints data and so takes --json. */
  json: boolean;
  options: OptionSpec[];
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

export const JSON_OPTION: OptionSpec = { name: 'json', type: 'boolean', description: 'Print machine-readable JSON (shape documented in docs/cli.md).' };
