// A parallel profile's worker thread (./parallel.ts): profiles one part of the file (./profilePart.ts) and
// posts the result back. Bundled as dist/profileWorker.js.
import { parentPort, workerData } from 'node:worker_threads';
import type { PartOptions } from '../read/csvParts';
import { profilePart } from './profilePart';

if (parentPort) {
  const port = parentPort;
  void profilePart(workerData as PartOptions).then((result) => port.postMessage(result));
}
