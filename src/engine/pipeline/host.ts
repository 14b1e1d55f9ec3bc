// What the checks may ask of the file system, so the same analysis runs in the language server (with a
// cache invalidated by file events), in the CLI and in tests (an in-memory host).
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { forgetPathVerdicts, realPathOf } from './containment';

export interface DirEntry {
  name: string;
  dir: boolean;
}

export interface PipelineHost {
  /** Folder of the pipeline file; file checks are skipped when undefined (an unsaved document). */
  dir?: string;
  exists(absPath: string): boolean;
  readText(absPath: string): string | undefined;
  /** The first `maxBytes` of a file as text (a CSV header), or undefined. */
  readHead(absPath: string, maxBytes: number): string | undefined;
  listDir(absPath: string): DirEntry[];
  /** Where a path really is, symbolic links followed (./containment.ts `realPathOf`); absent: paths are taken as written. */
  realPath?(absPath: string): string;
}

/** A host over the real file system, caching answers for `ttlMs` (call `invalidate` on file events). */
export class FsHost implements PipelineHost {
  private readonly existsCache = new Map<string, { at: number; value: boolean }>();
  private readonly textCache = new Map<string, { at: number; value: string | undefined }>();
  private readonly realCache = new Map<string, { at: number; value: string }>();

  constructor(
    readonly dir: string | undefined,
    private readonly ttlMs = 2000,
  ) {}

  exists(absPath: string): boolean {
    const now = Date.now();
    const hit = this.existsCache.get(absPath);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = existsSync(absPath);
    this.existsCache.set(absPath, { at: now, value });
    return value;
  }

  readText(absPath: string): string | undefined {
    const now = Date.now();
    const hit = this.textCache.get(absPath);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    let value: string | undefined;
    try {
      value = statSync(absPath).size > 4_000_000 ? undefined : readFileSync(absPath, 'utf8');
    } catch {
      value = undefined;
    }
    this.textCache.set(absPath, { at: now, value });
    return value;
  }

  readHead(absPath: string, maxBytes: number): string | undefined {
    let fd: number | undefined;
    try {
      fd = openSync(absPath, 'r');
      const buf = Buffer.alloc(maxBytes);
      const n = readSync(fd, buf, 0, maxBytes, 0);
      return buf.subarray(0, n).toString('utf8');
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  listDir(absPath: string): DirEntry[] {
    try {
      return readdirSync(absPath, { withFileTypes: true })
        .slice(0, 500)
        .map((d) => ({ name: d.name, dir: d.isDirectory() }));
    } catch {
      return [];
    }
  }

  realPath(absPath: string): string {
    const now = Date.now();
    const hit = this.realCache.get(absPath);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = realPathOf(absPath);
    this.realCache.set(absPath, { at: now, value });
    return value;
  }

  invalidate(): void {
    forgetPathVerdicts(this);
    this.realCache.clear();
    this.existsCache.clear();
    this.textCache.clear();
  }
}

/** An in-memory host for tests: paths relative to `dir`. */
export function memoryHost(dir: string, files: Record<string, string>): PipelineHost {
  const abs = new Map(Object.entries(files).map(([k, v]) => [`${dir}/${k}`.replace(/\/+/g, '/'), v]));
  return {
    dir,
    exists: (p) => abs.has(p) || [...abs.keys()].some((k) => k.startsWith(`${p}/`)),
    readText: (p) => abs.get(p),
    readHead: (p, maxBytes) => abs.get(p)?.slice(0, maxBytes),
    listDir: (p) => {
      const names = new Map<string, boolean>();
      for (const k of abs.keys()) {
        if (!k.startsWith(`${p}/`)) continue;
        const rest = k.slice(p.length + 1).split('/');
        names.set(rest[0]!, rest.length > 1);
      }
      return [...names].map(([name, dir]) => ({ name, dir }));
    },
  };
}
