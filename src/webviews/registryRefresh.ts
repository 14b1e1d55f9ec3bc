// When a panel that shows the registry (the model card) reads the store again: when the registry's change
// number moved (src/engine/registry/changes.ts), whichever process moved it (`sextant models promote` in a
// terminal, a pipeline's register stage). It is asked on every store notification and every second while
// the panel is visible: one row read; runs being logged leave the number. No `vscode` import:
// src/webviews/panelHost.ts wires it, the unit tests drive it against a real store.
import type { Database } from '../engine/store/open';

export interface RegistryOptions {
  tracker: () => Promise<{ kind: 'ok'; tracker: { db: Database } } | { kind: 'missing' } | { kind: 'error' }>;
  /** The engine's registryChangeNumber, through the loader in the extension. */
  changeNumber: () => Promise<(db: Database) => number | undefined>;
}

export class RegistryRefresh {
  /** The store and number the panel's last read saw. */
  private seen: { db: Database; number: number | undefined } | undefined;

  constructor(private readonly options: RegistryOptions) {}

  /** Notes the number just before the panel reads the store: what changed until then is in that read. */
  async sync(): Promise<void> {
    this.seen = await this.current();
  }

  /** Whether the panel should read the store again now: another store, or the number moved. */
  async check(): Promise<boolean> {
    const now = await this.current();
    const seen = this.seen;
    if (!now || !seen) return now !== seen;
    return now.db !== seen.db || (now.number !== undefined && now.number !== seen.number);
  }

  private async current(): Promise<{ db: Database; number: number | undefined } | undefined> {
    const got = await this.options.tracker();
    if (got.kind !== 'ok') return undefined;
    const number = await this.options.changeNumber();
    return { db: got.tracker.db, number: number(got.tracker.db) };
  }
}
