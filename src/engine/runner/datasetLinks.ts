// Which of the pipeline's datasets a stage reads and writes: a dataset whose file is one of the stage's
// inputs (`deps`, or what its built-in reads, e.g. `sextant/train`'s `dataset:`) is read; one that is an
// output is written. The tracker records the version of each (dataset versions, run_dataset_versions).
import { resolve } from 'node:path';
import type { PiiRule } from '../data/pii/protect';
import type { DataFormat } from '../data/read/batch';
import type { Pipeline } from '../pipeline/schema';
import type { StagePlan } from './plan';

export interface DatasetLink {
  name: string;
  /** Absolute path of the dataset's file or folder. */
  file: string;
  role: 'input' | 'output';
  /** The version the pipeline pins the dataset to (`version:`), if any. */
  pin?: number;
  /** `pii:` rules of the dataset's expectations, by column. */
  pii: Map<string, PiiRule>;
  format?: DataFormat;
}

export function stageDatasetLinks(plan: StagePlan, pipeline: Pipeline, root: string): DatasetLink[] {
  const links: DatasetLink[] = [];
  const deps = new Set(plan.deps);
  const outs = new Set(plan.outs);
  for (const [name, d] of Object.entries(pipeline.datasets ?? {})) {
    const file = resolve(root, d.path);
    const role = outs.has(file) ? 'output' : deps.has(file) ? 'input' : undefined;
    if (!role) continue;
    const pii = new Map<string, PiiRule>();
    for (const e of pipeline.expectations?.[name] ?? []) if (e.column && e.pii) pii.set(e.column, e.pii);
    links.push({ name, file, role, ...(d.version !== undefined ? { pin: d.version } : {}), ...(d.format ? { format: d.format } : {}), pii });
  }
  return links;
}
