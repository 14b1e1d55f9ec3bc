// Deleting from the registry in the Models view, in real VS Code (code-server + Chromium, the packaged VSIX): on
// the demo run twice (penguin-species v1 @production, v2 @staging, set up by the CLI), *Remove Alias* on v1 asks in
// a modal and removes @production; *Delete Model Version…* on v2 asks in a modal that offers only "Delete with
// Aliases" (Cancel keeps it); *Delete Registered Model…* on the model removes the rest. The view refreshes after
// each, and `sextant audit list` shows each one recorded with source "VS Code". Screenshots in
// test-output/e2e/models-delete-*.png: look at them.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { ROOT, sharedCodeServer, type CodeServer } from './codeServer';
import { browserOfRun, fromContextMenu, openWorkspace, pane, screenshot, showSextant } from './workbench';

const sextant = (cwd: string, ...args: string[]): string => execFileSync(process.execPath, [join(ROOT, 'bin', 'sextant.js'), ...args], { cwd, stdio: 'pipe', encoding: 'utf8' });

interface AuditEntry {
  kind: string;
  source: string;
  subject: string;
  detail: Record<string, unknown>;
}

describe('deleting from the Models view (code-server + Chromium)', function () {
  this.timeout(300_000);
  let server: CodeServer;
  let browser: Browser;
  let page: Page;
  const scratch = mkdtempSync(join(tmpdir(), 'sextant-e2e-models-delete-'));
  const demo = join(scratch, 'demo');
  const audit = (): AuditEntry[] => (JSON.parse(sextant(demo, 'audit', 'list', '--json')) as { entries: AuditEntry[] }).entries;
  const models = (): { name: string; versions: { version: number; aliases: string[] }[] }[] => (JSON.parse(sextant(demo, 'models', 'list', '--json')) as { models: never[] }).models;

  before(async () => {
    // The demo run twice (another learning rate registers v2, which takes @staging), v1 promoted to production.
    sextant(scratch, 'init', demo);
    sextant(demo, 'run');
    const pipeline = join(demo, 'sextant.yaml');
    writeFileSync(pipeline, readFileSync(pipeline, 'utf8').replace(/lr: 0\.1\b/, 'lr: 0.05'));
    sextant(demo, 'run');
    sextant(demo, 'models', 'promote', 'penguin-species@1', '--alias', 'production');
    const listed = models().find((m) => m.name === 'penguin-species');
    assert.deepEqual(listed?.versions.map((v) => [v.version, v.aliases]), [[2, ['staging']], [1, ['production']]], 'the registry before the test');
    server = await sharedCodeServer();
    browser = await browserOfRun();
    page = await openWorkspace(browser, server.url, demo);
    await showSextant(page);
  });

  after(async () => {
    await page?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await screenshot(page, `models-delete-failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
  });

  const row = (label: string): Locator => pane(page, 'Models').locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
  const dialog = (): Locator => page.locator('.monaco-dialog-box');
  const button = (text: string): Locator => dialog().locator('.monaco-button', { hasText: new RegExp(`^${text}$`) });

  /** Right-click the row and pick `action` from its context menu, until the modal dialog shows; its text. */
  async function ask(label: string, action: string): Promise<string> {
    const shown = (): Promise<boolean> => dialog().first().waitFor({ timeout: 10_000 }).then(() => true, () => false);
    await fromContextMenu(page, row(label).first(), action, shown, `${action} on the row ${label} showed no dialog`);
    return (await dialog().first().innerText()).trim();
  }

  it('Remove Alias on v1 asks in a modal; its button removes @production, the row redraws, recorded as VS Code', async () => {
    await row('v1').first().waitFor({ timeout: 60_000 });
    assert.match(await row('v1').first().innerText(), /@production/);
    const text = await ask('v1', 'Remove Alias');
    assert.match(text, /Remove the alias "production" of model "penguin-species"\? It points at version 1\./);
    await screenshot(page, 'models-delete-01-remove-alias-modal');
    await button('Remove Alias').click();
    await dialog().first().waitFor({ state: 'detached', timeout: 10_000 });
    await pane(page, 'Models').locator('.monaco-list-row', { hasText: '@production' }).first().waitFor({ state: 'detached', timeout: 20_000 });
    assert.deepEqual(models()[0]!.versions.map((v) => [v.version, v.aliases]), [[2, ['staging']], [1, []]]);
    const last = audit().at(-1)!;
    assert.deepEqual([last.kind, last.source, last.subject, last.detail], ['alias-removed', 'VS Code', 'model:penguin-species', { alias: 'production', from: 1 }]);
  });

  it('Delete Model Version… on the aliased v2 offers only "Delete with Aliases"; Cancel keeps it, the button deletes it', async () => {
    const text = await ask('v2', 'Delete Model Version…');
    assert.match(text, /Version 2 of model "penguin-species" is where the alias "staging" points\. Delete it with its alias\?/);
    const buttons = (await dialog().first().locator('.monaco-button').allInnerTexts()).map((b) => b.trim()).filter(Boolean);
    assert.deepEqual(buttons.filter((b) => b !== 'Cancel'), ['Delete with Aliases'], `the dialog's buttons: ${JSON.stringify(buttons)}`);
    await screenshot(page, 'models-delete-02-version-modal');
    await button('Cancel').click();
    await dialog().first().waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(models()[0]!.versions.length, 2, 'Cancel deleted nothing');
    await ask('v2', 'Delete Model Version…');
    await button('Delete with Aliases').click();
    await dialog().first().waitFor({ state: 'detached', timeout: 10_000 });
    await row('v2').first().waitFor({ state: 'detached', timeout: 20_000 });
    assert.deepEqual(models()[0]!.versions.map((v) => [v.version, v.aliases]), [[1, []]]);
    const tail = audit().slice(-2);
    assert.deepEqual(tail.map((e) => [e.kind, e.source, e.subject]), [['alias-removed', 'VS Code', 'model:penguin-species'], ['model-version-deleted', 'VS Code', 'model:penguin-species@2']]);
    await screenshot(page, 'models-delete-03-version-deleted');
  });

  it('Delete Registered Model… on the model deletes it: the view empties, one model-deleted entry', async () => {
    const text = await ask('penguin-species', 'Delete Registered Model…');
    assert.match(text, /Delete model "penguin-species" and its 1 version \(v1\)\?/);
    await screenshot(page, 'models-delete-04-model-modal');
    await button('Delete Model').click();
    await dialog().first().waitFor({ state: 'detached', timeout: 10_000 });
    await row('penguin-species').first().waitFor({ state: 'detached', timeout: 20_000 });
    assert.deepEqual(models(), []);
    const last = audit().at(-1)!;
    assert.deepEqual([last.kind, last.source, last.subject, last.detail], ['model-deleted', 'VS Code', 'model:penguin-species', { versions: [1], aliases_removed: {} }]);
    await screenshot(page, 'models-delete-05-model-deleted');
  });
});
