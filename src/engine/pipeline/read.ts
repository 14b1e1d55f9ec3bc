// Reading a pipeline file into the typed model, with the first problem reported by file and line.
// The language server reports every problem with exact ranges; this is for callers that need the model.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { fail, ok, type Result } from '../result';
import { PipelineSchema, type Pipeline } from './schema';

export function parsePipelineText(text: string, file: string): Result<Pipeline> {
  const lineCounter = new LineCounter();
  // merge: true reads YAML merge keys (`<<: *defaults`) as the editor's checks do (./document.ts)
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = lineCounter.linePos(first.pos[0]).line;
    return fail({ code: 'yaml-syntax', file, line, message: first.message.split('\n')[0] ?? 'YAML syntax error' });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return fail({ code: 'yaml-syntax', file, message: (err as Error).message });
  }
  const parsed = PipelineSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const node = doc.getIn(issue.path as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    return fail({ code: 'pipeline-schema', file, ...(line !== undefined ? { line } : {}), message: `${issue.path.join('.') || '(file)'}: ${issue.message}` });
  }
  return ok(parsed.data);
}

export function readPipeline(file: string): Result<Pipeline> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return fail({ code: 'pipeline-unreadable', file, message: `Cannot read the pipeline: ${(err as Error).message}` });
  }
  return parsePipelineText(text, file);
}
