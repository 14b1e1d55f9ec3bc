// `sextant server [--port P] [--host 127.0.0.1] [--token T]`: an MLflow-compatible tracking server over
// the workspace's store (src/engine/mlflowServer), so `MLFLOW_TRACKING_URI=http://127.0.0.1:P python
// train.py` logs into Sextant. Runs until Ctrl+C or SIGTERM. With --json it prints one JSON line when it
// listens ({event: "listening", url, tracking_uri, store, auth}) and one when it stops ({event: "stopped",
// reason}) (docs/cli.md).
import { resolve } from 'node:path';
import { startMlflowServer } from '../../engine/mlflowServer/server';
import { describeError, type EngineError } from '../../engine/result';
import { Tracker } from '../../engine/tracking/tracking';
import { workspaceLayout } from '../../engine/workspace/layout';
import { UsageError, value, type ParsedArgs } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../command';

const DEFAULT_PORT = 5000;
export const TOKEN_ENV = 'SEXTANT_SERVER_TOKEN';

function failWith(io: CliIo, args: ParsedArgs, error: EngineError): number {
  if (args.flags.json) io.out(JSON.stringify({ ok: false, error }));
  else io.err(`sextant server: ${describeError(error)}`);
  return EXIT_FAILURE;
}

/** Resolves on Ctrl+C, SIGTERM or SIGHUP, with the signal's name. */
function signalled(): Promise<string> {
  return new Promise((done) => {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const stop = (why: string): void => {
      for (const s of signals) process.off(s, stop);
      done(why);
    };
    for (const s of signals) process.on(s, stop);
  });
}

export const serverCommand: CliCommand = {
  name: 'server',
  summary: "An MLflow-compatible tracking server over the workspace's store: point MLFLOW_TRACKING_URI at it and unmodified MLflow scripts log into Sextant (docs/mlflow-server.md).",
  usage: 'sextant server [--port P] [--host 127.0.0.1] [--token TOKEN] [--workspace DIR] [--json]',
  json: true,
  options: [
    { name: 'port', alias: 'p', type: 'string', description: `Port to listen on (default ${DEFAULT_PORT}, MLflow's; 0 takes a free one).` },
    { name: 'host', type: 'string', description: `Address to listen on (default 127.0.0.1). Another address needs --token (or ${TOKEN_ENV}).` },
    { name: 'token', type: 'string', description: `Require \`Authorization: Bearer TOKEN\` (MLflow's client sends MLFLOW_TRACKING_TOKEN). Default: ${TOKEN_ENV}.` },
    { name: 'workspace', alias: 'w', type: 'string', description: 'Workspace folder whose store is used (default: the current folder).' },
    { name: 'store', type: 'string', description: 'The store file (default: .sextant/sextant.db in the workspace).' },
  ],
  async run(args, io) {
    if (args.positionals.length > 0) throw new UsageError('server takes no arguments');
    const portText = value(args, 'port') ?? String(DEFAULT_PORT);
    if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new UsageError(`--port "${portText}": a number from 0 to 65535`);
    const host = value(args, 'host') ?? '127.0.0.1';
    const token = value(args, 'token') ?? io.env[TOKEN_ENV] ?? undefined;
    const layout = workspaceLayout(resolve(io.cwd, value(args, 'workspace') ?? '.'), value(args, 'store'));
    const opened = Tracker.open(layout, { create: true });
    if (!opened.ok) return failWith(io, args, opened.error);
    const tracker = opened.value;
    try {
      const server = await startMlflowServer({ tracker, host, port: Number(portText), ...(token ? { token } : {}) });
      if (!server.ok) return failWith(io, args, server.error);
      const { url, auth } = server.value;
      if (args.flags.json) io.out(JSON.stringify({ event: 'listening', url, tracking_uri: url, store: layout.storePath, auth }));
      else {
        io.out(`MLflow tracking server for ${layout.storePath} at ${url}`);
        io.out(`  export MLFLOW_TRACKING_URI=${url}${auth === 'token' ? '  MLFLOW_TRACKING_TOKEN=<token>' : ''}`);
        io.out('Ctrl+C stops.');
      }
      const why = await signalled();
      await server.value.close();
      if (args.flags.json) io.out(JSON.stringify({ event: 'stopped', reason: why }));
      else io.err(`sextant server: stopped (${why}).`);
      return EXIT_OK;
    } finally {
      tracker.close(true);
    }
  },
};
