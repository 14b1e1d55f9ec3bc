// Bundles the language server for the LSP tests, alone, so they do not depend on the rest of the build.
import { build } from 'esbuild';
import { join } from 'node:path';

/** Bundles src/lsp/server.ts alone (so the tests do not depend on the rest of the build). */
export async function buildServer(root = process.cwd()): Promise<string> {
  const outfile = join(root, 'test-output', 'lsp', 'server.js');
  await build({
    entryPoints: [join(root, 'src/lsp/server.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode', 'better-sqlite3', 'onnxruntime-node'],
    define: { SEXTANT_VERSION: '"test"' },
    logLevel: 'error',
  });
  return outfile;
}

