// The pipeline checker: parse (incrementally), then YAML, structural and semantic checks, each finding
// with an exact range. The language server, `sextant lint` and the tests all call `analyzePipeline`.
import { isAbsolute, join, posix } from 'node:path';
import { isMap, parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { builtin } from './builtins';
import { pathProblem, type NamedPath } from './containment';
import { severityOf, type Finding, type PipelineDiagnostic } from './diagnostics';
import { PipelineParser, type Entry, type ParsedPipeline, type Segment } from './document';
import type { PipelineHost } from './host';
import { nearest } from './nearest';
import { items, keyOf, pairOf, pairs, scalarText, span } from './nodes';
import { COLUMN_KEYS, DATASET_KEYS } from '../data/validate/expectation';
import { paramTable, type ParamTable } from './params';
import { PipelineSchema } from './schema';
import { stageFacts, scanExpressions, type ExprRef, type Ref, type StageFacts } from './stageFacts';
import { exprFindings, materialize, stageGlobal, unknownDatasetFinding, type DerivedNeed } from './stageGlobal';
import { runValueFindings } from './shellChecks';
import { structuralFindings, type LocalFinding } from './structure';
import { suppressions } from './suppress';
import { segmentSyntax } from './syntax';

/** Diagnostics sent for one file at most (the first ones by position). */
export const MAX_DIAGNOSTICS = 1000;

export interface StageInfo {
  name: string;
  entry: Entry;
  seg: Segment;
  facts: StageFacts;
}

export interface DatasetInfo {
  name: string;
  entry: Entry;
  start: number;
  end: number;
  path?: string;
  external?: boolean;
  label?: string;
}

export type SymbolKind = 'stage' | 'param' | 'dataset';

/** A use of a name, in document offsets. */
export interface SymbolRef {
  kind: SymbolKind;
  name: string;
  start: number;
  end: number;
}

export interface PipelineModel {
  /** First definition of each stage name, in file order. */
  stages: Map<string, StageInfo>;
  datasets: Map<string, DatasetInfo>;
  params: ParamTable;
  refs: SymbolRef[];
  /** Every expression reference with document offsets (for hover and completion). */
  exprRefs: ExprRef[];
  /** Normalised output path → stage that writes it. */
  outputs: Map<string, string>;
  /** `needs` edges implied by outputs other stages read (./derivedEdges.ts), where no `needs` says them. */
  derived: DerivedNeed[];
}

export interface Analysis {
  parsed: ParsedPipeline;
  model: PipelineModel;
  findings: Finding[];
  diagnostics: PipelineDiagnostic[];
}

const TopSchema = PipelineSchema.extend({ stages: z.record(z.string(), z.unknown()).describe(PipelineSchema.shape.stages.description ?? '') });


function abs(seg: Segment, f: LocalFinding): Finding {
  return { ...f, start: seg.base + f.start, end: seg.base + f.end };
}

function shift(seg: Segment, r: Ref): Ref {
  return { name: r.name, start: seg.base + r.start, end: seg.base + r.end };
}

const normPath = (p: string): string => posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\//, '').replace(/\/$/, '');
const isPattern = (p: string): boolean => /[*?[\]{}]|\$\{\{/.test(p);

export function analyzePipeline(parsed: ParsedPipeline, host: PipelineHost): Analysis {
  const findings: Finding[] = [];
  const topRefs: SymbolRef[] = [];
  const topExprRefs: ExprRef[] = [];
  const allStages: StageInfo[] = [];
  const model = lazyModel(allStages, topRefs, topExprRefs);
  const text = parsed.text;
  if (parsed.refused) {
    findings.push({ start: 0, end: Math.min(text.length, Math.max(0, text.indexOf('\n')) || 1), code: parsed.refused.code as Finding['code'], message: parsed.refused.message });
    return finish(parsed, model, findings);
  }

  // YAML
  for (const seg of parsed.segments) for (const f of segmentSyntax(seg)) findings.push(abs(seg, f));

  const root = parsed.segments[0];
  if (text.trim() === '' || (parsed.segments.length === 1 && root && !root.map)) {
    const hasContent = text.trim() !== '' && !/^(\s*#.*\n?)*\s*$/.test(text);
    if (!hasContent) {
      findings.push({ start: 0, end: 0, code: 'not-a-pipeline', message: 'The pipeline is empty. Start with `version: 1` and a `stages:` mapping (see docs/pipeline.md).' });
    } else if (!root?.problems.some((p) => !p.warning)) {
      const s = span(root?.doc.contents) ?? [0, Math.min(text.length, 1)];
      findings.push({ start: s[0], end: Math.min(s[1], text.indexOf('\n') < 0 ? text.length : text.indexOf('\n')), code: 'not-a-pipeline', message: 'This is not a pipeline: a pipeline is a YAML mapping with `version: 1` and `stages:`.' });
    }
    return finish(parsed, model, findings);
  }

  // duplicate root keys and stage names across segments
  const seenTop = new Map<string, Entry>();
  for (const e of parsed.top) {
    if (seenTop.has(e.key) && e.seg !== seenTop.get(e.key)!.seg) {
      const s = span(e.keyNode)!;
      findings.push({ start: e.seg.base + s[0], end: e.seg.base + s[1], code: 'duplicate-key', message: `"${e.key}" is written twice at the top of the file; only the last one would count. Merge them.` });
    }
    if (!seenTop.has(e.key)) seenTop.set(e.key, e);
  }
  const topByKey = (k: string): Entry | undefined => {
    let last: Entry | undefined;
    for (const e of parsed.top) if (e.key === k) last = e;
    return last;
  };

  const stagesEntry = topByKey('stages');
  // top-level structure, key by key (stages are checked one by one below)
  const shape = TopSchema.shape as Record<string, z.ZodType>;
  const firstLineEnd = text.indexOf('\n') < 0 ? text.length : text.indexOf('\n');
  for (const e of parsed.top) {
    const ks = span(e.keyNode) ?? [0, 0];
    const field = shape[e.key];
    if (!field) {
      const suggestion = nearest(e.key, Object.keys(shape));
      findings.push({
        start: e.seg.base + ks[0],
        end: e.seg.base + ks[1],
        code: 'unknown-key',
        message: `Unknown key "${e.key}" at the top of the pipeline.${suggestion ? ` Did you mean "${suggestion}"?` : ''} Allowed keys: ${Object.keys(shape).join(', ')}.`,
        data: suggestion ? { replace: suggestion } : {},
      });
    } else if (e.key !== 'stages' || !(e.js === null || (typeof e.js === 'object' && !Array.isArray(e.js)))) {
      const cached = e as Entry & { structure?: LocalFinding[] };
      cached.structure ??= structuralFindings(field, e.js, e.value, ks, e.key);
      for (const f of cached.structure) findings.push(abs(e.seg, f));
    }
  }
  for (const [key, field] of Object.entries(shape)) {
    if ((field as unknown as { _zod: { optin?: string } })._zod.optin === 'optional' || seenTop.has(key)) continue;
    findings.push({ start: 0, end: firstLineEnd, code: 'missing-key', message: `Add \`${key}:\` to the pipeline: ${field.description ?? ''}${key === 'version' ? ' Write `version: 1`.' : ''}`, data: { key } });
  }

  // params, datasets
  model.params = paramTable(topByKey('params'), host);
  findings.push(...model.params.findings);
  const datasetsEntry = topByKey('datasets');
  if (datasetsEntry && isMap(datasetsEntry.value)) {
    const values = (datasetsEntry.js ?? {}) as Record<string, { path?: unknown; external?: unknown; label?: unknown } | null>;
    for (const p of pairs(datasetsEntry.value)) {
      const name = keyOf(p);
      const s = span(p.key);
      if (name === undefined || !s || model.datasets.has(name)) continue;
      const v = values[name];
      model.datasets.set(name, {
        name,
        entry: datasetsEntry,
        start: datasetsEntry.seg.base + s[0],
        end: datasetsEntry.seg.base + s[1],
        ...(typeof v?.path === 'string' ? { path: v.path } : {}),
        ...(v?.external === true ? { external: true } : {}),
        ...(typeof v?.label === 'string' ? { label: v.label } : {}),
      });
    }
  }

  // stages: local facts (cached per segment), then names
  if (stagesEntry === undefined) {
    // reported by the schema as a missing key
  } else if (
    parsed.stages.length === 0 &&
    (stagesEntry.js === null || (typeof stagesEntry.js === 'object' && stagesEntry.js !== null && Object.keys(stagesEntry.js).length === 0)) &&
    // stages the YAML could not read (indented with tabs, a broken line) or a second `stages:` are not "no stages yet"
    !parsed.segments.some((seg) => seg.problems.some((p) => !p.warning)) &&
    parsed.top.filter((e) => e.key === 'stages').length === 1
  ) {
    const s = span(stagesEntry.keyNode)!;
    findings.push({ start: stagesEntry.seg.base + s[0], end: stagesEntry.seg.base + s[1], code: 'no-stages', message: 'The pipeline has no stages yet: add one under `stages:`, e.g. `train: { run: python train.py }`.' });
  }
  for (const entry of parsed.stages) {
    const seg = entry.seg;
    // entries live as long as their segment, so the stage's facts and info are kept on them
    const cached = entry as Entry & { info?: StageInfo };
    let info = cached.info;
    if (!info) {
      info = { name: entry.key, entry, seg, facts: stageFacts(entry, seg.text) };
      cached.info = info;
    }
    allStages.push(info);
    for (const f of info.facts.findings) findings.push(abs(seg, f));
  }

  // expressions outside stages (monitor, datasets, …)
  for (const e of parsed.top) {
    if (e.key === 'stages' || e.key === 'params') continue;
    const cached = e as Entry & { expressions?: { local: LocalFinding[]; refs: ExprRef[] } };
    if (!cached.expressions) {
      cached.expressions = { local: [], refs: [] };
      scanExpressions(e.seg.text, e.value, cached.expressions.local, cached.expressions.refs);
    }
    const { local, refs } = cached.expressions;
    for (const f of local) findings.push(abs(e.seg, f));
    for (const r of refs) topExprRefs.push(shiftExpr(e.seg, r));
  }

  const datasetNames = [...model.datasets.keys()];
  const unknownDataset = (r: Ref): void => {
    const f = unknownDatasetFinding(r, model.datasets, datasetNames);
    if (f) findings.push(f);
  };

  // names, outputs, needs, cycles and expression references: kept from the last analysis while no
  // stage's names and references changed (typing in a command or a value), recomputed otherwise
  const global = stageGlobal(parsed.memo, allStages, model);
  model.stages = global.stagesMap;
  model.outputs = global.outputs;
  model.derived = global.derived;
  for (const o of global.owned) findings.push(materialize(o, allStages));
  const stageNames = [...model.stages.keys()];

  const dir = host.dir;
  /** Whether a file exists (undefined: not checked); its absolute path is kept on the reference. */
  const fileExists = (r: { name: string }): boolean | undefined => {
    if (!dir || isPattern(r.name)) return undefined;
    const cached = r as { name: string; abs?: [string, string] };
    if (!cached.abs || cached.abs[0] !== dir) cached.abs = [dir, isAbsolute(r.name) ? r.name : join(dir, r.name)];
    return host.exists(cached.abs[1]);
  };
  /** Whether a stage writes this path, or a folder that holds it (checked by its ancestors: no scan). */
  const produced = (p: string): boolean => {
    let cur = normPath(p);
    for (;;) {
      if (model.outputs.has(cur)) return true;
      const slash = cur.lastIndexOf('/');
      if (slash <= 0) return false;
      cur = cur.slice(0, slash);
    }
  };

  /** A path outside the pipeline folder, or an output that is the folder or the store (./containment.ts). */
  const containment = (p: NamedPath, start: number, end: number): void => {
    if (!dir || p.value.includes('${{')) return;
    const problem = host.pathProblem ? host.pathProblem(dir, p) : pathProblem(dir, p, (a) => a);
    if (problem) findings.push({ start, end, code: problem.code, message: problem.message });
  };

  // per stage: files (the host's answers change without the text changing: never kept), and the shell
  // quoting of `run:` with the params' current values
  for (const s of allStages) {
    const f = s.facts;
    findings.push(...runValueFindings(f.runInterpolations, s.seg.base, model.params));
    for (const p of f.paths) containment({ what: p.what, value: p.name, write: p.write, ...(p.external ? { external: true } : {}) }, s.seg.base + p.start, s.seg.base + p.end);
    for (const d of f.deps) {
      if (fileExists(d) === false && !produced(d.name)) {
        const r = shift(s.seg, d);
        findings.push({ start: r.start, end: r.end, code: 'missing-dep', message: `"${d.name}" does not exist and no stage writes it. Create it, fix the path, or add the stage that writes it to \`outs\`.` });
      }
    }
    for (const d of f.inputs) {
      if (fileExists(d) === false && !produced(d.name)) {
        const r = shift(s.seg, d);
        findings.push({ start: r.start, end: r.end, code: 'missing-file', message: `"${d.name}" does not exist and no stage writes it. Fix the path, or add the stage that writes it (e.g. \`sextant/train\` with \`out: ${d.name}\`) to \`needs\`.` });
      }
    }
  }

  // expression references outside stages
  for (const e of topExprRefs) for (const f of exprFindings(e, 0, model.params, model.datasets, datasetNames)) findings.push(f);

  // metrics a gate requires (`sextant/gate`'s require, `sextant/register`'s gates) must come from a stage
  // before it: a built-in's metrics, a metrics file's keys, or for `run:` stages what earlier runs logged
  let graph: Map<string, string[]> | undefined;
  for (const s of allStages) {
    if (s.facts.requires.length === 0) continue;
    const upstream = reach(s.name, (graph ??= needsGraph(model)));
    const known = new Set<string>();
    let unknownProducers = false;
    let runStages = 0;
    for (const u of upstream) {
      const facts = model.stages.get(u)?.facts;
      if (!facts) continue;
      const b = facts.builtin ? builtin(facts.builtin) : undefined;
      b?.metrics.forEach((m) => known.add(m));
      if (facts.run) runStages++;
      for (const mf of facts.metricsFiles) {
        const keys = host.dir ? metricKeys(host, join(host.dir, mf.name)) : undefined;
        if (keys) keys.forEach((k) => known.add(k));
        else unknownProducers = true;
      }
    }
    if (unknownProducers) continue;
    // the store is read only for a metric not known otherwise (kept a few seconds: ./loggedMetrics.ts)
    const logged = runStages > 0 && s.facts.requires.some((r) => !known.has(r.name)) ? host.loggedMetrics?.() : undefined;
    logged?.forEach((m) => known.add(m));
    const what = s.facts.builtin === 'sextant/register' ? 'promotion gate' : 'gate';
    for (const r of s.facts.requires) {
      if (known.has(r.name)) continue;
      const suggestion = nearest(r.name, known, { byWords: true });
      const a = shift(s.seg, r);
      findings.push({
        start: a.start,
        end: a.end,
        code: 'unknown-metric',
        severity: runStages > 0 ? 'warning' : 'error',
        message:
          upstream.size === 0
            ? `No stage before this ${what} produces "${r.name}": add the stage that evaluates the model (e.g. a \`sextant/evaluate\` stage) to \`needs\`.`
            : `No stage before this ${what} produces "${r.name}".${suggestion ? ` Did you mean "${suggestion}"?` : ''}${known.size ? ` Known metrics: ${[...known].slice(0, 30).join(', ')}${known.size > 30 ? ', …' : ''}.` : ''}${runStages ? ` (\`run:\` stages declare their metrics files under \`metrics:\`${logged ? '; the metrics their earlier runs logged count too' : ''}.)` : ''}`,
        ...(suggestion ? { data: { replace: suggestion } } : {}),
      });
    }
  }

  // datasets: files, expectations, monitor
  for (const d of model.datasets.values()) {
    if (!d.path) continue;
    const sp = span(pairOf(pairOf(d.entry.value, d.name)?.value, 'path')?.value);
    if (!sp) continue;
    const [start, end] = [d.entry.seg.base + sp[0], d.entry.seg.base + sp[1]];
    containment({ what: `datasets.${d.name}.path`, value: d.path, write: false, ...(d.external ? { external: true } : {}) }, start, end);
    if (fileExists({ name: d.path }) === false && !produced(d.path)) {
      findings.push({ start, end, code: 'missing-file', message: `Dataset file "${d.path}" does not exist and no stage writes it. Fix the path, or add the stage that writes it.` });
    }
  }
  const expectations = topByKey('expectations');
  for (const p of pairs(expectations?.value)) {
    const name = keyOf(p);
    const s = span(p.key);
    if (name === undefined || !s) continue;
    const r = { name, start: expectations!.seg.base + s[0], end: expectations!.seg.base + s[1] };
    topRefs.push({ kind: 'dataset', ...r });
    unknownDataset(r);
    findings.push(...expectationColumns(p.value, expectations!.seg));
  }
  const monitor = topByKey('monitor');
  if (monitor && isMap(monitor.value)) {
    for (const k of ['reference', 'current']) {
      const v = pairOf(monitor.value, k)?.value;
      const name = scalarText(v);
      const s = span(v);
      if (name === undefined || !s) continue;
      const r = { name, start: monitor.seg.base + s[0], end: monitor.seg.base + s[1] };
      topRefs.push({ kind: 'dataset', ...r });
      unknownDataset(r);
    }
    const run = pairOf(pairOf(monitor.value, 'on_drift')?.value, 'run')?.value;
    const name = scalarText(run);
    const s = span(run);
    if (name !== undefined && s) {
      const r = { start: monitor.seg.base + s[0], end: monitor.seg.base + s[1] };
      topRefs.push({ kind: 'stage', name, ...r });
      if (!model.stages.has(name)) {
        const suggestion = nearest(name, stageNames);
        findings.push({ ...r, code: 'unknown-stage', message: `Stage "${name}" is not defined.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`, data: suggestion ? { replace: suggestion } : {} });
      }
    }
  }
  return finish(parsed, model, findings);
}

/** The model, with `refs` and `exprRefs` built on first use (the diagnostics path does not need them). */
function lazyModel(allStages: StageInfo[], topRefs: SymbolRef[], topExprRefs: ExprRef[]): PipelineModel {
  let refs: SymbolRef[] | undefined;
  let exprRefs: ExprRef[] | undefined;
  const model = {
    stages: new Map<string, StageInfo>(),
    datasets: new Map<string, DatasetInfo>(),
    params: { params: new Map(), known: true, inline: true, findings: [] } as ParamTable,
    outputs: new Map<string, string>(),
    derived: [] as DerivedNeed[],
    get exprRefs(): ExprRef[] {
      exprRefs ??= [...topExprRefs, ...allStages.flatMap((s) => s.facts.exprRefs.map((e) => shiftExpr(s.seg, e)))];
      return exprRefs;
    },
    get refs(): SymbolRef[] {
      if (refs) return refs;
      const out: SymbolRef[] = [];
      for (const s of allStages) {
        for (const n of s.facts.needs) out.push({ kind: 'stage', name: n.name, start: s.seg.base + n.start, end: s.seg.base + n.end });
        for (const d of s.facts.datasetRefs) out.push({ kind: 'dataset', name: d.name, start: s.seg.base + d.start, end: s.seg.base + d.end });
      }
      for (const e of model.exprRefs) {
        const first = e.path[0];
        if (!first) continue;
        if (e.context === 'params') out.push({ kind: 'param', name: first.name, start: first.start, end: first.end });
        else if (e.context === 'datasets') out.push({ kind: 'dataset', name: first.name, start: first.start, end: first.end });
      }
      out.push(...topRefs);
      refs = out.sort((a, b) => a.start - b.start);
      return refs;
    },
  };
  return model;
}

/** Each expectation (a list item) with a column check but no `column:`, or a dataset check with one, at the item. */
function expectationColumns(list: unknown, seg: Segment): Finding[] {
  const out: Finding[] = [];
  const base = seg.base;
  for (const item of items(list)) {
    if (!isMap(item)) continue;
    const keys = pairs(item).map(keyOf).filter((k): k is string => k !== undefined);
    const whole = span(item);
    if (!whole) continue;
    // a block mapping's range runs to the next line: end at its last character
    const s: [number, number] = [whole[0], whole[0] + seg.text.slice(whole[0], whole[1]).trimEnd().length];
    const hasColumn = keys.includes('column');
    const columnKeys = keys.filter((k) => (COLUMN_KEYS as readonly string[]).includes(k));
    const datasetKeys = keys.filter((k) => (DATASET_KEYS as readonly string[]).includes(k));
    if (!hasColumn && columnKeys.length > 0) {
      out.push({ start: base + s[0], end: base + s[1], code: 'missing-key', message: `Add "column:" to this expectation: ${columnKeys.join(', ')} check${columnKeys.length === 1 ? 's' : ''} one column.`, data: { key: 'column' } });
    } else if (hasColumn && datasetKeys.length > 0) {
      const k = span(pairOf(item, 'column')?.key) ?? s;
      out.push({ start: base + k[0], end: base + k[1], code: 'invalid-value', message: `${datasetKeys.join(', ')} check${datasetKeys.length === 1 ? 's' : ''} the whole dataset: put ${datasetKeys.length === 1 ? 'it' : 'them'} in an expectation without "column:".` });
    }
  }
  return out;
}

function shiftExpr(seg: Segment, e: ExprRef): ExprRef {
  return { context: e.context, start: seg.base + e.start, end: seg.base + e.end, path: e.path.map((p) => shift(seg, p)) };
}

/** Each stage's needs, written and derived (the edges the runner orders by). */
function needsGraph(model: PipelineModel): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [name, s] of model.stages) graph.set(name, s.facts.needs.map((n) => n.name));
  for (const d of model.derived) graph.get(d.stage)?.push(d.need);
  return graph;
}

function reach(name: string, graph: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(graph.get(name) ?? [])];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n) || n === name) continue;
    seen.add(n);
    stack.push(...(graph.get(n) ?? []));
  }
  return seen;
}

/** Stages that `name` needs, directly or not, through written and derived edges. */
export function ancestors(name: string, model: PipelineModel): Set<string> {
  return reach(name, needsGraph(model));
}

/** Stages that need `name`, directly or not, through written and derived edges. */
export function dependents(name: string, model: PipelineModel): Set<string> {
  const reverse = new Map<string, string[]>();
  for (const [stage, needs] of needsGraph(model)) {
    for (const n of needs) {
      const list = reverse.get(n);
      if (list) list.push(stage);
      else reverse.set(n, [stage]);
    }
  }
  return reach(name, reverse);
}

function metricKeys(host: PipelineHost, file: string): string[] | undefined {
  const text = host.readText(file);
  if (text === undefined) return undefined;
  try {
    const value: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    return value && typeof value === 'object' ? Object.keys(value) : undefined;
  } catch {
    return undefined;
  }
}

function finish(parsed: ParsedPipeline, model: PipelineModel, findings: Finding[]): Analysis {
  const { kept, diagnostics } = toDiagnostics(parsed, findings);
  return { parsed, model, findings: kept, diagnostics };
}

/** The diagnostics of an analysis plus later findings (live checks), suppressions applied. */
export function withFindings(analysis: Analysis, extra: Finding[]): PipelineDiagnostic[] {
  return extra.length === 0 ? analysis.diagnostics : toDiagnostics(analysis.parsed, [...analysis.findings, ...extra]).diagnostics;
}

function toDiagnostics(parsed: ParsedPipeline, findings: Finding[]): { kept: Finding[]; diagnostics: PipelineDiagnostic[] } {
  const supp = suppressions(parsed.text, parsed.lines);
  findings.sort((a, b) => a.start - b.start || a.end - b.end);
  const diagnostics: PipelineDiagnostic[] = [];
  const kept: Finding[] = [];
  // on a line with a YAML syntax error, other findings are about a misread value: leave them out
  const brokenLines = new Set<number>();
  for (const f of findings) if (f.code === 'yaml-syntax') brokenLines.add(parsed.lines.position(f.start).line);
  for (const f of findings) {
    const range = parsed.lines.range(f.start, f.end);
    // a cycle cannot be ignored: the runner refuses it whatever a comment says
    if (f.code !== 'cycle' && supp?.isSuppressed(range.start.line, f.code)) continue;
    if (brokenLines.size > 0 && f.code !== 'yaml-syntax' && brokenLines.has(range.start.line)) continue;
    kept.push(f);
    if (diagnostics.length >= MAX_DIAGNOSTICS) continue;
    diagnostics.push({ range, severity: severityOf(f), code: f.code, message: f.message, ...(f.data ? { data: f.data } : {}) });
  }
  return { kept, diagnostics };
}

/** Parses and analyses a text once (the CLI and tests; the server keeps a PipelineParser per document). */
export function analyzeText(text: string, host: PipelineHost, parser = new PipelineParser()): Analysis {
  return analyzePipeline(parser.parse(text), host);
}

