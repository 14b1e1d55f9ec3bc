// MLflow's artifact proxy (`mlflow server --serve-artifacts`): the client, given a run whose
// artifact_uri is mlflow-artifacts:/<experiment_id>/<run_id>/artifacts, calls
//   PUT  /api/2.0/mlflow-artifacts/artifacts/<experiment_id>/<run_id>/artifacts/<path>   upload (raw body)
//   GET  /api/2.0/mlflow-artifacts/artifacts/<experiment_id>/<run_id>/artifacts/<path>   download
//   GET  /api/2.0/mlflow-artifacts/artifacts?path=<experiment_id>/<run_id>/artifacts/<dir>  list {files: [{path, is_dir, file_size}]}
// An upload is recorded on the run as a Sextant artifact (content-addressed in the store's artifacts
// folder), so it opens from Sextant too. Paths with `..`, `.`, empty segments, backslashes or a leading
// `/` are refused (INVALID_PARAMETER_VALUE), as are paths outside a run's artifacts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { invalid, MlflowError, notFound } from './errors';
import type { MlflowStore } from './store';

/** The largest artifact one PUT takes (512 MiB). */
export const ARTIFACT_BODY_LIMIT = 512 * 1024 * 1024;

/** Splits a proxied path into its run and the artifact's path in that run, refusing anything unsafe. */
export function artifactTarget(path: string, allowRunRoot: boolean): { runId: string; experimentId: string; rel: string } {
  // eslint-disable-next-line no-control-regex
  if (path.startsWith('/') || path.includes('\\') || /[\u0000-\u001f]/.test(path) || /^[A-Za-z]:/.test(path)) throw invalid(`Invalid path '${path}': absolute paths, backslashes and control characters are not allowed.`);
  const parts = path.split('/');
  if (parts.some((p) => p === '..' || p === '.')) throw invalid(`Invalid path '${path}': '..' and '.' are not allowed in artifact paths.`);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.some((p) => p === '')) throw invalid(`Invalid path '${path}': empty path segments are not allowed.`);
  const [experimentId, runId, artifacts, ...rest] = parts;
  if (!experimentId || !runId || artifacts !== 'artifacts' || (!allowRunRoot && rest.length === 0)) {
    throw invalid(`Invalid path '${path}': this server keeps run artifacts only, at <experiment_id>/<run_id>/artifacts/<path>.`);
  }
  return { experimentId, runId, rel: rest.join('/') };
}

export function registerArtifactRoutes(app: FastifyInstance, store: MlflowStore): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ARTIFACT_BODY_LIMIT }, (_request, body, done) => done(null, body));

    scope.put('/api/2.0/mlflow-artifacts/artifacts/*', async (request) => {
      const target = artifactTarget((request.params as { '*': string })['*'], false);
      const run = store.activeRun(target.runId);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const dir = mkdtempSync(join(tmpdir(), 'sextant-upload-'));
      try {
        const file = join(dir, target.rel.split('/').pop()!);
        writeFileSync(file, body);
        const logged = store.tracker.logArtifact(run.id, file, { path: target.rel });
        if (!logged.ok) throw new MlflowError('INTERNAL_ERROR', logged.error.message);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return {};
    });

    scope.get('/api/2.0/mlflow-artifacts/artifacts/*', async (request, reply) => {
      const target = artifactTarget((request.params as { '*': string })['*'], false);
      const listed = store.tracker.listArtifacts(store.run(target.runId).id);
      const found = listed.ok ? listed.value.find((a) => a.path === target.rel) : undefined;
      if (!found) throw notFound(`No artifact '${target.rel}' in run ${target.runId}.`);
      return reply.type(found.mediaType || 'application/octet-stream').send(readFileSync(found.file));
    });

    scope.get('/api/2.0/mlflow-artifacts/artifacts', async (request) => {
      const path = (request.query as { path?: string }).path ?? '';
      if (path === '') return { files: [] };
      const target = artifactTarget(path, true);
      const listed = store.tracker.listArtifacts(store.run(target.runId).id);
      if (!listed.ok) throw new MlflowError('INTERNAL_ERROR', listed.error.message);
      const prefix = target.rel === '' ? '' : `${target.rel}/`;
      const files = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
      for (const a of listed.value) {
        if (!a.path.startsWith(prefix)) continue;
        const rest = a.path.slice(prefix.length).split('/');
        const name = rest[0]!;
        if (rest.length > 1) files.set(name, { path: name, is_dir: true });
        else if (!files.has(name)) files.set(name, { path: name, is_dir: false, file_size: a.size });
      }
      return { files: [...files.values()] };
    });
  });
}
