// Activation cost of the extension's own code: a fresh Node process per sample loads dist/extension.js
// with a stand-in `vscode` module (every API call is a no-op) and calls activate(). This measures our
// bundle's load and activate() alone; the e2e suite reports the same line from real VS Code.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, median, type Bench } from './util';

const CHILD = `
const Module = require('module');
const noop = new Proxy(function () {}, {
  get: (_t, key) => (key === 'then' ? undefined : key === Symbol.toPrimitive ? () => '' : noop),
  apply: () => noop,
  construct: () => noop,
  set: () => true,
});
// esbuild's interop copies the module's own keys, so the stand-in lists the API's namespaces and classes.
const api = {};
for (const name of ['window', 'workspace', 'commands', 'languages', 'tasks', 'env', 'extensions', 'debug', 'l10n', 'EventEmitter', 'ThemeIcon', 'ThemeColor', 'TreeItem', 'TreeItemCollapsibleState', 'Uri', 'Range', 'Position', 'Selection', 'MarkdownString', 'Disposable', 'StatusBarAlignment', 'CodeLens', 'Task', 'TaskScope', 'TaskGroup', 'TaskRevealKind', 'TaskPanelKind', 'ShellExecution', 'CustomExecution', 'ProcessExecution', 'ViewColumn', 'ProgressLocation', 'ConfigurationTarget', 'RelativePattern', 'CancellationTokenSource', 'DiagnosticSeverity', 'Diagnostic', 'FileSystemWatcher']) api[name] = noop;
api.workspace = new Proxy({}, { get: (_t, key) => (key === 'workspaceFolders' || key === 'then' ? undefined : key === 'textDocuments' ? [] : noop) });
const load = Module._load;
Module._load = function (request, ...rest) { return request === 'vscode' ? api : load.call(this, request, ...rest); };
const t0 = process.hrtime.bigint();
const ext = require(process.argv[1]);
const t1 = process.hrtime.bigint();
ext.activate({ subscriptions: [], extensionPath: '', asAbsolutePath: (p) => p, globalState: noop, workspaceState: noop });
const t2 = process.hrtime.bigint();
const native = Object.keys(require.cache).filter((k) => /better-sqlite3|onnxruntime/.test(k)).length;
process.stdout.write(JSON.stringify({ load: Number(t1 - t0) / 1e6, activate: Number(t2 - t1) / 1e6, native }), () => process.exit(0));
`;

export const activationBench: Bench = {
  name: 'activation',
  async run(print) {
    const bundle = join(__dirname, 'extension.js');
    const samples = Array.from({ length: 15 }, () => JSON.parse(execFileSync(process.execPath, ['-e', CHILD, bundle], { encoding: 'utf8' })) as { load: number; activate: number; native: number });
    const load = median(samples.map((s) => s.load));
    const activate = median(samples.map((s) => s.activate));
    print(`bundle dist/extension.js: ${(statSync(bundle).size / 1024).toFixed(0)} KiB`);
    print(`require(bundle): median ${fmt(load)}; activate(): median ${fmt(activate)}; total ${fmt(load + activate)} (target < 50 ms), 15 cold processes`);
    print(`native modules loaded during activation: ${Math.max(...samples.map((s) => s.native))}`);
  },
};
