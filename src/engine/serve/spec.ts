// What a served model takes, per row, read from its ONNX signature: the features in order with their
// element type, and how they are fed. Two layouts are served:
//   matrix:  one input tensor [N, F] (Sextant's trainer, most exported scikit-learn/PyTorch models); the
//            features are named by the model's metadata (a Sextant-trained model lists them), else only
//            `instances` (rows as arrays) can be sent.
//   columns: one input per feature, each [N] or [N, 1] (scikit-learn pipelines with a column per input).
// Outputs are the graph's tensor outputs; sequence and map outputs (ZipMap) are not fetched.
import { z } from 'zod';
import { fail, ok, type Result } from '../result';
import type { OnnxSignature, TensorSpec } from '../train/onnx/signature';

const SERVED_DTYPES = ['float32', 'float64', 'int32', 'int64', 'bool', 'string'] as const;
const ServedDtypeSchema = z.enum(SERVED_DTYPES);
export type ServedDtype = z.infer<typeof ServedDtypeSchema>;

export const ServingSpecSchema = z.object({
  layout: z.enum(['matrix', 'columns']),
  /** The input tensor of the matrix layout. */
  input: z.string().nullable(),
  features: z.array(z.object({ name: z.string(), dtype: ServedDtypeSchema })).min(1),
  /** Whether the feature names are the model's own (rows may then be objects by name). */
  named: z.boolean(),
  /** Column layout: whether each input is [N, 1] rather than [N]. */
  columnRank: z.array(z.number().int()),
  outputs: z.array(z.object({ name: z.string(), type: z.string() })),
});
export type ServingSpec = z.infer<typeof ServingSpecSchema>;

const isDtype = (t: string): t is ServedDtype => (SERVED_DTYPES as readonly string[]).includes(t);
const shapeText = (s: TensorSpec): string => (s.shape ? `[${s.shape.map((d) => d ?? '?').join(', ')}]` : 'no declared shape');

/** The spec of a model, or why it cannot be served; `features` are the metadata's feature names, when known. */
export function servingSpec(signature: OnnxSignature, features: string[] | null): Result<ServingSpec> {
  const { inputs } = signature;
  const outputs = signature.outputs.filter((o) => o.type !== 'sequence' && o.type !== 'map').map((o) => ({ name: o.name, type: o.type }));
  if (inputs.length === 0) return fail({ code: 'serve-signature', message: 'The model declares no inputs, so there is nothing to validate a request against.' });
  if (outputs.length === 0) return fail({ code: 'serve-signature', message: 'The model has no tensor outputs to return (only sequences or maps).' });
  for (const i of inputs) {
    if (!isDtype(i.type)) return fail({ code: 'serve-signature', message: `Input "${i.name}" is of type ${i.type}; serving takes ${SERVED_DTYPES.join(', ')} inputs.` });
  }
  const only = inputs[0]!;
  if (inputs.length === 1 && only.shape?.length === 2) {
    const width = only.shape[1];
    const known = typeof width === 'number' ? width : features?.length;
    if (known === undefined) return fail({ code: 'serve-signature', message: `Input "${only.name}" is ${shapeText(only)}: its number of features is not fixed and the model names none.` });
    if (features && features.length !== known) return fail({ code: 'serve-signature', message: `Input "${only.name}" is ${shapeText(only)} but the model's metadata lists ${features.length} features.` });
    const names = features ?? Array.from({ length: known }, (_, i) => `${only.name}[${i}]`);
    return ok({ layout: 'matrix', input: only.name, features: names.map((name) => ({ name, dtype: only.type as ServedDtype })), named: features !== null, columnRank: [], outputs });
  }
  const columnRank: number[] = [];
  for (const i of inputs) {
    const rank = i.shape === null ? 1 : i.shape.length === 1 ? 1 : i.shape.length === 2 && i.shape[1] === 1 ? 2 : -1;
    if (rank < 0) return fail({ code: 'serve-signature', message: `Input "${i.name}" is ${shapeText(i)}; with several inputs each must be one value per row ([N] or [N, 1]).` });
    columnRank.push(rank);
  }
  return ok({ layout: 'columns', input: null, features: inputs.map((i) => ({ name: i.name, dtype: i.type as ServedDtype })), named: true, columnRank, outputs });
}
