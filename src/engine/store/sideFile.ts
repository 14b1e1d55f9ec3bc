// A file Sextant keeps beside the store only to go faster (the integrity check's record, the run list cache):
// written whole to a temporary file and renamed over the old one, so a reader sees the old file or the new,
// never half of one. One that cannot be written (a read-only folder, a full disk) is left as it was.
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/** Writes `file` whole, or leaves it as it was; never throws. */
export function writeSideFile(file: string, content: string | Uint8Array): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, content);
    renameSync(temp, file);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      /* the folder is not writable: there is no temporary file either */
    }
  }
}
