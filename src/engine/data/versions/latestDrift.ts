// The drift verdict the Datasets view shows as a dataset's newest version's badge (its latest drift check,
// datasetsItems.ts), in full: the tested columns with their tests and reasons as driftVersion.ts stored
// them, the reference, and the run that made it when one did. Read by the language server's drift
// findings (pipeline/driftFindings.ts) on a read-only connection; reads only, raw SQL like checks.ts.
import { basename } from 'node:path';
import { z } from 'zod';
import { ColumnDriftSchema } from '../../drift/report';
import type { Database } from '../../store/open';

/** What driftVersion.ts keeps of a report (storedDriftResult), as far as a verdict needs it. */
const StoredDriftSchema = z.object({
  reference: z.object({ file: z.string() }).optional(),
  dataset_drift: z.boolean(),
  drift_share: z.number(),
  columns: z.array(ColumnDriftSchema),
  not_tested: z.array(z.object({ column: z.string(), reason: z.string() })),
});

export interface VersionDrift extends Omit<z.infer<typeof StoredDriftSchema>, 'reference'> {
  dataset: string;
  version: number;
  /** `reference@1`, or the reference file's name when it is no registered version (the badge's words). */
  reference: string;
  at: number;
  /** The run that made the check (a pipeline's monitor or `sextant/drift` stage); null for `sextant drift` and the Datasets view. */
  run: { uid: string; name: string } | null;
}

interface Row {
  version: number;
  created_at: number;
  result_json: string | null;
  ref_name: string | null;
  ref_version: number | null;
  run_uid: string | null;
  run_name: string | null;
}

const SQL = `SELECT dv.version, c.created_at, c.result_json, rd.name AS ref_name, rv.version AS ref_version, r.uid AS run_uid, r.name AS run_name
  FROM datasets d
  JOIN dataset_versions dv ON dv.dataset_id = d.id AND dv.version = (SELECT max(v.version) FROM dataset_versions v WHERE v.dataset_id = d.id)
  JOIN dataset_checks c ON c.dataset_version_id = dv.id AND c.kind = 'drift'
  LEFT JOIN dataset_versions rv ON rv.id = c.reference_version_id LEFT JOIN datasets rd ON rd.id = rv.dataset_id
  LEFT JOIN runs r ON r.id = c.run_id
  WHERE d.name = ? ORDER BY c.created_at DESC, c.id DESC LIMIT 1`;

/**
 * The latest drift verdict of the newest registered version of each of these datasets (by name), when one
 * was recorded and its stored result reads back; a store from before migration 5 has none.
 */
export function newestVersionDrift(db: Database, names: Iterable<string>): VersionDrift[] {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dataset_checks'").get()) return [];
  const query = db.prepare(SQL);
  const out: VersionDrift[] = [];
  for (const name of names) {
    const row = query.get(name) as Row | undefined;
    if (!row?.result_json) continue;
    let stored: z.infer<typeof StoredDriftSchema>;
    try {
      const parsed = StoredDriftSchema.safeParse(JSON.parse(row.result_json));
      if (!parsed.success) continue;
      stored = parsed.data;
    } catch {
      continue;
    }
    const reference = row.ref_name !== null && row.ref_version !== null ? `${row.ref_name}@${row.ref_version}` : stored.reference ? basename(stored.reference.file) : 'a file';
    out.push({
      dataset: name,
      version: row.version,
      reference,
      at: row.created_at,
      run: row.run_uid !== null && row.run_name !== null ? { uid: row.run_uid, name: row.run_name } : null,
      dataset_drift: stored.dataset_drift,
      drift_share: stored.drift_share,
      columns: stored.columns,
      not_tested: stored.not_tested,
    });
  }
  return out;
}
