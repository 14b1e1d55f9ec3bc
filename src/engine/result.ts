// Results at the engine's edges: a value, or an EngineError (engineErrorSchema.ts) naming the cause.
import type { EngineError } from './engineErrorSchema';

export type { EngineError };

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
