// `sextant init`: writes the demo workspace (pipeline, data, README) into a folder. Never overwrites a
// file that is already there unless asked to.
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { mediaPath } from '../paths';
import { fail, ok, type Result } from '../result';

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

interface DemoResult {
  dir: string;
  written: string[];
}

export function createDemoWorkspace(target: string, options: { overwrite?: boolean } = {}): Result<DemoResult> {
  const source = mediaPath('demo');
  const files = listFiles(source).map((f) => relative(source, f)).sort();
  if (existsSync(target) && !statSync(target).isDirectory()) {
    return fail({ code: 'init-not-a-folder', file: target, message: 'The target exists and is not a folder.' });
  }
  const clashes = files.filter((f) => existsSync(join(target, f)));
  if (clashes.length > 0 && !options.overwrite) {
    return fail({ code: 'init-would-overwrite', file: join(target, clashes[0]!), message: `${clashes.length} demo file(s) already exist here (${clashes.join(', ')}); nothing was written.`, fix: 'Choose an empty folder, or pass --force to overwrite them.' });
  }
  try {
    for (const f of files) {
      mkdirSync(join(target, f, '..'), { recursive: true });
      copyFileSync(join(source, f), join(target, f));
    }
  } catch (err) {
    return fail({ code: 'init-write-failed', file: target, message: `Could not write the demo workspace: ${(err as Error).message}` });
  }
  return ok({ dir: target, written: files });
}
