// Bundles each process's entry point separately (see docs/architecture.md):
//   dist/extension.js  - VS Code extension host (no native module loaded at activation)
//   dist/server.js     - pipeline language server (its own Node process)
//   dist/cli.js        - the `sextant` command-line interface: argument parsing and the command table
//   dist/cli-*.js      - one bundle per command module (src/cli/commands/*.ts), required when its command runs
//   dist/profileWorker.js - a parallel dataset profile's worker thread
//   dist/trainWorker.js - the built-in trainer's worker thread
//   dist/bench.js      - `npm run bench`
//   dist/webviewHost.js - the webview panels' host side, required when a panel first opens
//   dist/webviews/*.js - one browser bundle per webview panel (and its .css)
// Native modules stay external and are required lazily by src/engine/native/.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const external = ['vscode', 'better-sqlite3', 'onnxruntime-node'];

// zod's `z` and `z.core` namespaces re-export every locale's error messages (`z.locales`: about 45 languages,
// 366 KB of the 862 KB dist/cli-runs.js, in each of the two dozen bundles that use zod). Sextant never switches
// zod's language (zod sets English itself, from locales/en.js), so the bundles get a `z.locales` holding English
// alone: less to read and compile at every start, and a smaller VSIX (dist/ 22.3 → 15.0 MB in production).
// The tests (tsx, unbundled) load the real zod.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) ? { path: 'zod-locales-en', namespace: 'zod-english-only', pluginData: args.resolveDir } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({ contents: 'export { default as en } from "../locales/en.js";', resolveDir: args.pluginData }));
  },
};

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  external,
  define: { SEXTANT_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
  plugins: [zodEnglishOnly],
};

// The extension host loads dist/extension.js at activation, and on first use dist/engine.js (zod, yaml,
// the engine: src/engineLoader.ts) and dist/lspClient.js (vscode-languageclient: src/extension.ts), so
// activation evaluates only the thin extension layer.
// The webview panels' host side (zod, the data building) is dist/webviewHost.js, required by src/webviewLoader.ts
// when a panel first opens.
const LAZY_BUNDLES = { './engine/api': './engine.js', './lsp/client': './lspClient.js', './webviews/host': './webviewHost.js' };
const lazyBundlesAsSeparateFiles = {
  name: 'lazy-bundles-as-separate-files',
  setup(build) {
    build.onResolve({ filter: /^\.\/(engine\/api|lsp\/client|webviews\/host)$/ }, (args) => (/(engineLoader|webviewLoader|extension)\.ts$/.test(args.importer) ? { path: LAZY_BUNDLES[args.path], external: true } : undefined));
  },
};

// The CLI's command table (src/cli/commands/index.ts) requires each command module when that command runs;
// each is its own bundle, dist/cli-<module>.js, so `sextant runs list` does not load the trainer or the server.
const commandTable = 'src/cli/commands/index.ts';
const CLI_COMMAND_MODULES = existsSync(commandTable) ? [...readFileSync(commandTable, 'utf8').matchAll(/require\('\.\/(\w+)'\)/g)].map((m) => m[1]) : [];
const cliCommandsAsSeparateFiles = {
  name: 'cli-commands-as-separate-files',
  setup(build) {
    build.onResolve({ filter: /^\.\/\w+$/ }, (args) => (/[\\/]src[\\/]cli[\\/]commands[\\/]index\.ts$/.test(args.importer) ? { path: `./cli-${args.path.slice(2)}.js`, external: true } : undefined));
  },
};

// A command module's part that only some of its uses need, as a bundle of its own (dist/cli-<part>.js) that the
// module requires when needed: `sextant runs list --json` (what scripts and CI call) then loads no zod, and
// starts in 4 ms instead of 27 (src/cli/commands/runsList.ts, docs/cli.md).
const CLI_LAZY_PARTS = ['runsListed'];
const cliLazyPartsAsSeparateFiles = {
  name: 'cli-lazy-parts-as-separate-files',
  setup(build) {
    build.onResolve({ filter: /^\.\/\w+$/ }, (args) =>
      /[\\/]src[\\/]cli[\\/]commands[\\/]\w+\.ts$/.test(args.importer) && CLI_LAZY_PARTS.includes(args.path.slice(2)) ? { path: `./cli-${args.path.slice(2)}.js`, external: true } : undefined,
    );
  },
};

const nodeEntries = [
  { entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', plugins: [lazyBundlesAsSeparateFiles] },
  { entryPoints: ['src/engine/api.ts'], outfile: 'dist/engine.js' },
  { entryPoints: ['src/lsp/client.ts'], outfile: 'dist/lspClient.js' },
  { entryPoints: ['src/webviews/host.ts'], outfile: 'dist/webviewHost.js', plugins: [lazyBundlesAsSeparateFiles] },
  { entryPoints: ['src/lsp/server.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['src/cli/bin.ts'], outfile: 'dist/cli.js', plugins: [cliCommandsAsSeparateFiles] },
  ...[...CLI_COMMAND_MODULES, ...CLI_LAZY_PARTS].map((m) => ({ entryPoints: [`src/cli/commands/${m}.ts`], outfile: `dist/cli-${m}.js`, plugins: [cliLazyPartsAsSeparateFiles] })),
  // A parallel profile's worker thread (src/engine/data/profile/parallel.ts finds it next to the bundle).
  { entryPoints: ['src/engine/data/profile/profileWorker.ts'], outfile: 'dist/profileWorker.js' },
  // The trainer's worker thread (src/engine/train/worker.ts starts it from beside whichever bundle runs).
  { entryPoints: ['src/engine/train/trainWorker.ts'], outfile: 'dist/trainWorker.js' },
  // playwright-core (the webview bench drives Chromium) is required from node_modules, not bundled.
  { entryPoints: ['bench/main.ts'], outfile: 'dist/bench.js', external: [...external, 'playwright-core'] },
].filter((e) => existsSync(e.entryPoints[0]));

const webviewDir = 'src/webviews/app';
const webviewEntries = existsSync(webviewDir)
  ? readdirSync(webviewDir).filter((f) => f.endsWith('.ts')).map((f) => `${webviewDir}/${f}`)
  : [];

const configs = nodeEntries.map((e) => ({ ...nodeCommon, ...e, plugins: [...nodeCommon.plugins, ...(e.plugins ?? [])] }));
if (webviewEntries.length > 0) {
  configs.push({
    entryPoints: webviewEntries,
    outdir: 'dist/webviews',
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    plugins: [zodEnglishOnly],
    format: 'iife',
    sourcemap: production ? false : 'linked',
    minify: production,
    logLevel: 'warning',
  });
}

if (watch) {
  for (const config of configs) {
    const ctx = await esbuild.context(config);
    await ctx.watch();
  }
  console.log('esbuild: watching');
} else {
  const started = Date.now();
  await Promise.all(configs.map((config) => esbuild.build(config)));
  console.log(`esbuild: ${configs.length} bundles in ${Date.now() - started} ms`);
}
