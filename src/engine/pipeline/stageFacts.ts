// What one stage says, read from its YAML alone: its structural problems, its references (needs,
// datasets, params in expressions), its inputs and outputs. Everything here depends only on the stage's
// own text, so it is cached with its segment and recomputed only when the stage is edited. Offsets are
// local to the segment.
import { isMap, isScalar, isSeq, type Scalar } from 'yaml';
import { z } from 'zod';
import { builtin, BUILTIN_NAMES, EXPRESSION_PATTERN, type BuiltinName } from './builtins';
import type { Entry } from './document';
import { decodeScalar, identity } from './decoded';
import { collectRefs, CONTEXTS, findExpressions, FUNCTIONS, parseExpression } from './expressions';
import { nearest } from './nearest';
import { items, keyOf, pairOf, pairs, scalars, scalarText, span } from './nodes';
import { NAME_PATTERN, StageSchema } from './schema';
import { runInterpolations, type RunInterpolation } from './shellChecks';
import { structuralFindings, type LocalFinding } from './structure';
import { trainTaskFacts, type TrainTaskFacts } from './trainTask';

export interface Ref {
  name: string;
  start: number;
  end: number;
}

/** A path the stage names, for the containment check (./containment.ts): `what` names its key in messages. */
interface PathRef extends Ref {
  what: string;
  write: boolean;
  external?: boolean;
}

export interface ExprRef {
  context: string;
  /** Names after the context: `params.a.b` → ['a', 'b']. */
  path: Ref[];
  start: number;
  end: number;
}

export interface StageFacts {
  name: string;
  key: [number, number];
  findings: LocalFinding[];
  needs: Ref[];
  /** Span of the `needs` value and whether it is a flow list (`[a, b]`). */
  needsNode?: { start: number; end: number; flow: boolean };
  uses?: Ref;
  builtin?: BuiltinName;
  run?: Ref;
  with?: { start: number; end: number; keyStart: number; keyEnd: number; flow: boolean; keys: Ref[] };
  missingWith: string[];
  outs: Ref[];
  deps: Ref[];
  /** Model or files a built-in reads (`model`), as written. */
  inputs: Ref[];
  datasetRefs: Ref[];
  exprRefs: ExprRef[];
  gpu?: { value: number | 'required'; start: number; end: number };
  metricsFiles: Ref[];
  requires: Ref[];
  compareTo?: Ref;
  /** `model: name@alias` references to the registry. */
  modelAliases: Ref[];
  /** The `${{ }}` of its `run:` command, for the shell quoting checks (./shellChecks.ts). */
  runInterpolations: RunInterpolation[];
  /** Every path it reads or writes (deps, outs, metrics, the built-in's files), as written. */
  paths: PathRef[];
  /** `sextant/train`'s literal `model` and `task` (./trainTask.ts). */
  trainTask?: TrainTaskFacts;
}

function ref(node: unknown): Ref | undefined {
  const text = scalarText(node);
  const s = span(node);
  return text !== undefined && s ? { name: text, start: s[0], end: s[1] } : undefined;
}

function listRefs(node: unknown): Ref[] {
  if (isSeq(node)) return items(node).map(ref).filter((r): r is Ref => r !== undefined);
  const single = ref(node);
  return single ? [single] : [];
}

/** `deps` items: a path, or `{ path, external }` (the reference is the `path` value). */
function depRefs(node: unknown): (Ref & { external?: true })[] {
  return (isSeq(node) ? items(node) : [node]).flatMap((item) => {
    if (!isMap(item)) return ref(item) ?? [];
    const r = ref(pairOf(item, 'path')?.value);
    const external = pairOf(item, 'external')?.value;
    return r ? [{ ...r, ...(isScalar(external) && external.value === true ? { external: true as const } : {}) }] : [];
  });
}

/** Paths for the containment check, except those an expression makes (checked by the runner once resolved). */
function pathRefs(refs: (Ref & { external?: true })[], what: string, write: boolean): PathRef[] {
  return refs.filter((r) => !r.name.includes('${{')).map((r) => ({ ...r, what, write }));
}

/**
 * Parses every `${{ }}` in the scalars under a node; reports syntax, contexts and functions. Expressions
 * are read in the scalar's decoded value (what the runner sees: `''` in single quotes, escapes in double
 * quotes, folded and literal blocks), and every position is mapped back to the source.
 */
export function scanExpressions(text: string, node: unknown, findings: LocalFinding[], refs: ExprRef[]): void {
  for (const { node: scalar } of scalars(node)) {
    const s = span(scalar);
    if (!s || typeof scalar.value !== 'string' || !scalar.value.includes('${{')) continue;
    const source = text.slice(s[0], s[1]);
    const d = decodeScalar(source, scalar.type, scalar.value) ?? identity(source);
    const last = d.to.length > 0 ? d.to[d.to.length - 1]! : 0;
    /** Document offset of the decoded character at `p` (a start). */
    const at = (p: number): number => s[0] + (p < d.from.length ? d.from[p]! : last);
    /** Document offset just after the decoded character before `p` (an end). */
    const after = (p: number): number => s[0] + (p <= 0 ? (d.from[0] ?? 0) : p - 1 < d.to.length ? d.to[p - 1]! : last);
    for (const f of findExpressions(d.text)) {
      if (!f.terminated) {
        findings.push({ start: at(f.start), end: after(f.end), code: 'expression-syntax', message: 'Close the expression with "}}", e.g. `${{ params.lr }}`.' });
        continue;
      }
      const parsed = parseExpression(f.inner, f.innerStart);
      if (!parsed.expr) {
        const e = parsed.error!;
        findings.push({ start: at(e.start), end: Math.max(after(e.end), at(e.start) + 1), code: 'expression-syntax', message: e.message });
        continue;
      }
      const { refs: found, calls } = collectRefs(parsed.expr);
      for (const r of found) {
        if (!(r.context in CONTEXTS)) {
          const suggestion = nearest(r.context, Object.keys(CONTEXTS));
          findings.push({
            start: at(r.contextStart),
            end: after(r.contextStart + r.context.length),
            code: 'unknown-context',
            message: `Unknown context "${r.context}".${suggestion ? ` Did you mean "${suggestion}"?` : ''} Expressions can read ${Object.keys(CONTEXTS).join(', ')}.`,
            data: suggestion ? { replace: suggestion } : {},
          });
          continue;
        }
        refs.push({ context: r.context, path: r.path.map((x) => ({ name: x.name, start: at(x.start), end: after(x.end) })), start: at(r.start), end: after(r.end) });
      }
      for (const c of calls) {
        const fn = FUNCTIONS[c.name];
        if (!fn) {
          const suggestion = nearest(c.name, Object.keys(FUNCTIONS));
          findings.push({
            start: at(c.start),
            end: after(c.nameEnd),
            code: 'unknown-function',
            message: `Unknown function "${c.name}".${suggestion ? ` Did you mean "${suggestion}"?` : ''} Functions: ${Object.keys(FUNCTIONS).join(', ')}.`,
            data: suggestion ? { replace: suggestion } : {},
          });
        } else if (c.args.length < fn.min || c.args.length > fn.max) {
          findings.push({ start: at(c.start), end: after(c.end), code: 'unknown-function', message: `${c.name} takes ${fn.min === fn.max ? fn.min : `${fn.min} to ${fn.max}`} argument${fn.max === 1 ? '' : 's'}, not ${c.args.length}: ${fn.doc}` });
        }
      }
    }
  }
}

/** `${params.x}` (a shell's form, which sh cannot expand: a bad substitution) where `${{ params.x }}` was meant. */
const SHELL_STYLE = /\$\{\s*([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*)+)\s*\}/g;

/** Warns at each shell-style reference to a context in `run:`, read in the decoded scalar (./decoded.ts). */
function shellStyleExpressions(text: string, runNode: unknown, findings: LocalFinding[]): void {
  if (!isScalar(runNode) || typeof runNode.value !== 'string' || !runNode.value.includes('${')) return;
  const s = span(runNode);
  if (!s) return;
  const source = text.slice(s[0], s[1]);
  const d = decodeScalar(source, runNode.type, runNode.value) ?? identity(source);
  for (const m of d.text.matchAll(SHELL_STYLE)) {
    if (!(m[1]! in CONTEXTS)) continue;
    const start = s[0] + d.from[m.index]!;
    const end = s[0] + d.to[m.index + m[0].length - 1]!;
    const meant = `\${{ ${m[1]}${m[2]} }}`;
    findings.push({ start, end, code: 'shell-style-expression', message: `The shell cannot expand "${m[0]}" (a bad substitution): did you mean \`${meant}\`?`, data: { replace: meant } });
  }
}

const isExpression = (v: unknown): boolean => typeof v === 'string' && EXPRESSION_PATTERN.test(v);

function checkWith(facts: StageFacts, stageNode: unknown, js: Record<string, unknown>, usesName: BuiltinName, stage: string): void {
  const b = builtin(usesName)!;
  const shape = b.resolved.shape as Record<string, z.ZodType>;
  const withPair = pairOf(stageNode, 'with');
  const withNode = withPair?.value;
  const withJs = js.with && typeof js.with === 'object' && !Array.isArray(js.with) ? (js.with as Record<string, unknown>) : undefined;
  const present = new Set<string>();
  if (isMap(withNode)) {
    for (const p of pairs(withNode)) {
      const key = keyOf(p);
      const ks = span(p.key);
      if (key === undefined || !ks) continue;
      present.add(key);
      const field = shape[key];
      if (!field) {
        const suggestion = nearest(key, Object.keys(shape).filter((k) => !present.has(k)));
        facts.findings.push({
          start: ks[0],
          end: ks[1],
          code: 'unknown-with-key',
          message: `${b.name} does not take "${key}".${suggestion ? ` Did you mean "${suggestion}"?` : ''} It takes: ${Object.keys(shape).join(', ')}.`,
          data: suggestion ? { replace: suggestion } : {},
        });
        continue;
      }
      const value = withJs?.[key];
      if (isExpression(value)) continue;
      const vs = span(p.value) ?? ks;
      for (const f of structuralFindings(field, value, p.value, vs, `with.${key}`)) {
        facts.findings.push({ ...f, code: f.code === 'unknown-key' ? 'unknown-with-key' : 'invalid-with-value', message: f.message.replace(/^"with\./, `"${stage}.with.`) });
      }
    }
  }
  for (const [key, field] of Object.entries(shape)) {
    const optional = (field as unknown as { _zod: { optin?: string } })._zod.optin === 'optional';
    if (!optional && !present.has(key)) facts.missingWith.push(key);
  }
  if (facts.missingWith.length > 0) {
    const at = span(withPair?.key) ?? (facts.uses ? [facts.uses.start, facts.uses.end] : facts.key);
    facts.findings.push({
      start: at[0],
      end: at[1],
      code: 'missing-with-key',
      message: `${b.name} needs ${facts.missingWith.map((k) => `"${k}"`).join(', ')} in \`with\`: ${facts.missingWith.map((k) => `${k}: ${shape[k]?.description ?? ''}`).join(' ')}`,
      data: { keys: facts.missingWith, builtin: b.name },
    });
  }
  // what the built-in reads and writes
  if (!withJs || !isMap(withNode)) return;
  for (const [key, role] of Object.entries(b.roles)) {
    const p = pairOf(withNode, key);
    if (!p) continue;
    if (role === 'dataset') {
      const r = ref(p.value);
      if (r && !r.name.includes('${{')) facts.datasetRefs.push(r);
    } else if (role === 'output-file') {
      const r = ref(p.value);
      if (r && !r.name.includes('${{')) {
        facts.outs.push(r);
        facts.paths.push({ ...r, what: `with.${key}`, write: true });
      }
    } else if (role === 'input-file' || role === 'model-ref') {
      const r = ref(p.value);
      if (!r || r.name.includes('${{')) continue;
      if (role === 'model-ref' && /^[^/\\]+@[^/\\]+$/.test(r.name)) facts.modelAliases.push(r);
      else {
        facts.inputs.push(r);
        facts.paths.push({ ...r, what: `with.${key}`, write: false });
      }
    } else if (role === 'metric-map' && isMap(p.value)) {
      for (const mp of pairs(p.value)) {
        const r = ref(mp.key);
        if (r) facts.requires.push(r);
      }
    } else if (role === 'alias') {
      const r = ref(p.value);
      if (r) facts.compareTo = r;
    }
  }
  // `sextant/register`'s promotion gates name metrics too
  if (usesName === 'sextant/register') {
    for (const gate of items(pairOf(withNode, 'gates')?.value)) {
      const r = ref(pairOf(gate, 'metric')?.value);
      if (r && !r.name.includes('${{')) facts.requires.push(r);
    }
  }
}

/** Reads one stage. `text` is its segment's text. */
export function stageFacts(entry: Entry, text: string): StageFacts {
  const node = entry.value;
  const key = span(entry.keyNode) ?? [0, 0];
  const facts: StageFacts = { name: entry.key, key, findings: [], needs: [], missingWith: [], outs: [], deps: [], inputs: [], datasetRefs: [], exprRefs: [], metricsFiles: [], requires: [], modelAliases: [], runInterpolations: [], paths: [] };
  if (!NAME_PATTERN.test(entry.key)) {
    facts.findings.push({ start: key[0], end: key[1], code: 'invalid-name', message: `"${entry.key}" is not a valid stage name: use letters, digits, "_" and "-", starting with a letter or "_" (e.g. "${entry.key.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[^A-Za-z_]+/, '') || 'stage'}").` });
  }
  const js = entry.js;
  if (js === null || js === undefined) {
    facts.findings.push({ start: key[0], end: key[1], code: 'no-action', message: `Stage "${entry.key}" is empty: give it \`run: <command>\` or \`uses: sextant/<built-in>\`.` });
    return facts;
  }
  facts.findings.push(...structuralFindings(StageSchema, js, node, key, entry.key));
  if (!isMap(node) || typeof js !== 'object' || Array.isArray(js)) return facts;
  const obj = js as Record<string, unknown>;

  const needsPair = pairOf(node, 'needs');
  if (needsPair) {
    facts.needs = listRefs(needsPair.value);
    const s = span(needsPair.value);
    if (s) facts.needsNode = { start: s[0], end: s[1], flow: Boolean((needsPair.value as { flow?: boolean }).flow) };
    const listed = new Set<string>();
    for (const n of facts.needs) {
      if (!listed.has(n.name)) listed.add(n.name);
      else facts.findings.push({ start: n.start, end: n.end, code: 'duplicate-need', message: `"${n.name}" is already in the needs of "${entry.key}": remove this one.`, data: { stage: entry.key, need: n.name } });
    }
  }
  const runPair = pairOf(node, 'run');
  facts.run = runPair ? ref(runPair.value) : undefined;
  const usesPair = pairOf(node, 'uses');
  facts.uses = usesPair ? ref(usesPair.value) : undefined;
  facts.outs.push(...listRefs(pairOf(node, 'outs')?.value));
  facts.deps.push(...depRefs(pairOf(node, 'deps')?.value));
  facts.metricsFiles.push(...listRefs(pairOf(node, 'metrics')?.value));
  facts.paths.push(...pathRefs(facts.deps, 'deps', false), ...pathRefs(facts.outs, 'outs', true), ...pathRefs(facts.metricsFiles, 'metrics', true));
  const withPair = pairOf(node, 'with');
  if (withPair) {
    const ws = span(withPair.value) ?? span(withPair.key)!;
    const ks = span(withPair.key) ?? ws;
    facts.with = { start: ws[0], end: ws[1], keyStart: ks[0], keyEnd: ks[1], flow: Boolean((withPair.value as { flow?: boolean } | null)?.flow), keys: pairs(withPair.value).map((p) => ref(p.key)).filter((r): r is Ref => r !== undefined) };
  }
  const gpuPair = pairOf(pairOf(node, 'resources')?.value, 'gpu');
  if (gpuPair && isScalar(gpuPair.value)) {
    const v = (gpuPair.value as Scalar).value;
    const s = span(gpuPair.value)!;
    if (v === 'required' || (typeof v === 'number' && v > 0)) facts.gpu = { value: v as number | 'required', start: s[0], end: s[1] };
  }

  if (facts.run && facts.uses) {
    facts.findings.push({ start: facts.uses.start, end: facts.uses.end, code: 'run-and-uses', message: `Stage "${entry.key}" has both \`run\` and \`uses\`: keep one (a command, or a built-in with \`with\`).` });
  } else if (!runPair && !usesPair) {
    facts.findings.push({ start: key[0], end: key[1], code: 'no-action', message: `Stage "${entry.key}" does nothing: add \`run: <command>\` or \`uses: sextant/<built-in>\` (${BUILTIN_NAMES.join(', ')}).` });
  }
  if (withPair && !usesPair) {
    const ks = span(withPair.key)!;
    facts.findings.push({ start: ks[0], end: ks[1], code: 'with-without-uses', message: `\`with\` configures a built-in, but stage "${entry.key}" has no \`uses\`: add \`uses: sextant/<built-in>\` or remove \`with\`.` });
  }
  if (facts.uses) {
    const name = facts.uses.name;
    const b = builtin(name);
    if (!b) {
      const suggestion = nearest(name, BUILTIN_NAMES) ?? nearest(name.replace(/^.*\//, 'sextant/'), BUILTIN_NAMES);
      facts.findings.push({
        start: facts.uses.start,
        end: facts.uses.end,
        code: 'unknown-builtin',
        message: `"${name}" is not a built-in stage.${suggestion ? ` Did you mean "${suggestion}"?` : ''} Built-ins: ${BUILTIN_NAMES.join(', ')}; or use \`run:\` for a command.`,
        data: suggestion ? { replace: suggestion } : {},
      });
    } else {
      facts.builtin = b.name;
      checkWith(facts, node, obj, b.name, entry.key);
      if (b.name === 'sextant/train') facts.trainTask = trainTaskFacts(pairOf(node, 'with')?.value, facts.findings);
      if (facts.gpu && !b.gpu) {
        facts.findings.push({ start: facts.gpu.start, end: facts.gpu.end, code: 'gpu-unused', message: `${b.name} runs on CPU only, so this GPU would sit idle. Remove \`resources.gpu\`, or use \`run:\` with your own GPU code.` });
      }
    }
  }
  scanExpressions(text, node, facts.findings, facts.exprRefs);
  if (runPair) shellStyleExpressions(text, runPair.value, facts.findings);
  if (runPair) {
    const shell = runInterpolations(text, runPair.value);
    facts.runInterpolations = shell.interpolations;
    facts.findings.push(...shell.findings);
  }
  return facts;
}
