// Filtering and sorting runs by what they recorded, for the Experiments view (and anything else
// that lists runs). A filter is a line of terms, all of which must hold:
//   loss<0.3   metrics.acc>=0.9   lr=0.01   params.optimizer=adam   tags.sextant.stage!=train
//   status=failed   name~fold   experiment=churn   fold     (a bare word: name contains it, or id starts with it)
// A bare key looks in metrics, then params, then tags. Numbers compare as numbers, the rest as text;
// `~` is "contains" (case-insensitive).
import { z } from 'zod';
import { fail, ok, type Result } from '../result';
import type { Run } from './schemas';

export const RunSortSchema = z.object({
  by: z.enum(['started', 'name', 'metric', 'param']),
  key: z.string().optional(),
  direction: z.enum(['asc', 'desc']),
});
export type RunSort = z.infer<typeof RunSortSchema>;

type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~';
type Scope = 'metrics' | 'params' | 'tags' | 'any' | 'status' | 'name' | 'experiment' | 'id' | 'word';

export interface FilterTerm {
  scope: Scope;
  key: string;
  op: Op;
  value: string;
  text: string;
}

const TERM = /^([^<>=!~]+?)\s*(!=|<=|>=|=|<|>|~)\s*(.*)$/;

/** The terms of a filter, each with its 1-based column in the text (for error messages). */
function splitTerms(text: string): { raw: string; column: number }[] {
  const terms: { raw: string; column: number }[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) terms.push({ raw: m[1] ?? m[2]!, column: m.index + 1 });
  return terms;
}

export function parseRunFilter(text: string): Result<FilterTerm[]> {
  const terms: FilterTerm[] = [];
  // Commas separate terms like spaces do (replaced one for one, so columns stay those of the text).
  for (const { raw, column } of splitTerms(text.replace(/,/g, ' '))) {
    const m = TERM.exec(raw);
    if (!m) {
      terms.push({ scope: 'word', key: '', op: '~', value: raw, text: raw });
      continue;
    }
    const [, left, op, right] = m as unknown as [string, string, Op, string];
    if (right === '') return fail({ code: 'filter-invalid', message: `"${raw}" has no value after ${op}`, column, fix: 'Write terms like loss<0.3, lr=0.01, status=failed or name~fold.' });
    const dot = left.indexOf('.');
    const prefix = dot > 0 ? left.slice(0, dot) : '';
    let scope: Scope;
    let key = left;
    if (prefix === 'metrics' || prefix === 'params' || prefix === 'tags') {
      scope = prefix;
      key = left.slice(dot + 1);
    } else if (left === 'status' || left === 'name' || left === 'experiment' || left === 'id') scope = left;
    else scope = 'any';
    if ((scope === 'status' || scope === 'name' || scope === 'experiment' || scope === 'id') && !['=', '!=', '~'].includes(op)) {
      return fail({ code: 'filter-invalid', message: `"${raw}": ${left} can only be compared with =, != or ~`, column });
    }
    terms.push({ scope, key, op, value: right, text: raw });
  }
  return ok(terms);
}

function compare(actual: string | number | undefined, op: Op, wanted: string): boolean {
  if (actual === undefined) return op === '!=';
  if (op === '~') return String(actual).toLowerCase().includes(wanted.toLowerCase());
  // A NaN metric is neither above nor below anything (compared as text, "NaN" > "0.9" held); loss=NaN finds it.
  if (typeof actual === 'number' && Number.isNaN(actual) && op !== '=' && op !== '!=') return false;
  const a = typeof actual === 'number' ? actual : Number(actual);
  const b = Number(wanted);
  const numeric = wanted.trim() !== '' && !Number.isNaN(b) && !Number.isNaN(a) && String(actual).trim() !== '';
  if (numeric) {
    switch (op) {
      case '=': return a === b;
      case '!=': return a !== b;
      case '<': return a < b;
      case '<=': return a <= b;
      case '>': return a > b;
      case '>=': return a >= b;
    }
  }
  const s = String(actual);
  switch (op) {
    case '=': return s === wanted;
    case '!=': return s !== wanted;
    case '<': return s < wanted;
    case '<=': return s <= wanted;
    case '>': return s > wanted;
    case '>=': return s >= wanted;
  }
}

export function runMatches(run: Run, terms: FilterTerm[]): boolean {
  return terms.every((t) => {
    switch (t.scope) {
      case 'status': return compare(run.status, t.op, t.value);
      case 'experiment': return compare(run.experiment, t.op, t.value);
      case 'id': return t.op === '!=' ? !run.id.startsWith(t.value) : run.id.startsWith(t.value);
      case 'word': return compare(run.name, '~', t.value) || run.id.startsWith(t.value);
      case 'name': return compare(run.name, t.op, t.value);
      case 'metrics': return compare(run.metrics[t.key]?.last, t.op, t.value);
      case 'params': return compare(run.params[t.key], t.op, t.value);
      case 'tags': return compare(run.tags[t.key], t.op, t.value);
      case 'any': {
        const v = run.metrics[t.key]?.last ?? run.params[t.key] ?? run.tags[t.key];
        return compare(v, t.op, t.value);
      }
    }
  });
}

/** Sorts a copy; runs without the metric or param sort last, whatever the direction. */
export function sortRuns(runs: readonly Run[], sort: RunSort): Run[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  const keyOf = (r: Run): number | string | undefined => {
    switch (sort.by) {
      case 'started': return r.startedAt ?? r.createdAt;
      case 'name': return r.name.toLowerCase();
      case 'metric': {
        const v = sort.key ? r.metrics[sort.key]?.last : undefined;
        return v === undefined || Number.isNaN(v) ? undefined : v;
      }
      case 'param': {
        const v = sort.key ? r.params[sort.key] : undefined;
        if (v === undefined) return undefined;
        const n = Number(v);
        return v.trim() !== '' && !Number.isNaN(n) ? n : v;
      }
    }
  };
  return [...runs]
    .map((r) => ({ r, k: keyOf(r) }))
    .sort((x, y) => {
      if (x.k === undefined || y.k === undefined) return x.k === y.k ? 0 : x.k === undefined ? 1 : -1;
      if (typeof x.k === 'number' && typeof y.k === 'number') return (x.k - y.k) * sign;
      return String(x.k).localeCompare(String(y.k), undefined, { numeric: true }) * sign;
    })
    .map((x) => x.r);
}

/**
 * Parses a sort written on a command line: `loss` (metric, lowest first), `-loss` (highest first),
 * `params.lr`, `name`, `started` (`-started`: newest first).
 */
export function parseRunSort(text: string): Result<RunSort> {
  const t = text.trim();
  const desc = t.startsWith('-');
  const key = desc || t.startsWith('+') ? t.slice(1) : t;
  const direction = desc ? 'desc' : 'asc';
  if (!key) return fail({ code: 'sort-invalid', message: 'Sort by what? e.g. loss, -accuracy, params.lr, name, -started.' });
  if (key === 'name' || key === 'started') return ok({ by: key, direction });
  if (key.startsWith('params.')) return ok({ by: 'param', key: key.slice(7), direction });
  return ok({ by: 'metric', key: key.startsWith('metrics.') ? key.slice(8) : key, direction });
}
