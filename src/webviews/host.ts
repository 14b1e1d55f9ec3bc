// Entry of dist/webviewHost.js (loaded by src/webviewLoader.ts): the panels' host side.
export { openComparePanel, reviveComparePanel } from './compare/panel';
export { openModelCardPanel, reviveModelCardPanel } from './model/panel';
export { openTablePanel, reviveTablePanel } from './table/panel';
export { openRunPanel, reviveRunPanel } from './run/panel';
export { openDriftPanel, reviveDriftPanel } from './drift/panel';
