// Writing an export: to a temporary file beside the target, then renamed over it, so a failure never
// leaves a half-written file.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
