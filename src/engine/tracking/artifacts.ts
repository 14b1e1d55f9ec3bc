// Artifacts are stored by content: `<artifacts>/<first 2 hex>/<sha256>`, written once (a copy to a
// temporary name, then a rename, so a crash never leaves a half file under a real hash). The store
// records, per run, the path the user gave, the hash, the size and the media type.
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

const MEDIA_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.gif': 'image/gif',
  '.onnx': 'application/onnx',
  '.pkl': 'application/x-pickle',
  '.pt': 'application/x-pytorch',
  '.parquet': 'application/vnd.apache.parquet',
  '.npy': 'application/x-npy',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
};

function mediaTypeFor(path: string): string {
  return MEDIA_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

function sha256File(path: string): { sha256: string; size: number } {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let size = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      size += n;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), size };
}

export function blobPath(artifactsDir: string, sha256: string): string {
  return join(artifactsDir, sha256.slice(0, 2), sha256);
}

/** Copies a file into the content-addressed folder (once per content); returns its hash, size and media type. */
export function storeBlob(artifactsDir: string, file: string): { sha256: string; size: number; mediaType: string; file: string; name: string } {
  if (!statSync(file).isFile()) throw new Error(`${file} is not a file`);
  const { sha256, size } = sha256File(file);
  const target = blobPath(artifactsDir, sha256);
  if (!existsSync(target)) {
    mkdirSync(join(artifactsDir, sha256.slice(0, 2)), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
    try {
      copyFileSync(file, tmp);
      renameSync(tmp, target);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        /* nothing to clean */
      }
      throw err;
    }
  }
  return { sha256, size, mediaType: mediaTypeFor(file), file: target, name: basename(file) };
}
