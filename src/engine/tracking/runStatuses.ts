// The statuses a run can have, in the order a run goes through them. Apart from schemas.ts (which makes
// RunStatusSchema of them) so that code that only names them does not load zod.
export const RUN_STATUSES = ['queued', 'running', 'finished', 'failed', 'killed'] as const;
