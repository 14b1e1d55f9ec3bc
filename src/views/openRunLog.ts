// Opens a run's log in an editor: its own file, or for a pipeline run the `pipeline.log` the runner wrote
// at its end, or (while it still runs, or for a run recorded before pipeline.log existed) its stages' logs
// composed in the order they ran, as an untitled log document. Used by Open Run Log (Experiments view)
// and by the run details panel's "Open full log".
import * as vscode from 'vscode';
import type { Log } from '../ctx';
import type { Run } from '../engine/tracking/schemas';
import type { Tracker } from '../engine/tracking/tracking';
import { loadEngine } from '../engineLoader';

export async function openRunLog(tracker: Tracker, run: Run, root: string, log: Log): Promise<void> {
  const { runLog } = await loadEngine();
  const got = log.time(`read the log of ${run.id}`, () => runLog(tracker, run, { root }));
  if (!got.ok) {
    void vscode.window.showErrorMessage(`Sextant: ${got.error.message}`);
    return;
  }
  if (got.value.file) {
    await vscode.window.showTextDocument(vscode.Uri.file(got.value.file), { preview: true });
    return;
  }
  if (!got.value.log) {
    void vscode.window.showInformationMessage(`Run "${run.name}" has no log file${run.logPath ? ` (${run.logPath} is gone)` : ''}. Runs started by the Sextant runner keep their output in .sextant/logs.`);
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ content: got.value.log.text, language: 'log' });
  await vscode.window.showTextDocument(doc, { preview: true });
}
