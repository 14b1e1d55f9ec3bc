// How runner events look to a person, in `sextant run` and in the VS Code task terminal (ANSI colours;
// stripAnsi for output that is not a terminal): one function per kind of line, and the progress line.
// Imports only ../format and types: extension-side code may import it without loading the engine.
import { formatDuration } from '../format';
import type { PipelineResult, RunnerEvent, StageResult } from './types';

export const ANSI = { reset: '\x1b[0m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m', bold: '\x1b[1m' };
const C = ANSI;
const MARK: Record<StageResult['status'], string> = { ran: `${C.green}✓`, cached: `${C.green}=`, failed: `${C.red}✗`, skipped: `${C.yellow}-` };

/** The lines an event prints (none for events that only update state). */
export function renderEvent(e: RunnerEvent): string[] {
  switch (e.type) {
    case 'pipeline-start':
      return [`${C.dim}stages: ${e.stages.join(' → ')}${e.run_id ? ` (run ${e.run_id.slice(0, 8)})` : ''}${C.reset}`];
    case 'stage-start':
      return [`${C.cyan}▶ ${e.stage}${e.devices?.length ? ` on GPU ${e.devices.join(',')}` : ''}${C.reset}`];
    case 'stage-log': {
      const tone = e.stream === 'stderr' ? C.yellow : e.stream === 'sextant' ? C.cyan : '';
      return [`${C.dim}${e.stage.padEnd(10)}│${C.reset} ${tone}${e.line}${tone ? C.reset : ''}`];
    }
    case 'warning':
      return [`${C.yellow}! ${e.message}${C.reset}`];
    case 'stage-end':
      return renderStageEnd(e.result);
    case 'pipeline-end':
      return [renderSummary(e.result)];
  }
}

function renderStageEnd(r: StageResult): string[] {
  const lines = [`${MARK[r.status]} ${r.name}${C.reset} ${r.status} ${C.dim}${formatDuration(r.duration_ms)}${r.restored?.length ? ` (restored ${r.restored.join(', ')})` : ''}${r.gpu?.devices.length ? ` (GPU ${r.gpu.devices.join(',')}${r.gpu.peakUtilizationPercent !== null ? `, peak ${r.gpu.peakUtilizationPercent}%` : ''}${r.gpu.peakMemoryMiB !== null ? `, ${r.gpu.peakMemoryMiB} MiB` : ''})` : ''}${C.reset}`];
  if (r.reason) lines.push(...r.reason.split('\n').map((l) => `    ${r.status === 'failed' ? C.red : C.yellow}${l}${C.reset}`));
  return lines;
}

export function renderSummary(r: PipelineResult): string {
  const counts = (['ran', 'cached', 'failed', 'skipped'] as const).map((s) => [s, r.stages.filter((x) => x.status === s).length] as const).filter(([, n]) => n > 0);
  const tone = r.status === 'succeeded' ? C.green : r.status === 'cancelled' ? C.yellow : C.red;
  return `${tone}${C.bold}Pipeline ${r.status}${C.reset} in ${formatDuration(r.duration_ms)}: ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}`;
}

/** The progress line: finished/total and each running stage with its GPU and elapsed time. */
export function renderProgress(finished: number, total: number, running: Map<string, { started: number; devices?: number[] }>, now: number): string {
  const names = [...running.entries()].map(([n, r]) => `${n}${r.devices?.length ? ` (GPU ${r.devices.join(',')})` : ''} ${formatDuration(now - r.started)}`).join(', ');
  return `${C.cyan}▶ [${finished}/${total}]${C.reset} ${names}`;
}

/** Strips ANSI colour codes (for tests and logs). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
