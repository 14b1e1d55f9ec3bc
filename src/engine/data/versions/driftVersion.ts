// Drift verdicts kept with dataset versions (dataset_checks, kind 'drift'): whoever compares a current
// dataset with a reference (`sextant drift` given registered data, the `sextant/drift` stage, the
// pipeline's monitor, the Datasets view's Compare With Reference…) records the verdict against the
// current's version, with the reference's version when it is one. The Datasets view shows the latest as
// the version's drift badge (drifted or not, the share of drifted columns, against which reference).
// What is kept of the report: the verdict, the share, each tested column's test and result, what could
// not be tested and why, and where the warnings are (file and line, not their text: a warning quotes a
// value, which may be personal data).
import { resolve } from 'node:path';
import type { DriftReport } from '../../drift/report';
import type { Pipeline } from '../../pipeline/schema';
import { fail, ok, type Result } from '../../result';
import type { Hasher } from '../../runner/hash';
import type { Database } from '../../store/open';
import type { PiiRule } from '../pii/protect';
import { recordDatasetCheck } from './checks';
import { readVersion } from './read';
import { registerDatasetVersion, type RegisterInput } from './register';
import type { DatasetVersion } from './schema';

/** One line: `2 of 5 columns drifted (40.0%)`, or `no column could be tested (3 not tested)`. */
export function driftSummary(report: Pick<DriftReport, 'columns' | 'not_tested' | 'drift_share'>): string {
  const tested = report.columns.length;
  if (tested === 0) return `no column could be tested (${report.not_tested.length} not tested)`;
  const drifted = report.columns.filter((c) => c.drifted).length;
  const notTested = report.not_tested.length > 0 ? `, ${report.not_tested.length} not tested` : '';
  return `${drifted} of ${tested} column${tested === 1 ? '' : 's'} drifted (${(report.drift_share * 100).toFixed(1)}%)${notTested}`;
}

/** What is stored of a report (result_json): no warning text, which may quote a raw value. */
export function storedDriftResult(report: DriftReport): unknown {
  return {
    reference: report.reference,
    current: report.current,
    dataset_drift: report.dataset_drift,
    drift_share: report.drift_share,
    columns: report.columns,
    not_tested: report.not_tested,
    warnings: report.warnings.map((w) => ({ column: w.column, file: w.file, line: w.line })),
  };
}

/** A dataset of a pipeline as registerDatasetVersion takes it: its file, `pii:` rules and format. */
export function pipelineDatasetInput(pipeline: Pipeline, name: string, root: string, hasher?: Hasher): RegisterInput | undefined {
  const d = pipeline.datasets?.[name];
  if (!d) return undefined;
  const pii = new Map<string, PiiRule>();
  for (const e of pipeline.expectations?.[name] ?? []) if (e.column && e.pii) pii.set(e.column, e.pii);
  return { name, file: resolve(root, d.path), root, pii, salt: process.env.SEXTANT_PII_SALT ?? '', ...(d.format ? { format: d.format } : {}), ...(hasher ? { hasher } : {}) };
}

/** A side of a comparison: a dataset to register (a no-op when its content is known), or a version already found. */
export type DriftSide = { register: RegisterInput } | { versionId: number };

export interface KeptDrift {
  version: DatasetVersion;
  reference: DatasetVersion | null;
  summary: string;
}

async function versionIdOf(db: Database, side: DriftSide): Promise<Result<number>> {
  if ('versionId' in side) return ok(side.versionId);
  const registered = await registerDatasetVersion(db, side.register);
  return registered.ok ? ok(registered.value.id) : registered;
}

/**
 * Records a drift report against the current's version (registering the current's and the reference's
 * content when they are pipeline datasets not yet registered). `reference` undefined: the reference is a
 * file that is no registered version; the check keeps its path (in the report) and no reference version.
 */
export async function keepDrift(db: Database, input: { current: DriftSide; reference?: DriftSide; report: DriftReport; runUid?: string; at?: number }): Promise<Result<KeptDrift>> {
  const current = await versionIdOf(db, input.current);
  if (!current.ok) return current;
  let referenceId: number | undefined;
  if (input.reference) {
    const reference = await versionIdOf(db, input.reference);
    if (!reference.ok) return reference;
    referenceId = reference.value;
  }
  const summary = driftSummary(input.report);
  const recorded = recordDatasetCheck(db, {
    versionId: current.value,
    kind: 'drift',
    passed: !input.report.dataset_drift,
    summary,
    result: storedDriftResult(input.report),
    ...(referenceId !== undefined ? { referenceId } : {}),
    ...(input.runUid ? { runUid: input.runUid } : {}),
    ...(input.at !== undefined ? { at: input.at } : {}),
  });
  if (!recorded.ok) return recorded;
  const version = readVersion(db, current.value);
  if (!version) return fail({ code: 'dataset-version-unknown', message: 'The dataset version the drift check was kept with cannot be read back.' });
  return ok({ version, reference: referenceId === undefined ? null : (readVersion(db, referenceId) ?? null), summary });
}

/**
 * The registered version whose content is this sha256: of the dataset `preferred` when given, else of the
 * dataset whose registered path is `file` (relative to `root`), else none (content registered under
 * several unrelated names is ambiguous).
 */
export function versionByContent(db: Database, sha256: string, where: { preferred?: string; file?: string; root?: string }): number | undefined {
  const rows = db.prepare('SELECT dv.id, d.name, d.path FROM dataset_versions dv JOIN datasets d ON d.id = dv.dataset_id WHERE dv.content_hash = ? ORDER BY dv.id DESC').all(sha256) as { id: number; name: string; path: string | null }[];
  if (where.preferred !== undefined) return rows.find((r) => r.name === where.preferred)?.id;
  if (where.file !== undefined) {
    const byPath = rows.find((r) => r.path !== null && resolve(where.root ?? '.', r.path) === where.file);
    if (byPath) return byPath.id;
  }
  const names = new Set(rows.map((r) => r.name));
  return names.size === 1 ? rows[0]!.id : undefined;
}
