// Where Sextant's own shipped files are (media/: the demo workspace, the Python logging helper, icons),
// from a bundle in dist/ or from the sources under src/ alike.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

function packageRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'sextant') return (cached = dir);
      } catch {
        /* keep looking */
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Sextant's package.json not found above ${__dirname}`);
    dir = parent;
  }
}

export function mediaPath(...parts: string[]): string {
  return join(packageRoot(), 'media', ...parts);
}
