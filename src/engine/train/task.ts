// Classification or regression, decided from the label column when `task` is not given. The rule
// (docs/pipeline.md, sextant/train):
// - a label with any present value that is not a number is a class label → classification;
// - numbers with a fractional part (e.g. 12.5) → regression;
// - whole numbers with more than max(20, 5% of the labelled rows) distinct values → regression;
// - otherwise (few distinct whole numbers, e.g. 0/1 or 1..5) → classification.
// The holdout split uses the same rule to decide whether to stratify, so `sextant/train` and
// `sextant/evaluate` hold out the same rows for either task.
import type { Task } from './model';

/** Whole-number labels with at most this many distinct values (or 5% of the rows, if more) are classes. */
const MAX_INTEGER_CLASSES = 20;

interface TaskDecision {
  task: Task;
  /** Why, in words for the log: `"price" has fractional values (12.5)`. */
  reason: string;
}

/**
 * The same rule for a label read as numbers only (a numeric column whose text was not kept: more than
 * 1000 distinct values): no string per row. The fractional value in the reason is written by String().
 */
export function detectTaskFromNumbers(values: Float64Array, label = 'the label'): TaskDecision {
  const distinct = new Set<number>();
  let present = 0;
  for (const x of values) {
    if (Number.isNaN(x)) continue;
    if (!Number.isInteger(x)) return { task: 'regression', reason: `"${label}" holds numbers with a fractional part (${String(x)})` };
    present++;
    distinct.add(x);
  }
  if (present === 0) return { task: 'classification', reason: `"${label}" has no values` };
  return wholeNumbers(distinct.size, present, label);
}

function wholeNumbers(numbers: number, present: number, label: string): TaskDecision {
  const limit = Math.max(MAX_INTEGER_CLASSES, Math.floor(present * 0.05));
  if (numbers > limit) return { task: 'regression', reason: `"${label}" holds ${numbers} distinct whole numbers (more than ${limit}, the most read as classes)` };
  return { task: 'classification', reason: `"${label}" holds ${numbers} distinct whole number${numbers === 1 ? '' : 's'} (at most ${limit}: classes)` };
}

export function detectTask(labels: readonly (string | null | undefined)[], label = 'the label'): TaskDecision {
  const distinct = new Set<string>();
  let present = 0;
  let fractional: string | undefined;
  for (const raw of labels) {
    if (raw === null || raw === undefined) continue;
    const text = raw.trim();
    present++;
    distinct.add(text);
    const x = Number(text);
    if (text === '' || !Number.isFinite(x)) return { task: 'classification', reason: `"${label}" has values that are not numbers ("${text}")` };
    if (fractional === undefined && !Number.isInteger(x)) fractional = text;
  }
  if (present === 0) return { task: 'classification', reason: `"${label}" has no values` };
  if (fractional !== undefined) return { task: 'regression', reason: `"${label}" holds numbers with a fractional part (${fractional})` };
  return wholeNumbers(new Set([...distinct].map(Number)).size, present, label);
}
