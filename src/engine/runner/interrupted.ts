// A run that ended without cleaning up (the runner was killed, VS Code closed mid-run): its state file
// still says `running`. Its stages' process groups are stopped, but only those that still carry the
// stage's SEXTANT_RUN_ID in their environment, so a reused pid is never touched.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { RunningSchema } from './state';

function groupCarriesRun(pgid: number, runId: string): boolean {
  try {
    const env = readFileSync(`/proc/${pgid}/environ`, 'utf8');
    return env.split('\u0000').includes(`SEXTANT_RUN_ID=${runId}`);
  } catch {
    return false;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stops what is left of an interrupted run; returns a sentence for the user. */
export function stopInterruptedRun(running: z.infer<typeof RunningSchema>): string {
  const stopped: string[] = [];
  for (const [stage, info] of Object.entries(running.stages)) {
    if (info.pgid === null) continue;
    if (groupCarriesRun(info.pgid, info.runId)) {
      try {
        process.kill(-info.pgid, 'SIGKILL');
        stopped.push(stage);
      } catch {
        /* gone */
      }
    }
  }
  const names = Object.keys(running.stages);
  return `The previous run (${running.runId}) was interrupted${names.length ? ` during ${names.map((n) => `"${n}"`).join(', ')}` : ''}; ${stopped.length ? `stopped the processes left by ${stopped.join(', ')}; ` : ''}those stages run again.`;
}
