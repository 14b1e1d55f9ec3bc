// A small LSP client for the tests and the bench: spawns a language server process and speaks
// JSON-RPC over its stdio with Content-Length framing. No editor, no function calls into the server.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** LSP shapes the tests read. */
export interface Pos {
  line: number;
  character: number;
}
export interface Diag {
  range: { start: Pos; end: Pos };
  severity: number;
  code: string;
  message: string;
  data?: Record<string, unknown>;
  source?: string;
}
export interface PublishParams {
  uri: string;
  version?: number;
  diagnostics: Diag[];
}

/** The offset in `text` of an LSP position. */
export function offsetAt(text: string, p: Pos): number {
  const lines = text.split('\n');
  return lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
}

interface Message {
  jsonrpc: '2.0';
  id?: number | string;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

export class LspClient {
  private nextId = 1;
  private buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((m: Message) => void)[] = [];
  readonly notifications: Message[] = [];
  /** Requests the server sent (e.g. `workspace/codeLens/refresh`), answered with null; waitFor() sees them too. */
  readonly serverRequests: Message[] = [];
  readonly stderr: string[] = [];
  exited: number | null | undefined;

  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    proc.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    proc.on('exit', (code) => {
      this.exited = code;
      for (const p of this.pending.values()) p.reject(new Error(`server exited with ${code}: ${this.stderr.join('')}`));
      this.pending.clear();
    });
  }

  static spawn(command: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv): LspClient {
    return new LspClient(spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}), ...(env ? { env } : {}) }));
  }

  /** Opens a pipeline document and returns the diagnostics the server publishes for it. */
  async openDocument(uri: string, text: string, version: number): Promise<Diag[]> {
    const published = this.waitFor<PublishParams>('textDocument/publishDiagnostics', (p) => p.uri === uri);
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'sextant-pipeline', version, text } });
    return (await published).diagnostics;
  }

  /** The code actions the server offers for one of its diagnostics. */
  codeActionsFor<T = unknown>(uri: string, diagnostic: Diag): Promise<T[]> {
    return this.request<T[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } });
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const length = Number(/Content-Length: (\d+)/i.exec(header)?.[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      const msg = JSON.parse(body) as Message;
      if (msg.id !== undefined && msg.method === undefined) {
        const p = this.pending.get(Number(msg.id));
        this.pending.delete(Number(msg.id));
        p?.resolve(msg);
      } else if (msg.method !== undefined && msg.id !== undefined) {
        // a request from the server (configuration, registration, codeLens refresh): answer with null
        this.serverRequests.push(msg);
        for (const l of [...this.listeners]) l(msg);
        this.send({ jsonrpc: '2.0', id: msg.id, result: msg.method === 'workspace/configuration' ? ((msg.params as { items: unknown[] }).items.map(() => this.configuration)) : null });
      } else {
        this.notifications.push(msg);
        for (const l of [...this.listeners]) l(msg);
      }
    }
  }

  /** What workspace/configuration requests are answered with (yaml-language-server asks). */
  configuration: unknown = null;

  send(msg: Message): void {
    const body = Buffer.from(JSON.stringify(msg), 'utf8');
    this.proc.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin.write(body);
  }

  request<T = unknown>(method: string, params: unknown, timeoutMs = 10_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          if (m.error) reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
          else resolve(m.result as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.send({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  /** The next notification matching, after now. */
  waitFor<T = unknown>(method: string, predicate: (params: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        remove();
        reject(new Error(`no ${method} in ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (m: Message): void => {
        if (m.method === method && predicate(m.params as T)) {
          clearTimeout(timer);
          remove();
          resolve(m.params as T);
        }
      };
      const remove = (): void => {
        const i = this.listeners.indexOf(listener);
        if (i >= 0) this.listeners.splice(i, 1);
      };
      this.listeners.push(listener);
    });
  }

  async initialize(rootUri: string | null = null, capabilities: unknown = {}): Promise<unknown> {
    const result = await this.request('initialize', { processId: process.pid, rootUri, capabilities, workspaceFolders: rootUri ? [{ uri: rootUri, name: 'root' }] : null });
    this.notify('initialized', {});
    return result;
  }

  async stop(): Promise<void> {
    if (this.exited !== undefined) return;
    try {
      await this.request('shutdown', null, 3000);
      this.notify('exit', null);
    } catch {
      // already gone
    }
    await new Promise<void>((resolve) => {
      if (this.exited !== undefined) return resolve();
      const t = setTimeout(() => {
        this.proc.kill();
        resolve();
      }, 2000);
      this.proc.on('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
