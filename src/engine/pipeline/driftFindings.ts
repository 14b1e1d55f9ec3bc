// The language server's drift findings, shown at a dataset's entry under `datasets:` when the newest
// verdict about it found drift, with a hover listing each drifted column's test and why the engine chose
// it (the reason is the drift engine's own sentence, src/engine/drift/select.ts). Two sources: the latest
// check the pipeline's `monitor:` or a `sextant/drift` stage made (drift_checks, src/engine/monitor/), and
// the verdict kept with the dataset's newest registered version (its Datasets-view badge: `sextant drift`,
// Compare With Reference…, data/versions/latestDrift.ts). The newest of the two is the finding; a version
// verdict that is the check's own copy (same columns, same statistics) is that check. Reads the store
// read-only, like the param history (paramHistory.ts); no store, an old one or no verdict: nothing to say.
import { existsSync, realpathSync } from 'node:fs';
import { newestVersionDrift, type VersionDrift } from '../data/versions/latestDrift';
import { loadBetterSqlite3 } from '../native/load';
import { driftCheckFromRow, type DriftCheck } from '../monitor/checks';
import type { Analysis } from './analyze';
import type { Finding } from './diagnostics';

export interface DriftFinding {
  finding: Finding;
  /** Markdown for a hover over the same range. */
  hover: string;
}

const TEST_NAMES: Record<string, string> = {
  ks: 'two-sample Kolmogorov–Smirnov',
  chi2: 'chi-square',
  ztest: 'z-test for two proportions',
  wasserstein: 'Wasserstein distance (normed)',
  jensenshannon: 'Jensen–Shannon distance',
  psi: 'PSI',
};

const when = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const num = (x: number): string => (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5) ? x.toExponential(2) : String(Number(x.toPrecision(3))));
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A verdict as the finding and its hover say it, whichever kept it. */
interface Verdict extends Pick<DriftCheck, 'dataset_drift' | 'drift_share' | 'columns' | 'not_tested'> {
  /** The dataset under `datasets:` it is about. */
  dataset: string;
  /** How the hover names the two sides: `live` and `reference`, or `live@2` and `reference@1`. */
  current: string;
  reference: string;
  at: number;
  /** Who found it: `found by stage "gate"`, `recorded with live@2 by \`sextant drift\` or …`. */
  source: string;
  /** A sentence after the first (what the monitor ran on drift), or ''. */
  after: string;
}

function checkVerdict(check: DriftCheck): Verdict {
  return {
    dataset: check.current,
    current: check.current,
    reference: check.reference,
    at: check.checked_at,
    source: `found by ${check.stage === null ? 'the pipeline monitor' : `stage "${check.stage}"`}`,
    after: check.on_drift ? ` On drift it ran \`${check.on_drift}\`${check.retrain_status ? ` (${check.retrain_status})` : ''}.` : '',
    dataset_drift: check.dataset_drift,
    drift_share: check.drift_share,
    columns: check.columns,
    not_tested: check.not_tested,
  };
}

function versionVerdict(v: VersionDrift): Verdict {
  const current = `${v.dataset}@${v.version}`;
  const by = v.run ? `run "${v.run.name}"` : "`sextant drift` or the Datasets view's Compare With Reference…";
  return { dataset: v.dataset, current, reference: v.reference, at: v.at, source: `recorded with ${current} by ${by}`, after: '', dataset_drift: v.dataset_drift, drift_share: v.drift_share, columns: v.columns, not_tested: v.not_tested };
}

/** The pipeline file's own paths: as given to the runner, and its real path. */
function pipelineFiles(pipelineFile: string): string[] {
  try {
    return [...new Set([pipelineFile, realpathSync(pipelineFile)])];
  } catch {
    return [pipelineFile]; // a file not saved yet: its path only
  }
}

/**
 * Whether a version's verdict is this check's own copy: the monitor and the drift stage keep each verdict in
 * both places, the version's a moment later (and not always with its run: a pipeline run is written when
 * its first stage starts, after the monitor's check). The same tested columns with the same statistics
 * are the same comparison.
 */
function sameVerdict(check: DriftCheck, version: VersionDrift): boolean {
  return check.dataset_drift === version.dataset_drift && JSON.stringify(check.columns) === JSON.stringify(version.columns);
}

/**
 * The newest verdict per dataset of this pipeline: the latest drift check of its pipeline file per current
 * dataset, or the verdict kept with the dataset's newest version when that is newer and not the check's
 * own copy (sameVerdict: then the check, which says more).
 */
function newestVerdicts(storePath: string, pipelineFile: string, datasets: Iterable<string>): Verdict[] {
  if (!existsSync(storePath)) return [];
  const sqlite = loadBetterSqlite3();
  if (!sqlite.ok) return [];
  const files = pipelineFiles(pipelineFile);
  let db: import('better-sqlite3').Database | undefined;
  try {
    db = new sqlite.value(storePath, { readonly: true, fileMustExist: true });
    const checks = new Map<string, DriftCheck>();
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'drift_checks'").get()) {
      const rows = db
        .prepare(
          `SELECT * FROM drift_checks c WHERE c.pipeline_file IN (${files.map(() => '?').join(', ')})
             AND c.id = (SELECT max(d.id) FROM drift_checks d WHERE d.pipeline_file = c.pipeline_file AND d.current = c.current)`,
        )
        .all(...files) as Parameters<typeof driftCheckFromRow>[0][];
      for (const check of rows.map(driftCheckFromRow)) {
        const held = checks.get(check.current);
        if (!held || check.checked_at > held.checked_at) checks.set(check.current, check);
      }
    }
    const verdicts = new Map<string, Verdict>([...checks].map(([name, check]) => [name, checkVerdict(check)]));
    for (const version of newestVersionDrift(db, datasets)) {
      const check = checks.get(version.dataset);
      if (!check || (!sameVerdict(check, version) && version.at > check.checked_at)) verdicts.set(version.dataset, versionVerdict(version));
    }
    return [...verdicts.values()];
  } catch {
    // an old or damaged store: `sextant doctor` reports it
    return [];
  } finally {
    db?.close();
  }
}

function driftHover(v: Verdict): string {
  const drifted = v.columns.filter((c) => c.drifted);
  const lines = [
    `**Drift of \`${v.current}\` against \`${v.reference}\`**: ${drifted.length} of ${v.columns.length} columns drifted (${(v.drift_share * 100).toFixed(1)}%), ${v.source} on ${when(v.at)}.${v.after}`,
    '',
    '| column | test | result | why this test |',
    '|---|---|---|---|',
    ...drifted.map((c) => {
      const result = c.p_value === null ? `distance ${num(c.statistic)} ≥ ${c.threshold}` : `p = ${num(c.p_value)} < ${c.threshold}`;
      return `| ${cell(c.column)} | ${TEST_NAMES[c.test] ?? c.test} (\`${c.test}\`) | ${result} | ${cell(c.why)} |`;
    }),
  ];
  if (v.not_tested.length > 0) lines.push('', `Not tested: ${v.not_tested.map((n) => `${cell(n.column)} (${cell(n.reason)})`).join('; ')}.`);
  return lines.join('\n');
}

export function driftFindings(analysis: Analysis, pipelineFile: string, storePath: string): DriftFinding[] {
  if (analysis.parsed.refused || analysis.model.datasets.size === 0) return [];
  const out: DriftFinding[] = [];
  for (const v of newestVerdicts(storePath, pipelineFile, analysis.model.datasets.keys())) {
    const dataset = analysis.model.datasets.get(v.dataset);
    if (!v.dataset_drift || !dataset) continue;
    const drifted = v.columns.filter((c) => c.drifted);
    out.push({
      finding: {
        start: dataset.start,
        end: dataset.end,
        code: 'dataset-drift',
        message: `Dataset "${v.dataset}" drifted from "${v.reference}": ${drifted.length} of ${v.columns.length} columns (${(v.drift_share * 100).toFixed(1)}%): ${drifted.map((c) => `${c.column} (${c.test})`).join(', ')}; ${v.source} on ${when(v.at)}. Hover for each column's test and why; \`sextant drift\` compares the files again.`,
      },
      hover: driftHover(v),
    });
  }
  return out;
}
