// Builds what the drift report panel is sent from the engine's comparison of two files (the report and each
// tested column's histogram, src/engine/drift/histograms.ts), and the tab's title. Typed against both the
// engine's types and the panel's contract, so a change to either shows here.
import type { ColumnHistogram } from '../../engine/drift/histograms';
import type { DriftReport } from '../../engine/drift/report';
import type { DriftPanelData } from './protocol';

/** The two files a panel compares, and what to call them. */
export interface DriftPair {
  reference: { file: string; label: string };
  current: { file: string; label: string };
}

/** The share of drifted columns at which the dataset drifts (the engine's default, Evidently's 0.5). */
export const SHARE_THRESHOLD = 0.5;

export function driftPanelData(pair: DriftPair, compared: { report: DriftReport; histograms: ColumnHistogram[] }, elapsedMs: number): DriftPanelData {
  const { report, histograms } = compared;
  return {
    reference: { label: pair.reference.label, file: report.reference.file, rows: report.reference.rows },
    current: { label: pair.current.label, file: report.current.file, rows: report.current.rows },
    datasetDrift: report.dataset_drift,
    driftShare: report.drift_share,
    shareThreshold: SHARE_THRESHOLD,
    columns: report.columns,
    histograms,
    notTested: report.not_tested,
    warnings: report.warnings,
    elapsedMs,
  };
}

/** The tab's title: "Drift: live vs reference". */
export function driftTitle(pair: DriftPair): string {
  return `Drift: ${pair.current.label} vs ${pair.reference.label}`;
}
