// What every export starts from: the pipeline read and checked as `sextant lint` checks it (an export of
// a pipeline with errors is refused, listing them), its stages in file order with their written `needs`
// and the edges derived from outs → deps (./../pipeline/derivedEdges.ts, the runner's own function), and
// the line of each stage and field in sextant.yaml for the notes on what a target cannot express.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { analyzeText, withFindings } from '../pipeline/analyze';
import { derivedEdges, pipelineIo } from '../pipeline/derivedEdges';
import { FsHost } from '../pipeline/host';
import { liveFindings } from '../pipeline/liveChecks';
import { parsePipelineText } from '../pipeline/read';
import type { Pipeline, Stage } from '../pipeline/schema';
import { fail, ok, type Result } from '../result';
import { workspaceLayout } from '../workspace/layout';

export interface PlanStage {
  name: string;
  stage: Stage;
  /** Every stage it runs after: its written `needs`, then the derived ones, in that order, no repeats. */
  after: string[];
  /** 1-based line of its key in the pipeline file. */
  line: number;
}

export interface ExportPlan {
  /** The pipeline file as the user named it (for messages). */
  file: string;
  pipeline: Pipeline;
  stages: PlanStage[];
  /** 1-based line of `key:` inside a stage (or of the stage key when absent). */
  lineOf(stage: string, key: string): number;
  /** 1-based line of a dataset's entry under `datasets:`. */
  datasetLine(name: string): number;
}

const MARK = { error: 'error', warning: 'warning', information: 'info', hint: 'hint' } as const;

/** Reads and checks `path` (shown as `shown`); refuses a pipeline with lint errors, listing them as `sextant lint` does. */
export async function exportPlan(path: string, shown = basename(path)): Promise<Result<ExportPlan>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return fail({ code: 'pipeline-unreadable', file: shown, message: `cannot read the pipeline: ${(err as Error).message}` });
  }
  const host = new FsHost(dirname(path), 2000, () => workspaceLayout(dirname(path)).storePath);
  const analysis = analyzeText(text, host);
  const errors = withFindings(analysis, await liveFindings(analysis, host)).filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const list = errors.map((d) => `${shown}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${MARK[d.severity]} [${d.code}] ${d.message}`);
    return fail({ code: 'export-lint-errors', file: shown, message: `the pipeline has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing exported:\n${list.join('\n')}`, fix: `fix them (sextant lint ${shown}) and export again` });
  }
  const parsed = parsePipelineText(text, shown);
  if (!parsed.ok) return parsed;
  const pipeline = parsed.value;
  const lines = analysis.parsed.lines;
  const keyOffset = (name: string): number => analysis.model.stages.get(name)?.facts.key[0] ?? 0;
  const names = Object.keys(pipeline.stages);
  const derived = derivedEdges(pipelineIo(pipeline));
  const stages = names.map((name) => {
    const stage = pipeline.stages[name]!;
    const after = [...(stage.needs ?? [])];
    for (const d of derived) if (d.stage === name && !after.includes(d.need)) after.push(d.need);
    return { name, stage, after, line: lines.position(keyOffset(name)).line + 1 };
  });
  const lineOf = (stage: string, key: string): number => {
    const start = keyOffset(stage);
    const next = names.map(keyOffset).filter((o) => o > start).sort((a, b) => a - b)[0] ?? text.length;
    const at = text.slice(start, next).search(new RegExp(`(^|[\\s{,])${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`, 'm'));
    return lines.position(at < 0 ? start : start + at + (/\s|[{,]/.test(text[start + at] ?? '') ? 1 : 0)).line + 1;
  };
  const datasetLine = (name: string): number => lines.position(analysis.model.datasets.get(name)?.start ?? 0).line + 1;
  return ok({ file: shown, pipeline, stages, lineOf, datasetLine });
}

/** A thing the target cannot say, and where the pipeline says it. */
export interface ExportNote {
  line: number;
  message: string;
}

/** What an exporter returns: the file's text, the stage names it had to change, and what it could not express. */
export interface ExportOutput {
  text: string;
  names: { stage: string; as: string }[];
  notes: ExportNote[];
}

export const noteText = (file: string, n: ExportNote): string => `${file}:${n.line}: ${n.message}`;

/** Plain params (secret ones without their value), in file order. */
export function plainParams(pipeline: Pipeline): { name: string; value: string | undefined; secret: boolean }[] {
  if (!pipeline.params || typeof pipeline.params === 'string') return [];
  return Object.entries(pipeline.params).map(([name, v]) => {
    const declared = v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
    const value = declared ? declared.value : (v as Exclude<typeof v, typeof declared>);
    const secret = declared?.secret === true;
    return { name, value: secret ? undefined : typeof value === 'string' ? value : JSON.stringify(value), secret };
  });
}
