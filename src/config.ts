// The one place that reads Sextant's settings from VS Code (getConfiguration('sextant')); everything else
// asks here. What the values mean is in ./settings (no `vscode`, tested in plain Node).
import * as vscode from 'vscode';
import { SETTING_KEYS, settingsFrom, type Settings } from './settings';

const SECTION = 'sextant';

/** The settings now, for the workspace folder of `scope` when given (they are resource-scoped). */
export function readSettings(scope?: vscode.Uri): Settings {
  const section = vscode.workspace.getConfiguration(SECTION, scope);
  return settingsFrom((key) => section.get(key));
}

/** Calls `listener` when one of `keys` changes. */
export function onSettingsChanged(keys: readonly (keyof Settings)[], listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (keys.some((k) => e.affectsConfiguration(`${SECTION}.${SETTING_KEYS[k]}`))) listener();
  });
}
