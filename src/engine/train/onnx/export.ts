// Writes a fitted model as an ONNX file (opset 13) that any ONNX runtime loads:
//   input [N, F] float → IsNaN/Where (impute the training mean) → Sub mean → Div scale
//   → (MatMul, Add, Relu)* → MatMul, Add → Softmax → "probabilities" [N, K]
//   (trees: IsNaN/Where → ai.onnx.ml TreeEnsembleRegressor on the raw features → Softmax)
//   → ArgMax → "label_index" [N] int64 → Gather over the class names → "label" [N] string
// Regression models end at "prediction" float [N, 1] instead: the last dense layer without an activation,
// or the TreeEnsembleRegressor's single target.
// The fitted model (features, classes, training facts) rides along in metadata_props under "sextant".
import { ProtoWriter } from './protobuf';
import type { FittedModel } from '../model';
import type { Ensemble } from '../gbt';

const FLOAT = 1;
const INT64 = 7;
const STRING = 8;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;
const ATTR_STRINGS = 8;
const ML_DOMAIN = 'ai.onnx.ml';
const ML_OPSET = 1;
const OPSET = 13;
const IR_VERSION = 8;
export const METADATA_KEY = 'sextant';

function floatTensor(name: string, dims: number[], values: ArrayLike<number>): ProtoWriter {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return new ProtoWriter().packedInts(1, dims).int(2, FLOAT).string(8, name).bytes(9, raw);
}

function stringTensor(name: string, values: string[]): ProtoWriter {
  const t = new ProtoWriter().packedInts(1, [values.length]).int(2, STRING);
  for (const v of values) t.string(6, v);
  return t.string(8, name);
}

function node(op: string, inputs: string[], outputs: string[], name: string, attrs: ProtoWriter[] = []): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, name).string(4, op);
  for (const a of attrs) n.message(5, a);
  return n;
}

function intAttr(name: string, value: number): ProtoWriter {
  return new ProtoWriter().string(1, name).int(3, value).int(20, ATTR_INT);
}

function stringAttr(name: string, value: string): ProtoWriter {
  return new ProtoWriter().string(1, name).string(4, value).int(20, ATTR_STRING);
}

/** Repeated attribute values are written unpacked (one field each), which every parser accepts. */
function intsAttr(name: string, values: readonly number[]): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  for (const v of values) a.int(8, v);
  return a.int(20, ATTR_INTS);
}

function floatsAttr(name: string, values: readonly number[]): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  for (const v of values) a.float(7, v);
  return a.int(20, ATTR_FLOATS);
}

function stringsAttr(name: string, values: readonly string[]): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  for (const v of values) a.string(9, v);
  return a.int(20, ATTR_STRINGS);
}

/** The ensemble as one ai.onnx.ml TreeEnsembleRegressor with a target per class: input → scores [N, K]. */
function treeEnsembleNode(ensemble: Ensemble, classes: number, input: string, output: string): ProtoWriter {
  const n = { tree: [] as number[], node: [] as number[], feature: [] as number[], mode: [] as string[], value: [] as number[], yes: [] as number[], no: [] as number[] };
  const t = { tree: [] as number[], node: [] as number[], id: [] as number[], weight: [] as number[] };
  ensemble.trees.forEach((tree, ti) => {
    tree.feature.forEach((f, ni) => {
      n.tree.push(ti);
      n.node.push(ni);
      n.feature.push(Math.max(0, f));
      n.mode.push(f >= 0 ? 'BRANCH_LEQ' : 'LEAF');
      n.value.push(f >= 0 ? tree.threshold[ni]! : 0);
      n.yes.push(f >= 0 ? tree.left[ni]! : 0);
      n.no.push(f >= 0 ? tree.right[ni]! : 0);
      if (f < 0) {
        t.tree.push(ti);
        t.node.push(ni);
        t.id.push(tree.target);
        t.weight.push(tree.value[ni]!);
      }
    });
  });
  const attrs = [
    intAttr('n_targets', classes),
    intsAttr('nodes_treeids', n.tree),
    intsAttr('nodes_nodeids', n.node),
    intsAttr('nodes_featureids', n.feature),
    stringsAttr('nodes_modes', n.mode),
    floatsAttr('nodes_values', n.value),
    intsAttr('nodes_truenodeids', n.yes),
    intsAttr('nodes_falsenodeids', n.no),
    intsAttr('target_treeids', t.tree),
    intsAttr('target_nodeids', t.node),
    intsAttr('target_ids', t.id),
    floatsAttr('target_weights', t.weight),
    floatsAttr('base_values', ensemble.base),
    stringAttr('aggregate_function', 'SUM'),
    stringAttr('post_transform', 'NONE'),
  ];
  return node('TreeEnsembleRegressor', [input], [output], 'trees', attrs).string(7, ML_DOMAIN);
}

/** dims: a number is a fixed size, a string a symbolic one ("N"). */
function valueInfo(name: string, elemType: number, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, elemType).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

export const ONNX_INPUT = 'input';
export const ONNX_PROBABILITIES = 'probabilities';
const ONNX_PREDICTION = 'prediction';
const ONNX_LABEL_INDEX = 'label_index';
const ONNX_LABEL = 'label';

/** The model as ONNX bytes. */
export function exportOnnx(model: FittedModel, producerVersion = '0'): Uint8Array {
  const F = model.features.length;
  const regression = model.task === 'regression';
  const K = regression ? 1 : model.classes.length;
  const scores = regression ? ONNX_PREDICTION : 'scores';
  const graph = new ProtoWriter();
  const nodes: ProtoWriter[] = [];
  const inits: ProtoWriter[] = [floatTensor('scaler_mean', [F], model.scaler.mean)];
  if (!regression) inits.push(stringTensor('classes', model.classes));
  if (!model.ensemble) inits.push(floatTensor('scaler_scale', [F], model.scaler.scale));
  nodes.push(node('IsNaN', [ONNX_INPUT], ['input_isnan'], 'impute_isnan'));
  nodes.push(node('Where', ['input_isnan', 'scaler_mean', ONNX_INPUT], ['imputed'], 'impute_mean'));
  if (model.ensemble) {
    nodes.push(treeEnsembleNode(model.ensemble, K, 'imputed', scores));
    if (!regression) nodes.push(node('Softmax', ['scores'], [ONNX_PROBABILITIES], 'softmax', [intAttr('axis', 1)]));
  } else {
    nodes.push(node('Sub', ['imputed', 'scaler_mean'], ['centered'], 'scaler_sub'));
    nodes.push(node('Div', ['centered', 'scaler_scale'], ['h0'], 'scaler_div'));
  }
  let h = 'h0';
  model.layers.forEach((layer, l) => {
    inits.push(floatTensor(`W${l}`, [layer.inputs, layer.outputs], layer.weights), floatTensor(`b${l}`, [layer.outputs], layer.bias));
    nodes.push(node('MatMul', [h, `W${l}`], [`mm${l}`], `dense${l}_matmul`));
    nodes.push(node('Add', [`mm${l}`, `b${l}`], [layer.activation === 'identity' ? ONNX_PREDICTION : `z${l}`], `dense${l}_add`));
    if (layer.activation === 'relu') {
      nodes.push(node('Relu', [`z${l}`], [`h${l + 1}`], `dense${l}_relu`));
      h = `h${l + 1}`;
    } else if (layer.activation === 'softmax') {
      nodes.push(node('Softmax', [`z${l}`], [ONNX_PROBABILITIES], 'softmax', [intAttr('axis', 1)]));
    }
  });
  if (!regression) {
    nodes.push(node('ArgMax', [ONNX_PROBABILITIES], [ONNX_LABEL_INDEX], 'argmax', [intAttr('axis', 1), intAttr('keepdims', 0)]));
    nodes.push(node('Gather', ['classes', ONNX_LABEL_INDEX], [ONNX_LABEL], 'class_names', [intAttr('axis', 0)]));
  }
  for (const n of nodes) graph.message(1, n);
  graph.string(2, `sextant_${model.kind.replace(/-/g, '_')}`);
  for (const t of inits) graph.message(5, t);
  graph.string(10, `${model.kind} on ${F} features (${model.features.join(', ')}) predicting ${model.label}${regression ? '' : ` (${model.classes.join(', ')})`}`);
  graph.message(11, valueInfo(ONNX_INPUT, FLOAT, ['N', F]));
  if (regression) graph.message(12, valueInfo(ONNX_PREDICTION, FLOAT, ['N', 1]));
  else {
    graph.message(12, valueInfo(ONNX_PROBABILITIES, FLOAT, ['N', K]));
    graph.message(12, valueInfo(ONNX_LABEL_INDEX, INT64, ['N']));
    graph.message(12, valueInfo(ONNX_LABEL, STRING, ['N']));
  }
  // Declared because not every checker infers the type of the ai.onnx.ml tree output.
  if (model.ensemble && !regression) graph.message(13, valueInfo('scores', FLOAT, ['N', K]));

  const m = new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, 'sextant')
    .string(3, producerVersion)
    .int(5, 1)
    .string(6, `Trained by Sextant's built-in trainer. Input "${ONNX_INPUT}": float [N, ${F}] in the order of the features listed in metadata "${METADATA_KEY}".`)
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').int(2, OPSET))
    .message(8, new ProtoWriter().string(1, ML_DOMAIN).int(2, ML_OPSET))
    .message(14, new ProtoWriter().string(1, METADATA_KEY).string(2, JSON.stringify(model)));
  return m.finish();
}
