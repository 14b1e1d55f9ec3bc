import { z } from 'zod';

/** What went wrong at the engine's edge: a stable code, a sentence, where, and what to do about it. */
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

export type Result<T, E = EngineError> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

export function fail(error: EngineError): Result<never> {
  return { ok: false, error };
}

/** Renders an error the way the CLI and notifications show it: "file:line: message (fix)". */
export function describeError(error: EngineError): string {
  const where = error.file ? `${error.file}${error.line !== undefined ? `:${error.line}` : ''}: ` : '';
  return `${where}${error.message}${error.fix ? `\n  fix: ${error.fix}` : ''}`;
}
