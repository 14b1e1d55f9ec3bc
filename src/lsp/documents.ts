// The server's state per open pipeline: an incremental parser, a file-system host for its folder, and
// the analysis of its latest version (computed once per version, shared by every feature).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzePipeline, type Analysis } from '../engine/pipeline/analyze';
import { PipelineParser } from '../engine/pipeline/document';
import { FsHost } from '../engine/pipeline/host';

interface State {
  parser: PipelineParser;
  host: FsHost;
  version: number;
  analysis?: Analysis;
}

export function dirOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return dirname(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

export class PipelineDocuments {
  private readonly states = new Map<string, State>();

  /** `storeFor`: the workspace store of a pipeline, whose logged metrics the gate checks read. */
  constructor(private readonly storeFor?: (uri: string) => string | undefined) {}

  analysis(doc: TextDocument): Analysis {
    let state = this.states.get(doc.uri);
    if (!state) {
      state = { parser: new PipelineParser(), host: new FsHost(dirOf(doc.uri), 2000, () => this.storeFor?.(doc.uri)), version: -1 };
      this.states.set(doc.uri, state);
    }
    if (!state.analysis || state.version !== doc.version) {
      state.analysis = analyzePipeline(state.parser.parse(doc.getText()), state.host);
      state.version = doc.version;
    }
    return state.analysis;
  }

  host(uri: string): FsHost | undefined {
    return this.states.get(uri)?.host;
  }

  close(uri: string): void {
    this.states.delete(uri);
  }

  /** Files changed on disk: forget cached existence answers and re-analyse on next request. */
  filesChanged(): void {
    for (const s of this.states.values()) {
      s.host.invalidate();
      s.analysis = undefined;
    }
  }

  uris(): string[] {
    return [...this.states.keys()];
  }
}
