// Other processes' writes to the store, as events: a file watcher on the store file and its -wal/-shm (every
// commit touches the -wal), where ctx.layout() says the store is, made again when the setting or the
// workspace folders move it. The Experiments view reads its change feed on them, the Models view the
// registry's change number.
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { onSettingsChanged } from '../config';
import type { Ctx } from '../ctx';

export function watchStoreFiles(ctx: Ctx, on: { changed(): void; storeDeleted(): void }): vscode.Disposable {
  let watcher: vscode.FileSystemWatcher | undefined;
  const watch = (): void => {
    watcher?.dispose();
    const layout = ctx.layout();
    if (!layout) return;
    watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(layout.storePath)), `${basename(layout.storePath)}*`));
    watcher.onDidChange(() => on.changed());
    watcher.onDidCreate(() => on.changed());
    watcher.onDidDelete((uri) => (uri.fsPath === layout.storePath ? on.storeDeleted() : on.changed()));
  };
  watch();
  // A store elsewhere: watch it (Ctx re-opens it and fires onStoreChanged).
  return vscode.Disposable.from({ dispose: () => watcher?.dispose() }, onSettingsChanged(['storePath'], watch), vscode.workspace.onDidChangeWorkspaceFolders(watch));
}
