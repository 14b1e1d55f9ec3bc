// What every panel's host side does the same way (the compare panel, run details, the experiments table, the
// model card): the page's HTML with its bundle (src/webviews/html.ts), options that let it load only the
// extension's media/ and dist/, every message the page posts checked against the panel's contract before
// use, the data re-sent when the store changes (a hidden page asks again when shown), and one dispose. A panel
// that says which runs it shows (`shown`) follows the store's change feed (./liveRefresh.ts): on every store
// notification and every second while visible it asks what changed, and reads the store again and posts to
// its page only when a run it shows changed; a panel that shows the registry (`registry`, the model card) does
// the same with the registry's change number (./registryRefresh.ts); other panels re-send on every store
// notification (coalesced). A panel supplies what differs: its bundle, how to build the message it sends, and what to do with
// the page's own requests.
import * as vscode from 'vscode';
import type { z } from 'zod';
import { loadEngine } from '../engineLoader';
import { pageHtml } from './html';
import { LiveRefresh, type Shown } from './liveRefresh';
import { RegistryRefresh } from './registryRefresh';
import type { PanelDeps } from './panelDeps';

const REFRESH_MS = 500;
/** How often a visible panel that follows the change feed asks it (file events can be late or missing). */
const POLL_MS = 1000;

/** The messages every page posts: `ready` (send me the data) and `invalid` (I could not use a message). */
export type BasePageMessage = { type: 'ready' } | { type: 'invalid'; message: string };

export interface PanelSpec<Host, Page extends { type: string }> {
  /** The page's bundle: dist/webviews/<bundle>.js and .css (from src/webviews/app/<bundle>.ts). */
  bundle: string;
  /** For the log: "compare panel". */
  name: string;
  pageMessages: z.ZodType<Page | BasePageMessage>;
  /** The message to send the page now (its data, or an error it shows). */
  build(): Promise<Host>;
  /** The tab's title for what was just built, if it names something. */
  titleOf?(message: Host): string | undefined;
  /** The page's own requests (everything but ready/invalid). */
  handle?(message: Page, host: PanelHost<Host, Page>): void | Promise<void>;
  /** Re-send when the store changes (default true). */
  live?: boolean;
  /**
   * What the page shows of the store, as the last build read it: with it, the panel re-sends only when the
   * change feed names one of those runs (a stage of one, a run of the experiment); without it, on every
   * store notification.
   */
  shown?(): Shown | undefined;
  /** The page shows the registry (the model card): it re-sends when the registry's change number moves, whichever process moved it (./registryRefresh.ts). */
  registry?: boolean;
}

/** Scripts on, and local resources from the extension's media/ and dist/ only. No retainContextWhenHidden: the page keeps its state with setState. */
export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist')],
  };
}

export class PanelHost<Host, Page extends { type: string }> {
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The panel's position in the store's change feed, when it says what it shows. */
  readonly live: LiveRefresh | undefined;
  /** The registry's change number the page's data was read at, when it shows the registry. */
  private readonly registry: RegistryRefresh | undefined;
  private sending: Promise<void> | undefined;
  private sendAgain = false;

  constructor(
    private readonly deps: PanelDeps,
    readonly panel: vscode.WebviewPanel,
    private readonly spec: PanelSpec<Host, Page>,
  ) {
    const webview = panel.webview;
    webview.options = panelOptions(deps.extensionUri);
    const dist = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webviews', file)).toString();
    webview.html = pageHtml({ cspSource: webview.cspSource, scriptUri: dist(`${spec.bundle}.js`), styleUri: dist(`${spec.bundle}.css`), title: panel.title });
    this.disposables.push(webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)), panel.onDidDispose(() => this.dispose()));
    if (spec.live !== false && spec.shown) {
      this.live = new LiveRefresh({ tracker: deps.tracker, feed: async () => (await loadEngine()).ChangeFeed, shown: () => spec.shown!() });
    } else if (spec.live !== false && spec.registry) {
      this.registry = new RegistryRefresh({ tracker: deps.tracker, changeNumber: async () => (await loadEngine()).registryChangeNumber });
    }
    if (this.live || this.registry) {
      const poll = setInterval(() => this.checkStore(), POLL_MS);
      this.disposables.push(deps.onStoreChanged(() => this.checkStore()), { dispose: () => clearInterval(poll) });
    } else if (spec.live !== false) this.disposables.push(deps.onStoreChanged(() => this.scheduleRefresh()));
  }

  /** Builds and sends the panel's message now (after a change the host made itself, e.g. an alias moved); one at a time, a request during one sends once more after it. */
  send(): Promise<void> {
    if (this.sending) {
      this.sendAgain = true;
      return this.sending;
    }
    this.sending = (async () => {
      try {
        do {
          this.sendAgain = false;
          // The feed moves to now before the read: whatever changed until then is in what is sent.
          await this.live?.sync();
          await this.registry?.sync();
          const message = await this.spec.build();
          const title = this.spec.titleOf?.(message);
          if (title) this.panel.title = title;
          await this.panel.webview.postMessage(message);
        } while (this.sendAgain);
      } finally {
        this.sending = undefined;
      }
    })();
    return this.sending;
  }

  /** Posts one extra message (a reply to a page's request). */
  async post(message: unknown): Promise<void> {
    await this.panel.webview.postMessage(message);
  }

  private receive(raw: unknown): void {
    const parsed = this.spec.pageMessages.safeParse(raw);
    if (!parsed.success) {
      this.deps.log.warn(`${this.spec.name}: ignored a message that is not in the contract: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return;
    }
    const message = parsed.data;
    if (message.type === 'ready') void this.send();
    else if (message.type === 'invalid' && 'message' in message) this.deps.log.warn(`${this.spec.name}: the page could not use a message: ${String(message.message)}`);
    else void Promise.resolve(this.spec.handle?.(message as Page, this)).catch((err: unknown) => this.deps.log.error(`${this.spec.name}: ${(err as Error).stack ?? String(err)}`));
  }

  private scheduleRefresh(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A hidden page is reloaded when shown again, and asks then (ready).
      if (this.panel.visible) void this.send();
    }, REFRESH_MS);
  }

  /** Asks the change feed whether a run the page shows changed (or the registry's number whether the registry did), and re-sends if so (a hidden page asks again when shown). */
  private checkStore(): void {
    const source = this.live ?? this.registry;
    if (!source || !this.panel.visible || this.sending) return;
    void source
      .check()
      .then((changed) => (changed && this.panel.visible ? this.send() : undefined))
      .catch((err: unknown) => this.deps.log.error(`${this.spec.name}: ${(err as Error).stack ?? String(err)}`));
  }

  private dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
