// The import graph of src/ as the bundler sees it, read with the TypeScript compiler API, and the three
// layering rules checked over it (test/unit/architecture.test.ts): no `vscode` under src/engine, extension-side
// code takes engine values only through the loader, no runtime import cycle.
//
// How an import is classed:
// - 'type': `import type`, `export type … from`, an import whose every binding says `type`, and `import('x')`
//   in a type position (`typeof import('./engine/api')`). Erased by esbuild.
// - 'value': any other import/export-from/`import x = require()`, and a `require()`/`import()` call outside a
//   function body. An import without `type` counts as a value even when esbuild would drop it because only
//   types are used: write `import type` (or `type` on each binding) for types.
// - 'lazy': a `require()`/`import()` call inside a function body: evaluated on first use, not at load.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

type ImportKind = 'value' | 'type' | 'lazy';

interface ImportEdge {
  /** Importing file, relative to the root, with `/` separators. */
  from: string;
  /** Imported file relative to the root when `internal`, else the package name (`vscode`, `node:fs`). */
  to: string;
  internal: boolean;
  kind: ImportKind;
  line: number;
}

interface ImportGraph {
  root: string;
  /** Every .ts file under root/src, relative to root. */
  files: string[];
  edges: Map<string, ImportEdge[]>;
}

const COMPILER_OPTIONS: ts.CompilerOptions = { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, resolveJsonModule: true, allowJs: false };

function listTsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTsFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const toPosix = (path: string): string => path.split(sep).join('/');

/** `vscode-languageclient/node` → `vscode-languageclient`, `@scope/pkg/x` → `@scope/pkg`, `node:fs` stays. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function isInsideFunction(node: ts.Node): boolean {
  for (let n = node.parent; n; n = n.parent) if (ts.isFunctionLike(n)) return true;
  return false;
}

function importClauseIsTypeOnly(clause: ts.ImportClause | undefined): boolean {
  if (!clause) return false; // `import './x'`: run for its effects
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function exportIsTypeOnly(decl: ts.ExportDeclaration): boolean {
  if (decl.isTypeOnly) return true;
  const clause = decl.exportClause;
  return !!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

/** The imports of one file: [specifier, kind, node] for every import form. */
function importsOf(source: ts.SourceFile): Array<[string, ImportKind, ts.Node]> {
  const found: Array<[string, ImportKind, ts.Node]> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push([node.moduleSpecifier.text, importClauseIsTypeOnly(node.importClause) ? 'type' : 'value', node]);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push([node.moduleSpecifier.text, exportIsTypeOnly(node) ? 'type' : 'value', node]);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      found.push([node.moduleReference.expression.text, node.isTypeOnly ? 'type' : 'value', node]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push([node.argument.literal.text, 'type', node]);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0]!)) {
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      if (isRequire || isDynamicImport) found.push([(node.arguments[0] as ts.StringLiteral).text, isInsideFunction(node) ? 'lazy' : 'value', node]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Reads every .ts file under root/src and resolves its imports (relative ones to files, others to package names). */
export function readImportGraph(root: string): ImportGraph {
  const absFiles = listTsFiles(join(root, 'src'));
  const files = absFiles.map((f) => toPosix(relative(root, f))).sort();
  const edges = new Map<string, ImportEdge[]>();
  for (const abs of absFiles) {
    const from = toPosix(relative(root, abs));
    const source = ts.createSourceFile(abs, readFileSync(abs, 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const list: ImportEdge[] = [];
    for (const [specifier, kind, node] of importsOf(source)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      if (!specifier.startsWith('.') && !specifier.startsWith('/')) {
        list.push({ from, to: packageName(specifier), internal: false, kind, line });
        continue;
      }
      // A stylesheet a webview page imports is bundled by esbuild beside its script: not a module of the graph.
      if (specifier.endsWith('.css')) continue;
      const resolved = ts.resolveModuleName(specifier, abs, COMPILER_OPTIONS, ts.sys).resolvedModule;
      if (!resolved) throw new Error(`${from}:${line}: cannot resolve import '${specifier}'`);
      const to = toPosix(relative(root, resolved.resolvedFileName));
      list.push({ from, to, internal: !to.startsWith('..') && !to.includes('node_modules/'), kind, line });
    }
    edges.set(from, list);
  }
  return { root, files, edges };
}

const isEngine = (file: string): boolean => file.startsWith('src/engine/');
const VSCODE_PACKAGES = new Set(['vscode', 'vscode-languageclient']);

function describePath(path: ImportEdge[]): string {
  return [path[0]!.from, ...path.map((e) => `${e.to} (line ${e.line})`)].join(' → ');
}

/** Rule 1: no file under src/engine imports `vscode` (or the language client), directly or through any chain of src imports, type-only ones included. */
export function vscodeInEngine(graph: ImportGraph): string[] {
  const problems: string[] = [];
  // For each file, a shortest chain of imports to a vscode package (breadth-first from each engine file).
  for (const start of graph.files.filter(isEngine)) {
    const seen = new Set([start]);
    let frontier: ImportEdge[][] = [[]];
    let found: ImportEdge[] | undefined;
    while (frontier.length > 0 && !found) {
      const next: ImportEdge[][] = [];
      for (const path of frontier) {
        const at = path.length === 0 ? start : path[path.length - 1]!.to;
        for (const edge of graph.edges.get(at) ?? []) {
          if (!edge.internal && VSCODE_PACKAGES.has(edge.to)) {
            found = [...path, edge];
            break;
          }
          if (edge.internal && !seen.has(edge.to)) {
            seen.add(edge.to);
            next.push([...path, edge]);
          }
        }
        if (found) break;
      }
      frontier = next;
    }
    if (found) problems.push(`${start} imports ${found[found.length - 1]!.to}: ${describePath(found)}`);
  }
  return problems;
}

/** Files that run in the extension host and go into dist/extension.js (or dist/lspClient.js): src/*.ts, src/views, src/runner, src/webviews, src/lsp/client.ts. */
function isExtensionSide(file: string): boolean {
  return /^src\/[^/]+\.ts$/.test(file) || /^src\/(views|runner|webviews)\//.test(file) || file === 'src/lsp/client.ts';
}

/** The loader: the one extension-side file that may require the engine (lazily). */
const ENGINE_LOADER = 'src/engineLoader.ts';

/**
 * Rule 2: extension-side files reach engine values only through the loader. Follows value and lazy imports from
 * every extension-side file through non-engine files (such as src/lsp/protocol.ts); an engine file reached is a
 * problem unless `allowed` lists it. An allowed module must stay cheap: its own value imports may reach only
 * other allowed engine modules and `node:` builtins.
 */
export function engineValuesOnExtensionSide(graph: ImportGraph, allowed: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const runtime = (file: string): ImportEdge[] => (graph.edges.get(file) ?? []).filter((e) => e.kind !== 'type');
  for (const start of graph.files.filter((f) => isExtensionSide(f) && f !== ENGINE_LOADER)) {
    const seen = new Set([start]);
    const stack: ImportEdge[][] = runtime(start).map((e) => [e]);
    while (stack.length > 0) {
      const path = stack.pop()!;
      const edge = path[path.length - 1]!;
      // other extension-side files are checked as starts of their own
      if (!edge.internal || seen.has(edge.to) || edge.to === ENGINE_LOADER || isExtensionSide(edge.to)) continue;
      seen.add(edge.to);
      if (isEngine(edge.to)) {
        if (!allowed.has(edge.to)) problems.push(`${start} imports engine values from ${edge.to} without the loader (src/engineLoader.ts): ${describePath(path)}; import types with \`import type\`, values through loadEngine()/engine()`);
        continue; // an allowed module is checked on its own below
      }
      for (const next of runtime(edge.to)) stack.push([...path, next]);
    }
  }
  for (const module of allowed.keys()) {
    if (!graph.edges.has(module)) {
      problems.push(`allowed engine module ${module} does not exist: remove it from the list`);
      continue;
    }
    for (const edge of runtime(module)) {
      const cheap = edge.internal ? allowed.has(edge.to) : edge.to.startsWith('node:');
      if (!cheap) problems.push(`allowed engine module ${module} is no longer cheap: it imports ${edge.to} (line ${edge.line}); import that through the loader instead, or move the cheap part out`);
    }
  }
  return problems;
}

/** Rule 3: no cycle of value or lazy imports between src files (type-only imports are erased, so they are left out). One line per cycle. */
export function runtimeCycles(graph: ImportGraph): string[] {
  // Tarjan's strongly connected components over runtime edges between src files.
  const next = (file: string): ImportEdge[] => (graph.edges.get(file) ?? []).filter((e) => e.internal && e.kind !== 'type' && graph.edges.has(e.to));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const { to } of next(v)) {
      if (!index.has(to)) {
        connect(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(v, Math.min(low.get(v)!, index.get(to)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || next(v).some((e) => e.to === v)) components.push(component);
    }
  };
  for (const file of graph.files) if (!index.has(file)) connect(file);
  // Show one concrete cycle per component: from its first file, follow edges inside it back to the start.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0]!;
    const path = findCycle(start, (f) => next(f).filter((e) => members.has(e.to)));
    return `runtime import cycle: ${describePath(path)}; make one side \`import type\`, or move the shared part into its own module`;
  }).sort();
}

function findCycle(start: string, next: (file: string) => ImportEdge[]): ImportEdge[] {
  const seen = new Set<string>();
  const walk = (file: string, path: ImportEdge[]): ImportEdge[] | undefined => {
    for (const edge of next(file)) {
      if (edge.to === start) return [...path, edge];
      if (seen.has(edge.to)) continue;
      seen.add(edge.to);
      const found = walk(edge.to, [...path, edge]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(start, []) ?? [];
}
