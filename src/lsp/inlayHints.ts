// Inlay hints: a param's value after each `${{ params.x }}`, and after a stage's name the `needs` edges
// derived from the outputs it reads (src/engine/pipeline/derivedEdges.ts), which the runner orders by
// although no `needs` says them: `train ← needs prepare (data/clean.csv)`.
import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver/node';
import type { Analysis } from '../engine/pipeline/analyze';
import { paramValue } from '../engine/pipeline/params';

/** Hints at most per request (a 1,000-stage file asks for the visible range only). */
const MAX_HINTS = 500;

export function inlayHints(analysis: Analysis, range: Range): InlayHint[] {
  const { lines } = analysis.parsed;
  const from = lines.offset(range.start);
  const to = lines.offset(range.end);
  const hints: InlayHint[] = [];
  for (const r of analysis.model.exprRefs) {
    if (r.context !== 'params' || r.end < from || r.start > to || r.path.length === 0) continue;
    const v = paramValue(analysis.model.params, r.path.map((x) => x.name));
    if (!v.found) continue;
    hints.push({ position: lines.position(r.end), label: `= ${JSON.stringify(v.value)}`, kind: InlayHintKind.Type, paddingLeft: true });
    if (hints.length >= MAX_HINTS) return hints;
  }
  const derived = new Map<string, string[]>();
  for (const d of analysis.model.derived) derived.set(d.stage, [...(derived.get(d.stage) ?? []), `${d.need} (${d.path})`]);
  for (const [stage, needs] of derived) {
    const s = analysis.model.stages.get(stage);
    if (!s) continue;
    const at = s.seg.base + s.facts.key[1];
    if (at < from || at > to) continue;
    hints.push({
      position: lines.position(at),
      label: `← needs ${needs.join(', ')}`,
      kind: InlayHintKind.Parameter,
      paddingLeft: true,
      tooltip: `Derived from the files "${stage}" reads that other stages write: the runner runs it after ${needs.length === 1 ? 'that stage' : 'those stages'}, as if \`needs\` said so.`,
    });
    if (hints.length >= MAX_HINTS) break;
  }
  return hints;
}
