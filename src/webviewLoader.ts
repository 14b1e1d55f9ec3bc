// The webview panels' host code (src/webviews/host.ts: zod for the message contracts, the data building)
// is a separate bundle, dist/webviewHost.js, required when a panel first opens or is revived after a
// window reload, so activation evaluates none of it (like src/engineLoader.ts for the engine).
type WebviewHost = typeof import('./webviews/host');

let loaded: WebviewHost | undefined;

export function loadWebviewHost(): WebviewHost {
  // require (not import()): esbuild maps './webviews/host' to the separate bundle dist/webviewHost.js.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('./webviews/host') as WebviewHost;
  return loaded;
}
