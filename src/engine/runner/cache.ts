// The content-addressed cache of stage outputs: .sextant/cache/<2 hex>/<62 hex>. A file is stored
// under its sha256; a folder as its files. Restoring copies (copy-on-write where the file system
// can), never links, so editing a restored output cannot corrupt the cache.
import { constants, copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { STORE_DIR } from '../workspace/layout';
import type { OutputRecord } from './state';

export class OutputCache {
  readonly dir: string;
  constructor(root: string) {
    this.dir = join(root, STORE_DIR, 'cache');
  }

  pathOf(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256.slice(2));
  }

  has(sha256: string): boolean {
    return existsSync(this.pathOf(sha256));
  }

  private putFile(sha256: string, source: string): void {
    const target = this.pathOf(sha256);
    if (existsSync(target)) return;
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    copyFileSync(source, tmp, constants.COPYFILE_FICLONE);
    renameSync(tmp, target);
  }

  /** Stores an output (file or folder) that has just been hashed into `record`. */
  put(path: string, record: OutputRecord): void {
    if (record.kind === 'file') this.putFile(record.sha256, path);
    else for (const [rel, sha] of Object.entries(record.files ?? {})) this.putFile(sha, join(path, rel));
  }

  /** Whether every file of the output is in the cache. */
  canRestore(record: OutputRecord): boolean {
    if (record.kind === 'file') return this.has(record.sha256);
    return Object.values(record.files ?? {}).every((sha) => this.has(sha));
  }

  /** Writes the output back at `path` from the cache. */
  restore(path: string, record: OutputRecord): void {
    if (record.kind === 'file') {
      mkdirSync(dirname(path), { recursive: true });
      copyFileSync(this.pathOf(record.sha256), path, constants.COPYFILE_FICLONE);
      return;
    }
    rmSync(path, { recursive: true, force: true });
    for (const [rel, sha] of Object.entries(record.files ?? {})) {
      const target = join(path, rel);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(this.pathOf(sha), target, constants.COPYFILE_FICLONE);
    }
  }
}
