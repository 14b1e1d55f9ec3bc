// The implementations of the built-in stages, by `uses` name (their `with` schemas live in
// src/engine/pipeline/builtins.ts, shared with the language server).
import type { BuiltinName } from '../pipeline/builtins';
import type { BuiltinImpl } from './types';
import { trainBuiltin } from './train';
import { evaluateBuiltin } from './evaluate';
import { gateBuiltin } from './gate';
import { validateBuiltin } from './validate';
import { registerBuiltin } from './register';
import { driftBuiltin } from './drift';

export const BUILTIN_IMPLS: Record<BuiltinName, BuiltinImpl> = {
  'sextant/train': trainBuiltin,
  'sextant/evaluate': evaluateBuiltin,
  'sextant/gate': gateBuiltin,
  'sextant/validate': validateBuiltin,
  'sextant/register': registerBuiltin,
  'sextant/drift': driftBuiltin,
};
