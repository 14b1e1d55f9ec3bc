// The stages of a pipeline run in the order the runner took them up, cached and skipped ones included,
// kept on the pipeline run as one compact tag (`sextant.stages`: JSON, a few bytes a stage). A stage
// that ran has its own child run; a cached one has none in this pipeline run, so the tag is the only
// record of it here (`run` names the earlier run whose outputs it reused). Written by the executor as
// each stage settles (live while the pipeline runs), read by the run details panel and `sextant runs`.
import { z } from 'zod';

export const STAGES_TAG = 'sextant.stages';

export const StageRecordSchema = z.object({
  stage: z.string(),
  status: z.enum(['running', 'ran', 'cached', 'failed', 'skipped']),
  /** The stage's run: its own child run, or for a cached stage the earlier run it reused (null when none). */
  run: z.string().nullable(),
  /** Why it failed or was skipped. */
  reason: z.string().optional(),
});
export type StageRecord = z.infer<typeof StageRecordSchema>;

/** The tag's value. Reasons are clipped so that a stage's long error never pushes the tag past the store's limit. */
export function stageRecordTag(records: readonly StageRecord[]): string {
  return JSON.stringify(records.map((r) => (r.reason && r.reason.length > 300 ? { ...r, reason: `${r.reason.slice(0, 299)}…` } : r)));
}

/** The records in a run's tags; undefined when the run has none (not a pipeline run, or one recorded before the tag existed). */
export function readStageRecords(tags: Record<string, string>): StageRecord[] | undefined {
  const text = tags[STAGES_TAG];
  if (text === undefined) return undefined;
  try {
    const parsed = z.array(StageRecordSchema).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
