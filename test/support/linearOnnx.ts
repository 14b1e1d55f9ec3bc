// Small ONNX models that are not Sextant-trained (no "sextant" metadata), written with the engine's
// protobuf writer, for the evaluation tests: a linear model y = x·W + b over one [N, F] input or one
// input per feature ([N, 1], concatenated), of float32, float64, int64 or string (cast to float), ending in a
// value per row (regression, output "variable" [N, 1]) or in class probabilities (Softmax, output
// "probabilities" [N, K]), with optional metadata_props.
import { ProtoWriter } from '../../src/engine/train/onnx/protobuf';

const TYPES = { float32: 1, int64: 7, string: 8, float64: 11 } as const;

export interface LinearSpec {
  /** Row-major [F, K]. */
  weights: number[];
  bias: number[];
  /** One input named `input` of [N, F] (default), or one input per name of [N, 1]. */
  inputs?: { single: string } | { perFeature: string[] };
  dtype?: keyof typeof TYPES;
  task: 'regression' | 'classification';
  metadata?: Record<string, string>;
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, new ProtoWriter().int(1, elemType).message(2, shape)));
}

function floatTensor(name: string, dims: number[], values: number[]): ProtoWriter {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return new ProtoWriter().packedInts(1, dims).int(2, 1).string(8, name).bytes(9, raw);
}

function node(op: string, inputs: string[], outputs: string[], attrs: ProtoWriter[] = []): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, `${op}_${outputs[0]}`).string(4, op);
  for (const a of attrs) n.message(5, a);
  return n;
}

const intAttr = (name: string, value: number): ProtoWriter => new ProtoWriter().string(1, name).int(3, value).int(20, 2);

export function linearOnnx(spec: LinearSpec): Uint8Array {
  const K = spec.bias.length;
  const F = spec.weights.length / K;
  const dtype = spec.dtype ?? 'float32';
  const graph = new ProtoWriter();
  const nodes: ProtoWriter[] = [];
  const inputs = spec.inputs ?? { single: 'input' };
  let x: string;
  if ('single' in inputs) {
    graph.message(11, valueInfo(inputs.single, TYPES[dtype], ['N', F]));
    x = inputs.single;
  } else {
    for (const name of inputs.perFeature) graph.message(11, valueInfo(name, TYPES[dtype], ['N', 1]));
    nodes.push(node('Concat', inputs.perFeature, ['joined'], [intAttr('axis', 1)]));
    x = 'joined';
  }
  if (dtype !== 'float32') {
    nodes.push(node('Cast', [x], ['as_float'], [intAttr('to', 1)]));
    x = 'as_float';
  }
  nodes.push(node('MatMul', [x, 'W'], ['xw']));
  const out = spec.task === 'regression' ? 'variable' : 'probabilities';
  nodes.push(node('Add', ['xw', 'B'], [spec.task === 'regression' ? out : 'logits']));
  if (spec.task === 'classification') nodes.push(node('Softmax', ['logits'], [out], [intAttr('axis', 1)]));
  for (const n of nodes) graph.message(1, n);
  graph.string(2, 'linear');
  graph.message(5, floatTensor('W', [F, K], spec.weights));
  graph.message(5, floatTensor('B', [K], spec.bias));
  graph.message(12, valueInfo(out, 1, ['N', K]));
  const model = new ProtoWriter().int(1, 8).string(2, 'sextant-tests').message(7, graph).message(8, new ProtoWriter().string(1, '').int(2, 13));
  for (const [key, value] of Object.entries(spec.metadata ?? {})) model.message(14, new ProtoWriter().string(1, key).string(2, value));
  return model.finish();
}
