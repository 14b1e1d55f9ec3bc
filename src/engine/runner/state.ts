// What the runner remembers between runs, per pipeline file: each stage's last successful fingerprint,
// its outputs' hashes and metrics, the stage that is running (so an interrupted run is detected and
// its processes stopped), and the stat cache of hashed files. One JSON file under .sextant/runner/,
// written atomically (temporary file, then rename).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { z } from 'zod';
import { STORE_DIR } from '../workspace/layout';
import { FileStampSchema, sha256Text } from './hash';

export const OutputRecordSchema = z.object({ sha256: z.string(), kind: z.enum(['file', 'dir']), size: z.number(), files: z.record(z.string(), z.string()).optional() });
export type OutputRecord = z.infer<typeof OutputRecordSchema>;

export const StageStateSchema = z.object({
  fingerprint: z.string(),
  outs: z.record(z.string(), OutputRecordSchema),
  metrics: z.record(z.string(), z.number()),
  runId: z.string().nullable(),
  finishedAt: z.number(),
});
export type StageState = z.infer<typeof StageStateSchema>;

export const RunningSchema = z.object({ runId: z.string(), pid: z.number(), startedAt: z.number(), stages: z.record(z.string(), z.object({ runId: z.string(), pgid: z.number().nullable() })) });

const RunnerStateSchema = z.object({
  version: z.literal(1),
  /** Stages whose last run succeeded, by name. A failed stage is removed, so it runs again. */
  stages: z.record(z.string(), StageStateSchema),
  /** The run in progress (absent when none): its process id and its stages' process groups. */
  running: RunningSchema.optional(),
  files: z.record(z.string(), FileStampSchema),
});
type RunnerState = z.infer<typeof RunnerStateSchema>;

function emptyState(): RunnerState {
  return { version: 1, stages: {}, files: {} };
}

export function statePath(root: string, pipelineFile: string): string {
  const id = sha256Text(relative(root, pipelineFile)).slice(0, 16);
  return join(root, STORE_DIR, 'runner', `${id}.json`);
}

/** The saved state; an empty one when missing or unreadable (everything then runs, nothing is lost). */
export function loadState(path: string): { state: RunnerState; warning?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { state: emptyState() };
  }
  try {
    const parsed = RunnerStateSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { state: parsed.data };
    return { state: emptyState(), warning: `${path}: runner state has an unexpected shape (${parsed.error.issues[0]?.message}); every stage will run.` };
  } catch (err) {
    return { state: emptyState(), warning: `${path}: runner state is not JSON (${(err as Error).message}); every stage will run.` };
  }
}

export function saveState(path: string, state: RunnerState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, path);
}
