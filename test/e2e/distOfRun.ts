// dist/, which the panels tested alone load (dist/webviews/*.js), built once a run rather than by every suite:
// by packaging the VSIX for the shared code-server (a production build, what the VSIX ships), or else by
// `node esbuild.mjs` when the first suite that needs it asks (a suite run alone with --grep).
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

let built = false;

export function distOfRun(): void {
  if (built) return;
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: resolve(__dirname, '..', '..'), stdio: 'pipe' });
  built = true;
}

/** Packaging the VSIX has just built dist/ for production. */
export function distBuilt(): void {
  built = true;
}
