// The table of `sextant` subcommands: add a command by adding its module here.
import type { CliCommand } from '../command';
import { auditListCommand, auditVerifyCommand } from './audit';
import { dataProfileCommand, dataValidateCommand } from './data';
import { dataAddCommand, dataListCommand, dataShowCommand } from './dataVersions';
import { doctorCommand } from './doctor';
import { driftCommand } from './drift';
import { evalCommand } from './eval';
import { exportArgoCommand, exportDockerCommand, exportGithubActionsCommand, exportKubeflowCommand } from './export';
import { importMlflowCommand } from './importMlflow';
import { initCommand } from './init';
import { lintCommand } from './lint';
import { MODELS_COMMANDS } from './models';
import { monitorReportCommand } from './monitor';
import { runCommand } from './run';
import { runsListCommand, runsShowCommand } from './runs';
import { serveCommand, serveTokenAddCommand, serveTokenListCommand, serveTokenRevokeCommand } from './serve';
import { serverCommand } from './server';
import { trainCommand } from './train';

export const COMMANDS: CliCommand[] = [initCommand, doctorCommand, runCommand, lintCommand, runsListCommand, runsShowCommand, importMlflowCommand, driftCommand, trainCommand, evalCommand, dataProfileCommand, dataValidateCommand, dataAddCommand, dataListCommand, dataShowCommand, monitorReportCommand, ...MODELS_COMMANDS, auditListCommand, auditVerifyCommand, serveCommand, serveTokenAddCommand, serveTokenListCommand, serveTokenRevokeCommand, serverCommand, exportGithubActionsCommand, exportArgoCommand, exportKubeflowCommand, exportDockerCommand];
