// A run's log as text. A stage or script run has its own file; a pipeline run's log is its stages'
// logs one after the other in the order they ran, each under a header line, a cached stage said in one
// line (it did not run, so it wrote nothing). The executor writes that text to `pipeline.log` beside
// the stage logs when the pipeline ends; the run details panel and Open Run Log compose it from the
// stage logs while the pipeline still runs (or for a run recorded before pipeline.log existed).
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ok, type Result } from '../result';
import type { Run } from '../tracking/schemas';
import type { Tracker } from '../tracking/tracking';
import { pipelineStages } from './pipelineStages';

export interface LogPart {
  stage: string;
  status: string;
  /** The stage's log file (undefined: it has none, e.g. cached or skipped). */
  file?: string;
  /** A line said instead of (or, when the file is gone, as well as) its log. */
  note?: string;
}

export interface LogText {
  text: string;
  /** Bytes of the whole log (the text is its tail when `truncated`). */
  bytes: number;
  truncated: boolean;
}

/** The last `maxBytes` bytes of a file (starting at a line), and its size; undefined when it cannot be read. */
export function readTail(file: string, maxBytes = Infinity): LogText | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const take = Math.min(size, maxBytes);
    const buf = Buffer.alloc(take);
    let read = 0;
    while (read < take) {
      const n = readSync(fd, buf, read, take - read, size - take + read);
      if (n === 0) break;
      read += n;
    }
    let text = buf.subarray(0, read).toString('utf8');
    if (take < size) text = text.slice(text.indexOf('\n') + 1);
    return { text, bytes: size, truncated: take < size };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** A pipeline run's log from its stages' parts, in order; at most `maxBytes` of each stage's log (its tail). */
export function composeStageLogs(parts: readonly LogPart[], maxBytes = Infinity): LogText {
  const chunks: string[] = [];
  let bytes = 0;
  let truncated = false;
  for (const p of parts) {
    const header = `── ${p.stage} · ${p.status} ──\n`;
    chunks.push(header);
    bytes += Buffer.byteLength(header);
    if (p.note) chunks.push(`${p.note}\n`);
    if (!p.file) continue;
    const tail = existsSync(p.file) ? readTail(p.file, maxBytes) : undefined;
    if (!tail) {
      chunks.push(`(its log ${p.file} is gone)\n`);
      continue;
    }
    bytes += tail.bytes;
    truncated ||= tail.truncated;
    if (tail.truncated) chunks.push(`… (${tail.bytes - Buffer.byteLength(tail.text)} earlier bytes not shown)\n`);
    chunks.push(tail.text.endsWith('\n') || tail.text === '' ? tail.text : `${tail.text}\n`);
  }
  return { text: chunks.join(''), bytes, truncated };
}

export interface RunLog {
  /** A file holding the whole log, to open in an editor (undefined: none; `text` is composed from the stages). */
  file: string | undefined;
  /** The log's tail (at most `maxBytes`), or undefined when the run has no log at all. */
  log: LogText | undefined;
}

/**
 * A run's log: its own file (the log path it recorded, relative to `root` when not absolute; or an
 * artifact named *.log), or for a pipeline run its stages' logs in the order they ran.
 */
export function runLog(tracker: Pick<Tracker, 'listRuns' | 'listArtifacts'>, run: Run, options: { root: string; maxBytes?: number }): Result<RunLog> {
  const max = options.maxBytes ?? Infinity;
  const own = run.logPath ? (isAbsolute(run.logPath) ? run.logPath : join(options.root, run.logPath)) : undefined;
  if (own && existsSync(own)) return ok({ file: own, log: readTail(own, max) });
  const stages = pipelineStages(tracker, run);
  if (!stages.ok) return stages;
  if (stages.value.length === 0) {
    const listed = tracker.listArtifacts(run.id);
    if (!listed.ok) return listed;
    const kept = listed.value.find((a) => a.path.endsWith('.log') && existsSync(a.file));
    return ok({ file: kept?.file, log: kept ? readTail(kept.file, max) : undefined });
  }
  const parts = stages.value.map((s): LogPart => {
    const note = s.status === 'cached' ? `cached: not run, its outputs were up to date${s.run ? ` (from run ${s.run.name}, ${s.run.id.slice(0, 8)})` : ''}` : s.reason;
    const file = s.status !== 'cached' && s.run ? stageLogFile(tracker, s.run, options.root) : undefined;
    return { stage: s.name, status: s.status, ...(file ? { file } : {}), ...(note ? { note } : {}) };
  });
  const composed = composeStageLogs(parts, max);
  if (!(composed.bytes > max)) return ok({ file: undefined, log: composed });
  const cut = composed.text.slice(-max);
  return ok({ file: undefined, log: { text: cut.slice(cut.indexOf('\n') + 1), bytes: composed.bytes, truncated: true } });
}

/** A stage's log: the file it wrote, or the copy kept as its artifact `logs/<stage>.log` when that file is gone. */
function stageLogFile(tracker: Pick<Tracker, 'listArtifacts'>, run: Run, root: string): string | undefined {
  const own = run.logPath ? (isAbsolute(run.logPath) ? run.logPath : join(root, run.logPath)) : undefined;
  if (own && existsSync(own)) return own;
  const listed = tracker.listArtifacts(run.id);
  const kept = listed.ok ? listed.value.find((a) => a.path.startsWith('logs/') && a.path.endsWith('.log')) : undefined;
  return kept?.file ?? own;
}
