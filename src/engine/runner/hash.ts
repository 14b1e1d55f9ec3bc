// Content hashes of stage inputs and outputs: streaming sha256 with one reused buffer, and a stat
// cache (size, mtime, inode) so an unchanged file is never read twice. A folder hashes as the sorted
// list of its files' relative paths and hashes.
import { createHash } from 'node:crypto';
import { promises as fsp, type Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';

export const FileStampSchema = z.object({ size: z.number(), mtimeMs: z.number(), ino: z.number(), sha256: z.string() });
type FileStamp = z.infer<typeof FileStampSchema>;

/** Path (absolute) → last known stamp. Persisted in the runner state between runs. */
type StatCache = Record<string, FileStamp>;

const CHUNK = 4 * 1024 * 1024;
let pool: Buffer | undefined;

/** sha256 of a file, read sequentially in 4 MiB chunks. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const fh = await fsp.open(path, 'r');
  const buf = pool ?? Buffer.allocUnsafe(CHUNK);
  pool = undefined; // one reader at a time owns the pooled buffer
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead));
    }
  } finally {
    pool = buf;
    await fh.close();
  }
  return hash.digest('hex');
}

function sameStamp(stamp: FileStamp | undefined, st: Stats): stamp is FileStamp {
  return stamp !== undefined && stamp.size === st.size && stamp.mtimeMs === st.mtimeMs && stamp.ino === st.ino;
}

interface PathHash {
  /** sha256 of the file, or of the folder's listing; null when the path does not exist. */
  sha256: string | null;
  kind: 'file' | 'dir' | 'missing';
  size: number;
  /** Files inside (a folder), relative path → sha256. */
  files?: Record<string, string>;
}

export class Hasher {
  /** How many files were actually read (not answered from the stat cache). */
  hashedFiles = 0;
  /** Paths looked at in this run (to prune the stat cache). */
  readonly used = new Set<string>();
  constructor(readonly cache: StatCache = {}) {}

  async file(path: string, st?: Stats): Promise<FileStamp> {
    const stats = st ?? (await fsp.stat(path));
    this.used.add(path);
    const known = this.cache[path];
    if (sameStamp(known, stats)) return known;
    const sha256 = await sha256File(path);
    this.hashedFiles++;
    const stamp = { size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino, sha256 };
    // A file modified during hashing gets a stamp that will not match next time, so it is hashed again.
    this.cache[path] = stamp;
    return stamp;
  }

  async path(path: string): Promise<PathHash> {
    let st: Stats;
    try {
      st = await fsp.stat(path);
    } catch {
      return { sha256: null, kind: 'missing', size: 0 };
    }
    if (st.isFile()) {
      const stamp = await this.file(path, st);
      return { sha256: stamp.sha256, kind: 'file', size: stamp.size };
    }
    if (!st.isDirectory()) return { sha256: null, kind: 'missing', size: 0 };
    const files: Record<string, string> = {};
    let size = 0;
    for (const f of await listFiles(path)) {
      const stamp = await this.file(f);
      files[relative(path, f).split(sep).join('/')] = stamp.sha256;
      size += stamp.size;
    }
    const listing = Object.keys(files).sort().map((k) => `${files[k]}  ${k}\n`).join('');
    return { sha256: createHash('sha256').update(listing).digest('hex'), kind: 'dir', size, files };
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await fsp.readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  await walk(dir);
  return out;
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with sorted keys, so equal values always hash the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}
