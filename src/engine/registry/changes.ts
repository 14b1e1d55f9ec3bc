// Whether the registry changed: the number its triggers move on every write (store/registryChangesSchema.ts).
// A view compares it with the number it drew, on every store event, instead of reading the models again.
import type { Database } from '../store/open';

/** The registry's change number; undefined for a store from before migration 13 (opened read-only, not upgraded). */
export function registryChangeNumber(db: Database): number | undefined {
  try {
    return (db.prepare('SELECT seq FROM registry_changes WHERE id = 1').pluck().get() as number | undefined) ?? undefined;
  } catch {
    return undefined;
  }
}
