// The webview panels' viewTypes (package.json activationEvents `onWebviewPanel:<viewType>`). Imports nothing:
// read at activation by src/webviews/register.ts and by each panel's protocol.
export const COMPARE_VIEW_TYPE = 'sextant.compare';
export const MODEL_VIEW_TYPE = 'sextant.model';
export const TABLE_VIEW_TYPE = 'sextant.table';
export const RUN_VIEW_TYPE = 'sextant.run';
export const DRIFT_VIEW_TYPE = 'sextant.drift';
