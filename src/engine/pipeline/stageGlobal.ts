// The checks that relate stages to each other and to the declared names: stage names (duplicates),
// outputs (one writer each), needs (defined, no cycles, written or derived from outputs read: see
// ./derivedEdges.ts), dataset references and `${{ }}` references.
//
// They depend only on each stage's names and references, not on where they are written, so their
// result is kept (in the parser's memo) with findings anchored to a stage and a reference index, not
// to offsets. While typing inside a command or a value, no stage's references change: the kept result
// is reused and only its positions are read again from the current stages. Any change of a name, a
// reference, the order of stages, the datasets or the params recomputes it.
import type { StageInfo, PipelineModel, DatasetInfo } from './analyze';
import { derivedEdges, isPattern, normPath, readsDatasetPath, type StageIo } from './derivedEdges';
import type { DiagnosticCode, Finding, Severity } from './diagnostics';
import { nearest } from './nearest';
import { paramValue, type ParamTable } from './params';
import type { ExprRef, Ref, StageFacts } from './stageFacts';

type Anchor = { kind: 'key' } | { kind: 'need' | 'dataset' | 'out' | 'dep' | 'input'; index: number } | { kind: 'expr'; index: number; part: number };

/** A `needs` edge the pipeline implies: `stage` reads `path`, which `need` writes (./derivedEdges.ts). */
export interface DerivedNeed {
  stage: string;
  need: string;
  path: string;
}

/** A path a stage reads, with where it is written in the stage (to anchor a finding). */
interface FactRead {
  path: string;
  anchor: { kind: 'dep' | 'input' | 'dataset'; index: number } | { kind: 'expr'; index: number; part: number };
}

interface Owned {
  stage: number;
  anchor: Anchor;
  code: DiagnosticCode;
  message: string;
  severity?: Severity;
  data?: Record<string, unknown>;
}

interface Memo {
  key: string;
  infos: StageInfo[];
  sigs: string[];
  stagesMap: Map<string, StageInfo>;
  outputs: Map<string, string>;
  derived: DerivedNeed[];
  owned: Owned[];
}

const MEMO_KEY = 'stageGlobal';


/** Normalised output path (kept on the reference). */
export function outputKey(o: Ref): string {
  return ((o as Ref & { norm?: string }).norm ??= normPath(o.name));
}

/** What the global result depends on in one stage (kept on its info). */
function signature(info: StageInfo): string {
  const cached = info as StageInfo & { sig?: string };
  if (cached.sig !== undefined) return cached.sig;
  const f = info.facts;
  const names = (refs: Ref[]): string => refs.map((r) => r.name).join('\u0002');
  cached.sig = [info.name, names(f.needs), names(f.outs), names(f.datasetRefs), names(f.deps), names(f.inputs), names(f.metricsFiles), f.exprRefs.map((e) => `${e.context}.${e.path.map((p) => p.name).join('.')}`).join('\u0002')].join('\u0001');
  return cached.sig;
}

function tablesKey(model: PipelineModel): string {
  const p = model.params;
  const params = [...p.params.values()].map((d) => (d.value !== null && typeof d.value === 'object' ? `${d.name}=${JSON.stringify(d.value)}` : d.name));
  return [[...model.datasets.values()].map((d) => `${d.name}=${d.path ?? ''}`).join(','), params.join(','), p.known, p.inline, p.file ?? ''].join('\u0001');
}

export function stageGlobal(memos: Map<string, unknown>, stages: StageInfo[], model: PipelineModel): Memo {
  const key = tablesKey(model);
  const memo = memos.get(MEMO_KEY) as Memo | undefined;
  if (memo && memo.key === key && memo.infos.length === stages.length) {
    let same = true;
    for (let i = 0; i < stages.length && same; i++) same = stages[i] === memo.infos[i] || signature(stages[i]!) === memo.sigs[i];
    if (same) {
      for (let i = 0; i < stages.length; i++) {
        const info = stages[i]!;
        const old = memo.infos[i]!;
        if (info === old) continue;
        if (memo.stagesMap.get(info.name) === old) memo.stagesMap.set(info.name, info);
        memo.infos[i] = info;
      }
      return memo;
    }
  }
  const fresh = compute(stages, model, key);
  memos.set(MEMO_KEY, fresh);
  return fresh;
}

function compute(stages: StageInfo[], model: PipelineModel, key: string): Memo {
  const owned: Owned[] = [];
  const stagesMap = new Map<string, StageInfo>();
  stages.forEach((info, i) => {
    const first = stagesMap.get(info.name);
    if (first === undefined) stagesMap.set(info.name, info);
    else if (first.seg !== info.seg) owned.push({ stage: i, anchor: { kind: 'key' }, code: 'duplicate-key', message: `Stage "${info.name}" is defined twice; only the last one would count. Rename one of them.` });
  });
  // outputs: the first writer wins, later ones are duplicates
  const outputs = new Map<string, string>();
  stages.forEach((s, i) => {
    s.facts.outs.forEach((o, index) => {
      if (isPattern(o.name)) return;
      const k = outputKey(o);
      const first = outputs.get(k);
      if (first !== undefined && first !== s.name) owned.push({ stage: i, anchor: { kind: 'out', index }, code: 'duplicate-output', message: `"${o.name}" is also written by stage "${first}": each output has one writer. Write to another path, or merge the stages.`, data: { other: first } });
      else outputs.set(k, s.name);
    });
  });
  const stageNames = [...stagesMap.keys()];
  const datasetNames = [...model.datasets.keys()];
  stages.forEach((s, i) => {
    const f = s.facts;
    f.needs.forEach((n, index) => {
      if (stagesMap.has(n.name)) return;
      const suggestion = nearest(n.name, stageNames.filter((x) => x !== s.name));
      owned.push({
        stage: i,
        anchor: { kind: 'need', index },
        code: 'unknown-stage',
        message: `Stage "${n.name}" is not defined.${suggestion ? ` Did you mean "${suggestion}"?` : ''} ${stageNames.length > 1 ? `Stages: ${stageNames.slice(0, 12).join(', ')}${stageNames.length > 12 ? ', …' : ''}.` : ''}`.trim(),
        data: suggestion ? { replace: suggestion, stage: s.name, need: n.name } : { stage: s.name, need: n.name },
      });
    });
    f.datasetRefs.forEach((d, index) => {
      const found = unknownDatasetFinding({ ...d, start: 0, end: 0 }, model.datasets, datasetNames);
      if (found) owned.push({ stage: i, anchor: { kind: 'dataset', index }, code: found.code, message: found.message, ...(found.data ? { data: found.data } : {}) });
    });
    f.exprRefs.forEach((e, index) => {
      for (const x of exprChecks(e, model.params, model.datasets, datasetNames)) owned.push({ stage: i, anchor: { kind: 'expr', index, part: x.part }, code: x.code, message: x.message, ...(x.data ? { data: x.data } : {}) });
    });
  });
  // edges derived from outputs that other stages read, then cycles through written and derived edges
  const io: StageIo<FactRead>[] = stages.map((s) => ({
    name: s.name,
    needs: s.facts.needs.map((n) => n.name),
    reads: [
      ...s.facts.deps.map((d, index) => ({ path: d.name, anchor: { kind: 'dep' as const, index } })),
      ...s.facts.inputs.map((d, index) => ({ path: d.name, anchor: { kind: 'input' as const, index } })),
      ...s.facts.datasetRefs.flatMap((d, index) => {
        const path = model.datasets.get(d.name)?.path;
        return path ? [{ path, anchor: { kind: 'dataset' as const, index } }] : [];
      }),
      ...s.facts.exprRefs.flatMap((e, index) => {
        const path = readsDatasetPath(e) ? model.datasets.get(e.path[0]!.name)?.path : undefined;
        return path ? [{ path, anchor: { kind: 'expr' as const, index, part: 0 } }] : [];
      }),
    ],
    writes: [...s.facts.outs.map((o) => o.name), ...s.facts.metricsFiles.map((m) => m.name)],
  }));
  const derived = derivedEdges(io).filter((e) => stagesMap.has(e.stage) && stagesMap.has(e.need));
  owned.push(...cycles(stages, stagesMap, derived));
  return { key, infos: [...stages], sigs: stages.map(signature), stagesMap, outputs, derived: derived.map((e) => ({ stage: e.stage, need: e.need, path: e.read.path })), owned };
}

/** The finding of a kept result, at the current position of its anchor. */
export function materialize(o: Owned, stages: StageInfo[]): Finding {
  const s = stages[o.stage]!;
  const f: StageFacts = s.facts;
  let r: { start: number; end: number };
  switch (o.anchor.kind) {
    case 'key':
      r = { start: f.key[0], end: f.key[1] };
      break;
    case 'need':
      r = f.needs[o.anchor.index]!;
      break;
    case 'dataset':
      r = f.datasetRefs[o.anchor.index]!;
      break;
    case 'out':
      r = f.outs[o.anchor.index]!;
      break;
    case 'dep':
      r = f.deps[o.anchor.index]!;
      break;
    case 'input':
      r = f.inputs[o.anchor.index]!;
      break;
    case 'expr': {
      const e = f.exprRefs[o.anchor.index]!;
      r = e.path[o.anchor.part] ?? e;
      break;
    }
  }
  return { start: s.seg.base + r.start, end: s.seg.base + r.end, code: o.code, message: o.message, ...(o.severity ? { severity: o.severity } : {}), ...(o.data ? { data: o.data } : {}) };
}

export function unknownDatasetFinding(r: Ref, datasets: Map<string, DatasetInfo>, datasetNames: string[]): Finding | undefined {
  if (datasets.has(r.name)) return undefined;
  const suggestion = nearest(r.name, datasetNames);
  return {
    start: r.start,
    end: r.end,
    code: 'unknown-dataset',
    message: `Dataset "${r.name}" is not declared.${suggestion ? ` Did you mean "${suggestion}"?` : ''} ${datasetNames.length ? `Declared: ${datasetNames.join(', ')}.` : 'Declare it under `datasets:` with its `path`.'}`,
    data: suggestion ? { replace: suggestion, name: r.name } : { name: r.name },
  };
}

/** Problems of one `${{ }}` reference; `part` is the index in its path of the name at fault. */
function exprChecks(e: ExprRef, params: ParamTable, datasets: Map<string, DatasetInfo>, datasetNames: string[]): { part: number; code: DiagnosticCode; message: string; data?: Record<string, unknown> }[] {
  const first = e.path[0];
  if (!first) return [];
  if (e.context === 'params') {
    if (!params.known) return [];
    const def = params.params.get(first.name);
    if (def && e.path.length === 1) return []; // the common case: a defined top-level param
    const names = e.path.map((p) => p.name);
    if (paramValue(params, names).found) return [];
    const part = def ? e.path.length - 1 : 0;
    const missing = e.path[part]!;
    const suggestion = nearest(missing.name, params.params.keys());
    return [
      {
        part,
        code: 'unknown-param',
        message: `Param "${names.join('.')}" is not defined.${suggestion ? ` Did you mean "${suggestion}"?` : ''} Add it under \`params:\`${params.file ? ` in ${params.file}` : ''}, e.g. \`${first.name}: <value>\`.`,
        data: { name: first.name, ...(suggestion ? { replace: suggestion } : {}), canAdd: params.inline && !def },
      },
    ];
  }
  if (e.context === 'datasets') {
    const out: { part: number; code: DiagnosticCode; message: string; data?: Record<string, unknown> }[] = [];
    const found = unknownDatasetFinding({ ...first }, datasets, datasetNames);
    if (found) out.push({ part: 0, code: found.code, message: found.message, ...(found.data ? { data: found.data } : {}) });
    const field = e.path[1];
    if (field && !['path', 'label', 'format', 'description'].includes(field.name)) out.push({ part: 1, code: 'unknown-key', message: `Datasets have path, label, format and description, not "${field.name}".` });
    return out;
  }
  return [];
}

/** Findings (with document offsets) of a `${{ }}` reference outside stages. */
export function exprFindings(e: ExprRef, base: number, params: ParamTable, datasets: Map<string, DatasetInfo>, datasetNames: string[]): Finding[] {
  return exprChecks(e, params, datasets, datasetNames).map((x) => {
    const r = e.path[x.part] ?? e;
    return { start: base + r.start, end: base + r.end, code: x.code, message: x.message, ...(x.data ? { data: x.data } : {}) };
  });
}

/** One edge of the stage graph: `from` needs `to`, written in its `needs` or derived from a path it reads. */
interface Edge {
  from: string;
  to: string;
  anchor: Anchor;
  /** For a derived edge: the path `from` reads and `to` writes. */
  path?: string;
}

/**
 * Every cycle the depth-first search meets, each reported on every one of its edges (a `needs` item, or
 * for a derived edge the path read), with the whole cycle spelled out in run order. An edge in two cycles
 * is reported once.
 */
function cycles(stages: StageInfo[], stagesMap: Map<string, StageInfo>, derived: { stage: string; need: string; read: FactRead }[]): Owned[] {
  const out: Owned[] = [];
  const index = new Map(stages.map((s, i) => [s, i]));
  const edges = new Map<string, Edge[]>();
  for (const [name, info] of stagesMap) {
    edges.set(
      name,
      info.facts.needs.flatMap((n, i) => (stagesMap.has(n.name) ? [{ from: name, to: n.name, anchor: { kind: 'need' as const, index: i } }] : [])),
    );
  }
  for (const d of derived) edges.get(d.stage)?.push({ from: d.stage, to: d.need, anchor: d.read.anchor, path: d.read.path });
  const order = new Map([...stagesMap.keys()].map((n, i) => [n, i]));
  const state = new Map<string, 1 | 2>(); // 1: on the stack, 2: done
  const reported = new Set<string>();
  for (const start of stagesMap.keys()) {
    if (state.has(start)) continue;
    const stack: [string, number][] = [[start, 0]];
    /** The edge taken out of each stage on the stack but the top one. */
    const taken: Edge[] = [];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const out_ = edges.get(top[0]) ?? [];
      if (top[1] >= out_.length) {
        state.set(top[0], 2);
        stack.pop();
        taken.pop();
        continue;
      }
      const edge = out_[top[1]++]!;
      const st = state.get(edge.to);
      if (st === 1) {
        const from = stack.findIndex(([n]) => n === edge.to);
        report([...taken.slice(from), edge]);
      } else if (st === undefined) {
        state.set(edge.to, 1);
        stack.push([edge.to, 0]);
        taken.push(edge);
      }
    }
  }
  return out;

  function report(cycle: Edge[]): void {
    // in run order (each stage runs after the one before it), from the stage first in the file
    const run = [...cycle].reverse();
    let first = 0;
    for (let i = 1; i < run.length; i++) if (order.get(run[i]!.to)! < order.get(run[first]!.to)!) first = i;
    const steps = [...run.slice(first), ...run.slice(0, first)];
    const text = [steps[0]!.to, ...steps.map((e) => (e.path ? `${e.from} (reads ${e.path})` : e.from))].join(' → ');
    const names = [steps[0]!.to, ...steps.map((e) => e.from)];
    const edgeData = steps.map((e) => ({ stage: e.from, need: e.to, ...(e.path ? { derived: e.path } : {}) }));
    const derivedNote = steps.some((e) => e.path) ? ' "(reads …)" marks an edge derived from a file the stage reads and the one before it writes: no `needs` says it.' : '';
    for (const e of cycle) {
      const key = `${e.from}\u0000${e.anchor.kind}\u0000${'index' in e.anchor ? e.anchor.index : ''}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const here = e.path
        ? `Here "${e.from}" reads "${e.path}", which "${e.to}" writes (a derived edge): stop reading it, or remove another edge.`
        : `Here "${e.from}" needs "${e.to}": remove this edge or another one of the cycle.`;
      out.push({
        stage: index.get(stagesMap.get(e.from)!)!,
        anchor: e.anchor,
        code: 'cycle',
        message: `These stages wait for each other in a cycle: ${text}.${derivedNote} ${here}`,
        data: { stage: e.from, need: e.to, ...(e.path ? { derived: e.path } : {}), cycle: names, edges: edgeData },
      });
    }
  }
}
