// Reads an ONNX file's metadata_props (ModelProto field 14) without loading a runtime: how
// `sextant/evaluate` learns a model's features, label, classes and held-out split.
import { readFileSync } from 'node:fs';
import { fail, ok, type Result } from '../../result';
import { FittedModelSchema, type FittedModel } from '../model';
import { decodeFields } from './protobuf';
import { METADATA_KEY } from './export';

export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const dec = new TextDecoder();
  for (const f of decodeFields(bytes)) {
    if (f.field !== 14 || !f.bytes) continue;
    let key = '';
    let value = '';
    for (const e of decodeFields(f.bytes)) {
      if (e.field === 1 && e.bytes) key = dec.decode(e.bytes);
      if (e.field === 2 && e.bytes) value = dec.decode(e.bytes);
    }
    out[key] = value;
  }
  return out;
}

/** The fitted model stored in a Sextant-trained ONNX file; an error for other ONNX files. */
export function readSextantModel(file: string): Result<{ bytes: Uint8Array; model: FittedModel }> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    return fail({ code: 'model-unreadable', file, message: `Cannot read the model: ${(err as Error).message}` });
  }
  let meta: Record<string, string>;
  try {
    meta = readOnnxMetadata(bytes);
  } catch (err) {
    return fail({ code: 'model-not-onnx', file, message: `Not an ONNX model: ${(err as Error).message}` });
  }
  const raw = meta[METADATA_KEY];
  if (!raw) return fail({ code: 'model-no-metadata', file, message: `This ONNX model has no "${METADATA_KEY}" metadata, so its features and classes are unknown.`, fix: 'Train it with `sextant/train`, or give `features` and `classes` to sextant/evaluate.' });
  try {
    const parsed = FittedModelSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) return fail({ code: 'model-metadata', file, message: `The "${METADATA_KEY}" metadata is malformed: ${parsed.error.issues[0]?.message}` });
    return ok({ bytes, model: parsed.data });
  } catch (err) {
    return fail({ code: 'model-metadata', file, message: `The "${METADATA_KEY}" metadata is not JSON: ${(err as Error).message}` });
  }
}
