// The only place native modules are required. Both are loaded lazily, on first use, never at
// activation, and a failure is a typed error that says which process could not load what, and why.
// better-sqlite3 is built against V8 for one NODE_MODULE_VERSION (ABI); onnxruntime-node is
// N-API and loads in any Node or Electron. See docs/architecture.md for which process loads which.
import type BetterSqlite3 from 'better-sqlite3';
import { fail, ok, type Result } from '../result';

type OnnxRuntime = typeof import('onnxruntime-node');

let sqlite: Result<typeof BetterSqlite3> | undefined;
let onnx: Result<OnnxRuntime> | undefined;

function runtimeName(): string {
  const electron = process.versions.electron;
  return electron
    ? `Electron ${electron} (NODE_MODULE_VERSION ${process.versions.modules})`
    : `Node ${process.versions.node} (NODE_MODULE_VERSION ${process.versions.modules})`;
}

export function loadBetterSqlite3(): Result<typeof BetterSqlite3> {
  if (sqlite) return sqlite;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('better-sqlite3') as typeof BetterSqlite3;
    sqlite = ok(mod);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const abi = /NODE_MODULE_VERSION (\d+)/.exec(message);
    sqlite = fail({
      code: abi ? 'native-abi-mismatch' : 'native-unavailable',
      message: abi
        ? `better-sqlite3 was built for NODE_MODULE_VERSION ${abi[1]}, but this process runs ${runtimeName()}.`
        : `better-sqlite3 could not be loaded in ${runtimeName()}: ${message.split('\n')[0]}`,
      fix: abi
        ? 'Rebuild it for this runtime: `npm rebuild better-sqlite3` with the same Node that runs Sextant.'
        : 'Install the dependencies: `npm install` in the Sextant folder (needs python3, make and g++ to build).',
    });
  }
  return sqlite;
}

export function loadOnnxRuntime(): Result<OnnxRuntime> {
  if (onnx) return onnx;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    onnx = ok(require('onnxruntime-node') as OnnxRuntime);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    onnx = fail({
      code: 'native-unavailable',
      message: `onnxruntime-node could not be loaded in ${runtimeName()}: ${message.split('\n')[0]}`,
      fix: 'Install the dependencies with `ONNXRUNTIME_NODE_INSTALL=skip npm install` (CPU binaries ship in the package).',
    });
  }
  return onnx;
}
