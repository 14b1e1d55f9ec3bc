// Generated datasets for the drift panel, the monitor and the language server's drift findings: a reference
// and a current CSV with the same columns, the current shifted by `shift` (0: drawn from the same
// distributions), plus a column only in the reference (`notes`) and one all missing in the current
// (`coupon`) when `untestable` is set.
import { writeFileSync } from 'node:fs';
import { Rng } from '../../src/engine/train/rng';

export interface DriftCsvOptions {
  rows: number;
  shift: number;
  seed: number;
  /** Which side: the reference gets `notes`; the current leaves `coupon` empty. */
  side?: 'reference' | 'current';
  untestable?: boolean;
}

export function driftCsv(o: DriftCsvOptions): string {
  const rng = new Rng(o.seed);
  const plans = ['basic', 'plus', 'pro', 'team'];
  const extra = o.untestable ? (o.side === 'reference' ? ['notes', 'coupon'] : ['coupon']) : [];
  const lines = [['age', 'income', 'plan', 'churned', ...extra].join(',')];
  for (let i = 0; i < o.rows; i++) {
    const age = 40 + 12 * rng.normal() + 8 * o.shift;
    const income = Math.exp(10.5 + 0.4 * rng.normal());
    const plan = plans[Math.min(3, Math.floor(rng.next() * (o.shift > 0 ? 2 : 4)))];
    const churned = rng.next() < 0.2 ? 'yes' : 'no';
    const row = [age.toFixed(1), income.toFixed(2), plan, churned];
    if (o.untestable) {
      if (o.side === 'reference') row.push(`note ${i % 7}`);
      row.push(o.side === 'reference' ? `C${i % 3}` : '');
    }
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}

export function writeDriftCsv(file: string, o: DriftCsvOptions): void {
  writeFileSync(file, driftCsv(o));
}
