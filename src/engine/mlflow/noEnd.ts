// An imported run that MLflow still calls RUNNING, with no end time: the script that logged it ended
// without saying so. It keeps the status MLflow shows, but nothing is writing to it: views show it as
// not live and say "no end recorded" where a duration would be.
export const NO_END_TAG = 'sextant.import.no_end';

export function hasNoEnd(run: { status: string; endedAt: number | null; tags: Record<string, string> }): boolean {
  return run.status === 'running' && run.endedAt === null && run.tags[NO_END_TAG] === 'true';
}
