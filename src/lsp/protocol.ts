// Custom requests between the extension and the pipeline language server: the one place to read them.
// Both sides import these names and types (the server with vscode-languageserver, the client with
// vscode-languageclient).

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
export const RunsChangedNotification = 'sextant/runsChanged';

/** `sextant/pipelineOutline`: the stages of an open pipeline, for views and the runner's CodeLens. */
export const PipelineOutlineRequest = 'sextant/pipelineOutline';

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

/** Command a "Run stage" CodeLens invokes with `[uri, stageName]` (registered by the extension). */
export const RUN_STAGE_COMMAND = 'sextant.runStage';

/** Command a param CodeLens invokes with `[uri, paramName, value]`: run the pipeline with that value (registered by the extension). */
export const RUN_WITH_PARAM_COMMAND = 'sextant.runWithParam';
