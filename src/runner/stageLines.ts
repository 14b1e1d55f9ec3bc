// Where each stage starts in a pipeline file's text (for the "▶ Run stage" CodeLens and the task list),
// found without parsing YAML so the extension host needs no engine for it: the keys one level under
// a top-level `stages:` block mapping.
interface StageLine {
  name: string;
  /** 0-based line. */
  line: number;
  /** 0-based column where the name starts. */
  column: number;
}

const KEY = /^(\s+)("([^"]+)"|'([^']+)'|([A-Za-z_][A-Za-z0-9_-]*))\s*:(\s|$)/;

export function findStageLines(text: string): StageLine[] {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /^stages\s*:\s*(#.*)?$/.test(l));
  if (start < 0) return [];
  const out: StageLine[] = [];
  let indent: number | undefined;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(#.*)?$/.test(line)) continue;
    const lead = line.length - line.trimStart().length;
    if (lead === 0) break;
    indent ??= lead;
    if (lead !== indent) continue;
    const m = KEY.exec(line);
    if (m) out.push({ name: m[3] ?? m[4] ?? m[5]!, line: i, column: lead + (m[3] || m[4] ? 1 : 0) });
  }
  return out;
}
