// What the extension host uses of the engine, in one module that the extension loads on first use
// (src/engineLoader.ts) so that zod and yaml are not evaluated during activation.
export { readPipeline } from './pipeline/read';
export { inlineParamEdit } from './pipeline/setParam';
export { inspectDatasetFile } from './data/inspect';
export { createDemoWorkspace } from './demo/createDemo';
export { runDoctor } from './doctor/checks';
export { openStore, checkHeader } from './store/open';
export { moveStoreAside } from './store/health';
export { describeError, fail } from './result';
export { exists } from './workspace/layout';
export { listModels } from './registry/list';
export { Tracker } from './tracking/tracking';
export { ChangeFeed } from './tracking/changes';
export { importMlflow } from './mlflow/importer';
export { parseRunFilter, runMatches, sortRuns } from './tracking/runFilter';
export { modelCard } from './registry/card';
export { moveAlias, aliasMoveQuestion, aliasProblem, rollbackAlias, rollbackQuestion, rollbackTarget } from './registry/aliases';
export { pipelineStages } from './runner/pipelineStages';
export { isUnchangedPipelineRun } from './runner/unchangedRun';
export { metricDirection } from './tracking/direction';
export { runLog } from './runner/runLog';
export { Hasher } from './runner/hash';
export { listDatasets, showDatasetVersion } from './data/versions/read';
export { registerDatasetVersion } from './data/versions/register';
export { validateVersion } from './data/versions/validateVersion';
export { versionColumns } from './data/versions/describe';
export { profileDataFile } from './data/profile/profile';
export { compareWithHistograms } from './drift/histograms';
