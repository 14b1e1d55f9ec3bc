// Custom requests, notifications and the commands of the server's CodeLenses, between the extension and the pipeline language server: the
// one place to read them. Both sides import these descriptors (the server in ./server.ts, the client in
// ./client.ts, the extension's command table in ../runner/register.ts) and send or handle them through the
// typed helpers there; no other file spells a `sextant/…` method. No runtime import here: this file is in
// the activation bundle (dist/extension.js) through the command table, so it cannot pull vscode-jsonrpc in.

declare const signature: unique symbol;

/** A custom request: its method, with its params and result as types only. */
export interface ProtocolRequest<P, R> {
  readonly method: `sextant/${string}`;
  readonly [signature]?: (params: P) => R;
}

/** A custom notification: its method, with its params as a type only. */
export interface ProtocolNotification<P> {
  readonly method: `sextant/${string}`;
  readonly [signature]?: (params: P) => void;
}

/** What the client tells the server when it starts it. */
export interface InitializationOptions extends ServerSettings {
  /** Commands the client can run: CodeLenses that invoke one are offered only when it is listed. */
  commands?: string[];
}

/**
 * What the server is told of the client's settings: at start (initializationOptions) and on every change
 * (`workspace/didChangeConfiguration` with `{ settings: ServerSettings }`).
 */
export interface ServerSettings {
  /** The workspace store, absolute, as the extension decides it (ctx.layout()). Without it: `.sextant/sextant.db` in the workspace root, else beside the pipeline file. */
  storePath?: string;
}

/**
 * `sextant/runsChanged` (client → server notification, no params): the store's runs changed (a pipeline
 * run ended, runs were renamed, deleted or given a primary metric). The server re-checks open pipelines
 * and asks the client to refresh its CodeLenses: the param lenses show what the runs recorded.
 */
export const RunsChangedNotification: ProtocolNotification<null> = { method: 'sextant/runsChanged' };

/** `sextant/pipelineOutline` (client → server request): the stages, datasets and params of an open pipeline, as the server sees them; null for a document it does not have open. */
export const PipelineOutlineRequest: ProtocolRequest<PipelineOutlineParams, PipelineOutlineResult | null> = { method: 'sextant/pipelineOutline' };

export interface PipelineOutlineParams {
  uri: string;
}

export interface PipelineOutlineStage {
  name: string;
  needs: string[];
  uses?: string;
  run?: string;
  /** 0-based line of the stage's name. */
  line: number;
}

export interface PipelineOutlineResult {
  uri: string;
  stages: PipelineOutlineStage[];
  datasets: { name: string; path?: string; line: number }[];
  params: { name: string; value: unknown }[];
  errors: number;
  warnings: number;
}

/** The arguments of the param CodeLens's command: the pipeline's URI, the param's name and the value to run with. */
export type RunWithParamArgs = [uri: string, param: string, value: unknown];

/**
 * "Run with lr = 0.05": the command a param CodeLens of the server invokes (src/lsp/codeLens.ts), registered
 * by the extension (src/runner/register.ts) and declared in package.json. The server offers that lens only to
 * a client that lists the command in `InitializationOptions.commands`.
 */
export const RUN_WITH_PARAM_COMMAND = 'sextant.runWithParam';

/** Every custom request, notification and command, for the tests that check both sides against this file. */
export const PROTOCOL = {
  requests: [PipelineOutlineRequest],
  notifications: [RunsChangedNotification],
  commands: [RUN_WITH_PARAM_COMMAND],
} as const;
