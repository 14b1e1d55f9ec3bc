// `${{ }}` in `run:` and the shell: each interpolated value is quoted for the spot where the template puts
// it, so that it reaches the command as text, never as shell code. Unquoted, a value is single-quoted
// (POSIX: `'` becomes `'\''`); inside '…' only its own quotes are escaped; inside "…" the double quotes
// are closed around the single-quoted value ("…"'value'"…"). A value made only of letters, digits and
// _@%+=:,./- needs no quoting anywhere and is inserted as is (so numbers, words and paths come out as
// before). Where the shell's rules are not followed here (a heredoc, backticks, a comment, `${…}`,
// `$((…))`), any other value stops the stage. `${{ raw(x) }}` inserts the value as is.
import { ExpressionError, resolveString, valueText, type Expr, type ExpressionScope } from './expressions';

/** Characters that never need quoting. */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export const needsQuoting = (text: string): boolean => !SAFE.test(text);

/** POSIX single-quote quoting. */
export const singleQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** Characters the shell reads as syntax, not counting spaces and tabs (what raw() is for). */
const METACHARACTERS = /[;&|<>()$`\\"'*?[\]#~{}!\n]/g;

/** The shell metacharacters in a value, once each, in order (for the raw() warning). */
export function metacharacters(text: string): string[] {
  return [...new Set(text.match(METACHARACTERS) ?? [])];
}

/** Where an interpolation sits in the command: unquoted, inside '…' or "…", or a spot that is not followed. */
export type ShellSpot = { kind: 'plain' | 'single' | 'double' } | { kind: 'unsupported'; where: string };

export const isRaw = (expr: Expr): boolean => expr.kind === 'call' && expr.name === 'raw';

/**
 * The spot of each interpolation `spans` (sorted, non-overlapping [start, end) offsets in `command`),
 * read with the shell's quoting rules: quotes, backslashes, `$(…)` (a fresh spot, also inside "…"),
 * backticks, `${…}`, `$((…))`, comments and heredocs. The interpolations themselves count as word text.
 */
export function shellSpots(command: string, spans: { start: number; end: number }[]): ShellSpot[] {
  type Frame = { kind: 'plain' | 'subshell' | 'single' | 'double' | 'backtick' | 'brace' | 'arith' | 'comment'; depth: number };
  const stack: Frame[] = [{ kind: 'plain', depth: 0 }];
  const spots: ShellSpot[] = [];
  /** Set when the command leaves what is followed here: every later spot is unsupported. */
  let lost: string | undefined;
  /** Heredocs whose bodies start at the next newline, and the one being read. */
  const pendingHeredocs: { delimiter: string; stripTabs: boolean }[] = [];
  let heredoc: { delimiter: string; stripTabs: boolean } | undefined;
  let next = 0;
  let i = 0;
  const top = (): Frame => stack[stack.length - 1]!;
  const wordStart = (at: number): boolean => at === 0 || /[\s;&|()<>]/.test(command[at - 1]!);
  /** At `$(`, `$((` or `${`: enters it and returns the index after its opening; else undefined. */
  const openSubstitution = (at: number): number | undefined => {
    if (command[at] !== '$') return undefined;
    if (command[at + 1] === '(') {
      const arith = command[at + 2] === '(';
      stack.push({ kind: arith ? 'arith' : 'subshell', depth: 0 });
      return at + (arith ? 3 : 2);
    }
    if (command[at + 1] === '{') {
      stack.push({ kind: 'brace', depth: 0 });
      return at + 2;
    }
    return undefined;
  };
  const spotHere = (): ShellSpot => {
    if (lost) return { kind: 'unsupported', where: lost };
    if (heredoc) return { kind: 'unsupported', where: 'inside a heredoc' };
    for (const f of stack) {
      if (f.kind === 'backtick') return { kind: 'unsupported', where: 'inside backticks' };
      if (f.kind === 'brace') return { kind: 'unsupported', where: 'inside ${…}' };
      if (f.kind === 'arith') return { kind: 'unsupported', where: 'inside $((…))' };
      if (f.kind === 'comment') return { kind: 'unsupported', where: 'in a comment' };
    }
    const k = top().kind;
    return { kind: k === 'single' ? 'single' : k === 'double' ? 'double' : 'plain' };
  };
  while (i < command.length) {
    const span = spans[next];
    if (span && i >= span.start) {
      // Right after `\` or `$` the quotes would be read another way (an escaped quote, bash's $'…').
      const prev = command[span.start - 1];
      spots.push(prev === '\\' || prev === '$' ? { kind: 'unsupported', where: `right after "${prev}"` } : spotHere());
      i = Math.max(i, span.end);
      next++;
      continue;
    }
    const c = command[i]!;
    if (heredoc) {
      // A body line ends the heredoc when it is the delimiter; interpolations inside are unsupported.
      const lineEnd = command.indexOf('\n', i);
      const end = lineEnd < 0 ? command.length : lineEnd;
      const text = command.slice(i, end);
      const limit = span && span.start < end ? span.start : end;
      const lineStart = i === 0 || command[i - 1] === '\n';
      if (lineStart && limit === end && (heredoc.stripTabs ? text.replace(/^\t+/, '') : text) === heredoc.delimiter) {
        heredoc = pendingHeredocs.shift();
        i = end + 1;
      } else if (limit < end) i = limit;
      else i = end + 1;
      continue;
    }
    if (lost) {
      i++;
      continue;
    }
    const frame = top();
    switch (frame.kind) {
      case 'single':
        if (c === "'") stack.pop();
        i++;
        continue;
      case 'comment':
        if (c === '\n') stack.pop();
        else {
          i++;
          continue;
        }
        break;
      case 'double':
        if (c === '\\') i += 2;
        else if (c === '"') {
          stack.pop();
          i++;
        } else if (c === '`') {
          stack.push({ kind: 'backtick', depth: 0 });
          i++;
        } else i = openSubstitution(i) ?? i + 1;
        continue;
      case 'backtick':
        if (c === '\\') i += 2;
        else if (c === '`') {
          stack.pop();
          i++;
        } else i++;
        continue;
      case 'brace':
      case 'arith':
        // Quotes, substitutions or nesting inside are not followed: the rest is unsupported.
        if (frame.kind === 'brace' && c === '}') stack.pop();
        else if (frame.kind === 'arith' && c === ')' && command[i + 1] === ')' && frame.depth === 0) {
          stack.pop();
          i++;
        } else if (frame.kind === 'arith' && c === '(') frame.depth++;
        else if (frame.kind === 'arith' && c === ')') frame.depth--;
        else if (/['"`\\{]/.test(c) || (c === '$' && /[({]/.test(command[i + 1] ?? ''))) lost = frame.kind === 'brace' ? 'after quotes or substitutions inside ${…}' : 'after quotes or substitutions inside $((…))';
        i++;
        continue;
      default:
        break;
    }
    // plain or subshell (and the newline that ends a comment)
    if (c === '\n') {
      if (pendingHeredocs.length > 0) heredoc = pendingHeredocs.shift();
      i++;
      continue;
    }
    const f = top();
    let opened: number | undefined;
    if (c === '\\') i += 2;
    else if (c === "'") {
      stack.push({ kind: 'single', depth: 0 });
      i++;
    } else if (c === '"') {
      stack.push({ kind: 'double', depth: 0 });
      i++;
    } else if (c === '`') {
      stack.push({ kind: 'backtick', depth: 0 });
      i++;
    } else if (c === '#' && wordStart(i)) {
      stack.push({ kind: 'comment', depth: 0 });
      i++;
    } else if ((opened = openSubstitution(i)) !== undefined) {
      i = opened;
    } else if (c === '<' && command[i + 1] === '<') {
      const m = /^<<(-?)[ \t]*(?:'([^'\n]*)'|"([^"\n]*)"|\\?([A-Za-z0-9_.-]+))/.exec(command.slice(i));
      if (!m || command[i + 2] === '<') {
        lost = 'after a here-string or heredoc that is not followed here';
        i += 2;
        continue;
      }
      pendingHeredocs.push({ delimiter: m[2] ?? m[3] ?? m[4]!, stripTabs: m[1] === '-' });
      i += m[0].length;
    } else if (f.kind === 'subshell' && c === '(') {
      f.depth++;
      i++;
    } else if (f.kind === 'subshell' && c === ')') {
      if (f.depth === 0) stack.pop();
      else f.depth--;
      i++;
    } else if (f.kind === 'subshell' && wordStart(i) && /^case\b/.test(command.slice(i, i + 5))) {
      // `case … in a)` has unbalanced parentheses: not followed.
      lost = 'after a case statement inside $(…)';
      i++;
    } else i++;
  }
  while (spots.length < spans.length) spots.push(spotHere());
  return spots;
}

/** The text that puts `value` at `spot`; undefined when it cannot be quoted there. */
export function quoteFor(spot: ShellSpot, value: string): string | undefined {
  if (!needsQuoting(value)) return value;
  switch (spot.kind) {
    case 'plain':
      return singleQuote(value);
    case 'single':
      return value.replace(/'/g, `'\\''`);
    case 'double':
      return `"${singleQuote(value)}"`;
    default:
      return undefined;
  }
}

/**
 * Resolves the expressions of a `run:` command, each value quoted for its spot (raw() values as they
 * are). Throws ExpressionError as resolveString does, and when a value cannot be quoted where it is.
 */
export function resolveCommand(command: string, scope: ExpressionScope): string {
  let spots: ShellSpot[] | undefined;
  return String(
    resolveString(command, scope, (value, expr, found, index, all) => {
      spots ??= shellSpots(command, all);
      const text = valueText(value);
      if (isRaw(expr)) return text;
      const quoted = quoteFor(spots[index]!, text);
      if (quoted !== undefined) return quoted;
      const where = (spots[index] as { where: string }).where;
      throw new ExpressionError(`the value of "${found.inner.trim()}" cannot be quoted for the shell ${where}; only letters, digits and _@%+=:,./- can go there. Pass it in \`env:\` and read "$NAME", or write \`\${{ raw(${found.inner.trim()}) }}\` to insert it as is.`);
    }),
  );
}
