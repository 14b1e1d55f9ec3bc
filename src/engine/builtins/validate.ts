// `sextant/validate`: checks a dataset against its `expectations:` (not_null, between, in, unique,
// regex) and fails with each violated expectation, how many rows break it and their line numbers.
import { fail, ok } from '../result';
import type { Pipeline } from '../pipeline/schema';
import { columnIndex, type Table } from '../train/csv';
import { datasetPaths, findDataset, parseWith, readDataset } from './common';
import type { BuiltinImpl } from './types';

type Expectation = NonNullable<Pipeline['expectations']>[string][number];
const SHOW_LINES = 10;

interface Violation {
  column: string;
  check: string;
  count: number;
  lines: number[];
  examples: string[];
}

/** Runs every check of every expectation; returns the violations (empty when the data is valid). */
function checkExpectations(table: Table, expectations: Expectation[]): { violations: Violation[]; notes: string[] } {
  const violations: Violation[] = [];
  const notes: string[] = [];
  for (const e of expectations) {
    const column = e.column;
    const unsupported = (['type', 'max_missing', 'rows', 'schema_unchanged'] as const).filter((k) => e[k] !== undefined);
    if (unsupported.length > 0) {
      // A check this stage cannot make must not pass silently: `sextant data validate` makes them.
      violations.push({ column: column ?? '(dataset)', check: unsupported.join(', '), count: 1, lines: [], examples: ['not checked by sextant/validate yet: run `sextant data validate`'] });
    }
    if (column === undefined) continue;
    const index = columnIndex(table, column);
    if (!index.ok) {
      violations.push({ column, check: 'column exists', count: 1, lines: [1], examples: [`columns are ${table.columns.join(', ')}`] });
      continue;
    }
    const values = table.values[index.value]!;
    const check = (name: string, bad: (v: string | null, r: number) => boolean): void => {
      const v: Violation = { column, check: name, count: 0, lines: [], examples: [] };
      for (let r = 0; r < values.length; r++) {
        if (!bad(values[r]!, r)) continue;
        v.count++;
        if (v.lines.length < SHOW_LINES) {
          v.lines.push(table.lines[r]!);
          if (v.examples.length < 3) v.examples.push(values[r] === null ? '(missing)' : JSON.stringify(values[r]));
        }
      }
      if (v.count > 0) violations.push(v);
    };
    if (e.not_null) check('not_null', (v) => v === null);
    if (e.between) {
      const [lo, hi] = e.between;
      check(`between [${lo}, ${hi}]`, (v) => {
        if (v === null) return false;
        const x = Number(v.trim());
        return !Number.isFinite(x) || x < lo || x > hi;
      });
    }
    if (e.in) {
      const allowed = new Set(e.in.map((a) => String(a)));
      check(`in [${e.in.join(', ')}]`, (v) => v !== null && !allowed.has(v.trim()));
    }
    if (e.unique) {
      const seen = new Map<string, number>();
      check('unique', (v, r) => {
        if (v === null) return false;
        const first = seen.get(v);
        if (first === undefined) {
          seen.set(v, r);
          return false;
        }
        return true;
      });
    }
    if (e.regex !== undefined) {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${e.regex})$`);
      } catch (err) {
        violations.push({ column, check: `regex ${e.regex}`, count: 1, lines: [], examples: [`invalid regular expression: ${(err as Error).message}`] });
        continue;
      }
      check(`regex ${e.regex}`, (v) => v !== null && !re.test(v));
    }
    if (e.pii === 'forbid') {
      // A check that cannot be made must not pass silently.
      violations.push({ column, check: 'pii: forbid', count: 1, lines: [], examples: ['personal-data detection is not implemented yet, so this cannot be checked'] });
    } else if (e.pii) {
      notes.push(`${column}: pii: ${e.pii} is not applied by sextant/validate yet (personal-data detection is not implemented).`);
    }
  }
  return { violations, notes };
}

export const validateBuiltin: BuiltinImpl = {
  deps: (w, pipeline) => datasetPaths(pipeline, [w.dataset]),
  outs: () => [],
  async run(ctx) {
    const w = parseWith('sextant/validate', ctx.stage, ctx.with, ctx.pipelineFile);
    if (!w.ok) return w;
    const dataset = findDataset(ctx.pipeline, w.value.dataset, ctx.stage, ctx.pipelineFile);
    if (!dataset.ok) return dataset;
    const expectations = ctx.pipeline.expectations?.[w.value.dataset] ?? [];
    const table = readDataset(dataset.value, ctx.root);
    if (!table.ok) return table;
    if (expectations.length === 0) ctx.log(`warning: dataset "${w.value.dataset}" has no expectations: only its format was checked.`);
    const { violations, notes } = checkExpectations(table.value, expectations);
    for (const n of notes) ctx.log(`warning: ${n}`);
    ctx.metric('rows', table.value.rowCount);
    ctx.metric('violations', violations.reduce((s, v) => s + v.count, 0));
    ctx.log(`Checked ${expectations.length} expectation${expectations.length === 1 ? '' : 's'} on ${table.value.rowCount} rows of ${dataset.value.path}`);
    for (const v of violations) {
      ctx.log(`✗ ${v.column}: ${v.check}: ${v.count} row${v.count === 1 ? '' : 's'} (line${v.lines.length === 1 ? '' : 's'} ${v.lines.join(', ')}${v.count > v.lines.length ? ', …' : ''}), e.g. ${v.examples.join(', ')}`);
    }
    if (violations.length > 0) {
      const first = violations[0]!;
      return fail({
        code: 'validate-failed',
        file: table.value.file,
        ...(first.lines[0] !== undefined ? { line: first.lines[0] } : {}),
        message: `${violations.length} expectation${violations.length === 1 ? '' : 's'} not met: ${violations.map((v) => (v.lines.length ? `${v.column} ${v.check} (${v.count} rows, first at line ${v.lines[0]})` : `${v.column} ${v.check} (${v.examples[0]})`)).join('; ')}.`,
      });
    }
    ctx.log('All expectations met.');
    return ok(undefined);
  },
};
