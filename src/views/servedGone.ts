// Which served model versions the registry no longer has: a version deleted (from the Models view, `sextant models
// delete`, or another process) while this window serves it. The server holds the model in memory and would go on
// answering for a version the registry says does not exist, logging predictions against it; src/views/serving.ts
// stops it instead and says why. No `vscode` import: test/unit/serving.gone.test.ts checks it on a real store.
import type { ModelSummary } from '../engine/registry/list';

export interface ServedVersion {
  model: string;
  version: number;
}

/** The entries of `served` that `models` (the registry as it is now) no longer lists. */
export function goneServed<T extends ServedVersion>(served: readonly T[], models: readonly Pick<ModelSummary, 'name' | 'versions'>[]): T[] {
  const present = new Set(models.flatMap((m) => m.versions.map((v) => `${m.name}@${v.version}`)));
  return served.filter((s) => !present.has(`${s.model}@${s.version}`));
}
