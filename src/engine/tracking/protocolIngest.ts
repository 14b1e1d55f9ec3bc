// Applies a run's stdout to the store: protocol lines become metrics, params, tags and artifacts;
// malformed ones, and values the store refuses, become problems (with their line number) and the run
// carries on. The one implementation of the protocol: the runner feeds it each line of a stage's
// stdout (through its RunTracker); a caller with chunks feeds them as they arrive and partial lines
// wait for their end.
import { isAbsolute, join } from 'node:path';
import { describeError, type Result } from '../result';
import { parseProtocolLine } from './protocol';
import type { MetricPointInput, Rejection } from './schemas';

/** Where protocol lines are recorded: the store's Tracker, or the runner's RunTracker. */
export interface ProtocolSink {
  logMetrics(runId: string, points: readonly MetricPointInput[]): Result<{ rejected: Rejection[] }>;
  logParams(runId: string, params: Record<string, string>): Result<{ rejected: Rejection[] }>;
  setTags(runId: string, tags: Record<string, string>): Result<{ rejected: Rejection[] }>;
  /** Stores the file under `path`, its media type guessed from its extension. */
  logArtifact(runId: string, file: string, options: { path: string }): Result<unknown>;
}

export interface ProtocolProblem {
  line: number;
  message: string;
}

export class ProtocolIngestor {
  private lineNo = 0;
  private pending = '';
  readonly problems: ProtocolProblem[] = [];

  constructor(
    private readonly tracker: ProtocolSink,
    private readonly runId: string,
    private readonly options: { cwd: string; onProblem?: (problem: ProtocolProblem) => void } ,
  ) {}

  /** Feeds a chunk of output; complete lines are handled now. */
  write(chunk: string): void {
    const text = this.pending + chunk;
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    for (const l of lines) this.line(l);
  }

  /** Handles the last partial line (call when the process ends). */
  end(): void {
    if (this.pending) this.line(this.pending);
    this.pending = '';
  }

  /** Handles one line; returns true when it was a protocol line (ours, even if malformed). */
  line(text: string): boolean {
    this.lineNo++;
    const parsed = parseProtocolLine(text);
    if (parsed === undefined) return false;
    if (!parsed.ok) {
      this.problem(parsed.error.message);
      return true;
    }
    const { event, rejected } = parsed.value;
    for (const r of rejected) this.problem(`"${r.key}" skipped: ${r.reason}`);
    let result;
    switch (event.kind) {
      case 'metric':
        result = this.tracker.logMetrics(
          this.runId,
          Object.entries(event.values).map(([key, value]) => ({ key, value, step: event.step, timestamp: event.timestamp })),
        );
        break;
      case 'param':
        result = this.tracker.logParams(this.runId, event.values);
        break;
      case 'tag':
        result = this.tracker.setTags(this.runId, event.values);
        break;
      case 'artifact': {
        const file = isAbsolute(event.path) ? event.path : join(this.options.cwd, event.path);
        const logged = this.tracker.logArtifact(this.runId, file, { path: event.path });
        if (!logged.ok) this.problem(describeError(logged.error));
        return true;
      }
    }
    if (!result.ok) this.problem(describeError(result.error));
    else for (const r of result.value.rejected) this.problem(`"${r.key}" skipped: ${r.reason}`);
    return true;
  }

  private problem(message: string): void {
    const p = { line: this.lineNo, message };
    this.problems.push(p);
    this.options.onProblem?.(p);
  }
}
