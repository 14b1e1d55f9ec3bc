// What a panel's host side is given by the extension (src/webviews/register.ts): no engine values, only
// the way to reach them, so the lazily loaded bundle shares the extension's store and log.
import type * as vscode from 'vscode';
import type { Log } from '../ctx';
import type { EngineError } from '../engine/result';
import type { Tracker } from '../engine/tracking/tracking';

export interface PanelDeps {
  extensionUri: vscode.Uri;
  log: Log;
  tracker: () => Promise<{ kind: 'ok'; tracker: Tracker } | { kind: 'missing' } | { kind: 'error'; error: EngineError }>;
  onStoreChanged: vscode.Event<void>;
}
