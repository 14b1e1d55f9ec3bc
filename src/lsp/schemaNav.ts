// The schema (or built-in `with` schema) that applies at a located path.
import type { z } from 'zod';
import type { Analysis } from '../engine/pipeline/analyze';
import { builtin, type Builtin } from '../engine/pipeline/builtins';
import { PipelineSchema } from '../engine/pipeline/schema';
import { schemaAt } from '../engine/pipeline/schemaInfo';

interface SchemaPlace {
  schema?: z.ZodType;
  /** Set when the path is inside a stage's `with`: its built-in. */
  builtin?: Builtin;
  stage?: string;
}

/** Path from locate() ('[]' for list items) → schema path (numbers for list items). */
const toSchemaPath = (path: string[]): (string | number)[] => path.map((p) => (p === '[]' ? 0 : p));

/** The schema of the mapping or value at `path` (a list of keys from the root). */
export function schemaAtPath(path: string[], analysis: Analysis): SchemaPlace {
  const stage = path[0] === 'stages' ? path[1] : undefined;
  if (stage !== undefined && path[2] === 'with') {
    const facts = analysis.model.stages.get(stage)?.facts;
    const b = facts?.uses ? builtin(facts.uses.name) : undefined;
    if (!b) return { stage };
    return { schema: schemaAt(b.resolved, toSchemaPath(path.slice(3))), builtin: b, stage };
  }
  return { schema: schemaAt(PipelineSchema, toSchemaPath(path)), ...(stage !== undefined ? { stage } : {}) };
}
