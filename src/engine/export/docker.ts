// `sextant export docker NAME@ALIAS`: the files to serve one registered model version with `sextant serve`
// in a container: a Dockerfile on a pinned base image, running as the image's non-root `node` user, with
// no secret in it (tokens live in the store, on a volume, made with `sextant serve token add`), a
// HEALTHCHECK on /health, and the model file itself (by its content hash, as the registry holds it).
import { VERSION } from '../version';

/** The base image, pinned to an exact Node release (Debian bookworm, slim). */
export const BASE_IMAGE = 'node:20.18.1-bookworm-slim';
export const SERVE_PORT = 8080;

export interface DockerModel {
  name: string;
  version: number;
  alias: string | null;
  sha256: string;
}

/** File name → text of the files beside the model file (`<name>.onnx`, copied by the caller). */
export function dockerFiles(model: DockerModel): Record<string, string> {
  const install = VERSION.includes('-dev') ? 'sextant' : `sextant@${VERSION}`;
  const label = `${model.name}@${model.alias ?? model.version} (version ${model.version})`;
  const dockerfile = [
    `# Exported by \`sextant export docker\`: serves ${label}, sha256 ${model.sha256}.`,
    '# Build: docker build -t IMAGE .   Tokens are not in the image: add one to the store volume first:',
    '#   docker run --rm -v sextant-store:/srv/sextant/.sextant IMAGE sextant serve token add NAME',
    '#   docker run -p 8080:8080 -v sextant-store:/srv/sextant/.sextant IMAGE',
    `FROM ${BASE_IMAGE}`,
    'ENV NODE_ENV=production',
    `RUN npm install --global ${install} && npm cache clean --force`,
    'WORKDIR /srv/sextant',
    `COPY --chown=node:node ${model.name}.onnx ./${model.name}.onnx`,
    'RUN mkdir -p .sextant && chown node:node .sextant',
    'VOLUME /srv/sextant/.sextant',
    'USER node',
    `EXPOSE ${SERVE_PORT}`,
    `HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:${SERVE_PORT}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]`,
    `CMD ["sextant", "serve", "${model.name}.onnx", "--host", "0.0.0.0", "--port", "${SERVE_PORT}"]`,
    '',
  ].join('\n');
  return { Dockerfile: dockerfile, '.dockerignore': '*\n!Dockerfile\n!*.onnx\n' };
}
