// The language server's drift findings: the latest check the pipeline's `monitor:` made (kept in the store
// by the runner, src/engine/monitor/), shown at the current dataset's entry under `datasets:` when it
// found drift, with a hover listing each drifted column's test and why the engine chose it (the reason is
// the drift engine's own sentence, src/engine/drift/select.ts). Reads the store read-only, like the param
// history (paramHistory.ts); no store, an old one or none of its checks: nothing to say.
import { existsSync, realpathSync } from 'node:fs';
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
const by = (check: DriftCheck): string => (check.stage === null ? 'the pipeline monitor' : `stage "${check.stage}"`);
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The latest check per current dataset of this pipeline file (its path as given to the runner, or its real path). */
function latestChecks(storePath: string, pipelineFile: string): DriftCheck[] {
  if (!existsSync(storePath)) return [];
  const sqlite = loadBetterSqlite3();
  if (!sqlite.ok) return [];
  let files = [pipelineFile];
  try {
    files = [...new Set([pipelineFile, realpathSync(pipelineFile)])];
  } catch {
    // a file not saved yet: its path only
  }
  let db: import('better-sqlite3').Database | undefined;
  try {
    db = new sqlite.value(storePath, { readonly: true, fileMustExist: true });
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'drift_checks'").get()) return [];
    const rows = db
      .prepare(
        `SELECT * FROM drift_checks c WHERE c.pipeline_file IN (${files.map(() => '?').join(', ')})
           AND c.id = (SELECT max(d.id) FROM drift_checks d WHERE d.pipeline_file = c.pipeline_file AND d.current = c.current)`,
      )
      .all(...files) as Parameters<typeof driftCheckFromRow>[0][];
    return rows.map(driftCheckFromRow);
  } catch {
    // an old or damaged store: `sextant doctor` reports it
    return [];
  } finally {
    db?.close();
  }
}

export function driftHover(check: DriftCheck): string {
  const drifted = check.columns.filter((c) => c.drifted);
  const lines = [
    `**Drift of \`${check.current}\` against \`${check.reference}\`**: ${drifted.length} of ${check.columns.length} columns drifted (${(check.drift_share * 100).toFixed(1)}%), found by ${by(check)} on ${when(check.checked_at)}.` +
      (check.on_drift ? ` On drift it ran \`${check.on_drift}\`${check.retrain_status ? ` (${check.retrain_status})` : ''}.` : ''),
    '',
    '| column | test | result | why this test |',
    '|---|---|---|---|',
    ...drifted.map((c) => {
      const result = c.p_value === null ? `distance ${num(c.statistic)} ≥ ${c.threshold}` : `p = ${num(c.p_value)} < ${c.threshold}`;
      return `| ${cell(c.column)} | ${TEST_NAMES[c.test] ?? c.test} (\`${c.test}\`) | ${result} | ${cell(c.why)} |`;
    }),
  ];
  if (check.not_tested.length > 0) lines.push('', `Not tested: ${check.not_tested.map((n) => `${cell(n.column)} (${cell(n.reason)})`).join('; ')}.`);
  return lines.join('\n');
}

export function driftFindings(analysis: Analysis, pipelineFile: string, storePath: string): DriftFinding[] {
  if (analysis.parsed.refused || analysis.model.datasets.size === 0) return [];
  const out: DriftFinding[] = [];
  for (const check of latestChecks(storePath, pipelineFile)) {
    const dataset = analysis.model.datasets.get(check.current);
    if (!check.dataset_drift || !dataset) continue;
    const drifted = check.columns.filter((c) => c.drifted);
    out.push({
      finding: {
        start: dataset.start,
        end: dataset.end,
        code: 'dataset-drift',
        message: `Dataset "${check.current}" drifted from "${check.reference}": ${drifted.length} of ${check.columns.length} columns (${(check.drift_share * 100).toFixed(1)}%): ${drifted.map((c) => `${c.column} (${c.test})`).join(', ')}; found by ${by(check)} on ${when(check.checked_at)}. Hover for each column's test and why; \`sextant drift\` compares the files again.`,
      },
      hover: driftHover(check),
    });
  }
  return out;
}
