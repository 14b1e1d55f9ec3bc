// `# sextant-ignore: CODE[, CODE…]` on the line before a finding (or at the end of its line) hides it.
// `# sextant-ignore-file: CODE` anywhere hides that code in the whole file.
import type { LineIndex } from './lines';

const LINE = /#\s*sextant-ignore\s*:\s*([A-Za-z0-9_,\s-]+)/;
const FILE = /#\s*sextant-ignore-file\s*:\s*([A-Za-z0-9_,\s-]+)/g;

function codes(list: string): string[] {
  return list.split(/[\s,]+/).filter(Boolean);
}

interface Suppressions {
  isSuppressed(line: number, code: string): boolean;
}

export function suppressions(text: string, lines: LineIndex): Suppressions | undefined {
  if (!text.includes('sextant-ignore')) return undefined;
  const fileWide = new Set<string>();
  for (const m of text.matchAll(FILE)) codes(m[1]!).forEach((c) => fileWide.add(c));
  const byLine = new Map<number, Set<string>>();
  let at = text.indexOf('sextant-ignore');
  while (at >= 0) {
    const line = lines.position(at).line;
    const m = LINE.exec(lines.lineText(line));
    if (m) byLine.set(line, new Set(codes(m[1]!)));
    at = text.indexOf('sextant-ignore', lines.lineEnd(line) + 1);
    if (at < 0) break;
  }
  const commentOnly = (line: number): boolean => /^\s*#/.test(lines.lineText(line));
  return {
    isSuppressed(line, code) {
      if (fileWide.has(code)) return true;
      if (byLine.get(line)?.has(code)) return true;
      // the comment line(s) just above
      for (let l = line - 1; l >= 0 && commentOnly(l); l--) if (byLine.get(l)?.has(code)) return true;
      return false;
    },
  };
}
