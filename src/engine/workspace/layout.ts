// Where things live in a user's workspace. Reading this never writes anything.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const STORE_DIR = '.sextant';
export const STORE_FILE = 'sextant.db';
export const PIPELINE_FILE = 'sextant.yaml';
const PIPELINE_SUFFIX = '.sextant.yaml';
const SKIP_DIRS = new Set(['node_modules', '.git', '.sextant', '.venv', 'venv', '__pycache__', 'dist', 'out', 'mlruns']);
/** Pipeline files as a VS Code glob (document selectors, findFiles, file watchers); package.json repeats it for activation and the language. */
export const PIPELINE_GLOB = `**/{${PIPELINE_FILE},*${PIPELINE_SUFFIX}}`;
/** The folders findPipelineFiles() skips, as an exclude glob for findFiles. */
export const PIPELINE_SEARCH_EXCLUDE = `**/{${[...SKIP_DIRS].join(',')}}/**`;

export interface WorkspaceLayout {
  root: string;
  storePath: string;
  artifactsDir: string;
}

/**
 * The store of the workspace at `root`: `.sextant/sextant.db`, or `storePath` when given (the setting
 * `sextant.storePath`, `sextant run --store`; relative to root). Artifacts live beside the store, in the
 * `artifacts` folder of its directory, so a store and the files it records move together.
 */
export function workspaceLayout(root: string, storePath?: string): WorkspaceLayout {
  const store = storePath ? resolve(root, storePath) : join(root, STORE_DIR, STORE_FILE);
  return { root, storePath: store, artifactsDir: join(dirname(store), 'artifacts') };
}

/** `sextant.yaml` or `<name>.sextant.yaml` (a file name, not a path). */
export function isPipelineFileName(name: string): boolean {
  return name === PIPELINE_FILE || (name.endsWith(PIPELINE_SUFFIX) && name.length > PIPELINE_SUFFIX.length);
}

/** Pipeline files under root (relative paths, sorted), at most `maxDepth` folders deep. */
export function findPipelineFiles(root: string, maxDepth = 4): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (depth < maxDepth && !SKIP_DIRS.has(entry.name)) walk(join(dir, entry.name), depth + 1);
      } else if (entry.isFile() && isPipelineFileName(entry.name)) {
        found.push(relative(root, join(dir, entry.name)));
      }
    }
  };
  walk(root, 0);
  return found.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

export function exists(path: string): boolean {
  return existsSync(path);
}
