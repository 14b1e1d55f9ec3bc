// The Experiments view's commands, as a table id → handler that the extension registers. Handlers
// take the clicked node and the selected nodes (VS Code passes both for context-menu commands on a
// multi-select tree), or fall back to the view's selection when run from the palette.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { Run } from '../engine/tracking/schemas';
import type { RunSort } from '../engine/tracking/runFilter';
import { loadEngine } from '../engineLoader';
import { openCompare, openRunDetails, openTable } from '../webviews/register';
import { experimentsState, type ExperimentNode, type ExperimentsState } from './experimentsState';
import { openRunLog } from './openRunLog';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler declares the arguments VS Code passes it (a tree node, a URI); unknown[] would reject them
type Handler = (...args: any[]) => unknown;

function selectedRuns(state: ExperimentsState, node?: ExperimentNode, nodes?: ExperimentNode[]): Run[] {
  // From the view's title bar VS Code may pass no node, or a value that is not one of ours: use the selection then.
  const ours = (n: unknown): n is ExperimentNode => typeof n === 'object' && n !== null && typeof (n as { kind?: unknown }).kind === 'string';
  const given = (nodes ?? []).filter(ours);
  const picked = given.length > 0 ? given : ours(node) ? [node] : [...(state.view?.selection ?? [])];
  const runs: Run[] = [];
  for (const n of picked) {
    if (n.kind === 'run') runs.push(n.run);
    else if (n.kind === 'experiment') runs.push(...n.runs);
  }
  return [...new Map(runs.map((r) => [r.id, r])).values()];
}

async function withTracker<T>(ctx: Ctx, state: ExperimentsState, action: string, fn: (t: import('../engine/tracking/tracking').Tracker) => T): Promise<T | undefined> {
  const got = await state.tracker();
  if (got.kind !== 'ok') {
    void vscode.window.showErrorMessage(got.kind === 'missing' ? 'Sextant: no store yet in this workspace.' : `Sextant: ${got.error.message}`);
    return undefined;
  }
  return ctx.log.time(`experiments: ${action}`, () => fn(got.tracker));
}

/** A quick pick of the store's experiments (most runs first); undefined when cancelled or there are none. */
async function pickExperiment(state: ExperimentsState): Promise<string | undefined> {
  const got = await state.tracker();
  if (got.kind !== 'ok') return void vscode.window.showInformationMessage(got.kind === 'missing' ? 'Sextant: no store yet in this workspace, so no experiments.' : `Sextant: ${got.error.message}`);
  const listed = got.tracker.listExperiments();
  if (!listed.ok) return void vscode.window.showErrorMessage(`Sextant: ${listed.error.message}`);
  if (listed.value.length === 0) return void vscode.window.showInformationMessage('Sextant: no experiments yet. Run a pipeline or a script that logs to Sextant.');
  const items = [...listed.value].sort((a, b) => b.runCount - a.runCount || a.name.localeCompare(b.name)).map((e) => ({ label: e.name, description: `${e.runCount} run${e.runCount === 1 ? '' : 's'}` }));
  return (await vscode.window.showQuickPick(items, { title: 'Open Experiment Table', placeHolder: 'Experiment' }))?.label;
}

function report(ctx: Ctx, result: { ok: boolean; error?: { message: string; fix?: string } }): boolean {
  if (result.ok) return true;
  ctx.log.error(result.error!.message);
  void vscode.window.showErrorMessage(`Sextant: ${result.error!.message}${result.error!.fix ? ` ${result.error!.fix}` : ''}`);
  return false;
}

export function experimentsCommands(ctx: Ctx): Record<string, Handler> {
  const state = experimentsState(ctx);
  const changed = (): void => {
    state.refresh();
    ctx.notifyStoreChanged();
  };
  const none = (): void => void vscode.window.showInformationMessage('Select one or more runs in the Experiments view first.');

  return {
    'sextant.experiments.refresh': () => state.refresh(),

    'sextant.experiments.copyRunId': async (node?: ExperimentNode, nodes?: ExperimentNode[]) => {
      const runs = selectedRuns(state, node, nodes);
      if (runs.length === 0) return none();
      await vscode.env.clipboard.writeText(runs.map((r) => r.id).join('\n'));
      vscode.window.setStatusBarMessage(`Copied ${runs.length === 1 ? `run id ${runs[0]!.id}` : `${runs.length} run ids`}`, 3000);
    },

    // A click on a run (or a run id from another command): its details panel, in the tab the last click opened.
    'sextant.experiments.showRun': async (node?: ExperimentNode | string, nodes?: ExperimentNode[]) => {
      const id = typeof node === 'string' ? node : selectedRuns(state, node, nodes)[0]?.id;
      if (!id) return none();
      openRunDetails(ctx, state, id, typeof node !== 'string');
    },

    'sextant.experiments.compare': async (node?: ExperimentNode, nodes?: ExperimentNode[]) => {
      const runs = selectedRuns(state, node, nodes);
      if (runs.length < 2) return void vscode.window.showInformationMessage('Select two or more runs (Ctrl/Cmd-click) to compare them.');
      openCompare(ctx, state, runs.slice(0, 20).map((r) => r.id));
    },

    'sextant.experiments.openTable': async (node?: ExperimentNode) => {
      // From the view: the clicked experiment; from the palette: pick one.
      const clicked = node?.kind === 'experiment' ? node.name : undefined;
      const name = clicked ?? (await pickExperiment(state));
      if (name) openTable(ctx, state, name);
    },

    'sextant.experiments.renameRun': async (node?: ExperimentNode, nodes?: ExperimentNode[]) => {
      const run = selectedRuns(state, node, nodes)[0];
      if (!run) return none();
      const name = await vscode.window.showInputBox({ title: 'Rename Run', value: run.name, prompt: `New name for run ${run.id.slice(0, 8)}`, validateInput: (v) => (v.trim() ? undefined : 'A run name cannot be empty.') });
      if (name === undefined || name.trim() === run.name) return;
      const done = await withTracker(ctx, state, `rename ${run.id}`, (t) => t.renameRun(run.id, name));
      if (done && report(ctx, done)) changed();
    },

    'sextant.experiments.tagRun': async (node?: ExperimentNode, nodes?: ExperimentNode[]) => {
      const runs = selectedRuns(state, node, nodes);
      if (runs.length === 0) return none();
      const text = await vscode.window.showInputBox({
        title: `Tag ${runs.length === 1 ? runs[0]!.name : `${runs.length} runs`}`,
        prompt: 'key=value (several separated by spaces); -key removes a tag',
        placeHolder: 'candidate=yes reviewer=ada',
        validateInput: (v) => (v.trim().split(/\s+/).every((p) => /^-[^=\s]+$/.test(p) || /^[^=\s]+=.*$/.test(p)) ? undefined : 'Write key=value, or -key to remove.'),
      });
      if (!text?.trim()) return;
      const set: Record<string, string> = {};
      const remove: string[] = [];
      for (const part of text.trim().split(/\s+/)) {
        if (part.startsWith('-')) remove.push(part.slice(1));
        else set[part.slice(0, part.indexOf('='))] = part.slice(part.indexOf('=') + 1);
      }
      await withTracker(ctx, state, `tag ${runs.length} run(s)`, (t) => {
        for (const r of runs) {
          const tagged = t.setTags(r.id, set);
          if (!report(ctx, tagged)) return;
          if (tagged.ok && tagged.value.rejected.length) void vscode.window.showWarningMessage(`Sextant: ${tagged.value.rejected.map((x) => `${x.key}: ${x.reason}`).join('; ')}`);
          if (remove.length && !report(ctx, t.removeTags(r.id, remove))) return;
        }
      });
      changed();
    },

    'sextant.experiments.deleteRun': async (node?: ExperimentNode, nodes?: ExperimentNode[]) => {
      const runs = selectedRuns(state, node, nodes);
      if (runs.length === 0) return none();
      const running = runs.filter((r) => r.status === 'running');
      if (running.length) {
        const go = await vscode.window.showWarningMessage(`${running.length} of these runs ${running.length === 1 ? 'is' : 'are'} still running. Delete anyway? (The process is not stopped.)`, { modal: true }, 'Delete');
        if (go !== 'Delete') return;
      }
      const ids = runs.map((r) => r.id);
      const deleted = await withTracker(ctx, state, `delete ${ids.length} run(s)`, (t) => {
        // Runs deleted over a day ago (their undo long gone) are removed for good now.
        t.purgeDeletedRuns(86_400_000, { source: 'VS Code' });
        return t.deleteRuns(ids, { source: 'VS Code' });
      });
      if (!deleted || !report(ctx, deleted)) return;
      changed();
      const label = runs.length === 1 ? `run "${runs[0]!.name}"` : `${runs.length} runs`;
      const undo = await vscode.window.showInformationMessage(`Deleted ${label} (and ${runs.length === 1 ? 'its' : 'their'} stages).`, 'Undo');
      if (undo === 'Undo') {
        const restored = await withTracker(ctx, state, `restore ${ids.length} run(s)`, (t) => t.restoreRuns(ids, { source: 'VS Code' }));
        if (restored && report(ctx, restored)) changed();
      }
    },

    'sextant.experiments.openRunLogs': async (node?: ExperimentNode, nodes?: ExperimentNode[]) => {
      const run = selectedRuns(state, node, nodes)[0];
      if (!run) return none();
      // A pipeline run's log is its stages' logs in the order they ran (src/engine/runner/runLog.ts).
      const got = await state.tracker();
      if (got.kind !== 'ok') return void vscode.window.showErrorMessage(got.kind === 'missing' ? 'Sextant: no store yet in this workspace.' : `Sextant: ${got.error.message}`);
      await openRunLog(got.tracker, run, ctx.workspaceRoot() ?? '', ctx.log);
    },

    'sextant.experiments.filter': async () => {
      const { parseRunFilter } = await loadEngine();
      const text = await vscode.window.showInputBox({
        title: 'Filter Runs',
        value: state.filterText,
        prompt: 'Terms that must all hold: loss<0.3  lr=0.01  params.optimizer=adam  tags.sextant.stage=train  status=failed  name~fold  (empty: no filter)',
        validateInput: (v) => {
          const parsed = parseRunFilter(v);
          return parsed.ok ? undefined : parsed.error.message;
        },
      });
      if (text !== undefined) await state.setFilter(text);
    },

    'sextant.experiments.clearFilter': () => state.setFilter(''),

    'sextant.experiments.sort': async () => {
      const got = await state.tracker();
      const keys = got.kind === 'ok' ? got.tracker.metricKeys() : undefined;
      const runs = got.kind === 'ok' ? got.tracker.listRuns({ limit: 500 }) : undefined;
      const params = runs?.ok ? [...new Set(runs.value.flatMap((r) => Object.keys(r.params)))].sort() : [];
      type Pick = vscode.QuickPickItem & { sort?: RunSort };
      const items: Pick[] = [
        { label: '$(history) Newest first', sort: { by: 'started', direction: 'desc' } },
        { label: '$(history) Oldest first', sort: { by: 'started', direction: 'asc' } },
        { label: '$(case-sensitive) Name', sort: { by: 'name', direction: 'asc' } },
      ];
      if (keys?.ok && keys.value.length) {
        items.push({ label: 'Metrics', kind: vscode.QuickPickItemKind.Separator });
        for (const k of keys.value) {
          items.push({ label: `$(arrow-up) ${k}`, description: 'lowest first', sort: { by: 'metric', key: k, direction: 'asc' } });
          items.push({ label: `$(arrow-down) ${k}`, description: 'highest first', sort: { by: 'metric', key: k, direction: 'desc' } });
        }
      }
      if (params.length) {
        items.push({ label: 'Params', kind: vscode.QuickPickItemKind.Separator });
        for (const k of params) {
          items.push({ label: `$(arrow-up) ${k}`, description: 'param, lowest first', sort: { by: 'param', key: k, direction: 'asc' } });
          items.push({ label: `$(arrow-down) ${k}`, description: 'param, highest first', sort: { by: 'param', key: k, direction: 'desc' } });
        }
      }
      const picked = await vscode.window.showQuickPick(items, { title: 'Sort Runs', matchOnDescription: true, placeHolder: 'Sort runs in each experiment by…' });
      if (picked?.sort) await state.setSort(picked.sort);
    },

    'sextant.experiments.setPrimaryMetric': async (node?: ExperimentNode) => {
      const experiment = node?.kind === 'experiment' ? node : state.view?.selection.find((n): n is Extract<ExperimentNode, { kind: 'experiment' }> => n.kind === 'experiment');
      if (!experiment) return void vscode.window.showInformationMessage('Select an experiment in the Experiments view first.');
      // Its runs' metrics and their stages' (a pipeline run logs its metrics in its stages).
      const keys = experiment.metricKeys;
      if (keys.length === 0) return void vscode.window.showInformationMessage(`The runs of "${experiment.name}" have logged no metrics yet.`);
      const picked = await vscode.window.showQuickPick(keys, { title: `Primary metric of ${experiment.name}`, placeHolder: 'Shown beside each run' });
      if (!picked) return;
      const done = await withTracker(ctx, state, `primary metric ${experiment.name}`, (t) => t.setPrimaryMetric(experiment.name, picked));
      if (done && report(ctx, done)) changed();
    },

    'sextant.experiments.importMlflow': async () => {
      const folder = (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: true, canSelectMany: false, openLabel: 'Import', title: 'MLflow data: the folder holding mlruns/ or mlflow.db, or the mlflow.db file' }))?.[0];
      if (!folder) return;
      const got = await state.trackerForWriting();
      if (got.kind !== 'ok') return void vscode.window.showErrorMessage(`Sextant: ${got.kind === 'error' ? got.error.message : 'no store'}`);
      const { importMlflow } = await loadEngine();
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Importing MLflow runs…' }, async () => ctx.log.time(`import mlflow ${folder.fsPath}`, () => importMlflow(got.tracker, folder.fsPath)));
      if (!report(ctx, result) || !result.ok) return;
      const r = result.value;
      for (const p of r.problems) ctx.log.warn(`import: ${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`);
      changed();
      const more = await vscode.window.showInformationMessage(
        `Imported ${r.runsCreated} new and ${r.runsUpdated} updated runs (${r.metricPoints} metric points) from MLflow.${r.problems.length ? ` ${r.problems.length} problem(s) skipped: see the output.` : ''}`,
        ...(r.problems.length ? ['Show Output'] : []),
      );
      if (more) ctx.log.show();
    },
  };
}
