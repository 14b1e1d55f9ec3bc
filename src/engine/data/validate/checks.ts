// The row-level checks of one expectation: each looks at one column's values as they stream by and
// keeps how many rows fail and the first few (raw: the report masks them).
import type { Cell } from '../read/batch';
import { BOOLEAN, classifyCell, DATETIME, FLOAT, INTEGER, parsed } from '../profile/classify';
import type { Expectation } from './expectation';

export const EXAMPLES = 5;

export class RowCheck {
  failed = 0;
  readonly examples: { line: number; value: Cell }[] = [];
  constructor(
    readonly check: string,
    readonly column: string,
    readonly isBad: (cell: Cell) => boolean,
    /** For max_missing: the failing rows are counted, the verdict is on their share. */
    readonly verdict?: (failed: number, rows: number) => { passed: boolean; message: string },
  ) {}

  add(cells: Cell[], lines: number[]): void {
    for (let r = 0; r < cells.length; r++) {
      const cell = cells[r] ?? null;
      if (!this.isBad(cell)) continue;
      this.failed++;
      if (this.examples.length < EXAMPLES) this.examples.push({ line: lines[r]!, value: cell });
    }
  }
}

const TYPE_KINDS: Record<NonNullable<Expectation['type']>, (kind: number) => boolean> = {
  integer: (k) => k === INTEGER,
  float: (k) => k === INTEGER || k === FLOAT,
  number: (k) => k === INTEGER || k === FLOAT,
  boolean: (k) => k === BOOLEAN,
  datetime: (k) => k === DATETIME,
  string: () => true,
};

/** The row checks one column expectation asks for; a broken expectation (a bad regex) is an error string. */
export function rowChecks(e: Expectation & { column: string }): { checks: RowCheck[]; errors: string[] } {
  const checks: RowCheck[] = [];
  const errors: string[] = [];
  const col = e.column;
  if (e.not_null) checks.push(new RowCheck('not_null', col, (v) => v === null));
  if (e.between) {
    const [lo, hi] = e.between;
    checks.push(
      new RowCheck(`between [${lo}, ${hi}]`, col, (v) => {
        if (v === null) return false;
        const kind = classifyCell(v);
        return !(kind === INTEGER || kind === FLOAT) || parsed.number < lo || parsed.number > hi;
      }),
    );
  }
  if (e.in) {
    const allowed = new Set(e.in.map((a) => String(a)));
    checks.push(new RowCheck(`in [${e.in.join(', ')}]`, col, (v) => v !== null && !allowed.has(String(v).trim())));
  }
  if (e.unique) {
    const seen = new Set<Cell>();
    checks.push(
      new RowCheck('unique', col, (v) => {
        if (v === null) return false;
        const key = typeof v === 'string' ? v : `\u0000${String(v)}`;
        if (seen.has(key)) return true;
        seen.add(key);
        return false;
      }),
    );
  }
  if (e.regex !== undefined) {
    try {
      const re = new RegExp(`^(?:${e.regex})$`);
      checks.push(new RowCheck(`regex ${e.regex}`, col, (v) => v !== null && !re.test(String(v))));
    } catch (err) {
      errors.push(`regex ${e.regex} is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  if (e.type) {
    const fits = TYPE_KINDS[e.type];
    checks.push(new RowCheck(`type ${e.type}`, col, (v) => v !== null && !fits(classifyCell(v))));
  }
  if (e.max_missing !== undefined) {
    const limit = e.max_missing;
    checks.push(
      new RowCheck(`max_missing ${limit}`, col, (v) => v === null, (failed, rows) => {
        const share = rows === 0 ? 0 : failed / rows;
        return { passed: share <= limit, message: `${(share * 100).toFixed(2)}% of the values are missing (${failed} of ${rows}); at most ${(limit * 100).toFixed(2)}% may be.` };
      }),
    );
  }
  return { checks, errors };
}
