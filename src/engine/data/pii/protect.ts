// What happens to a personal-data column wherever its values would leave the reader: `mask` keeps only
// the shape (a card's last four digits, an e-mail's first letter and top-level domain, a phone's last
// two digits), `hash` replaces each value by a keyed SHA-256 (the same value gives the same hash, so
// joins and distinct counts still work; set a secret salt: without one a phone number or SSN can be
// found again by trying them all), `drop` removes the column. A column found to hold personal data
// with no rule, or with `forbid`, is masked. protectBatch is the one transform the readers and the
// runner apply before data is printed, stored or sent to a panel.
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { Cell, ColumnBatch } from '../read/batch';
import type { PiiKind } from './detect';

const PII_RULES = ['mask', 'hash', 'drop', 'forbid'] as const;
export const PiiRuleSchema = z.enum(PII_RULES);
export type PiiRule = z.infer<typeof PiiRuleSchema>;

export interface PiiPolicy {
  /** Rules from the pipeline (`pii:` on an expectation), by column. */
  rules: Map<string, PiiRule>;
  /** Columns found to hold personal data, and what kind. */
  detected: Map<string, PiiKind>;
  /** Key of the `hash` rule. */
  salt: string;
}

export function emptyPolicy(salt = ''): PiiPolicy {
  return { rules: new Map(), detected: new Map(), salt };
}

/** How a column's values are shown: as they are (undefined), masked, hashed, or not at all. */
export function treatment(policy: PiiPolicy, column: string): 'mask' | 'hash' | 'drop' | undefined {
  const rule = policy.rules.get(column);
  if (rule === 'hash' || rule === 'drop' || rule === 'mask') return rule;
  if (rule === 'forbid' || policy.detected.has(column)) return 'mask';
  return undefined;
}

const stars = (n: number): string => '*'.repeat(Math.max(3, Math.min(n, 12)));

export function maskValue(value: string, kind?: PiiKind): string {
  const s = value.trim();
  switch (kind) {
    case 'email': {
      const at = s.lastIndexOf('@');
      const dot = s.lastIndexOf('.');
      return `${s[0] ?? ''}***@***${dot > at ? s.slice(dot) : ''}`;
    }
    case 'card': {
      const digits = s.replace(/\D/g, '');
      return `${'*'.repeat(Math.max(0, digits.length - 4))}${digits.slice(-4)}`;
    }
    case 'phone':
      return s.replace(/\d(?=(?:\D*\d){2})/g, '*');
    case 'iban':
      return `${s.slice(0, 2)}${stars(s.length - 2)}`;
    case 'ipv4':
      return `${s.split('.')[0]}.***.***.***`;
    default:
      return stars(s.length);
  }
}

export function hashValue(value: string, salt: string): string {
  return `h:${createHmac('sha256', salt).update(value).digest('hex').slice(0, 16)}`;
}

/** One value as it may be shown: unchanged for a column that is not personal data. */
export function protectValue(policy: PiiPolicy, column: string, value: Cell): Cell {
  if (value === null) return null;
  const how = treatment(policy, column);
  if (how === undefined) return value;
  if (how === 'hash') return hashValue(String(value), policy.salt);
  if (how === 'drop') return null;
  return maskValue(String(value), policy.detected.get(column));
}

/** The batch with every rule applied: `drop` columns removed, masked and hashed columns replaced. */
export function protectBatch(policy: PiiPolicy, batch: ColumnBatch): ColumnBatch {
  const keep = batch.columns.map((c, i) => ({ c, i, how: treatment(policy, c) })).filter((x) => x.how !== 'drop');
  if (keep.length === batch.columns.length && keep.every((x) => x.how === undefined)) return batch;
  return {
    columns: keep.map((x) => x.c),
    values: keep.map(({ c, i, how }) => (how === undefined ? batch.values[i]! : batch.values[i]!.map((v) => protectValue(policy, c, v)))),
    lines: batch.lines,
    rows: batch.rows,
  };
}
