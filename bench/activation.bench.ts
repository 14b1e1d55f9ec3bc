// Placeholder replaced below once the extension exists.
import type { Bench } from './util';
export const activationBench: Bench = { name: 'activation', async run(print) { print('pending'); } };
