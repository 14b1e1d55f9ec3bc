// Validation and drift verdicts kept with a dataset version (migration 5, dataset_checks): written by the
// Datasets view's Validate action and by whoever compares versions for drift, read as the view's badges
// and by `sextant data show`.
import type { Database } from '../../store/open';
import { storeError, writeTx } from '../../store/tx';
import { fail, ok, type Result } from '../../result';
import type { CheckSummary } from './schema';

interface CheckInput {
  versionId: number;
  kind: 'validation' | 'drift';
  passed: boolean;
  /** One line, e.g. "2 of 7 expectations failed". */
  summary: string;
  /** The engine's whole result (already PII-masked), as JSON. */
  result?: unknown;
  /** Drift: the dataset_versions row compared against. */
  referenceId?: number;
  /** The run that made the check, when a pipeline stage did. */
  runUid?: string;
  at?: number;
}

export function recordDatasetCheck(db: Database, input: CheckInput): Result<void> {
  try {
    writeTx(db, () => {
      const runId = input.runUid ? ((db.prepare('SELECT id FROM runs WHERE uid = ?').pluck().get(input.runUid) as number | undefined) ?? null) : null;
      db.prepare('INSERT INTO dataset_checks (dataset_version_id, kind, reference_version_id, passed, summary, result_json, run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        input.versionId,
        input.kind,
        input.referenceId ?? null,
        input.passed ? 1 : 0,
        input.summary,
        input.result === undefined ? null : JSON.stringify(input.result),
        runId,
        input.at ?? Date.now(),
      );
    });
    return ok(undefined);
  } catch (err) {
    return fail(storeError(err, db.name, `record a ${input.kind} check`));
  }
}

interface CheckRow {
  kind: 'validation' | 'drift';
  passed: number;
  summary: string;
  created_at: number;
  ref_name: string | null;
  ref_version: number | null;
  share: number | null;
  tested: number | null;
  ref_file: string | null;
}

/** Drift checks stored by driftVersion.ts: the share, the columns tested and the reference's file, read from result_json. */
function driftFigures(r: CheckRow): Pick<CheckSummary, 'driftShare' | 'columnsTested' | 'referenceFile'> {
  if (r.kind !== 'drift') return {};
  return { ...(typeof r.share === 'number' ? { driftShare: r.share } : {}), ...(typeof r.tested === 'number' ? { columnsTested: r.tested } : {}), ...(typeof r.ref_file === 'string' ? { referenceFile: r.ref_file } : {}) };
}

/** Every check of a version, newest first. */
export function checksOf(db: Database, versionId: number): CheckSummary[] {
  const rows = db
    .prepare(
      `SELECT c.kind, c.passed, c.summary, c.created_at, d.name AS ref_name, rv.version AS ref_version,
         CASE WHEN c.kind = 'drift' AND json_valid(c.result_json) THEN json_extract(c.result_json, '$.drift_share') END AS share,
         CASE WHEN c.kind = 'drift' AND json_valid(c.result_json) THEN json_array_length(c.result_json, '$.columns') END AS tested,
         CASE WHEN c.kind = 'drift' AND json_valid(c.result_json) THEN json_extract(c.result_json, '$.reference.file') END AS ref_file
       FROM dataset_checks c
       LEFT JOIN dataset_versions rv ON rv.id = c.reference_version_id LEFT JOIN datasets d ON d.id = rv.dataset_id
       WHERE c.dataset_version_id = ? ORDER BY c.created_at DESC, c.id DESC`,
    )
    .all(versionId) as CheckRow[];
  return rows.map((r) => ({ kind: r.kind, passed: r.passed === 1, summary: r.summary, reference: r.ref_name !== null && r.ref_version !== null ? { dataset: r.ref_name, version: r.ref_version } : null, at: r.created_at, ...driftFigures(r) }));
}
