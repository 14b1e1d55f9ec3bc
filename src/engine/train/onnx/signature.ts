// Reads an ONNX model's signature, its graph's inputs and outputs (name, element type, shape), from the
// protobuf alone, without loading a runtime: what the model card shows and what a caller must feed it.
//   ModelProto.graph (7) → GraphProto.input (11) / output (12): ValueInfoProto { name 1, type 2 }
//   TypeProto { tensor_type 1, sequence_type 4, map_type 5 }; Tensor { elem_type 1, shape 2 }
//   TensorShapeProto.dim (1): { dim_value 1 | dim_param 2 }
// Initializers (GraphProto.initializer 5, TensorProto.name 8) listed among the inputs, as files written
// for IR version < 4 do, are weights, not inputs, and are left out.
import { z } from 'zod';
import { fail, ok, type Result } from '../../result';
import { decodeFields } from './protobuf';

/** TensorProto.DataType, by number. */
const ELEMENT_TYPES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
};

export const TensorSpecSchema = z.object({
  name: z.string(),
  /** 'float32', 'int64', 'string', …; 'sequence' or 'map' for those types; 'unknown' when undeclared. */
  type: z.string(),
  /** One entry per axis: a fixed size, a symbolic name ("N"), or null when unknown; null for no declared shape. */
  shape: z.array(z.union([z.number().int(), z.string(), z.null()])).nullable(),
});
export type TensorSpec = z.infer<typeof TensorSpecSchema>;

export const OnnxSignatureSchema = z.object({
  inputs: z.array(TensorSpecSchema),
  outputs: z.array(TensorSpecSchema),
});
export type OnnxSignature = z.infer<typeof OnnxSignatureSchema>;

const text = new TextDecoder();

function shapeOf(bytes: Uint8Array): TensorSpec['shape'] {
  return decodeFields(bytes)
    .filter((f) => f.field === 1 && f.bytes)
    .map((dim) => {
      const parts = decodeFields(dim.bytes!);
      const value = parts.find((p) => p.field === 1 && p.int !== undefined);
      if (value) return Number(BigInt.asIntN(64, value.int!));
      const param = parts.find((p) => p.field === 2 && p.bytes);
      return param ? text.decode(param.bytes) : null;
    });
}

function specOf(bytes: Uint8Array): TensorSpec {
  let name = '';
  let type = 'unknown';
  let shape: TensorSpec['shape'] = null;
  for (const f of decodeFields(bytes)) {
    if (f.field === 1 && f.bytes) name = text.decode(f.bytes);
    if (f.field !== 2 || !f.bytes) continue;
    for (const t of decodeFields(f.bytes)) {
      if (t.field === 4) type = 'sequence';
      else if (t.field === 5) type = 'map';
      else if (t.field === 1 && t.bytes) {
        for (const tensor of decodeFields(t.bytes)) {
          if (tensor.field === 1 && tensor.int !== undefined) type = ELEMENT_TYPES[Number(tensor.int)] ?? `type ${tensor.int}`;
          if (tensor.field === 2 && tensor.bytes) shape = shapeOf(tensor.bytes);
        }
      }
    }
  }
  return { name, type, shape };
}

/** The graph's inputs (weights left out) and outputs of an ONNX model's bytes; an error when they are not an ONNX model. */
export function readOnnxSignature(bytes: Uint8Array): Result<OnnxSignature> {
  try {
    const graph = decodeFields(bytes).find((f) => f.field === 7 && f.bytes);
    if (!graph) return fail({ code: 'model-not-onnx', message: 'Not an ONNX model: it has no graph.' });
    const fields = decodeFields(graph.bytes!);
    const weights = new Set<string>();
    for (const f of fields) {
      if (f.field !== 5 || !f.bytes) continue;
      const name = decodeFields(f.bytes).find((t) => t.field === 8 && t.bytes);
      if (name) weights.add(text.decode(name.bytes));
    }
    const inputs = fields.filter((f) => f.field === 11 && f.bytes).map((f) => specOf(f.bytes!)).filter((s) => !weights.has(s.name));
    const outputs = fields.filter((f) => f.field === 12 && f.bytes).map((f) => specOf(f.bytes!));
    if (inputs.length === 0 && outputs.length === 0) return fail({ code: 'model-not-onnx', message: 'Not an ONNX model: its graph declares no inputs or outputs.' });
    return ok({ inputs, outputs });
  } catch (err) {
    return fail({ code: 'model-not-onnx', message: `Not an ONNX model (${(err as Error).message}).` });
  }
}
