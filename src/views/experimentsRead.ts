// The Experiments view's read of the store, held between refreshes: experiments and runs read whole once
// (the change feed's first look before it, so that nothing committed in between is missed), then kept
// current from the feed. The view may take it before it is shown (experimentsTree.ts reads ahead after
// startup, so that the first click finds the rows built), and keeps it when the workspace state reports
// the store it already holds as "ok" (the state is computed after activation: its first report is no change
// of store). No `vscode` import: test/unit/experiments.read.test.ts checks it in plain Node.
import type { EngineError } from '../engine/result';
import type { ChangeFeed } from '../engine/tracking/changes';
import type { Experiment, Run } from '../engine/tracking/schemas';
import type { Tracker } from '../engine/tracking/tracking';

/** What the view holds from the store: the full read, kept current from the feed. */
export interface HeldRead {
  tracker: Tracker;
  feed: ChangeFeed;
  experiments: Experiment[];
  runs: Map<string, Run>;
}

/** Reads the whole store for the view: the feed's first look, then experiments and runs (params, tags, latest metrics). */
export function readAll(tracker: Tracker, feed: ChangeFeed): HeldRead | { error: EngineError | undefined } {
  try {
    feed.next();
  } catch {
    // the read below reports what is wrong with the store
  }
  const experiments = tracker.listExperiments();
  const runs = tracker.listRuns();
  if (!experiments.ok || !runs.ok) return { error: !experiments.ok ? experiments.error : !runs.ok ? runs.error : undefined };
  return { tracker, feed, experiments: experiments.value, runs: new Map(runs.value.map((r) => [r.id, r])) };
}

/**
 * Whether the read in hand stays after the workspace state changed: only when the store is "ok" and is the
 * one read (the same Tracker over the same open database); then the change feed brings what changed, and a
 * second read of thousands of runs would only repeat the first.
 */
export function keepsRead(held: Pick<HeldRead, 'tracker'> | undefined, storeKind: 'ok' | 'missing' | 'error', current: Tracker | undefined): boolean {
  return held !== undefined && storeKind === 'ok' && current !== undefined && held.tracker === current;
}
