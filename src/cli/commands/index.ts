// The table of `sextant` subcommands: each line names a command and how to load it from the module that
// defines it. A module is required only when one of its commands runs (or for `sextant --help`), and in the
// built CLI each module is a bundle of its own, dist/cli-<module>.js (esbuild.mjs), so `sextant runs list`
// loads the run store and not the trainer, the server or the exporters.
// Add a command by adding its line here; test/unit/cli.commandTable.test.ts checks the table against the modules.
/* eslint-disable @typescript-eslint/no-require-imports */
import type { CliCommand } from '../command';

export interface CommandEntry {
  /** One or two words, as in CliCommand.name. */
  name: string;
  load(): CliCommand;
}

const audit = (): typeof import('./audit') => require('./audit');
const data = (): typeof import('./data') => require('./data');
const dataVersions = (): typeof import('./dataVersions') => require('./dataVersions');
const doctor = (): typeof import('./doctor') => require('./doctor');
const drift = (): typeof import('./drift') => require('./drift');
const evaluate = (): typeof import('./eval') => require('./eval');
const exporters = (): typeof import('./export') => require('./export');
const importMlflow = (): typeof import('./importMlflow') => require('./importMlflow');
const init = (): typeof import('./init') => require('./init');
const lint = (): typeof import('./lint') => require('./lint');
const models = (): typeof import('./models') => require('./models');
const monitor = (): typeof import('./monitor') => require('./monitor');
const run = (): typeof import('./run') => require('./run');
const runs = (): typeof import('./runs') => require('./runs');
const runsList = (): typeof import('./runsList') => require('./runsList');
const serve = (): typeof import('./serve') => require('./serve');
const server = (): typeof import('./server') => require('./server');
const train = (): typeof import('./train') => require('./train');

const entry = (name: string, load: () => CliCommand): CommandEntry => ({ name, load });
const MODELS_NAMES = ['models list', 'models show', 'models promote', 'models rollback', 'models compare', 'models tag', 'models describe', 'models explain', 'models unalias', 'models delete'];

/** In the order `sextant --help` lists them. */
export const COMMAND_TABLE: CommandEntry[] = [
  entry('init', () => init().initCommand),
  entry('doctor', () => doctor().doctorCommand),
  entry('run', () => run().runCommand),
  entry('lint', () => lint().lintCommand),
  entry('runs list', () => runsList().runsListCommand),
  entry('runs show', () => runs().runsShowCommand),
  entry('import mlflow', () => importMlflow().importMlflowCommand),
  entry('drift', () => drift().driftCommand),
  entry('train', () => train().trainCommand),
  entry('eval', () => evaluate().evalCommand),
  entry('data profile', () => data().dataProfileCommand),
  entry('data validate', () => data().dataValidateCommand),
  entry('data add', () => dataVersions().dataAddCommand),
  entry('data list', () => dataVersions().dataListCommand),
  entry('data show', () => dataVersions().dataShowCommand),
  entry('monitor report', () => monitor().monitorReportCommand),
  ...MODELS_NAMES.map((name) =>
    entry(name, () => {
      const command = models().MODELS_COMMANDS.find((c) => c.name === name);
      if (!command) throw new Error(`src/cli/commands/models.ts defines no command "${name}" (src/cli/commands/index.ts lists it)`);
      return command;
    }),
  ),
  entry('audit list', () => audit().auditListCommand),
  entry('audit verify', () => audit().auditVerifyCommand),
  entry('serve', () => serve().serveCommand),
  entry('serve token add', () => serve().serveTokenAddCommand),
  entry('serve token list', () => serve().serveTokenListCommand),
  entry('serve token revoke', () => serve().serveTokenRevokeCommand),
  entry('server', () => server().serverCommand),
  entry('export github-actions', () => exporters().exportGithubActionsCommand),
  entry('export argo', () => exporters().exportArgoCommand),
  entry('export kubeflow', () => exporters().exportKubeflowCommand),
  entry('export docker', () => exporters().exportDockerCommand),
];

/** Every command, each module loaded (for `sextant --help`). */
export function allCommands(): CliCommand[] {
  return COMMAND_TABLE.map((e) => e.load());
}
