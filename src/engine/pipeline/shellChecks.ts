// Lint for the shell quoting of `run:` (./shell.ts): where an interpolated value could break it.
// From the stage's text alone (kept with its facts): `raw()` inside a larger expression, where it does
// nothing. With the params' values (checked on every analysis): `raw()` of a value with shell
// metacharacters; a value that needs quoting (or is not known here, like `env.*`) in a spot Sextant
// cannot quote for (heredoc, backticks, comment, `${…}`, …), where the stage would stop; and a command
// that is one quoted value (it becomes one word, not a command).
import { isScalar, type Scalar } from 'yaml';
import type { Finding } from './diagnostics';
import { collectRefs, findExpressions, parseExpression, type Expr } from './expressions';
import { span } from './nodes';
import { paramValue, type ParamTable } from './params';
import { isRaw, metacharacters, needsQuoting, shellSpots } from './shell';
import type { LocalFinding } from './structure';

/** One `${{ }}` of a `run:` command (offsets local to the stage's segment). */
export interface RunInterpolation {
  start: number;
  end: number;
  inner: string;
  raw: boolean;
  /** The command is this interpolation alone. */
  whole: boolean;
  /** `params.a.b` (or `raw(params.a.b)`): the param path, when the value is one param. */
  param?: string[];
  /** Where it is, when Sextant cannot quote a value there (`inside a heredoc`, …). */
  unquotable?: string;
}

const code = 'shell-quoting' as const;

function paramPath(expr: Expr): string[] | undefined {
  const target = isRaw(expr) && expr.kind === 'call' ? expr.args[0] : expr;
  if (!target || target.kind !== 'member') return undefined;
  const { refs } = collectRefs(target);
  const r = refs[0];
  return refs.length === 1 && r && r.context === 'params' && r.end === target.end && r.path.length > 0 ? r.path.map((p) => p.name) : undefined;
}

/** The interpolations of a `run:` value and what its text alone shows; `text` is the segment's text. */
export function runInterpolations(text: string, runNode: unknown): { interpolations: RunInterpolation[]; findings: LocalFinding[] } {
  const out = { interpolations: [] as RunInterpolation[], findings: [] as LocalFinding[] };
  const s = span(runNode);
  if (!isScalar(runNode) || !s || typeof (runNode as Scalar).value !== 'string') return out;
  const value = (runNode as Scalar<string>).value;
  const source = text.slice(s[0], s[1]);
  const inValue = findExpressions(value);
  const inSource = findExpressions(source);
  // Offsets are reported in the source; YAML escapes that change the count of `${{` are not followed.
  if (inValue.length === 0 || inValue.length !== inSource.length) return out;
  const spots = shellSpots(value, inValue);
  const whole = inValue.length === 1 && value.trim() === value.slice(inValue[0]!.start, inValue[0]!.end);
  inSource.forEach((f, i) => {
    if (!f.terminated) return;
    const parsed = parseExpression(f.inner, s[0] + f.innerStart);
    if (!parsed.expr) return;
    const start = s[0] + f.start;
    const end = s[0] + f.end;
    const raw = isRaw(parsed.expr);
    const param = paramPath(parsed.expr);
    const spot = spots[i]!;
    out.interpolations.push({ start, end, inner: f.inner.trim(), raw, whole, ...(param ? { param } : {}), ...(spot.kind === 'unsupported' ? { unquotable: spot.where } : {}) });
    for (const call of collectRefs(parsed.expr).calls) {
      if (call.name === 'raw' && call !== parsed.expr) {
        out.findings.push({ start: call.start, end: call.end, code, message: 'raw() only has an effect as the whole expression, e.g. `${{ raw(params.flags) }}`; here the value is quoted for the shell anyway. Make raw() the whole expression, or remove it.' });
      }
    }
  });
  return out;
}

/** What the params' values show: raw() of a value with shell metacharacters; a value the stage cannot quote where it is; a whole command that is one quoted value. */
export function runValueFindings(interpolations: RunInterpolation[], base: number, params: ParamTable): Finding[] {
  const findings: Finding[] = [];
  for (const i of interpolations) {
    const known = i.param && params.known ? paramValue(params, i.param) : { found: false };
    const text = known.found && known.value !== undefined && known.value !== null ? (typeof known.value === 'object' ? JSON.stringify(known.value) : String(known.value)) : undefined;
    if (i.raw && text !== undefined) {
      const meta = metacharacters(text);
      if (meta.length > 0) {
        findings.push({ start: base + i.start, end: base + i.end, code, message: `The value of raw(params.${i.param!.join('.')}) has shell metacharacters (${meta.map((m) => JSON.stringify(m)).join(' ')}): the shell reads them as code, not as text. Remove raw() to pass the value as one argument, or keep it if the value is meant as shell code.` });
      }
    } else if (!i.raw && i.unquotable && (text === undefined || needsQuoting(text))) {
      findings.push({ start: base + i.start, end: base + i.end, code, message: `Sextant cannot quote a value for the shell ${i.unquotable}: ${text !== undefined ? `the stage stops, since this value ("${text}") has` : 'the stage stops when this value has'} characters other than letters, digits and _@%+=:,./-. Pass it in \`env:\` and read "$NAME" instead, or write \`\${{ raw(${i.inner}) }}\` to insert it as is.` });
    } else if (!i.raw && i.whole && (text === undefined || needsQuoting(text))) {
      findings.push({ start: base + i.start, end: base + i.end, code, message: `The whole command is this one value, which is quoted for the shell as one word${text !== undefined ? ` ("${text}" would be run as a single program name)` : ''}. Write \`\${{ raw(${i.inner}) }}\` to run it as a command.` });
    }
  }
  return findings;
}
