// `sextant import mlflow DIR`: brings MLflow runs into the workspace store (idempotent).
import { resolve } from 'node:path';
import { findMlflowSources, importMlflow } from '../../engine/mlflow/importer';
import { describeError } from '../../engine/result';
import { Tracker } from '../../engine/tracking/tracking';
import { workspaceLayout, type WorkspaceLayout } from '../../engine/workspace/layout';
import { UsageError, value } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from '../command';

/** Finds the MLflow data first, so that a wrong path creates no store (and no .sextant folder). */
function importInto(layout: WorkspaceLayout, path: string): ReturnType<typeof importMlflow> {
  const found = findMlflowSources(path);
  if (!found.ok) return found;
  const opened = Tracker.open(layout, { create: true });
  if (!opened.ok) {
    for (const s of found.value) s.close();
    return opened;
  }
  const report = importMlflow(opened.value, found.value);
  opened.value.close(true);
  return report;
}

export const importMlflowCommand: CliCommand = {
  name: 'import mlflow',
  summary: 'Import experiments, runs, params, tags and metric histories from mlruns/ or mlflow.db (safe to repeat).',
  usage: 'sextant import mlflow DIR [--workspace DIR] [--json]',
  json: true,
  options: [{ name: 'workspace', alias: 'w', type: 'string', description: 'Workspace whose store receives the runs (default: the current folder).' }],
  async run(args, io) {
    const source = args.positionals[0];
    if (!source || args.positionals.length > 1) throw new UsageError('give the folder holding mlruns/ or mlflow.db (or the mlflow.db file)');
    const layout = workspaceLayout(resolve(io.cwd, value(args, 'workspace') ?? '.'));
    const report = importInto(layout, resolve(io.cwd, source));
    if (!report.ok) {
      if (args.flags.json) io.json({ ok: false, error: report.error });
      else io.err(`sextant import mlflow: ${describeError(report.error)}`);
      return EXIT_FAILURE;
    }
    const r = report.value;
    if (args.flags.json) {
      io.json({ ok: true, store: layout.storePath, ...r });
      return EXIT_OK;
    }
    io.out(
      [
        `Imported from ${r.sources.map((s) => `${s.path} (${s.kind === 'sqlite' ? 'MLflow database' : 'MLflow file store'})`).join(' and ')}:`,
        `  ${r.experiments} experiments, ${r.runsCreated} new runs, ${r.runsUpdated} updated, ${r.metricPoints} metric points, ${r.params} params, ${r.tags} tags`,
        ...(r.registeredModels ? [`  ${r.registeredModels} registered models (${r.modelVersions} versions) into the model registry`] : []),
        ...(r.datasetInputs ? [`  ${r.datasetInputs} dataset inputs linked to their runs (${r.datasetVersions} new dataset versions)`] : []),
        ...(r.missingParents.length ? [`  ${r.missingParents.length} runs whose parent run is not in the store (listed below)`] : []),
        ...(r.skippedDeleted ? [`  skipped ${r.skippedDeleted} deleted runs/experiments`] : []),
        `  into ${layout.storePath}`,
      ].join('\n'),
    );
    // What was not imported, and why, store by store.
    for (const store of [...new Set(r.problems.map((p) => p.source ?? ''))]) {
      const those = r.problems.filter((p) => (p.source ?? '') === store);
      io.err(`Not imported${store ? ` from ${store}` : ''} (${those.length}):`);
      for (const p of those) io.err(`  ! ${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`);
    }
    return EXIT_OK;
  },
};
