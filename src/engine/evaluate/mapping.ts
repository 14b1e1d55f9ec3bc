// Which data columns feed which model input: by name when every name the model gives is a column, else
// by position when no name matches and the count does; otherwise an error that names what is missing,
// or the counts that differ. A model with one [N, F] input takes its names from its metadata (a
// Sextant-trained model) or has none (then only the count can match); a model with an input per
// feature ([N] or [N, 1]) takes them from its input names.
import { fail, ok, type Result } from '../result';
import type { EvalModel, ModelInput } from './model';

export interface InputColumns {
  input: ModelInput;
  /** Data columns, in the order the input takes them. */
  columns: string[];
}

export interface FeatureMapping {
  by: 'name' | 'order';
  inputs: InputColumns[];
}

const list = (names: string[], max = 12): string => (names.length > max ? `${names.slice(0, max).join(', ')}, … (${names.length} in all)` : names.join(', '));

export function mapFeatures(model: EvalModel, dataColumns: string[], label: string, file: string): Result<FeatureMapping> {
  const candidates = dataColumns.filter((c) => c !== label);
  const single = model.inputs.length === 1 ? model.inputs[0]! : undefined;
  const wide = model.inputs.filter((i) => i.width !== 1);
  if (!single && wide.length > 0) {
    return fail({ code: 'evaluate-input-shape', file: model.file, message: `The model has ${model.inputs.length} inputs and "${wide[0]!.name}" takes several values per row: evaluation maps columns to one [N, F] input or to one input per feature.` });
  }
  const byPosition = (names: string[] | null, count: number | null): Result<FeatureMapping> | undefined => {
    if (count !== null && candidates.length !== count) return undefined;
    if (names && names.some((n) => candidates.includes(n))) return undefined;
    return ok(single ? { by: 'order', inputs: [{ input: single, columns: candidates }] } : { by: 'order', inputs: model.inputs.map((input, i) => ({ input, columns: [candidates[i]!] })) });
  };
  // One [N, F] input: its columns are the features the metadata names (F may be 1: a model trained on one
  // feature), or unnamed. Otherwise one input per feature, named after it.
  const matrix = single !== undefined && (single.width !== 1 || model.features !== null) ? single : undefined;
  const names = matrix ? model.features : model.inputs.map((i) => i.name);
  const width = matrix ? matrix.width : model.inputs.length;
  if (names) {
    const missing = names.filter((n) => !candidates.includes(n));
    if (missing.length === 0) {
      return ok(matrix ? { by: 'name', inputs: [{ input: matrix, columns: names }] } : { by: 'name', inputs: model.inputs.map((input) => ({ input, columns: [input.name] })) });
    }
    const ordered = byPosition(names, names.length);
    if (ordered) return ordered;
    const isLabel = names.includes(label) ? ` ("${label}" is the label)` : '';
    return fail({
      code: 'evaluate-input-names',
      file,
      message: `The model's feature${missing.length === 1 ? '' : 's'} ${list(missing.map((m) => `"${m}"`))} ${missing.length === 1 ? 'is' : 'are'} not a column of the data${isLabel}. The model takes ${list(names)}; the data has ${list(candidates)} besides the label "${label}".`,
      fix: 'Rename the columns to the model\'s feature names, or give the columns in the model\'s order with names it does not use.',
    });
  }
  const ordered = byPosition(null, width);
  if (ordered) return ordered;
  return fail({
    code: 'evaluate-input-count',
    file,
    message: `The model's input "${single!.name}" takes ${width} values per row, but the data has ${candidates.length} column${candidates.length === 1 ? '' : 's'} besides the label "${label}" (${list(candidates)}), and the model names no features to pick them by.`,
    fix: 'Give a file with exactly the model\'s features and the label, in the model\'s order.',
  });
}
