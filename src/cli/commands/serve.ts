// `sextant serve NAME@ALIAS|NAME@N|PATH.onnx [--port P] [--host H]`: an HTTP server answering predictions
// with one model (src/engine/serve), until Ctrl+C, SIGTERM, or (started by the editor) its stdin closing.
// `sextant serve token add NAME --role predict|admin`, `token list`, `token revoke NAME`: the tokens it
// accepts, kept hashed in the workspace store. With --json, `serve` prints one JSON line when it listens
// and one when it stops (docs/cli.md).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { emptyPolicy, type PiiPolicy } from '../../engine/data/pii/protect';
import { readPipeline } from '../../engine/pipeline/read';
import { describeError, type EngineError } from '../../engine/result';
import { loadServedModel, resolveModel } from '../../engine/serve/model';
import { startServer } from '../../engine/serve/server';
import { addToken, listTokens, revokeToken, TokenRoleSchema, type TokenInfo } from '../../engine/serve/tokens';
import { openStore, type Database } from '../../engine/store/open';
import { readSextantModel } from '../../engine/train/onnx/metadata';
import { workspaceLayout } from '../../engine/workspace/layout';
import { UsageError, value, type ParsedArgs } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../command';

const WORKSPACE = { name: 'workspace', alias: 'w', type: 'string' as const, description: 'Workspace folder whose store is used (default: the current folder).' };
const STORE = { name: 'store', type: 'string' as const, description: 'The store file (default: .sextant/sextant.db in the workspace).' };
const DEFAULT_PORT = 8765;

/** The error, as JSON with --json (one line for `serve`, whose output is a stream of lines). */
function failWith(io: CliIo, args: ParsedArgs, command: string, error: EngineError): number {
  if (args.flags.json && command === 'serve') io.out(JSON.stringify({ ok: false, error }));
  else if (args.flags.json) io.json({ ok: false, error });
  else io.err(`sextant ${command}: ${describeError(error)}`);
  return EXIT_FAILURE;
}

function layoutOf(io: CliIo, args: ParsedArgs) {
  const root = resolve(io.cwd, value(args, 'workspace') ?? '.');
  return workspaceLayout(root, value(args, 'store'));
}

/** The `pii:` rules of the pipeline's expectations for the model's features (its training dataset's first). */
function piiPolicy(root: string, modelFile: string, features: string[], salt: string): PiiPolicy {
  const policy = emptyPolicy(salt);
  const file = resolve(root, 'sextant.yaml');
  if (!existsSync(file)) return policy;
  const pipeline = readPipeline(file);
  if (!pipeline.ok) return policy;
  const trained = readSextantModel(modelFile);
  const dataset = trained.ok ? trained.value.model.training.dataset : undefined;
  const all = Object.entries(pipeline.value.expectations ?? {}).sort(([a], [b]) => Number(b === dataset) - Number(a === dataset));
  for (const [, expectations] of all) {
    for (const e of expectations) if (e.column && e.pii && features.includes(e.column) && !policy.rules.has(e.column)) policy.rules.set(e.column, e.pii);
  }
  return policy;
}

/** Resolves when the process is told to stop: a signal, or the editor that started it going away. */
function stopRequested(io: CliIo): Promise<string> {
  return new Promise((done) => {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const watchStdin = io.env.SEXTANT_CANCEL_ON_STDIN_CLOSE === '1' && !process.stdin.isTTY;
    const onStdinEnd = (): void => stop('stdin closed');
    const stop = (why: string): void => {
      for (const s of signals) process.off(s, stop);
      if (watchStdin) {
        process.stdin.off('end', onStdinEnd).off('error', onStdinEnd);
        // A paused pipe still holds the event loop open: let go of it so the process can exit.
        process.stdin.destroy();
      }
      done(why);
    };
    for (const s of signals) process.on(s, stop);
    if (watchStdin) {
      process.stdin.on('end', onStdinEnd).on('error', onStdinEnd);
      process.stdin.resume();
    }
  });
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Serve a model over HTTP on 127.0.0.1: JSON predictions checked against its signature, /health, /metrics (Prometheus), tokens, and every prediction logged to the store.',
  usage: 'sextant serve NAME@ALIAS|NAME@VERSION|PATH.onnx [--port P] [--host 127.0.0.1] [--no-log] [--workspace DIR] [--json]',
  json: true,
  options: [
    { name: 'port', alias: 'p', type: 'string', description: `Port to listen on (default ${DEFAULT_PORT}; 0 takes a free one).` },
    { name: 'host', type: 'string', description: 'Address to listen on (default 127.0.0.1). Another address needs a token (sextant serve token add).' },
    { name: 'no-log', type: 'boolean', description: 'Do not log predictions to the store.' },
    WORKSPACE,
    STORE,
  ],
  async run(args, io) {
    if (args.positionals[0] === 'token') throw new UsageError('which one? serve token add, serve token list, serve token revoke');
    if (args.positionals.length !== 1) throw new UsageError('give one model: NAME@ALIAS, NAME@VERSION or a path to an .onnx file');
    const portText = value(args, 'port') ?? String(DEFAULT_PORT);
    if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new UsageError(`--port "${portText}": a number from 0 to 65535`);
    const host = value(args, 'host') ?? '127.0.0.1';
    const layout = layoutOf(io, args);
    const logPredictions = !args.flags['no-log'];
    let db: Database | undefined;
    if (existsSync(layout.storePath)) {
      const opened = openStore(layout.storePath);
      if (!opened.ok) return failWith(io, args, 'serve', opened.error);
      db = opened.value;
    }
    try {
      const ref = resolveModel(args.positionals[0]!, io.cwd, { db, file: layout.storePath, artifactsDir: layout.artifactsDir });
      if (!ref.ok) return failWith(io, args, 'serve', ref.error);
      if (!db && logPredictions) {
        // A model file served where no store exists yet: the store is made for the prediction log.
        const opened = openStore(layout.storePath, { create: true });
        if (!opened.ok) return failWith(io, args, 'serve', opened.error);
        db = opened.value;
      }
      const model = await loadServedModel(ref.value);
      if (!model.ok) return failWith(io, args, 'serve', model.error);
      const features = model.value.spec.features.map((f) => f.name);
      const server = await startServer({
        model: model.value,
        host,
        port: Number(portText),
        ...(db ? { db } : {}),
        logPredictions,
        policy: piiPolicy(layout.root, ref.value.file, features, io.env.SEXTANT_PII_SALT ?? ''),
        onWarning: (m) => io.err(`sextant serve: ${m}`),
      });
      if (!server.ok) {
        await model.value.release();
        return failWith(io, args, 'serve', server.error);
      }
      const { url, auth } = server.value;
      const name = ref.value.name;
      const label = `${name}${ref.value.version === null ? ` (${ref.value.file})` : ` v${ref.value.version}${ref.value.alias ? ` (@${ref.value.alias})` : ''}`}`;
      const predictUrl = `${url}/v1/models/${encodeURIComponent(name)}/predict`;
      if (args.flags.json) {
        io.out(JSON.stringify({ event: 'listening', url, predict: predictUrl, model: { name, version: ref.value.version, alias: ref.value.alias, sha256: model.value.sha256 }, auth, logging: logPredictions }));
      } else {
        io.out(`Serving ${label} at ${url}`);
        io.out(`  POST ${predictUrl}   {"inputs": [{${features.slice(0, 2).map((f) => `"${f}": …`).join(', ')}${features.length > 2 ? ', …' : ''}}]}`);
        io.out(`  GET  ${url}/health   GET ${url}/metrics`);
        io.out(auth === 'none' ? '  No token is configured: serving WITHOUT authentication, on loopback only (add one: sextant serve token add NAME).' : '  Requests need a token: Authorization: Bearer <token>.');
        if (!logPredictions) io.out('  Predictions are not logged (--no-log).');
        io.out('Ctrl+C stops.');
      }
      const why = await stopRequested(io);
      await server.value.close();
      const requests = server.value.log?.written ?? 0;
      if (args.flags.json) io.out(JSON.stringify({ event: 'stopped', reason: why, logged: requests }));
      else io.err(`sextant serve: stopped (${why}); ${requests} prediction${requests === 1 ? '' : 's'} logged.`);
      return EXIT_OK;
    } finally {
      db?.close();
    }
  },
};

const when = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));

function openTokensStore(io: CliIo, args: ParsedArgs, create: boolean): { db?: Database; missing?: boolean; error?: EngineError; file: string } {
  const layout = layoutOf(io, args);
  if (!create && !existsSync(layout.storePath)) return { missing: true, file: layout.storePath };
  const opened = openStore(layout.storePath, { create });
  return opened.ok ? { db: opened.value, file: layout.storePath } : { error: opened.error, file: layout.storePath };
}

export const serveTokenAddCommand: CliCommand = {
  name: 'serve token add',
  summary: 'Make a token for `sextant serve` with a role (predict: predictions and feedback; admin: also /metrics). The token is printed once; the store keeps only its SHA-256.',
  usage: 'sextant serve token add NAME [--role predict|admin] [--workspace DIR] [--json]',
  json: true,
  options: [{ name: 'role', type: 'string', description: 'predict (default) or admin.' }, WORKSPACE, STORE],
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('give the token a name');
    const role = TokenRoleSchema.safeParse(value(args, 'role') ?? 'predict');
    if (!role.success) throw new UsageError(`--role "${value(args, 'role')}": predict or admin`);
    const store = openTokensStore(io, args, true);
    if (!store.db) return failWith(io, args, 'serve token add', store.error!);
    try {
      const made = addToken(store.db, store.file, { name: args.positionals[0]!, role: role.data });
      if (!made.ok) return failWith(io, args, 'serve token add', made.error);
      if (args.flags.json) io.json({ token: made.value.token, ...made.value.info });
      else {
        io.out(made.value.token);
        io.err(`Token "${made.value.info.name}" (${made.value.info.role}) made. Copy it now: it is not shown again (the store keeps only its hash).`);
      }
      return EXIT_OK;
    } finally {
      store.db.close();
    }
  },
};

export const serveTokenListCommand: CliCommand = {
  name: 'serve token list',
  summary: 'List the tokens of `sextant serve`: name, role, who made it and when, last use, revoked.',
  usage: 'sextant serve token list [--workspace DIR] [--json]',
  json: true,
  options: [WORKSPACE, STORE],
  async run(args, io) {
    if (args.positionals.length > 0) throw new UsageError('serve token list takes no arguments');
    const store = openTokensStore(io, args, false);
    if (store.error) return failWith(io, args, 'serve token list', store.error);
    const tokens: TokenInfo[] = store.db ? listTokens(store.db) : [];
    store.db?.close();
    if (args.flags.json) {
      io.json({ tokens });
      return EXIT_OK;
    }
    if (tokens.length === 0) {
      io.err('No tokens: `sextant serve` runs without authentication, on loopback only (sextant serve token add NAME).');
      return EXIT_OK;
    }
    const rows = [['NAME', 'ROLE', 'CREATED', 'BY', 'LAST USED', 'REVOKED'], ...tokens.map((t) => [t.name, t.role, when(t.createdAt), t.createdBy, when(t.lastUsedAt), when(t.revokedAt)])];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    io.out(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n'));
    return EXIT_OK;
  },
};

export const serveTokenRevokeCommand: CliCommand = {
  name: 'serve token revoke',
  summary: 'Revoke a token of `sextant serve` by name: it stops working at once, also on a running server.',
  usage: 'sextant serve token revoke NAME [--workspace DIR] [--json]',
  json: true,
  options: [WORKSPACE, STORE],
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('give the name of the token to revoke');
    const store = openTokensStore(io, args, false);
    if (store.missing) return failWith(io, args, 'serve token revoke', { code: 'token-unknown', file: store.file, message: `No token named "${args.positionals[0]}" (this workspace has no store).` });
    if (!store.db) return failWith(io, args, 'serve token revoke', store.error!);
    try {
      const revoked = revokeToken(store.db, store.file, args.positionals[0]!);
      if (!revoked.ok) return failWith(io, args, 'serve token revoke', revoked.error);
      if (args.flags.json) io.json(revoked.value);
      else io.out(`Token "${revoked.value.name}" revoked.`);
      return EXIT_OK;
    } finally {
      store.db.close();
    }
  },
};
