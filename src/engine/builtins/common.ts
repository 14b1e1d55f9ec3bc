// Helpers shared by the built-in stages: parsing `with` against the registry's schema, and finding a
// declared dataset's file and label.
import { resolve } from 'node:path';
import { parseBuiltinWith, type BuiltinName, type BuiltinWith } from '../pipeline/builtins';
import type { Dataset, Pipeline } from '../pipeline/schema';
import { fail, ok, type Result } from '../result';
import type { ColumnTable } from '../data/read/columnTable';
import { readTrainingTable } from '../train/dataset';

export function parseWith<K extends BuiltinName>(name: K, stage: string, value: unknown, file: string): Result<BuiltinWith[K]> {
  const parsed = parseBuiltinWith(name, value);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0]!;
  return fail({ code: 'builtin-with', file, message: `Stage "${stage}" (${name}): with.${issue.path.join('.') || ''} ${issue.message}` });
}

export function findDataset(pipeline: Pipeline, name: string, stage: string, file: string): Result<Dataset> {
  const dataset = pipeline.datasets?.[name];
  if (!dataset) return fail({ code: 'builtin-dataset', file, message: `Stage "${stage}" names dataset "${name}", which is not declared under \`datasets:\` (declared: ${Object.keys(pipeline.datasets ?? {}).join(', ') || 'none'}).` });
  return ok(dataset);
}

/** Reads a declared CSV/TSV dataset for a built-in stage; `label` is read as text (its classes keep their names). */
export function readDataset(dataset: Dataset, root: string, label?: string): Result<ColumnTable> {
  const path = resolve(root, dataset.path);
  const format = dataset.format ?? (path.endsWith('.tsv') ? 'tsv' : path.endsWith('.csv') ? 'csv' : undefined);
  if (format !== 'csv' && format !== 'tsv') return fail({ code: 'dataset-format', file: path, message: `The built-in stages read CSV and TSV files; this dataset is ${format ?? 'of an unknown format'}.` });
  return readTrainingTable(path, { ...(label !== undefined ? { label } : {}), ...(format === 'tsv' ? { separator: '\t' } : {}) });
}

/** Dataset file paths named by `with` keys (for caching): unknown names are left to `run` to report. */
export function datasetPaths(pipeline: Pipeline, names: unknown[]): string[] {
  return names.filter((n): n is string => typeof n === 'string' && !!pipeline.datasets?.[n]).map((n) => pipeline.datasets![n]!.path);
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
