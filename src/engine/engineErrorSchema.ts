// What went wrong at the engine's edge, as a schema: the type every Result's error has (result.ts), and
// what `--json` prints as `error` when a CLI command fails. Kept apart from result.ts, which imports only its
// type, so that a module that returns Results does not load zod (`sextant runs list --json` loads none).
import { z } from 'zod';

/** A stable code, a sentence, where, and what to do about it. */
export const EngineErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  file: z.string().optional(),
  line: z.number().int().optional(),
  /** 1-based column, in `line` or in a one-line text (a filter). */
  column: z.number().int().optional(),
  fix: z.string().optional(),
});
export type EngineError = z.infer<typeof EngineErrorSchema>;
