// A stored profile's columns as the Datasets view and `sextant data show` list them: type, missing share
// and one line of figures (range and mean, top values, dates; personal data named, its values already
// masked by the profile engine; values that do not fit the type with their first line).
import type { ColumnProfile, DatasetProfile } from '../profile/schema';

export interface VersionColumn {
  name: string;
  type: ColumnProfile['type'];
  missingShare: number;
  /** One line of figures. */
  line: string;
  /** The personal-data kind found, or the rule given, when any. */
  pii: string | null;
}

/** 4 significant digits; exponent form when very large or small. */
function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

const pct = (share: number): string => `${(share * 100).toFixed(share > 0 && share < 0.001 ? 3 : 1)}%`;

export function columnLine(c: ColumnProfile, rows: number): string {
  const parts: string[] = [];
  if (c.type === 'empty') parts.push('every value missing');
  if (c.numeric) parts.push(`${formatNumber(c.numeric.min)} … ${formatNumber(c.numeric.max)}, mean ${formatNumber(c.numeric.mean)}`);
  if (c.datetime) parts.push(`${c.datetime.min} … ${c.datetime.max}`);
  if (!c.numeric && c.topValues.length > 0) parts.push(`${c.distinct.exact ? '' : '≈'}${c.distinct.value.toLocaleString('en-US')} distinct: ${c.topValues.slice(0, 3).map((t) => `${t.value} ${pct(rows ? t.count / rows : 0)}`).join(', ')}`);
  if (c.pii) parts.push(`personal data${c.pii.kind ? ` (${c.pii.kind})` : ''}, ${c.pii.rule ?? 'masked'}`);
  if (c.strays) parts.push(`${c.strays.count.toLocaleString('en-US')} not ${c.type}${c.strays.examples[0] ? ` (line ${c.strays.examples[0].line})` : ''}`);
  return parts.join(' · ');
}

export function versionColumns(profile: DatasetProfile): VersionColumn[] {
  return profile.columns.map((c) => ({ name: c.name, type: c.type, missingShare: c.missingShare, line: columnLine(c, profile.rows), pii: c.pii ? (c.pii.kind ?? c.pii.rule) : null }));
}
