// The sub-folders of an MLflow store's folder (registered models, versions, dataset records), sorted;
// none when the folder is missing or cannot be read (the caller reports what it expected there).
import { readdirSync } from 'node:fs';

export function folderNames(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
