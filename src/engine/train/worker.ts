// Runs a training in a worker thread, so the process's event loop (logs, progress, other stages, cancel)
// stays live while it trains: the rows are copied to the worker, each epoch's loss comes back as a
// message, and aborting terminates the worker at once. Where the worker's script is not there (a bundle
// built without dist/trainWorker.js) the caller's in-thread fallback runs instead (time slices, steps.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Result } from '../result';
import type { FittedModel } from './model';
import type { TrainingRows } from './prepare';
import { StepsAborted } from './steps';
import type { TrainOptions } from './train';

type Trained = Result<{ model: FittedModel; losses: number[] }>;

export interface TrainJob {
  data: TrainingRows;
  options: Omit<TrainOptions, 'onEpoch'>;
}

export type FromWorker = { type: 'epoch'; epoch: number; loss: number } | { type: 'done'; result: Trained } | { type: 'crashed'; message: string };

/** The worker's script beside this file: the bundle's .js, or under tsx the .ts source (loaded through tsx). */
function workerScript(): { file: string; execArgv: string[] } | undefined {
  const ts = __filename.endsWith('.ts');
  const file = join(__dirname, ts ? 'trainWorker.ts' : 'trainWorker.js');
  if (!existsSync(file)) return undefined;
  return { file, execArgv: ts ? ['--require', 'tsx/cjs'] : [] };
}

/**
 * Trains in a worker thread; `options.onEpoch` hears each epoch's loss (returning false stops the fit, as
 * aborting `signal` does: both reject with StepsAborted). `inThread` runs when there is no worker script.
 */
export function trainInWorker(data: TrainingRows, options: TrainOptions, signal: AbortSignal | undefined, inThread: () => Promise<Trained>): Promise<Trained> {
  const { onEpoch, ...rest } = options;
  const script = workerScript();
  if (!script) return inThread();
  if (signal?.aborted) return Promise.reject(new StepsAborted('aborted'));
  return new Promise<Trained>((resolve, reject) => {
    const worker = new Worker(script.file, { execArgv: script.execArgv });
    let settled = false;
    const finish = (err: Error | undefined, value?: Trained): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (err) reject(err);
      else resolve(value!);
    };
    const onAbort = (): void => finish(new StepsAborted('aborted'));
    signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'epoch') {
        if (onEpoch?.(m.epoch, m.loss) === false) finish(new StepsAborted('stopped'));
      } else if (m.type === 'done') finish(undefined, m.result);
      else finish(new Error(`The training worker failed: ${m.message}`));
    });
    worker.on('error', (err) => finish(err));
    worker.on('exit', (code) => finish(new Error(`The training worker exited (code ${code}) before finishing.`)));
    const job: TrainJob = { data, options: rest };
    worker.postMessage(job);
  });
}
