// Where the cursor is, in YAML terms, read from the text itself (which is often half-typed and not valid
// YAML): the path of keys above it, whether it is on a key or a value, and inside which `${{ }}`.
// Handles block mappings and lists by indentation, and one-line flow collections (`{ a: b }`, `[a, b]`).

export interface Located {
  /** Keys from the root down to the mapping or list that holds the cursor. */
  path: string[];
  role: 'key' | 'value' | 'item';
  /** The key whose value holds the cursor (role value/item), or the key being typed (role key). */
  key: string;
  /** Offsets of `key` in the document. */
  keyStart: number;
  keyEnd: number;
  /** What is typed before the cursor in the current key or value, and where it starts. */
  prefix: string;
  prefixStart: number;
  /** The whole word under the cursor (for hover): start and end offsets. */
  wordStart: number;
  wordEnd: number;
  /** Indentation of the line (spaces) and of the mapping that holds the cursor. */
  lineIndent: number;
  /** Inside `${{ … }}`: the text from after `${{` to the cursor. */
  expr?: { before: string; start: number };
  /** Inside a flow collection on this line. */
  flow: boolean;
}

const KEY_LINE = /^(\s*)(-\s+)?(?!-\s)([^\s#:'"{}[\],][^:#]*?|"[^"]*"|'[^']*')\s*:(\s|$)/;

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function unquote(k: string): string {
  return k.replace(/^["']|["']$/g, '').trim();
}

/** Keys of the mappings above a line with the given indentation. */
function parents(lines: string[], lineNo: number, indent: number): string[] {
  const path: string[] = [];
  let need = indent;
  for (let l = lineNo - 1; l >= 0 && need > 0; l--) {
    const line = lines[l]!;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const ind = indentOf(line);
    if (ind >= need) continue;
    const dash = /^(\s*)-(\s+|$)/.exec(line);
    if (dash) {
      // a list item above: the cursor is inside it; the list's key is further up
      path.unshift('[]');
      need = ind;
      continue;
    }
    const m = KEY_LINE.exec(line);
    if (m) {
      path.unshift(unquote(m[3]!));
      need = ind;
    } else need = ind;
  }
  return path;
}

/** Inside a one-line flow collection: the keys and role at `col`. */
function inFlow(text: string, col: number): { keys: string[]; role: 'key' | 'value' | 'item'; key: string; keyStart: number; prefixStart: number } | undefined {
  const stack: { kind: '{' | '['; key: string; keyStart: number; afterColon: boolean; itemStart: number }[] = [];
  let quote: string | undefined;
  let tokenStart = -1;
  for (let i = 0; i < col; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === '"' || c === "'") {
      quote = c;
      if (tokenStart < 0) tokenStart = i;
    } else if (c === '{' || c === '[') {
      stack.push({ kind: c, key: '', keyStart: i + 1, afterColon: false, itemStart: i + 1 });
      tokenStart = -1;
    } else if (c === '}' || c === ']') {
      stack.pop();
      tokenStart = -1;
    } else if (c === ',' && top) {
      top.afterColon = false;
      top.key = '';
      top.itemStart = i + 1;
      tokenStart = -1;
    } else if (c === ':' && top?.kind === '{' && (text[i + 1] === ' ' || i + 1 >= text.length || text[i + 1] === ',' || text[i + 1] === '}')) {
      top.key = unquote(text.slice(top.itemStart, i));
      top.keyStart = top.itemStart + (text.slice(top.itemStart, i).length - text.slice(top.itemStart, i).trimStart().length);
      top.afterColon = true;
      top.itemStart = i + 1;
      tokenStart = -1;
    } else if (c !== ' ' && tokenStart < 0) tokenStart = i;
  }
  if (stack.length === 0) return undefined;
  const keys: string[] = [];
  for (let i = 0; i < stack.length - 1; i++) keys.push(stack[i]!.key || '[]');
  const top = stack[stack.length - 1]!;
  let prefixStart = top.itemStart;
  while (text[prefixStart] === ' ') prefixStart++;
  if (top.kind === '[') return { keys, role: 'item', key: '', keyStart: top.itemStart, prefixStart };
  if (top.afterColon) return { keys, role: 'value', key: top.key, keyStart: top.keyStart, prefixStart };
  return { keys, role: 'key', key: '', keyStart: prefixStart, prefixStart };
}

const WORD = /[A-Za-z0-9_./@${}-]/;

export function locate(text: string, offset: number): Located {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = text.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = text.length;
  const line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
  const col = offset - lineStart;
  const before = line.slice(0, col);
  let wordStart = col;
  while (wordStart > 0 && WORD.test(line[wordStart - 1]!)) wordStart--;
  let wordEnd = col;
  while (wordEnd < line.length && WORD.test(line[wordEnd]!)) wordEnd++;

  // inside ${{ }}
  let expr: Located['expr'];
  const open = before.lastIndexOf('${{');
  if (open >= 0 && before.indexOf('}}', open) < 0) expr = { before: before.slice(open + 3), start: lineStart + open + 3 };

  const allLines = text.slice(0, lineStart).split('\n');
  allLines.pop(); // the empty piece after the last "\n"
  const lineNo = allLines.length;
  const indent = indentOf(line);
  const base = {
    wordStart: lineStart + wordStart,
    wordEnd: lineStart + wordEnd,
    lineIndent: indent,
    ...(expr ? { expr } : {}),
  };

  const m = KEY_LINE.exec(line);
  const dash = /^(\s*)-(\s+)/.exec(line);
  // the key on this line, and where its value starts
  if (m) {
    const keyCol = m[1]!.length + (m[2]?.length ?? 0);
    const key = unquote(m[3]!);
    const colonCol = line.indexOf(':', keyCol + m[3]!.length - 1);
    const ownIndent = keyCol;
    const path = [...parents(allLines.concat(line), lineNo, m[2] ? m[1]!.length : ownIndent), ...(m[2] ? ['[]'] : [])];
    if (col <= colonCol) {
      return { ...base, path, role: 'key', key, keyStart: lineStart + keyCol, keyEnd: lineStart + keyCol + m[3]!.length, prefix: line.slice(keyCol, col), prefixStart: lineStart + keyCol, flow: false };
    }
    const valueText = line.slice(colonCol + 1);
    const valueStartCol = colonCol + 1 + (valueText.length - valueText.trimStart().length);
    const flowText = line.slice(0, col);
    if (/^[{[]/.test(valueText.trimStart())) {
      const f = inFlow(flowText.slice(valueStartCol), col - valueStartCol);
      if (f) {
        const flowPath = [...path, key, ...f.keys];
        const prefixStart = valueStartCol + f.prefixStart;
        if (f.role === 'item') return { ...base, path: flowPath.slice(0, -1), role: 'item', key: flowPath[flowPath.length - 1] ?? key, keyStart: lineStart + keyCol, keyEnd: lineStart + keyCol + m[3]!.length, prefix: line.slice(prefixStart, col), prefixStart: lineStart + prefixStart, flow: true };
        if (f.role === 'value') return { ...base, path: [...path, key, ...f.keys], role: 'value', key: f.key, keyStart: lineStart + valueStartCol + f.keyStart, keyEnd: lineStart + valueStartCol + f.keyStart + f.key.length, prefix: line.slice(prefixStart, col), prefixStart: lineStart + prefixStart, flow: true };
        // a key inside the flow mapping: hover wants the whole key under the cursor
        const rest = line.slice(prefixStart);
        const keyHere = /^[^:,{}[\]]*/.exec(rest)![0].trim();
        return { ...base, path: [...path, key, ...f.keys], role: 'key', key: keyHere, keyStart: lineStart + prefixStart, keyEnd: lineStart + prefixStart + keyHere.length, prefix: line.slice(prefixStart, col), prefixStart: lineStart + prefixStart, flow: true };
      }
    }
    const startCol = Math.min(valueStartCol, col);
    return { ...base, path, role: 'value', key, keyStart: lineStart + keyCol, keyEnd: lineStart + keyCol + m[3]!.length, prefix: line.slice(startCol, col), prefixStart: lineStart + startCol, flow: false };
  }
  if (dash) {
    // a list item: `- value`
    const itemCol = dash[0].length;
    const path = parents(allLines.concat(line), lineNo, dash[1]!.length);
    const key = path[path.length - 1] ?? '';
    const inner = line.slice(itemCol);
    if (/^[{[]/.test(inner)) {
      const f = inFlow(line.slice(itemCol, col), col - itemCol);
      if (f) return { ...base, path: [...path, '[]', ...f.keys], role: f.role, key: f.key, keyStart: lineStart + itemCol + f.keyStart, keyEnd: lineStart + itemCol + f.keyStart + f.key.length, prefix: line.slice(itemCol + f.prefixStart, col), prefixStart: lineStart + itemCol + f.prefixStart, flow: true };
    }
    const startCol = Math.min(itemCol, col);
    // `- ` followed by a key being typed in a list of mappings is rare in pipelines; treat as an item
    return { ...base, path: path.slice(0, -1), role: 'item', key, keyStart: lineStart + startCol, keyEnd: lineStart + startCol, prefix: line.slice(startCol, col), prefixStart: lineStart + startCol, flow: false };
  }
  // a key being typed (no colon yet), or an empty line
  const typed = before.trimStart();
  const effectiveIndent = typed === '' ? col : indent;
  const path = parents(allLines.concat(line), lineNo, effectiveIndent);
  const keyCol = typed === '' ? col : indent;
  return { ...base, path, role: 'key', key: line.slice(keyCol, wordEnd).trim(), keyStart: lineStart + keyCol, keyEnd: lineStart + wordEnd, prefix: typed, prefixStart: lineStart + keyCol, flow: false };
}
