// `sextant/drift`: not implemented yet. It fails loudly rather than report a result it did not compute.
import { fail } from '../result';
import type { BuiltinImpl } from './types';

export const driftBuiltin: BuiltinImpl = {
  deps: () => [],
  outs: () => [],
  async run(ctx) {
    return fail({ code: 'drift-not-implemented', file: ctx.pipelineFile, message: `Stage "${ctx.stage}": sextant/drift is not implemented yet; no drift was measured.`, fix: 'Remove the stage, or run your own drift script with `run:`.' });
  },
};
