// `sextant/train`: can `model` do the task? With `task:` written, a model that cannot do it is an error
// as you type (`train-task`). Without it, the task is decided from the label when the stage runs
// (train/task.ts); the live checks read the dataset's first rows and warn when the model looks unable
// to do what the label asks for (`train-task-guess`). What each model does is the trainer's own table
// (train/fitModel.ts KIND_TASKS).
import { KIND_TASKS } from '../train/fitModel';
import type { ModelKind, Task } from '../train/model';
import { detectTask } from '../train/task';
import { pairOf, scalarText, span } from './nodes';
import type { LocalFinding } from './structure';

interface Ref {
  name: string;
  start: number;
  end: number;
}

/** The literal `model` and `task` of a sextant/train stage's `with` (undefined when written as an expression or absent). */
export interface TrainTaskFacts {
  model: Ref & { name: ModelKind };
  task?: Ref & { name: Task };
}

const isModel = (v: string): v is ModelKind => Object.prototype.hasOwnProperty.call(KIND_TASKS, v);
const isTask = (v: string): v is Task => v === 'classification' || v === 'regression';

function modelsFor(task: Task): string {
  return (Object.keys(KIND_TASKS) as ModelKind[]).filter((k) => KIND_TASKS[k].includes(task)).join(', ');
}

/** Reads `model` and `task` from the `with` node; an explicit task the model cannot do is an error finding. */
export function trainTaskFacts(withNode: unknown, findings: LocalFinding[]): TrainTaskFacts | undefined {
  const refOf = (key: string): Ref | undefined => {
    const p = pairOf(withNode, key);
    const text = p ? scalarText(p.value) : undefined;
    const s = p ? span(p.value) : undefined;
    return text !== undefined && s ? { name: text, start: s[0], end: s[1] } : undefined;
  };
  const model = refOf('model');
  if (!model || !isModel(model.name)) return undefined;
  const taskRef = refOf('task');
  const task = taskRef && isTask(taskRef.name) ? (taskRef as Ref & { name: Task }) : undefined;
  const facts: TrainTaskFacts = { model: model as Ref & { name: ModelKind }, ...(task ? { task } : {}) };
  if (task && !KIND_TASKS[facts.model.name].includes(task.name)) {
    findings.push({ start: model.start, end: model.end, code: 'train-task', message: `${model.name} cannot do ${task.name}; use ${modelsFor(task.name)}.` });
  }
  return facts;
}

/** Without `task`, the task the label's first rows point to, when the model cannot do it (a warning: the stage decides on every row). */
export function trainTaskGuess(facts: TrainTaskFacts, label: string, sample: (string | null)[], datasetName: string): Omit<LocalFinding, 'start' | 'end'> | undefined {
  if (facts.task || sample.length === 0) return undefined;
  const decided = detectTask(sample, label);
  if (KIND_TASKS[facts.model.name].includes(decided.task)) return undefined;
  const other = decided.task === 'regression' ? 'classification' : 'regression';
  return {
    code: 'train-task-guess',
    message: `Dataset "${datasetName}" looks like ${decided.task} in its first ${sample.length} rows (${decided.reason}), which ${facts.model.name} cannot do: use ${modelsFor(decided.task)}, or set \`task: ${other}\` if that is what "${label}" is.`,
  };
}
