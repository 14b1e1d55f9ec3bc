// What evaluation needs to know about an ONNX model, from its bytes alone: its inputs (name, element
// type, values per row), what it predicts (class probabilities [N, K] or one number per row), the
// classes, and the defaults its metadata gives (features, label, positive class). A Sextant-trained
// model carries its features, label and classes in metadata_props["sextant"] and imputes missing values
// in its graph; any other model may name its classes (`classes`: a JSON array or comma-separated), its
// `label` and its `positive` class in metadata_props.
import { FittedModelSchema, type FittedModel } from '../train/model';
import { METADATA_KEY } from '../train/onnx/export';
import { readOnnxMetadata } from '../train/onnx/metadata';
import { readOnnxSignature, type OnnxSignature, type TensorSpec } from '../train/onnx/signature';
import { fail, ok, type Result } from '../result';

export const NUMERIC_TYPES = ['float32', 'float64', 'int32', 'int64'] as const;
export type NumericType = (typeof NUMERIC_TYPES)[number];

export interface ModelInput {
  name: string;
  type: NumericType;
  /** Values per row: the second axis of [N, F]; 1 for [N] or [N, 1]; null when symbolic. */
  width: number | null;
  /** Axes of the tensor fed: 1 for [N], else 2. */
  rank: 1 | 2;
}

export interface EvalModel {
  file: string;
  bytes: Uint8Array;
  signature: OnnxSignature;
  inputs: ModelInput[];
  task: 'classification' | 'regression';
  /** The output read: probabilities [N, K] (classification) or the prediction [N] / [N, 1] (regression). */
  output: string;
  /** Class names in output column order; null when the model does not name them (then "0".."K-1"). */
  classes: string[] | null;
  /** Feature names of a single [N, F] input (from the metadata). */
  features: string[] | null;
  label: string | null;
  positive: string | null;
  /** Whether the graph fills in missing (NaN) features itself. */
  imputes: boolean;
  /** A Sextant-trained model's own description (how it was trained, its held-out split). */
  fitted: FittedModel | null;
}

function classList(text: string | undefined): string[] | null {
  if (!text) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.length >= 2) return parsed.map(String);
  } catch {
    // not JSON: comma-separated
  }
  const list = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return list.length >= 2 ? list : null;
}

const rank = (t: TensorSpec): number | null => t.shape?.length ?? null;
const isFloat = (t: TensorSpec): boolean => t.type === 'float32' || t.type === 'float64';

function pickOutput(outputs: TensorSpec[], file: string): Result<{ task: EvalModel['task']; output: string }> {
  const tensors = outputs.filter(isFloat);
  const probability = tensors.find((t) => /prob/i.test(t.name) && rank(t) === 2) ?? tensors.find((t) => rank(t) === 2 && typeof t.shape![1] === 'number' && t.shape![1] >= 2);
  if (probability) return ok({ task: 'classification', output: probability.name });
  const value = tensors.find((t) => rank(t) === 1 || (rank(t) === 2 && t.shape![1] === 1));
  if (value) return ok({ task: 'regression', output: value.name });
  const described = outputs.map((o) => `${o.name} (${o.type}${o.shape ? ` [${o.shape.map((d) => d ?? '?').join(', ')}]` : ''})`).join(', ');
  const zipMap = outputs.some((o) => o.type === 'sequence' || o.type === 'map');
  return fail({
    code: 'evaluate-model-outputs',
    file,
    message: `Cannot tell what the model predicts: none of its outputs (${described}) is a float tensor of class probabilities [N, K] or of one value per row [N] / [N, 1].`,
    ...(zipMap ? { fix: 'Export a scikit-learn classifier with ZipMap off (skl2onnx: options={id(model): {"zipmap": False}}).' } : {}),
  });
}

export function readEvalModel(file: string, bytes: Uint8Array): Result<EvalModel> {
  const signature = readOnnxSignature(bytes);
  if (!signature.ok) return fail({ ...signature.error, file, message: `${signature.error.message} The file may be truncated or not an ONNX model.` });
  let meta: Record<string, string>;
  try {
    meta = readOnnxMetadata(bytes);
  } catch (err) {
    return fail({ code: 'model-not-onnx', file, message: `Not an ONNX model: its metadata cannot be read (${(err as Error).message}). The file may be truncated.` });
  }
  const inputs: ModelInput[] = [];
  for (const spec of signature.value.inputs) {
    if (!(NUMERIC_TYPES as readonly string[]).includes(spec.type)) {
      return fail({ code: 'evaluate-input-type', file, message: `The model's input "${spec.name}" is of type ${spec.type}: evaluation feeds numbers (${NUMERIC_TYPES.join(', ')}).` });
    }
    const dims = spec.shape;
    if (dims && (dims.length === 0 || dims.length > 2)) return fail({ code: 'evaluate-input-shape', file, message: `The model's input "${spec.name}" has shape [${dims.join(', ')}]: evaluation feeds a row per example, [N] or [N, F].` });
    const width = !dims || dims.length === 1 ? 1 : typeof dims[1] === 'number' ? dims[1] : null;
    inputs.push({ name: spec.name, type: spec.type as NumericType, width, rank: dims?.length === 1 ? 1 : 2 });
  }
  if (inputs.length === 0) return fail({ code: 'evaluate-input-shape', file, message: 'The model declares no input.' });
  const picked = pickOutput(signature.value.outputs, file);
  if (!picked.ok) return picked;
  let fitted: ReturnType<typeof FittedModelSchema.safeParse> | undefined;
  if (meta[METADATA_KEY]) {
    try {
      fitted = FittedModelSchema.safeParse(JSON.parse(meta[METADATA_KEY]));
    } catch {
      fitted = undefined;
    }
  }
  const sextant = fitted?.success ? fitted.data : undefined;
  const classes = sextant?.classes ?? classList(meta.classes);
  return ok({
    file,
    bytes,
    signature: signature.value,
    inputs,
    ...picked.value,
    classes: picked.value.task === 'classification' ? classes : null,
    features: sextant?.features ?? null,
    label: sextant?.label ?? meta.label ?? null,
    positive: meta.positive ?? null,
    imputes: sextant !== undefined,
    fitted: sextant ?? null,
  });
}
