// Long fits are written as generators that yield after each batch (or tree): run to the end at once,
// or in slices that hand the event loop back, so a runner stays responsive while it trains.

/** Drives a step generator to its end. */
export function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export class StepsAborted extends Error {}

/** Drives a step generator, yielding to the event loop when a slice of time has passed; stops with StepsAborted when `signal` aborts. */
export async function runStepsAsync<T>(steps: Generator<void, T>, sliceMs: number, signal?: AbortSignal): Promise<T> {
  let since = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - since >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      since = performance.now();
      if (signal?.aborted) {
        steps.return(undefined as T);
        throw new StepsAborted('aborted');
      }
    }
  }
}
