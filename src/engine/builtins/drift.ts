// `sextant/drift`: compares the pipeline's reference and current datasets column by column (the drift
// engine, src/engine/drift/), logs each column's test and verdict, records `drift_share` and
// `drifted_columns`, keeps the verdict in the store like the monitor's (drift_checks, with the stage and
// its run: the language server's drift finding names it) and with the current dataset's version against
// the reference's (dataset_checks: the Datasets view's drift badge), and fails when the share of drifted columns reaches `threshold` (default 0.5) or
// when no column could be tested.
import { resolve } from 'node:path';
import { compareFiles, type DriftReport } from '../drift/report';
import { keepDrift, pipelineDatasetInput } from '../data/versions/driftVersion';
import { recordDriftCheck } from '../monitor/checks';
import { openStore } from '../store/open';
import { fail, ok } from '../result';
import { datasetPaths, findDataset, parseWith } from './common';
import type { BuiltinImpl } from './types';

export const driftBuiltin: BuiltinImpl = {
  deps: (w, pipeline) => datasetPaths(pipeline, [w.reference, w.current]),
  outs: () => [],
  async run(ctx) {
    const w = parseWith('sextant/drift', ctx.stage, ctx.with, ctx.pipelineFile);
    if (!w.ok) return w;
    const files: string[] = [];
    for (const name of [w.value.reference, w.value.current]) {
      const dataset = findDataset(ctx.pipeline, name, ctx.stage, ctx.pipelineFile);
      if (!dataset.ok) return dataset;
      const format = dataset.value.format;
      if (format !== undefined && format !== 'csv' && format !== 'tsv') return fail({ code: 'dataset-format', file: dataset.value.path, message: `sextant/drift reads CSV and TSV files; dataset "${name}" is ${format}.` });
      files.push(resolve(ctx.root, dataset.value.path));
    }
    const threshold = w.value.threshold ?? 0.5;
    const result = compareFiles(files[0]!, files[1]!, { driftShare: threshold });
    if (!result.ok) return result;
    const report = result.value;
    ctx.log(`Reference ${w.value.reference}: ${report.reference.rows} rows; current ${w.value.current}: ${report.current.rows} rows`);
    for (const c of report.columns) {
      const value = c.p_value === null ? `distance ${c.statistic.toPrecision(4)}` : `statistic ${c.statistic.toPrecision(4)}, p = ${c.p_value.toPrecision(4)}`;
      ctx.log(`${c.drifted ? '✗ drift' : '✓ no drift'}: ${c.column} (${c.type}) ${c.test}: ${value}, threshold ${c.threshold} — ${c.why}`);
    }
    for (const n of report.not_tested) ctx.log(`not tested: ${n.column}: ${n.reason}`);
    for (const warning of report.warnings) ctx.log(`warning: ${warning.file}:${warning.line}: ${warning.message}`);
    const drifted = report.columns.filter((c) => c.drifted);
    await record(ctx, w.value.reference, w.value.current, report);
    ctx.metric('drift_share', report.drift_share);
    ctx.metric('drifted_columns', drifted.length);
    if (report.columns.length === 0) {
      return fail({ code: 'drift-untested', file: ctx.pipelineFile, message: `Stage "${ctx.stage}": no column could be tested (${report.not_tested.map((n) => `${n.column}: ${n.reason}`).join('; ') || 'no columns'}).` });
    }
    if (report.dataset_drift) {
      return fail({ code: 'drift-detected', file: ctx.pipelineFile, message: `Stage "${ctx.stage}": the dataset drifted: ${drifted.length} of ${report.columns.length} columns (${(report.drift_share * 100).toFixed(1)}% >= ${threshold * 100}%): ${drifted.map((c) => `${c.column} (${c.test})`).join(', ')}.` });
    }
    ctx.log(`No dataset drift: ${drifted.length} of ${report.columns.length} columns drifted (${(report.drift_share * 100).toFixed(1)}% < ${threshold * 100}%).`);
    return ok(undefined);
  },
};

/** Keeps the verdict with the stage and its run; a store that cannot be written is said in the log, never a failure. */
async function record(ctx: Parameters<typeof driftBuiltin.run>[0], reference: string, current: string, report: DriftReport): Promise<void> {
  if (!ctx.storePath) return;
  const db = openStore(ctx.storePath);
  if (!db.ok) {
    ctx.log(`warning: the drift verdict was not kept in the store: ${db.error.message}`);
    return;
  }
  try {
    const recorded = recordDriftCheck(db.value, {
      pipeline_file: ctx.pipelineFile,
      reference,
      current,
      stage: ctx.stage,
      reference_sha256: null,
      current_sha256: null,
      run_uid: ctx.runId,
      checked_at: Date.now(),
      current_changed_at: null,
      dataset_drift: report.dataset_drift,
      drift_share: report.drift_share,
      columns: report.columns,
      not_tested: report.not_tested,
      on_drift: null,
      models: [],
    });
    if (!recorded.ok) ctx.log(`warning: the drift verdict was not kept in the store: ${recorded.error.message}`);
    const currentInput = pipelineDatasetInput(ctx.pipeline, current, ctx.root);
    const referenceInput = pipelineDatasetInput(ctx.pipeline, reference, ctx.root);
    if (currentInput && referenceInput) {
      const kept = await keepDrift(db.value, { current: { register: currentInput }, reference: { register: referenceInput }, report, runUid: ctx.runId });
      if (!kept.ok) ctx.log(`warning: the drift verdict was not kept with dataset ${current}'s version: ${kept.error.message}`);
      else ctx.log(`kept with dataset ${current} version ${kept.value.version.version} (vs ${reference}@${kept.value.reference?.version ?? '?'}): ${kept.value.summary}`);
    }
  } finally {
    db.value.close();
  }
}
