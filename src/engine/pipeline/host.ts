// What the checks may ask of the file system, so the same analysis runs in the language server (with a
// cache invalidated by file events), in the CLI and in tests (an in-memory host).
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { pathProblem, realPathOf, type NamedPath, type PathProblem } from './containment';
import { loggedMetricNames } from './loggedMetrics';

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
  /** What is wrong with a path the pipeline names (./containment.ts), symbolic links followed; absent: paths are taken as written. */
  pathProblem?(root: string, p: NamedPath): PathProblem | undefined;
  /** Metric names earlier runs logged in the workspace store (./loggedMetrics.ts); absent or undefined: not known. */
  loggedMetrics?(): ReadonlySet<string> | undefined;
}

/** A host over the real file system, caching answers for `ttlMs` (call `invalidate` on file events). */
export class FsHost implements PipelineHost {
  private readonly existsCache = new Map<string, { at: number; value: boolean }>();
  private readonly textCache = new Map<string, { at: number; value: string | undefined }>();
  private readonly realCache = new Map<string, { at: number; value: string }>();
  // A 1,000-stage file names thousands of paths on each edit: their verdicts are kept as long as the
  // real paths they come from.
  private readonly verdictCache = new Map<string, { at: number; value: PathProblem | undefined }>();

  constructor(
    readonly dir: string | undefined,
    private readonly ttlMs = 2000,
    /** The workspace store for this pipeline, read for the metrics its runs logged. */
    private readonly storePath?: () => string | undefined,
  ) {}

  loggedMetrics(): ReadonlySet<string> | undefined {
    const store = this.storePath?.();
    return store ? loggedMetricNames(store, this.ttlMs) : undefined;
  }

  /** The answer kept for `key` when it is younger than ttlMs, else a fresh one from `compute`. */
  private cached<T>(cache: Map<string, { at: number; value: T }>, key: string, compute: () => T): T {
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = compute();
    cache.set(key, { at: now, value });
    return value;
  }

  exists(absPath: string): boolean {
    return this.cached(this.existsCache, absPath, () => existsSync(absPath));
  }

  readText(absPath: string): string | undefined {
    return this.cached(this.textCache, absPath, () => {
      try {
        return statSync(absPath).size > 4_000_000 ? undefined : readFileSync(absPath, 'utf8');
      } catch {
        return undefined;
      }
    });
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

  pathProblem(root: string, p: NamedPath): PathProblem | undefined {
    if (this.verdictCache.size > 100_000) this.verdictCache.clear();
    const key = `${root}\0${p.what}\0${p.value}\0${p.write ? 'w' : 'r'}${p.external ? 'x' : ''}`;
    return this.cached(this.verdictCache, key, () => pathProblem(root, p, (abs) => this.cached(this.realCache, abs, () => realPathOf(abs))));
  }

  invalidate(): void {
    this.verdictCache.clear();
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
