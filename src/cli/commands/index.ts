// The table of `sextant` subcommands: add a command by adding its module here.
import type { CliCommand } from '../command';
import { doctorCommand } from './doctor';
import { initCommand } from './init';
import { runCommand } from './run';

export const COMMANDS: CliCommand[] = [initCommand, doctorCommand, runCommand];
