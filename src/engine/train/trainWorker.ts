// The worker thread's side of worker.ts: trains on the rows it is sent, posting each epoch's loss as it
// goes and the result at the end. Bundled on its own (dist/trainWorker.js) so any process can start it.
import { parentPort } from 'node:worker_threads';
import { runSteps } from './steps';
import { trainRowsSteps } from './train';
import type { FromWorker, TrainJob } from './worker';

parentPort?.once('message', (job: TrainJob) => {
  const post = (m: FromWorker): void => parentPort!.postMessage(m);
  try {
    const result = runSteps(trainRowsSteps(job.data, { ...job.options, onEpoch: (epoch, loss) => post({ type: 'epoch', epoch, loss }) }));
    post({ type: 'done', result });
  } catch (err) {
    post({ type: 'crashed', message: (err as Error).stack ?? String(err) });
  }
});
