// The layering of src/ (docs/architecture.md), checked over the real import graph (test/support/importGraph.ts).
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { engineValuesOnExtensionSide, readImportGraph, runtimeCycles, vscodeInEngine } from '../support/importGraph';
import { tempDir } from './tempDir';

/**
 * Engine modules that extension-side code may import as values without the loader. Each must stay cheap: the
 * checker fails when one of them starts importing anything but `node:` builtins or another module listed here,
 * so none of them can pull zod, yaml or a native module into dist/extension.js at activation.
 */
const CHEAP_ENGINE_MODULES = new Map([
  // ctx.layout() answers before the engine is loaded (activation failed when it needed the engine: 2b7d422).
  ['src/engine/workspace/layout.ts', 'where the store and pipeline files live; node:fs and node:path only'],
  // The version string shown at activation, one constant set by esbuild's define.
  ['src/engine/version.ts', 'one constant'],
  // Durations and sizes as text, the same in the views, the task terminal and the CLI; imports nothing.
  ['src/engine/format.ts', 'durations and sizes as text'],
  // Runner events as terminal lines, shared by `sextant run` and the VS Code task terminal (which never loads the engine: the CLI runs it).
  ['src/engine/runner/render.ts', 'runner events as terminal lines'],
  // Which way a metric improves, from its name: the compare panel's scalar table (webview host) and the param CodeLens; imports nothing.
  ['src/engine/tracking/direction.ts', 'which way a metric improves'],
  // Whether an imported run has no end (MLflow RUNNING left by a crashed script): the tree's icon and row; imports nothing.
  ['src/engine/mlflow/noEnd.ts', 'an imported run with no end recorded'],
]);

describe('architecture: the layering of src/', () => {
  const graph = readImportGraph(process.cwd());

  it('src/engine never imports vscode, directly or through another src file', () => {
    assert.deepEqual(vscodeInEngine(graph), []);
  });

  it('extension-side code imports engine values only through src/engineLoader.ts (types and a small list of cheap modules excepted)', () => {
    assert.deepEqual(engineValuesOnExtensionSide(graph, CHEAP_ENGINE_MODULES), []);
  });

  it('src has no runtime import cycle (type-only imports excluded)', () => {
    assert.deepEqual(runtimeCycles(graph), []);
  });
});

describe('architecture: the import checker finds each kind of violation', () => {
  /** A tiny project tree in a temporary folder: path → source. */
  const tree = (files: Record<string, string>): string => {
    const root = tempDir('sextant-arch-');
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  };

  it('vscode imported by an engine file, directly or through a non-engine file, type-only included', () => {
    const root = tree({
      'src/engine/direct.ts': "import * as vscode from 'vscode';\nexport const x = vscode;\n",
      'src/engine/viaView.ts': "import { y } from '../views/tree';\nexport const z = y;\n",
      'src/engine/typeOnly.ts': "import type { Uri } from 'vscode';\nexport type U = Uri;\n",
      'src/engine/clean.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
      'src/views/tree.ts': "\n\nimport { window } from 'vscode';\nexport const y = window;\n",
    });
    assert.deepEqual(vscodeInEngine(readImportGraph(root)), [
      'src/engine/direct.ts imports vscode: src/engine/direct.ts → vscode (line 1)',
      'src/engine/typeOnly.ts imports vscode: src/engine/typeOnly.ts → vscode (line 1)',
      'src/engine/viaView.ts imports vscode: src/engine/viaView.ts → src/views/tree.ts (line 1) → vscode (line 3)',
    ]);
  });

  it('engine values imported on the extension side, directly or through a shared file; types, the loader and cheap modules pass', () => {
    const root = tree({
      'src/engine/api.ts': "export { parse } from './parse';\n",
      'src/engine/parse.ts': "export function parse(): number { return 1; }\n",
      'src/engine/cheap.ts': "import { join } from 'node:path';\nexport const j = join;\n",
      'src/engine/notCheap.ts': "import { parse } from './parse';\nexport const p = parse;\n",
      'src/engineLoader.ts': "export const load = (): unknown => require('./engine/api');\n",
      'src/views/tree.ts': [
        "import type { parse } from '../engine/parse';",
        "import { type parse as p2 } from '../engine/parse';",
        "import { j } from '../engine/cheap';",
        "import { load } from '../engineLoader';",
        'export type P = typeof parse | typeof p2 | typeof j | typeof load;',
        '',
      ].join('\n'),
      'src/views/bad.ts': "import { parse } from '../engine/parse';\nexport const b = parse;\n",
      'src/lsp/protocol.ts': "export { parse } from '../engine/parse';\n",
      'src/lsp/client.ts': "import { parse } from './protocol';\nexport const c = parse;\n",
      'src/runner/lazy.ts': "export function later(): unknown { return require('../engine/api'); }\n",
      'src/ctx.ts': "import { p } from './engine/notCheap';\nexport const n = p;\n",
    });
    const allowed = new Map([['src/engine/cheap.ts', 'test'], ['src/engine/notCheap.ts', 'test'], ['src/engine/gone.ts', 'test']]);
    const problems = engineValuesOnExtensionSide(readImportGraph(root), allowed).map((p) => p.replace(/; import types.*/, ''));
    assert.deepEqual(problems.sort(), [
      'allowed engine module src/engine/gone.ts does not exist: remove it from the list',
      'allowed engine module src/engine/notCheap.ts is no longer cheap: it imports src/engine/parse.ts (line 1); import that through the loader instead, or move the cheap part out',
      'src/lsp/client.ts imports engine values from src/engine/parse.ts without the loader (src/engineLoader.ts): src/lsp/client.ts → src/lsp/protocol.ts (line 1) → src/engine/parse.ts (line 1)',
      'src/runner/lazy.ts imports engine values from src/engine/api.ts without the loader (src/engineLoader.ts): src/runner/lazy.ts → src/engine/api.ts (line 1)',
      'src/views/bad.ts imports engine values from src/engine/parse.ts without the loader (src/engineLoader.ts): src/views/bad.ts → src/engine/parse.ts (line 1)',
    ]);
  });

  it('runtime import cycles, lazy requires included; type-only imports break no cycle', () => {
    const root = tree({
      'src/engine/a.ts': "import { b } from './b';\nexport const a = (): number => b();\n",
      'src/engine/b.ts': "import { c } from './c';\nexport const b = (): number => c;\n",
      'src/engine/c.ts': "export const c = 1;\nexport function later(): unknown { return require('./a'); }\n",
      'src/engine/typeA.ts': "import type { T } from './typeB';\nexport type S = T;\nexport const s = 1;\n",
      'src/engine/typeB.ts': "import { s } from './typeA';\nexport type T = number;\nexport const t = s;\n",
      'src/engine/self.ts': "export * from './self';\n",
    });
    assert.deepEqual(runtimeCycles(readImportGraph(root)).map((p) => p.replace(/; make one side.*/, '')), [
      'runtime import cycle: src/engine/a.ts → src/engine/b.ts (line 1) → src/engine/c.ts (line 1) → src/engine/a.ts (line 2)',
      'runtime import cycle: src/engine/self.ts → src/engine/self.ts (line 1)',
    ]);
  });
});
