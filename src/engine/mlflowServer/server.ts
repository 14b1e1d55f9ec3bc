// `sextant server`: an MLflow-compatible tracking server (fastify) over the workspace's store, so that
// MLFLOW_TRACKING_URI=http://127.0.0.1:PORT makes an unmodified MLflow script log into Sextant.
//   /api/2.0/mlflow/…, /ajax-api/2.0/mlflow/…   tracking endpoints (routes.ts)
//   /api/2.0/mlflow-artifacts/artifacts/…       the artifact proxy (artifacts.ts)
//   GET /health → OK, GET /version → the Sextant version
// JSON bodies are limited to 1 MB (MLflow's limit; over it: 400 INVALID_PARAMETER_VALUE). Every error is
// MLflow's {error_code, message}; the server keeps serving. On a loopback address it needs no token;
// bound elsewhere it refuses to start without one, and then every route but /health needs
// `Authorization: Bearer <token>` (compared in constant time).
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { fail, ok, type Result } from '../result';
import type { Tracker } from '../tracking/tracking';
import { VERSION } from '../version';
import { registerArtifactRoutes } from './artifacts';
import { MlflowError } from './errors';
import { registerTrackingRoutes } from './routes';
import { MlflowStore } from './store';

/** MLflow's limit on a request body (log-batch's 1 MB). */
export const JSON_BODY_LIMIT = 1024 * 1024;
export const API_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;

export interface MlflowServerOptions {
  tracker: Tracker;
  host: string;
  port: number;
  /** Required when `host` is not a loopback address. */
  token?: string;
  /** Adds routes before the server listens (the bench's anchor). */
  configure?: (app: FastifyInstance) => void;
}

export interface RunningMlflowServer {
  url: string;
  port: number;
  auth: 'token' | 'none';
  close(): Promise<void>;
}

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Turns fastify's own errors (bad JSON, a body too large) and ours into MLflow's error shape. */
function toMlflowError(err: Error & { statusCode?: number; code?: string }): MlflowError {
  if (err instanceof MlflowError) return err;
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new MlflowError('INVALID_PARAMETER_VALUE', `The request body is larger than ${JSON_BODY_LIMIT} bytes (MLflow's limit); split the batch into several requests.`);
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new MlflowError('BAD_REQUEST', 'Send the body as JSON (Content-Type: application/json).');
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return new MlflowError('BAD_REQUEST', `Malformed request: ${err.message}`);
  return new MlflowError('INTERNAL_ERROR', `The server failed on this request: ${err.message}`);
}

export async function startMlflowServer(options: MlflowServerOptions): Promise<Result<RunningMlflowServer>> {
  const { host, port, token } = options;
  if (!token && !isLoopback(host)) {
    return fail({ code: 'server-no-token', message: `No token is set, so the tracking server would answer anyone who can reach ${host}. Without a token it listens on loopback (127.0.0.1) only.`, fix: 'Pass --token TOKEN (or set SEXTANT_SERVER_TOKEN), or listen on --host 127.0.0.1.' });
  }
  const expected = token ? digest(token) : undefined;
  const store = new MlflowStore(options.tracker);
  const app = Fastify({ logger: false, bodyLimit: JSON_BODY_LIMIT, return503OnClosing: true });

  app.addHook('onRequest', async (request, reply) => {
    if (!expected || request.url === '/health') return;
    const header = request.headers.authorization;
    const given = header?.startsWith('Bearer ') ? digest(header.slice(7).trim()) : undefined;
    if (!given || !timingSafeEqual(given, expected)) {
      const e = new MlflowError('UNAUTHENTICATED', 'This server needs a token: send `Authorization: Bearer <token>` (MLFLOW_TRACKING_TOKEN for the MLflow client).');
      return reply.code(e.status).header('www-authenticate', 'Bearer realm="sextant"').send(e.toJSON());
    }
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _request, reply) => {
    const e = toMlflowError(err);
    return reply.code(e.status).send(e.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const e = new MlflowError('ENDPOINT_NOT_FOUND', `No endpoint ${request.method} ${request.url.split('?')[0]} on this server (see docs/mlflow-server.md for the endpoints it answers).`);
    return reply.code(e.status).send(e.toJSON());
  });

  app.get('/health', async (_request, reply) => reply.type('text/plain').send('OK'));
  app.get('/version', async (_request, reply) => reply.type('text/plain').send(VERSION));
  for (const prefix of API_PREFIXES) app.register(async (scope) => registerTrackingRoutes(scope, store), { prefix });
  registerArtifactRoutes(app, store);
  options.configure?.(app);

  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close();
    const e = err as NodeJS.ErrnoException;
    return fail({ code: 'server-listen', message: `Could not listen on ${host}:${port}: ${e.message}`, fix: e.code === 'EADDRINUSE' ? 'Choose another --port (0 takes a free one).' : 'Check the --host address.' });
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return ok({
    url: `http://${shown}:${bound}`,
    port: bound,
    auth: expected ? 'token' : 'none',
    close: async () => {
      await app.close();
      options.tracker.flush();
    },
  });
}
