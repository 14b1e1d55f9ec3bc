// The VS Code side of the pipeline language server: starts dist/server.js over IPC for sextant.yaml and
// *.sextant.yaml files, and stops it with the extension. Custom requests are typed in ./protocol.
import * as vscode from 'vscode';
import { DidChangeConfigurationNotification, LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { onSettingsChanged } from '../config';
import type { Ctx } from '../ctx';
import { PIPELINE_GLOB } from '../engine/workspace/layout';
import { PipelineOutlineRequest, RunsChangedNotification, type InitializationOptions, type PipelineOutlineParams, type PipelineOutlineResult, type ProtocolNotification, type ProtocolRequest, type ServerSettings } from './protocol';

export async function startLanguageClient(ctx: Ctx): Promise<LanguageClient> {
  const module = ctx.extension.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'sextant-pipeline' }, { pattern: PIPELINE_GLOB }],
    synchronize: {
      // data, models, params files and scripts that `deps` and datasets name: re-check when they change
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{csv,tsv,jsonl,parquet,onnx,py,yaml,yml,json,sh,r,R,ipynb}'),
    },
    outputChannelName: 'Sextant Pipeline Language Server',
    // the server offers CodeLenses only for commands registered here (e.g. sextant.runWithParam), and
    // reads the store the extension decides on (ctx.layout()), never one of its own finding
    initializationOptions: { commands: (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('sextant.')), ...serverSettings(ctx) } satisfies InitializationOptions,
  };
  // id 'sextant': VS Code reads the trace level from the setting `sextant.trace.server` (off | messages | verbose)
  const client = new LanguageClient('sextant', 'Sextant Pipeline', serverOptions, clientOptions);
  await ctx.log.timeAsync('start pipeline language server', () => client.start());
  ctx.push({ dispose: () => void client.stop() });
  // The store moved (setting sextant.storePath): tell the server at once; it re-checks and refreshes its lenses.
  ctx.push(onSettingsChanged(['storePath'], () => void client.sendNotification(DidChangeConfigurationNotification.type, { settings: serverSettings(ctx) })));
  // A run ended (the pipeline task's terminal says so through onStoreChanged) or runs were edited: the
  // server refreshes the param lenses, which would otherwise show the runs as they were before.
  ctx.push(ctx.onStoreChanged(() => void sendNotification(client, RunsChangedNotification, null)));
  return client;
}

function serverSettings(ctx: Ctx): ServerSettings {
  const storePath = ctx.layout()?.storePath;
  return storePath ? { storePath } : {};
}

/** Sends a custom request of ./protocol.ts, its params and result typed from there. */
function sendRequest<P, R>(client: LanguageClient, request: ProtocolRequest<P, R>, params: P): Promise<R> {
  return client.sendRequest<R>(request.method, params);
}

/** Sends a custom notification of ./protocol.ts. */
function sendNotification<P>(client: LanguageClient, notification: ProtocolNotification<P>, params: P): Promise<void> {
  return client.sendNotification(notification.method, params);
}

/** The stages, datasets and params of an open pipeline, as the server sees them. */
export function pipelineOutline(client: LanguageClient, uri: string): Promise<PipelineOutlineResult | null> {
  const params: PipelineOutlineParams = { uri };
  return sendRequest(client, PipelineOutlineRequest, params);
}
