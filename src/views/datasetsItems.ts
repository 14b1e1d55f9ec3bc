// What the Datasets view shows under a dataset, from engine data: its registered versions, newest first
// (when registered, rows, a validation badge and a drift badge against the reference when a check was
// recorded, which one the file holds now and which one the pipeline pins), and a version's columns (type,
// missing share, one line of figures). No `vscode` import: datasetsTree.ts wraps these rows in
// TreeItems, test/unit/datasets.view.test.ts checks them in plain Node.
import { basename } from 'node:path';
import type { VersionColumn } from '../engine/data/versions/describe';
import type { CheckSummary, DatasetVersion } from '../engine/data/versions/schema';
import { formatBytes } from '../engine/format';
import { ago } from './experimentsItems';
import { codeSpan, md } from './markdown';

/** One row of the tree, as plain data. */
export interface Row {
  label: string;
  description: string;
  /** Markdown. */
  tooltip: string;
  /** A codicon id, and a theme colour id for it when it signals a problem. */
  icon: string;
  iconColor?: string;
  contextValue: string;
}

/** `✓ valid`, `✗ 2 of 7 failed`; '' when no validation was recorded. */
export function validationBadge(check: CheckSummary | null): string {
  if (!check) return '';
  return check.passed ? '✓ valid' : `✗ ${check.summary}`;
}

/** What a drift check was compared against: `penguins@1`, or the reference file's name when it is no registered version. */
export function driftReference(check: CheckSummary): string {
  if (check.reference) return `${check.reference.dataset}@${check.reference.version}`;
  return check.referenceFile ? basename(check.referenceFile) : '';
}

const sharePct = (share: number): string => `${Number((share * 100).toFixed(1))}%`;

/**
 * `⚠ drift 60% vs penguins@1` (60% of the tested columns drifted), `no drift 20% vs penguins@1`,
 * `drift untested vs penguins@1` (no column could be tested); '' when no drift check was recorded.
 */
export function driftBadge(check: CheckSummary | null): string {
  if (!check) return '';
  const ref = driftReference(check);
  const against = ref ? ` vs ${ref}` : '';
  if (check.columnsTested === 0) return `drift untested${against}`;
  const share = check.driftShare !== undefined ? ` ${sharePct(check.driftShare)}` : '';
  return check.passed ? `no drift${share}${against}` : `⚠ drift${share}${against}`;
}

interface VersionContext {
  /** sha256 of the dataset's file now (undefined: missing or not hashed). */
  currentHash?: string;
  /** The version the pipeline pins (`version:`). */
  pin?: number;
  now: number;
}

/** The version's tooltip line about its latest drift check: verdict, share, the reference (version and file), when. */
function driftTooltip(check: CheckSummary): string {
  const ref = check.reference ? `${check.reference.dataset}@${check.reference.version}` : '';
  const file = check.referenceFile ? codeSpan(check.referenceFile) : '';
  const against = ref && file ? ` vs ${md(ref)} (${file})` : ref ? ` vs ${md(ref)}` : file ? ` vs ${file}` : '';
  const verdict = check.columnsTested === 0 ? 'not tested' : check.passed ? 'no dataset drift' : 'dataset drift';
  return `Drift${against}: ${verdict}: ${md(check.summary)}, ${md(new Date(check.at).toISOString().slice(0, 16).replace('T', ' '))} UTC`;
}

export function versionRow(v: DatasetVersion, context: VersionContext): Row {
  const current = context.currentHash === v.hash;
  const marks = [current ? 'current' : '', context.pin === v.version ? 'pinned' : ''].filter(Boolean);
  const description = [
    ago(v.createdAt, context.now),
    v.rows === null ? 'not profiled' : `${v.rows.toLocaleString('en-US')} rows`,
    validationBadge(v.validation),
    driftBadge(v.drift),
    ...marks,
  ]
    .filter(Boolean)
    .join(' · ');
  const tooltip = [
    `**${md(v.dataset)} v${v.version}**${marks.length ? ` (${marks.join(', ')})` : ''}`,
    `Registered ${md(new Date(v.createdAt).toISOString().slice(0, 16).replace('T', ' '))} UTC${v.parentVersion !== null ? `, after v${v.parentVersion}` : ''}`,
    [v.rows === null ? '' : `${v.rows.toLocaleString('en-US')} rows`, v.schema ? `${v.schema.length} columns` : '', v.size === null ? '' : formatBytes(v.size)].filter(Boolean).join(', '),
    `sha256 ${codeSpan(v.hash)}`,
    v.validation ? `Validation: ${md(v.validation.passed ? 'passed' : 'failed')}: ${md(v.validation.summary)}` : '',
    v.drift ? driftTooltip(v.drift) : '',
    context.pin !== undefined && context.pin === v.version && !current ? 'The pipeline pins this version, but the file holds other content now.' : '',
  ].filter(Boolean);
  const failing = v.validation?.passed === false;
  const drifted = v.drift?.passed === false;
  return {
    label: `v${v.version}`,
    description,
    tooltip: tooltip.join('\n\n'),
    icon: failing ? 'error' : drifted ? 'warning' : current ? 'circle-filled' : 'circle-outline',
    ...(failing ? { iconColor: 'problemsErrorIcon.foreground' } : drifted ? { iconColor: 'problemsWarningIcon.foreground' } : {}),
    contextValue: current ? 'version-current' : 'version',
  };
}

/** A column of a version: `float · 2.1% missing · 4.3 … 7.9, mean 5.8`, the label and expectations marked. */
export function columnRow(c: VersionColumn, options: { isLabel: boolean; checks: string[] }): Row {
  const missing = c.missingShare === 0 ? '' : `${(c.missingShare * 100).toFixed(c.missingShare < 0.001 ? 3 : 1)}% missing`;
  const description = [options.isLabel ? 'label' : '', c.type, missing, c.line].filter(Boolean).join(' · ');
  const tooltip = [`**${md(c.name)}** (${md(c.type)})`, missing ? md(missing) : 'no value missing', c.line ? md(c.line) : '', options.checks.length ? `Expectations: ${options.checks.map((x) => md(x)).join('; ')}` : ''].filter(Boolean);
  return {
    label: c.name,
    description,
    tooltip: tooltip.join('\n\n'),
    icon: c.pii ? 'lock' : options.isLabel ? 'target' : options.checks.length > 0 ? 'pass' : 'symbol-field',
    contextValue: 'column',
  };
}
