// `sextant serve`'s HTTP server (fastify) around one loaded model:
//   POST /v1/models/<name>/predict, POST /predict   rows in, each row's outputs back (request.ts, model.ts)
//   POST /feedback                                  {request_id, feedback}: stored with the logged prediction
//   GET  /v1/models/<name>                          what the model takes and returns
//   GET  /health                                    liveness, no token needed
//   GET  /metrics                                   Prometheus text format (admin token)
// With tokens in the store every other route needs `Authorization: Bearer <token>` (401 without or with
// a wrong one, 403 for a role that may not); with none it serves without authentication, and only on a
// loopback address. Every refusal is a JSON {error: {code, message}} and the server keeps serving.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { appendAudit, hasAuditLog } from '../audit/log';
import { currentUser } from '../registry/aliases';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { PiiPolicy } from '../data/pii/protect';
import { fail, ok, type Result } from '../result';
import type { Database } from '../store/open';
import { serverMetrics, type ErrorReason, type ServerMetrics } from './metrics';
import type { ServedModel } from './model';
import { PredictionLog } from './predictionLog';
import { parsePredictRequest, requestSchemas } from './request';
import { TokenVerifier, type TokenRole } from './tokens';

/** Request bodies above this are refused with 413 before they are read whole (8 MiB: 10,000 rows of 50 features fit). */
const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

export interface ServeOptions {
  model: ServedModel;
  host: string;
  port: number;
  /** The store: tokens are read from it and, unless `logPredictions` is false, predictions written to it. */
  db?: Database;
  logPredictions?: boolean;
  /** The personal-data rules applied to logged inputs. */
  policy: PiiPolicy;
  bodyLimit?: number;
  /** Problems that do not stop the server (the prediction log could not be written). */
  onWarning?: (message: string) => void;
  /** Adds routes before the server listens (the bench's hello-world anchor). */
  configure?: (app: FastifyInstance) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  /** 'token' when tokens are required, 'none' when the server runs without authentication (loopback only). */
  auth: 'token' | 'none';
  metrics: ServerMetrics;
  log: PredictionLog | undefined;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The role a route needs when tokens are required; none: open to all (health). */
    role?: TokenRole;
  }
  interface FastifyRequest {
    tokenId: number | null;
  }
}

const ROUTES = ['POST /v1/models/<name>/predict', 'POST /predict', 'POST /feedback', 'GET /v1/models/<name>', 'GET /health', 'GET /metrics'];

export async function startServer(options: ServeOptions): Promise<Result<RunningServer>> {
  const { model, host, port } = options;
  const tokens = new TokenVerifier(options.db);
  const auth = tokens.required ? 'token' : 'none';
  if (auth === 'none' && !isLoopback(host)) {
    return fail({ code: 'serve-no-token', message: `No token is configured, so the server would answer anyone who can reach ${host}. Without tokens it serves on loopback (127.0.0.1) only.`, fix: 'Add a token (`sextant serve token add NAME --role predict`), or serve on --host 127.0.0.1.' });
  }
  const logged = { name: model.ref.name, version: model.ref.version, sha256: model.sha256 };
  const log = options.db && options.logPredictions !== false ? new PredictionLog(options.db, logged, options.policy, (m) => options.onWarning?.(m)) : undefined;
  const metrics = serverMetrics(logged, () => log?.queued ?? 0);
  const schemas = requestSchemas(model.spec);

  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT, genReqId: () => randomUUID(), requestIdHeader: false, return503OnClosing: true });
  app.decorateRequest('tokenId', null);

  const refuse = (reply: FastifyReply, status: number, reason: ErrorReason, code: string, message: string, extra: Record<string, unknown> = {}): FastifyReply => {
    metrics.errors.inc({ reason });
    return reply.code(status).header('x-request-id', reply.request.id).send({ error: { code, message, ...extra } });
  };

  app.addHook('onRequest', async (request, reply) => {
    const role = request.routeOptions.config?.role;
    if (role === undefined || !tokens.required) return;
    const header = request.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const check = tokens.check(bearer);
    if (!check.ok) {
      reply.header('www-authenticate', 'Bearer realm="sextant"');
      return refuse(reply, 401, 'unauthorized', 'unauthorized', check.reason === 'missing' ? 'This server needs a token: send `Authorization: Bearer <token>` (make one with `sextant serve token add NAME`).' : 'The token is not valid (unknown or revoked).');
    }
    if (role === 'admin' && check.role !== 'admin') return refuse(reply, 403, 'forbidden', 'forbidden', `The token "${check.name}" has the role "${check.role}"; ${request.routeOptions.url} needs "admin".`);
    request.tokenId = check.id;
    if (!audited.has(check.id)) {
      audited.add(check.id);
      audit('token-used', check.name, { role: check.role, route: request.routeOptions.url ?? null });
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _request, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return refuse(reply, 413, 'too_large', 'body-too-large', `The request body is larger than this server takes (${Math.round((options.bodyLimit ?? DEFAULT_BODY_LIMIT) / 1024)} KiB); split the rows into several requests.`);
    if (err.statusCode === 415) return refuse(reply, 415, 'bad_input', 'unsupported-media-type', 'Send the body as JSON (Content-Type: application/json).');
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return refuse(reply, err.statusCode, 'bad_input', 'bad-request', `The body is not valid JSON: ${err.message}`);
    options.onWarning?.(`request ${reply.request.id}: ${err.message}`);
    return refuse(reply, 500, 'model_error', 'internal', `The server failed on this request: ${err.message}`);
  });

  app.setNotFoundHandler((request, reply) => refuse(reply, 404, 'not_found', 'not-found', `No route ${request.method} ${request.url.split('?')[0]}. This server has: ${ROUTES.join(', ')}.`));

  const info = { name: model.ref.name, version: model.ref.version, sha256: model.sha256 };
  // The audit log (when the store has one): the server's start and stop, and each token's first use by this server.
  const subject = `model:${info.name}${info.version === null ? '' : `@${info.version}`}`;
  const audit = (kind: 'serving-started' | 'serving-stopped' | 'token-used', actor: string, detail: Record<string, string | number | null>): void => {
    if (!options.db || !hasAuditLog(options.db)) return;
    try {
      appendAudit(options.db, { kind, actor, source: 'sextant serve', subject, detail });
    } catch (err) {
      options.onWarning?.(`audit log: could not record ${kind}: ${(err as Error).message}`);
    }
  };
  const audited = new Set<number>();

  const predict = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const started = performance.now();
    const parsed = parsePredictRequest(model.spec, schemas, request.body);
    if (!parsed.ok) {
      const [first, ...rest] = parsed.issues;
      return refuse(reply, 400, 'bad_input', 'bad-input', `${rest.length ? `${first!.message.replace(/\.$/, '')} (and ${rest.length === 10 ? 'at least 10' : rest.length} more problems).` : first!.message}`, { issues: parsed.issues });
    }
    let outputs: Record<string, unknown>[];
    try {
      outputs = await model.predict(parsed.value.rows);
    } catch (err) {
      return refuse(reply, 500, 'model_error', 'model-error', `onnxruntime could not run the model on this input: ${(err as Error).message.split('\n')[0]}`);
    }
    const latencyMs = performance.now() - started;
    metrics.rows.inc(parsed.value.rows.length);
    log?.add({ requestId: request.id, at: Date.now(), latencyMs, features: model.spec.features.map((f) => f.name), rows: parsed.value.rows, outputs, tokenId: request.tokenId });
    reply.header('x-request-id', request.id);
    return { request_id: request.id, model: { name: info.name, version: info.version }, predictions: outputs };
  };

  app.post('/predict', { config: { role: 'predict' } }, predict);
  app.post<{ Params: { name: string } }>('/v1/models/:name/predict', { config: { role: 'predict' } }, (request, reply) => {
    if (request.params.name !== info.name) return refuse(reply, 404, 'not_found', 'model-not-served', `This server serves "${info.name}", not "${request.params.name}".`);
    return predict(request, reply);
  });
  app.get<{ Params: { name: string } }>('/v1/models/:name', { config: { role: 'predict' } }, (request, reply) => {
    if (request.params.name !== info.name) return refuse(reply, 404, 'not_found', 'model-not-served', `This server serves "${info.name}", not "${request.params.name}".`);
    return { ...info, layout: model.spec.layout, features: model.spec.features, named: model.spec.named, outputs: model.spec.outputs };
  });
  app.post('/feedback', { config: { role: 'predict' } }, (request, reply) => {
    const body = request.body as { request_id?: unknown; feedback?: unknown } | null;
    if (!body || typeof body !== 'object' || typeof body.request_id !== 'string' || body.feedback === undefined) return refuse(reply, 400, 'bad_input', 'bad-input', 'Send {"request_id": "<the x-request-id of a prediction>", "feedback": <any JSON, e.g. {"label": "Adelie"}>}.');
    if (!log) return refuse(reply, 409, 'bad_input', 'not-logging', 'This server does not log predictions (--no-log), so feedback has nothing to attach to.');
    if (!log.feedback(body.request_id, body.feedback)) return refuse(reply, 404, 'not_found', 'request-unknown', `No logged prediction has the request id "${body.request_id}".`);
    return { ok: true, request_id: body.request_id };
  });
  app.get('/health', () => ({ status: 'ok', model: info, auth }));
  app.get('/metrics', { config: { role: 'admin' } }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  options.configure?.(app);

  try {
    await app.listen({ host, port });
  } catch (err) {
    log?.close();
    await app.close().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') return fail({ code: 'serve-port-in-use', message: `Port ${port} on ${host} is in use (another server, or an earlier \`sextant serve\`).`, fix: 'Stop it, or choose another port with --port (--port 0 takes a free one).' });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return fail({ code: 'serve-host', message: `Cannot listen on ${host}: no such address on this machine.` });
    if (code === 'EACCES') return fail({ code: 'serve-port-denied', message: `Not allowed to listen on port ${port} (ports below 1024 need privileges).`, fix: 'Choose a port above 1023.' });
    return fail({ code: 'serve-listen', message: `Cannot listen on ${host}:${port}: ${(err as Error).message}` });
  }
  const address = app.server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  audit('serving-started', currentUser(), { url: `http://${shownHost}:${actual}`, auth, alias: model.ref.alias, sha256: model.sha256, file: model.ref.version === null ? model.ref.file : null });
  return ok({
    url: `http://${shownHost}:${actual}`,
    port: actual,
    auth,
    metrics,
    log,
    async close() {
      await app.close();
      log?.close();
      audit('serving-stopped', currentUser(), { logged: log?.written ?? 0 });
      await model.release();
    },
  });
}
