// CodeLens above each inline param: the best and last value of the experiment's main metric recorded
// for this value and for the best other value, with "run with" that value.
import type { CodeLens } from 'vscode-languageserver/node';
import type { Analysis } from '../engine/pipeline/analyze';
import { paramHistory, sameValue } from '../engine/pipeline/paramHistory';
import { RUN_WITH_PARAM_COMMAND, type RunWithParamArgs } from './protocol';

const num = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3));

function parseRecorded(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function paramLenses(uri: string, analysis: Analysis, store: string | undefined, canRunWith: boolean): CodeLens[] {
  const { params } = analysis.model;
  if (!store || !params.inline || params.params.size === 0) return [];
  const nameEntry = analysis.parsed.top.find((e) => e.key === 'name');
  const experiment = typeof nameEntry?.js === 'string' ? nameEntry.js : undefined;
  if (!experiment) return [];
  const history = paramHistory(store, experiment, [...params.params.keys()]);
  const lenses: CodeLens[] = [];
  for (const p of params.params.values()) {
    const h = history.get(p.name);
    if (!h || p.start === undefined) continue;
    const range = analysis.parsed.lines.range(p.start, p.end!);
    const current = h.values.find((v) => sameValue(v.value, p.value));
    const bestOther = h.values.find((v) => !sameValue(v.value, p.value));
    const parts: string[] = [];
    if (current) parts.push(`${h.metric} at this value: last ${num(current.last)}, best ${num(current.best)} (${current.runs} run${current.runs === 1 ? '' : 's'})`);
    else parts.push(`no ${h.metric} recorded for this value yet`);
    if (bestOther) parts.push(`best ${num(bestOther.best)} at ${p.name} = ${bestOther.value}`);
    lenses.push({ range, command: { title: parts.join(' · '), command: '' } });
    if (canRunWith && bestOther && (!current || (h.lowerIsBetter ? bestOther.best < current.best : bestOther.best > current.best))) {
      lenses.push({ range, command: { title: `Run with ${p.name} = ${bestOther.value}`, command: RUN_WITH_PARAM_COMMAND, arguments: [uri, p.name, parseRecorded(bestOther.value)] satisfies RunWithParamArgs } });
    }
  }
  return lenses;
}
