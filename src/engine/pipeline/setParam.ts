// "Run with lr = 0.05" (the param CodeLens): the one text edit that sets an inline param of a pipeline
// file to a value, leaving every other byte (comments, layout) as it was.
import { isMap, isScalar, parseDocument } from 'yaml';
import { fail, ok, type Result } from '../result';

export interface TextReplacement {
  /** Offsets into the text: replace [start, end) with `text`. */
  start: number;
  end: number;
  text: string;
}

/** A value as YAML text: numbers, booleans and null plain; strings, lists and mappings as JSON (a valid YAML flow value). */
function yamlText(value: unknown): string | undefined {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'string' || Array.isArray(value) || (typeof value === 'object' && value !== null)) return JSON.stringify(value);
  return undefined;
}

/** The edit that sets `params.<name>` of a pipeline's text to `value`; an error when the params are not written inline or the param is not there. */
export function inlineParamEdit(text: string, name: string, value: unknown, file?: string): Result<TextReplacement> {
  const where = file ? { file } : {};
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length > 0) return fail({ code: 'param-edit', ...where, message: `The pipeline file has YAML errors, so param "${name}" was not changed: ${doc.errors[0]!.message.split('\n')[0]}` });
  const params = doc.get('params', true);
  if (!isMap(params)) return fail({ code: 'param-edit', ...where, message: `The pipeline has no inline \`params:\` mapping, so param "${name}" cannot be set in it.`, fix: 'Change the value in the params file.' });
  const pair = params.items.find((p) => isScalar(p.key) && String(p.key.value) === name);
  const node = pair?.value as { range?: [number, number, number] } | null | undefined;
  if (!pair || !node?.range) return fail({ code: 'param-edit', ...where, message: `The pipeline has no inline param "${name}" with a value.` });
  const replacement = yamlText(value);
  if (replacement === undefined) return fail({ code: 'param-edit', ...where, message: `Param "${name}" cannot be set to ${String(value)}.` });
  // a block list or mapping's range ends after its last line break: keep that
  const [start, end] = node.range;
  return ok({ start, end: start + text.slice(start, end).trimEnd().length, text: replacement });
}
