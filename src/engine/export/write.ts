// Writing an export: to a temporary file beside the target, then renamed over it, so a failure never
// leaves a half-written file.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fail, ok, type Result } from '../result';

export function writeAtomically(path: string, text: string): Result<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, path);
    return ok(undefined);
  } catch (err) {
    rmSync(tmp, { force: true });
    return fail({ code: 'export-write', file: path, message: `cannot write the export: ${(err as Error).message}` });
  }
}

/** Writes a new folder whole: files into a temporary folder beside it, then renamed to `dir`. Refuses a `dir` that exists. */
export function writeFolderAtomically(dir: string, files: Record<string, string | Buffer>): Result<void> {
  if (existsSync(dir)) return fail({ code: 'export-exists', file: dir, message: 'the output folder exists; nothing written', fix: 'remove it or choose another with --out' });
  const tmp = join(dirname(dir), `.${basename(dir)}.${process.pid}.tmp`);
  try {
    mkdirSync(tmp, { recursive: true });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(tmp, name), content);
    renameSync(tmp, dir);
    return ok(undefined);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    return fail({ code: 'export-write', file: dir, message: `cannot write the export: ${(err as Error).message}` });
  }
}
