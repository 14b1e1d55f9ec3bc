// From a table to the rows a model trains on, honestly: the task (task.ts, or given), whether the model
// can do it, the feature columns (the listed ones, every value a number or missing; or, when none are
// listed, every numeric column, the others reported as excluded with the reason), the classes, the
// holdout split, and notes worth a line in the log (constant features, rows skipped). Every refusal
// names the file, and the line and value where one is at fault.
import type { ColumnTable } from '../data/read/columnTable';
import { columnIndex, firstNonNumber, notANumber, numericValues } from '../data/read/columnValues';
import { fail, ok, type Result } from '../result';
import { dropIncomplete, dropIncompleteRegression, labelClasses, labelColumn, labeledRows, labelTexts, regressionRows, type LabeledRows, type RegressionRows } from './dataset';
import { KIND_TASKS } from './fitModel';
import type { ModelKind, Task } from './model';
import { holdoutSplit } from './split';
import { detectTask, detectTaskFromNumbers } from './task';

/** More classes than this is refused: a label with thousands of values is almost always a number or an id. */
export const MAX_CLASSES = 1000;

export interface PrepareOptions {
  label: string;
  model: ModelKind;
  /** Feature columns; every numeric column but the label when omitted. */
  features?: string[];
  /** Decided from the label (task.ts) when omitted. */
  task?: Task;
  /** Fraction of the rows held out (stratified by class for classification). */
  holdout: number;
  seed: number;
}

/** A column left out of the features, and why (only when `features` was not given). */
export interface ExcludedColumn {
  column: string;
  reason: string;
}

export type TrainingRows = { task: 'classification'; rows: LabeledRows } | { task: 'regression'; rows: RegressionRows };

export interface PreparedTraining {
  task: Task;
  /** Why this task: given, or what in the label decided it. */
  taskReason: string;
  features: string[];
  excluded: ExcludedColumn[];
  /** Class names (classification); empty for regression. */
  classes: string[];
  /** The training part of the split (rows with a missing value still in: the trainer drops them). */
  data: TrainingRows;
  /** Rows in the file, held out, and training rows skipped for a missing label or feature. */
  counts: { rows: number; heldOut: number; incomplete: number };
  /** Things worth saying that do not stop training (a constant feature). */
  notes: string[];
}

type ColumnVerdict = { ok: true; values: Float64Array } | { ok: false; reason: string; line?: number };

/** Whether a column can be a feature: numbers (finite) or missing, at least one present. */
function featureColumn(table: ColumnTable, c: number): ColumnVerdict {
  const bad = firstNonNumber(table, c);
  if (bad) return { ok: false, reason: `"${bad.value}" on line ${bad.line} is ${notANumber(bad.value)}`, line: bad.line };
  const values = numericValues(table, table.columns[c]!);
  if (!values.ok || values.value.every((v) => Number.isNaN(v))) return { ok: false, reason: 'every value is missing' };
  return { ok: true, values: values.value };
}

/** The single value of a column whose present values are all equal, else undefined. */
function constantValue(values: Float64Array): number | undefined {
  let first: number | undefined;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (first === undefined) first = v;
    else if (v !== first) return undefined;
  }
  return first;
}

export function prepareTraining(table: ColumnTable, o: PrepareOptions): Result<PreparedTraining> {
  const file = table.file;
  if (table.rowCount === 0) return fail({ code: 'train-no-rows', file, line: 1, message: `The file has a header but no rows: nothing to train on.` });
  const labelAt = columnIndex(table, o.label);
  if (!labelAt.ok) return labelAt;
  // A numeric label with more than 1000 distinct values has no text kept (readTrainingTable): decide from
  // its numbers, with no string per row; the split's strata (texts) are then only made if it reads as classes.
  const labelCol = table.data[labelAt.value]!;
  const numbersOnly = labelCol.kind === 'numeric' && !labelCol.texts ? detectTaskFromNumbers(labelCol.values, o.label) : undefined;
  const labels = numbersOnly?.task === 'regression' ? undefined : labelColumn(table, o.label);
  if (labels && !labels.ok) return labels;
  const noLabel = labels ? labels.value.codes.every((k) => k < 0) : labelCol.kind === 'numeric' && labelCol.values.every((v) => Number.isNaN(v));
  if (noLabel) return fail({ code: 'train-label', file, message: `The label column "${o.label}" has no values (every row is missing): nothing to learn.` });
  const labelText = labels?.ok ? labelTexts(labels.value) : undefined;
  const decided = o.task ? { task: o.task, reason: 'given as `task`' } : (numbersOnly ?? detectTask(labelText!, o.label));
  if (!KIND_TASKS[o.model].includes(decided.task)) {
    const can = (Object.keys(KIND_TASKS) as ModelKind[]).filter((k) => KIND_TASKS[k].includes(decided.task));
    const other = decided.task === 'regression' ? 'classification' : 'regression';
    return fail({
      code: 'train-task',
      file,
      message: `${o.model} cannot do ${decided.task} (${decided.reason}).`,
      fix: `Use ${can.join(', ') || 'another model'}${o.task ? '' : `, or set \`task: ${other}\` if "${o.label}" is ${other === 'classification' ? 'a set of classes' : 'a number to predict'}`}.`,
    });
  }

  const excluded: ExcludedColumn[] = [];
  const notes: string[] = [];
  let features: string[];
  const columns = new Map<string, Float64Array>();
  if (o.features) {
    if (o.features.length === 0) return fail({ code: 'train-features', file, message: '`features` is empty: list at least one column.' });
    for (const f of o.features) {
      if (f === o.label) return fail({ code: 'train-features', file, message: `The label "${o.label}" cannot also be a feature.` });
      const col = numericValues(table, f);
      if (!col.ok) return col;
      if (col.value.every((v) => Number.isNaN(v))) return fail({ code: 'train-features', file, message: `Feature "${f}" has no values (every row is missing).`, fix: 'Drop it from `features`, or fill it in.' });
      columns.set(f, col.value);
    }
    features = o.features;
  } else {
    features = [];
    table.columns.forEach((name, c) => {
      if (name === o.label) return;
      const verdict = featureColumn(table, c);
      if (verdict.ok) {
        features.push(name);
        columns.set(name, verdict.values);
      } else excluded.push({ column: name, reason: verdict.reason });
    });
    if (features.length === 0) {
      return fail({ code: 'train-features', file, message: `No numeric feature columns to train on${excluded.length ? ` (excluded: ${excluded.map((e) => `${e.column}: ${e.reason}`).join('; ')})` : ''}.`, fix: 'List the feature columns in `features`, or fix the values named.' });
    }
  }
  for (const f of features) {
    const constant = constantValue(columns.get(f)!);
    if (constant !== undefined) notes.push(`feature "${f}" is constant (${constant} in every row that has it): it carries no information`);
  }

  let classes: string[] = [];
  if (decided.task === 'classification') {
    const found = labelClasses(table, o.label);
    if (!found.ok) return found;
    classes = found.value;
    if (classes.length < 2) return fail({ code: 'train-one-class', file, message: `The label "${o.label}" has one class only ("${classes[0]}"): a classifier needs at least two.`, fix: 'Train on data with more than one class.' });
    if (classes.length > MAX_CLASSES) {
      return fail({ code: 'train-too-many-classes', file, message: `The label "${o.label}" has ${classes.length} classes; the built-in trainer takes at most ${MAX_CLASSES}.`, fix: `If "${o.label}" is a number to predict, set \`task: regression\`; if it is an id, it is not a label.` });
    }
  }

  const split = holdoutSplit(table.rowCount, o.holdout, o.seed, labelText);
  let data: TrainingRows;
  let complete: number;
  if (decided.task === 'classification') {
    const rows = labeledRows(table, features, o.label, classes, split.train);
    if (!rows.ok) return rows;
    data = { task: 'classification', rows: rows.value };
    complete = dropIncomplete(rows.value).rows.x.rows;
  } else {
    const rows = regressionRows(table, features, o.label, split.train);
    if (!rows.ok) return rows;
    data = { task: 'regression', rows: rows.value };
    complete = dropIncompleteRegression(rows.value).rows.x.rows;
  }
  const counts = { rows: table.rowCount, heldOut: split.test.length, incomplete: split.train.length - complete };
  if (complete < 2) {
    return fail({ code: 'train-no-rows', file, message: `Only ${complete} complete row${complete === 1 ? '' : 's'} to train on, at least 2 are needed (${counts.rows} row${counts.rows === 1 ? '' : 's'} in the file, ${counts.heldOut} held out, ${counts.incomplete} with a missing label or feature).`, fix: counts.heldOut > 0 ? 'Add rows, or hold out none (`holdout: 0`).' : 'Add rows.' });
  }
  if (counts.incomplete > 0) notes.push(`${counts.incomplete} training row${counts.incomplete === 1 ? '' : 's'} with a missing label or feature skipped`);
  return ok({ task: decided.task, taskReason: decided.reason, features, excluded, classes, data, counts, notes });
}
