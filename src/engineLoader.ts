// The engine is bundled into the extension but evaluated on first use, not at activation: extension-side
// files import engine *types* with `import type` and engine *values* through loadEngine()/engine().
type Engine = typeof import('./engine/api');

let loading: Promise<Engine> | undefined;
let loaded: Engine | undefined;

export function loadEngine(): Promise<Engine> {
  // require (not import()): esbuild maps './engine/api' to the separate bundle dist/engine.js.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loading ??= Promise.resolve().then(() => (loaded = require('./engine/api') as Engine));
  return loading;
}

/** The engine, once loadEngine() has resolved (the workspace state awaits it before any view asks). */
export function engine(): Engine {
  if (!loaded) throw new Error('Sextant engine used before it was loaded');
  return loaded;
}
