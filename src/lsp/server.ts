// The pipeline language server: its own Node process, started by the extension over IPC (or with
// --stdio by any editor, and by the tests and the bench). No `vscode` import: it adapts the engine's
// analysis (src/engine/pipeline) to LSP. Every handler is guarded: a failure is logged and answered
// with an empty result, never a crash.
import {
  CodeActionKind,
  CodeLensRefreshRequest,
  createConnection,
  DiagnosticSeverity,
  MarkupKind,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type Diagnostic,
  type InitializeResult,
  type InlayHint,
  type InlayHintParams,
} from 'vscode-languageserver/node';
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { withFindings, type Analysis } from '../engine/pipeline/analyze';
import { liveFindings } from '../engine/pipeline/liveChecks';
import { driftFindings, type DriftFinding } from '../engine/pipeline/driftFindings';
import { versionPins } from '../engine/pipeline/versionPins';
import type { PipelineDiagnostic } from '../engine/pipeline/diagnostics';
import { workspaceLayout } from '../engine/workspace/layout';
import { codeActions } from './codeActions';
import { paramLenses } from './codeLens';
import { complete } from './completion';
import { documentLinks, forgetLinkTargets } from './documentLinks';
import { dirOf, PipelineDocuments } from './documents';
import { foldingRanges } from './folding';
import { formattingEdits } from './formatting';
import { hover } from './hover';
import { inlayHints } from './inlayHints';
import { PipelineOutlineRequest, RUN_WITH_PARAM_COMMAND, RunsChangedNotification, type InitializationOptions, type PipelineOutlineParams, type PipelineOutlineResult, type ProtocolNotification, type ProtocolRequest, type ServerSettings } from './protocol';
import { selectionRanges } from './selectionRanges';
import { SEMANTIC_TOKENS_LEGEND, semanticTokens } from './semanticTokens';
import { definitionAt, documentSymbols, prepareRename, referencesAt, renameAt, RenameError } from './symbols';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const pipelines = new PipelineDocuments((uri) => storeFor(uri));
/** SEXTANT_LSP_TIMING=1 writes each analysis's duration to stderr (the bench reads it). */
const TIMING = process.env.SEXTANT_LSP_TIMING === '1';

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, information: DiagnosticSeverity.Information, hint: DiagnosticSeverity.Hint } as const;

function toLsp(d: PipelineDiagnostic): Diagnostic {
  return { range: d.range, severity: SEVERITY[d.severity], code: d.code, source: 'sextant', message: d.message, ...(d.data ? { data: d.data } : {}) };
}

function guard<P, R>(name: string, fallback: R, fn: (params: P) => R): (params: P) => R {
  return (params: P) => {
    try {
      return fn(params);
    } catch (err) {
      if (err instanceof RenameError) throw new ResponseError(1, err.message);
      connection.console.error(`sextant: ${name} failed: ${(err as Error).stack ?? String(err)}`);
      return fallback;
    }
  };
}

/** Handles a custom request of ./protocol.ts, its params and result typed from there. */
function onRequest<P, R>(request: ProtocolRequest<P, R>, handler: (params: P) => R): void {
  connection.onRequest(request.method, (params: P) => handler(params) as unknown);
}

/** Handles a custom notification of ./protocol.ts. */
function onNotification<P>(notification: ProtocolNotification<P>, handler: (params: P) => void): void {
  connection.onNotification(notification.method, handler);
}

function analysisOf(uri: string): { doc: TextDocument; analysis: Analysis } | undefined {
  const doc = documents.get(uri);
  return doc ? { doc, analysis: pipelines.analysis(doc) } : undefined;
}

// diagnostics: analyse the latest version once the burst of changes is over (no fixed delay). vscode-jsonrpc
// handles one message per tick (each in its own setImmediate), so a flush scheduled on a change runs before
// the next queued message: a flush that finds a change since it was scheduled waits one more tick instead
// of analysing, and only a tick without a new change analyses. A burst of changes costs one analysis of its
// last version, one tick after it ends; a superseded version is never analysed nor published.
const pending = new Set<string>();
let scheduled = false;
/** Changes seen since the last flush tick. */
let changedSinceTick = false;
function schedule(uri: string): void {
  pending.add(uri);
  changedSinceTick = true;
  if (scheduled) return;
  scheduled = true;
  setImmediate(flush);
}
function flush(): void {
  if (changedSinceTick) {
    // a message was handled since this flush was scheduled: more may be queued behind it
    changedSinceTick = false;
    setImmediate(flush);
    return;
  }
  scheduled = false;
  const uris = [...pending];
  pending.clear();
  for (const uri of uris) {
    const doc = documents.get(uri);
    if (!doc) continue;
    try {
      const started = performance.now();
      const analysis = pipelines.analysis(doc);
      if (TIMING) process.stderr.write(`sextant-timing ${uri} v${doc.version} ${(performance.now() - started).toFixed(2)} ms (${analysis.parsed.parsedSegments} segments parsed)\n`);
      void connection.sendDiagnostics({ uri, version: doc.version, diagnostics: analysis.diagnostics.map(toLsp) });
      void checkLive(uri, doc.version, analysis);
    } catch (err) {
      connection.console.error(`sextant: checking ${uri} failed: ${(err as Error).stack ?? String(err)}`);
      void connection.sendDiagnostics({ uri, version: doc.version, diagnostics: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Error, source: 'sextant', code: 'internal', message: `Sextant could not check this file: ${(err as Error).message}` }] });
    }
  }
}

/** Checks against models and the store (src/engine/pipeline/liveChecks.ts), published as a second pass. */
const liveShown = new Map<string, number>();
/** The drift findings last published per document, for their hover (driftFindings.ts). */
const driftShown = new Map<string, DriftFinding[]>();
async function checkLive(uri: string, version: number, analysis: Analysis): Promise<void> {
  const relevant = [...analysis.model.stages.values()].some((s) => s.facts.builtin === 'sextant/evaluate' || s.facts.modelAliases.length > 0) || versionPins(analysis).length > 0;
  const store = storeFor(uri);
  // The monitor's latest drift check per dataset (a store read, no file read).
  const drift = store && uri.startsWith('file:') ? driftFindings(analysis, fileURLToPath(uri), store) : [];
  driftShown.set(uri, drift);
  if (!relevant && drift.length === 0 && !liveShown.get(uri)) return;
  const host = pipelines.host(uri);
  if (!host) return;
  try {
    const live = [...(relevant ? await liveFindings(analysis, host, store ? { storePath: store } : {}) : []), ...drift.map((d) => d.finding)];
    if (documents.get(uri)?.version !== version) return;
    if (live.length === 0 && !liveShown.get(uri)) return;
    liveShown.set(uri, live.length);
    void connection.sendDiagnostics({ uri, version, diagnostics: withFindings(analysis, live).map(toLsp) });
  } catch (err) {
    connection.console.error(`sextant: live checks of ${uri} failed: ${(err as Error).stack ?? String(err)}`);
  }
}

/** Commands the client can run (initializationOptions.commands): lenses only offer those. */
let clientCommands = new Set<string>();
/** The store the client named (initializationOptions / didChangeConfiguration), else the workspace root's. */
let storePath: string | undefined;
let workspaceRoot: string | undefined;
let codeLensRefresh = false;

/** The store for a pipeline: the one the client named, else the workspace's default, else the one beside the file. */
function storeFor(uri: string): string | undefined {
  if (storePath) return storePath;
  const root = workspaceRoot ?? dirOf(uri);
  return root ? workspaceLayout(root).storePath : undefined;
}

function settingsStorePath(settings: ServerSettings | undefined): string | undefined {
  return typeof settings?.storePath === 'string' && settings.storePath !== '' ? settings.storePath : undefined;
}

connection.onInitialize(
  (params): InitializeResult => {
    const options = params.initializationOptions as InitializationOptions | undefined;
    clientCommands = new Set(Array.isArray(options?.commands) ? options.commands.filter((c): c is string => typeof c === 'string') : []);
    storePath = settingsStorePath(options);
    const rootUri = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    workspaceRoot = rootUri?.startsWith('file:') ? fileURLToPath(rootUri) : undefined;
    codeLensRefresh = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    return initializeResult();
  },
);

// The client's settings changed (the store moved): re-check open pipelines, and re-ask for CodeLenses.
connection.onDidChangeConfiguration(
  guard('didChangeConfiguration', undefined, (p: { settings: unknown }) => {
    const next = settingsStorePath(p.settings as ServerSettings | undefined);
    if (next === storePath) return;
    storePath = next;
    for (const uri of documents.keys()) schedule(uri);
    if (codeLensRefresh) void connection.sendRequest(CodeLensRefreshRequest.type);
  }),
);

// The runs in the store changed (a run ended): the live checks and the param lenses read them.
onNotification(
  RunsChangedNotification,
  guard('runsChanged', undefined, () => {
    for (const uri of documents.keys()) schedule(uri);
    if (codeLensRefresh) void connection.sendRequest(CodeLensRefreshRequest.type);
  }),
);

const initializeResult = (): InitializeResult => ({
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      completionProvider: { triggerCharacters: [':', ' ', '.', '[', ',', '/', '{', '-'], resolveProvider: false },
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      documentSymbolProvider: true,
      renameProvider: { prepareProvider: true },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      inlayHintProvider: true,
      codeLensProvider: { resolveProvider: false },
      foldingRangeProvider: true,
      selectionRangeProvider: true,
      documentLinkProvider: { resolveProvider: false },
      documentFormattingProvider: true,
      semanticTokensProvider: { legend: SEMANTIC_TOKENS_LEGEND, full: true, range: false },
    },
    serverInfo: { name: 'sextant-pipeline', version: typeof SEXTANT_VERSION === 'string' ? SEXTANT_VERSION : 'dev' },
});

documents.onDidChangeContent((e) => schedule(e.document.uri));
documents.onDidClose((e) => {
  pipelines.close(e.document.uri);
  driftShown.delete(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});
connection.onDidChangeWatchedFiles(() => {
  pipelines.filesChanged();
  forgetLinkTargets();
  for (const uri of documents.keys()) schedule(uri);
});

connection.onCompletion(
  guard('completion', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    if (!a || a.analysis.parsed.refused) return [];
    const host = pipelines.host(p.textDocument.uri)!;
    return complete(a.doc.getText(), a.doc.offsetAt(p.position), a.analysis, host);
  }),
);
connection.onHover(
  guard('hover', null, (p) => {
    const a = analysisOf(p.textDocument.uri);
    if (!a || a.analysis.parsed.refused) return null;
    const offset = a.doc.offsetAt(p.position);
    const drift = driftShown.get(p.textDocument.uri)?.find((d) => offset >= d.finding.start && offset <= d.finding.end);
    if (drift) return { contents: { kind: MarkupKind.Markdown, value: drift.hover }, range: a.analysis.parsed.lines.range(drift.finding.start, drift.finding.end) };
    return hover(a.doc.getText(), offset, a.analysis);
  }),
);
connection.onDefinition(
  guard('definition', null, (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a ? definitionAt(p.textDocument.uri, a.doc.offsetAt(p.position), a.analysis, dirOf(p.textDocument.uri)) : null;
  }),
);
connection.onReferences(
  guard('references', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a ? referencesAt(p.textDocument.uri, a.doc.offsetAt(p.position), a.analysis, p.context.includeDeclaration) : [];
  }),
);
connection.onPrepareRename(
  guard('prepareRename', null, (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a ? prepareRename(a.doc.offsetAt(p.position), a.analysis) : null;
  }),
);
connection.onRenameRequest(
  guard('rename', null, (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a ? renameAt(p.textDocument.uri, a.doc.offsetAt(p.position), p.newName, a.analysis) : null;
  }),
);
connection.onDocumentSymbol(
  guard('documentSymbol', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a && !a.analysis.parsed.refused ? documentSymbols(a.analysis) : [];
  }),
);
connection.onCodeAction(
  guard('codeAction', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a ? codeActions(p.textDocument.uri, a.doc.getText(), p.context.diagnostics, a.analysis) : [];
  }),
);
connection.languages.inlayHint.on(
  guard('inlayHint', [] as InlayHint[], (p: InlayHintParams): InlayHint[] => {
    const a = analysisOf(p.textDocument.uri);
    return a && !a.analysis.parsed.refused ? inlayHints(a.analysis, p.range) : [];
  }),
);
// Folding, expand selection, links to files, formatting and expression highlighting (./folding.ts,
// ./selectionRanges.ts, ./documentLinks.ts, ./formatting.ts, ./semanticTokens.ts).
connection.onFoldingRanges(
  guard('foldingRanges', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a && !a.analysis.parsed.refused ? foldingRanges(a.analysis) : [];
  }),
);
connection.onSelectionRanges(
  guard('selectionRanges', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a && !a.analysis.parsed.refused ? selectionRanges(a.analysis, p.positions) : [];
  }),
);
connection.onDocumentLinks(
  guard('documentLinks', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a && !a.analysis.parsed.refused ? documentLinks(a.analysis, dirOf(p.textDocument.uri), workspaceRoot) : [];
  }),
);
connection.onDocumentFormatting(
  guard('formatting', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a && !a.analysis.parsed.refused ? formattingEdits(a.doc.getText()) : [];
  }),
);
connection.languages.semanticTokens.on(
  guard('semanticTokens', { data: [] }, (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a && !a.analysis.parsed.refused ? semanticTokens(a.analysis) : { data: [] };
  }),
);
connection.onCodeLens(
  guard('codeLens', [], (p) => {
    const a = analysisOf(p.textDocument.uri);
    return a && !a.analysis.parsed.refused ? paramLenses(p.textDocument.uri, a.analysis, storeFor(p.textDocument.uri), clientCommands.has(RUN_WITH_PARAM_COMMAND)) : [];
  }),
);
onRequest(
  PipelineOutlineRequest,
  guard('pipelineOutline', null, (p: PipelineOutlineParams): PipelineOutlineResult | null => {
    const a = analysisOf(p.uri);
    if (!a) return null;
    const { model, parsed, diagnostics } = a.analysis;
    return {
      uri: p.uri,
      stages: [...model.stages.values()].map((s) => ({
        name: s.name,
        needs: s.facts.needs.map((n) => n.name),
        ...(s.facts.uses ? { uses: s.facts.uses.name } : {}),
        ...(s.facts.run ? { run: s.facts.run.name } : {}),
        line: parsed.lines.position(s.seg.base + s.facts.key[0]).line,
      })),
      datasets: [...model.datasets.values()].map((d) => ({ name: d.name, ...(d.path ? { path: d.path } : {}), line: parsed.lines.position(d.start).line })),
      params: [...model.params.params.values()].map((x) => ({ name: x.name, value: x.value })),
      errors: diagnostics.filter((d) => d.severity === 'error').length,
      warnings: diagnostics.filter((d) => d.severity === 'warning').length,
    };
  }),
);

process.on('uncaughtException', (err) => connection.console.error(`sextant: ${err.stack ?? String(err)}`));
documents.listen(connection);
connection.listen();

declare const SEXTANT_VERSION: string | undefined;
