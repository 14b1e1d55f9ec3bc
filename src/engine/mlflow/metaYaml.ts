// Reads MLflow's meta.yaml the way MLflow meant it: every scalar as the string written (YAML's
// failsafe schema), so `run_name: 1e-3` stays "1e-3" and `name: 12e4` stays "12e4" (PyYAML's
// safe_load would make floats of them). A plain `null`, `~` or empty value is no value. Times and
// statuses are converted explicitly by the reader (metaTime, the status table in model.ts).
import { readFileSync } from 'node:fs';
import { isMap, isScalar, parseDocument } from 'yaml';
import type { ImportProblem } from './model';

export type Meta = Record<string, string | null>;

const PLAIN_NULL = /^(?:null|Null|NULL|~|)$/;

export function readMetaYaml(file: string, problems: ImportProblem[]): Meta | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push({ file, message: `cannot read meta.yaml: ${(err as Error).message.split('\n')[0]}` });
    return undefined;
  }
  const doc = parseDocument(text, { schema: 'failsafe' });
  if (doc.errors.length > 0) {
    problems.push({ file, message: `cannot read meta.yaml: ${doc.errors[0]!.message.split('\n')[0]}` });
    return undefined;
  }
  if (!isMap(doc.contents)) {
    problems.push({ file, message: 'meta.yaml is empty or not a mapping' });
    return undefined;
  }
  const out: Meta = {};
  for (const pair of doc.contents.items) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    const v = pair.value;
    if (v === null || v === undefined) out[key] = null;
    else if (isScalar(v)) out[key] = v.type === 'PLAIN' && PLAIN_NULL.test(String(v.value)) ? null : String(v.value);
    // Lists and maps (the `tags: []` MLflow writes) carry nothing the importer reads.
  }
  return out;
}

/** A time in milliseconds since the epoch, as MLflow writes it (an integer, sometimes as a float). */
export function metaTime(v: string | null | undefined): number | null {
  if (v === null || v === undefined || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : null;
}
