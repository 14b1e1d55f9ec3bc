// `schema_unchanged`: the columns and their types against a reference, read from a profile file
// (`sextant data profile FILE --json`, or any JSON with `columns: [{ name, type }]`). Until datasets
// have versions in the store, the reference is that file. `categorical` and `string` are one type
// (whether text counts as categorical depends on how many distinct values a version happens to have).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { fail, ok, type Result } from '../../result';
import { ColumnTypeSchema, type ColumnType } from '../profile/schema';

const ReferenceSchema = z.object({ columns: z.array(z.object({ name: z.string(), type: ColumnTypeSchema })) });
type Reference = z.infer<typeof ReferenceSchema>;

export function readReference(path: string): Result<Reference> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return fail({ code: 'reference-unreadable', file: path, message: `Cannot read the reference profile: ${(err as Error).message}`, fix: 'Write one with `sextant data profile DATA --json > ref.json`.' });
  }
  const parsed = ReferenceSchema.safeParse(data);
  if (!parsed.success) return fail({ code: 'reference-invalid', file: path, message: `Not a profile: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`, fix: 'Write one with `sextant data profile DATA --json > ref.json`.' });
  return ok(parsed.data);
}

const same = (a: ColumnType, b: ColumnType): boolean => a === b || (a !== 'empty' && b !== 'empty' && [a, b].every((t) => t === 'string' || t === 'categorical'));

/** The differences, one sentence each (none: unchanged). */
export function schemaChanges(reference: Reference, current: { name: string; type: ColumnType }[]): string[] {
  const now = new Map(current.map((c) => [c.name, c.type]));
  const before = new Map(reference.columns.map((c) => [c.name, c.type]));
  const changes: string[] = [];
  for (const [name, type] of before) {
    const t = now.get(name);
    if (t === undefined) changes.push(`column "${name}" (${type}) is gone`);
    else if (!same(type, t)) changes.push(`column "${name}" was ${type}, is ${t}`);
  }
  for (const [name, type] of now) if (!before.has(name)) changes.push(`column "${name}" (${type}) is new`);
  return changes;
}
