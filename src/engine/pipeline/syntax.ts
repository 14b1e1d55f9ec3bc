// YAML-level findings of a segment: syntax errors and warnings from the parser, and keys written twice
// in one mapping (the parser is told to allow them, so that the rest of the file is still read).
import { isPair, isScalar, visit, type Scalar, type YAMLMap } from 'yaml';
import type { Segment } from './document';
import type { LocalFinding } from './structure';

const CACHE_KEY = 'syntax';

export function segmentSyntax(seg: Segment): LocalFinding[] {
  const cached = seg.cache.get(CACHE_KEY) as LocalFinding[] | undefined;
  if (cached) return cached;
  const out: LocalFinding[] = [];
  const flowExpressionLines = new Set<number>();
  for (const p of seg.problems) {
    // `{ a: ${{ params.x }} }`: an unquoted expression in a flow collection breaks YAML; say so once
    if (!p.warning && p.code !== 'ALIAS_LIMIT') {
      const lineStart = seg.text.lastIndexOf('\n', p.start - 1) + 1;
      if (flowExpressionLines.has(lineStart)) continue;
      const lineEnd = seg.text.indexOf('\n', p.start);
      const line = seg.text.slice(lineStart, lineEnd < 0 ? seg.text.length : lineEnd);
      const m = /[{[,]\s*(?:[\w-]+\s*:\s*)?(\$\{\{[^}]*\}\})/.exec(line);
      if (m) {
        flowExpressionLines.add(lineStart);
        const at = lineStart + m.index + m[0].length - m[1]!.length;
        out.push({ start: at, end: at + m[1]!.length, code: 'yaml-syntax', message: `An unquoted \`\${{ }}\` inside \`{ }\` or \`[ ]\` is not valid YAML: quote it ("${m[1]}") or write this mapping in block style, one key per line.` });
        continue;
      }
    }
    if (/call stack/i.test(p.message)) out.push({ start: p.start, end: p.end, code: 'yaml-syntax', message: 'The YAML nests too deeply to read (thousands of levels); a pipeline is a few levels deep: flatten it.' });
    else if (p.code === 'ALIAS_LIMIT') out.push({ start: p.start, end: p.end, code: 'alias-limit', message: `${p.message}.` });
    else if (p.code === 'TAB_AS_INDENT' || /tab/i.test(p.message)) out.push({ start: p.start, end: p.end, code: 'yaml-syntax', message: `${p.message}. YAML indents with spaces: replace the tab with spaces.` });
    else out.push({ start: p.start, end: p.end, code: p.warning ? 'yaml-warning' : 'yaml-syntax', message: p.message.endsWith('.') ? p.message : `${p.message}.` });
  }
  // keys written twice in one mapping (root maps of stage segments are checked across segments)
  visit(seg.doc, {
    Map(_, map) {
      const seen = new Map<string, Scalar>();
      for (const p of (map as YAMLMap<unknown, unknown>).items) {
        if (!isPair(p) || !isScalar(p.key)) continue;
        const k = String((p.key as Scalar).value);
        const first = seen.get(k);
        if (first && (p.key as Scalar).range) {
          const r = (p.key as Scalar).range!;
          out.push({ start: r[0], end: r[1], code: 'duplicate-key', message: `"${k}" is written twice in this mapping; only the last one would count. Remove or rename one.` });
        } else seen.set(k, p.key as Scalar);
      }
    },
    Alias() {
      return visit.SKIP;
    },
  });
  seg.cache.set(CACHE_KEY, out);
  return out;
}
