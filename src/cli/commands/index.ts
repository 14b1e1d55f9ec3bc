// The table of `sextant` subcommands: add a command by adding its module here.
import type { CliCommand } from '../command';
import { doctorCommand } from './doctor';
import { initCommand } from './init';

export const COMMANDS: CliCommand[] = [initCommand, doctorCommand];
