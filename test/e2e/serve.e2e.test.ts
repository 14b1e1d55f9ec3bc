// Serving from the Models view in real VS Code (code-server + Chromium, the packaged VSIX): on the demo model
// (the pipeline run once by the CLI, a predict token made by the CLI), *Serve Model* on the version's context
// menu starts `sextant serve` as the extension's child process; the status bar item shows the URL; a predict
// request over HTTP to that URL answers with the token (and 401 without); *Stop Serving* from the same menu
// stops it: the status bar item goes, the port closes, the "Serving … at URL" notification goes; served again,
// the version deleted by the CLI stops its server with a warning. Screenshots in test-output/e2e/serve-*.png: look at them.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { ROOT, sharedCodeServer, type CodeServer } from './codeServer';
import { browserOfRun, fromContextMenu, openWorkspace, pane, runCommand, screenshot, showSextant } from './workbench';

const sextant = (cwd: string, ...args: string[]): string => execFileSync(process.execPath, [join(ROOT, 'bin', 'sextant.js'), ...args], { cwd, stdio: 'pipe', encoding: 'utf8' });

describe('serving from the Models view (code-server + Chromium)', function () {
  this.timeout(300_000);
  let server: CodeServer;
  let browser: Browser;
  let page: Page;
  let token: string;
  const scratch = mkdtempSync(join(tmpdir(), 'sextant-e2e-serve-'));
  const demo = join(scratch, 'demo');

  before(async () => {
    // The demo pipeline run once (penguin-species v1 @staging) and a predict token, both by the CLI.
    sextant(scratch, 'init', demo);
    sextant(demo, 'run');
    token = (JSON.parse(sextant(demo, 'serve', 'token', 'add', 'e2e', '--role', 'predict', '--json')) as { token: string }).token;
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
    if (this.currentTest?.state === 'failed') await screenshot(page, `serve-failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
  });

  const versionRow = (): Locator => pane(page, 'Models').locator('.monaco-list-row', { hasText: '@staging' }).first();
  const statusItem = (): Locator => page.locator('.part.statusbar .statusbar-item', { hasText: 'penguin-species v1' });

  const fromVersionMenu = (action: string, done: () => Promise<boolean>): Promise<void> => fromContextMenu(page, versionRow(), action, done, `${action} from the version's context menu had no effect`);

  let url: string;

  it('Serve Model on the version starts a server: the status bar item shows its URL, the row too', async () => {
    await versionRow().waitFor({ timeout: 60_000 });
    assert.equal(await statusItem().count(), 0, 'no serving item before a server runs');
    await fromVersionMenu('Serve Model', () => statusItem().first().waitFor({ timeout: 60_000 }).then(() => true, () => false));
    const text = (await statusItem().first().innerText()).trim();
    const found = /penguin-species v1 (127\.0\.0\.1:\d+)/.exec(text);
    assert.ok(found, `status bar item text: ${JSON.stringify(text)}`);
    url = `http://${found[1]}`;
    // The version's row leads with the URL while it is served.
    await pane(page, 'Models').locator('.monaco-list-row', { hasText: url }).first().waitFor({ timeout: 20_000 });
    const toast = page.locator('.notifications-toasts .notification-list-item-message', { hasText: `Serving penguin-species v1 at ${url}` });
    await toast.first().waitFor({ timeout: 20_000 });
    await screenshot(page, 'serve-01-serving');
  });

  it('a predict request to that URL answers with the token; without one it is refused (401) and the server stays up', async () => {
    const body = JSON.stringify({ instances: [[39.1, 18.7, 181, 3750], [46.5, 17.9, 192, 3500], [50.0, 15.2, 218, 5700]] });
    const refused = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(refused.status, 401, 'the store has a token, so the server requires one');
    const res = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
    assert.equal(res.status, 200);
    const json = (await res.json()) as { model: { name: string; version: number }; predictions: { label: string; probabilities: number[] }[] };
    assert.deepEqual(json.model, { name: 'penguin-species', version: 1 });
    assert.deepEqual(json.predictions.map((p) => p.label), ['adelie', 'chinstrap', 'gentoo']);
    for (const p of json.predictions) assert.ok(Math.abs(p.probabilities.reduce((s, x) => s + x, 0) - 1) < 1e-5);
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string; auth: string };
    assert.deepEqual([health.status, health.auth], ['ok', 'token']);
  });

  it('Stop Serving from the view stops it: the status bar item goes and the port closes', async () => {
    await fromVersionMenu('Stop Serving', () => statusItem().first().waitFor({ state: 'detached', timeout: 20_000 }).then(() => true, () => false));
    assert.equal(await statusItem().count(), 0);
    await pane(page, 'Models').locator('.monaco-list-row', { hasText: url }).first().waitFor({ state: 'detached', timeout: 20_000 });
    await assert.rejects(fetch(`${url}/health`), 'nothing listens at the URL any more');
    // The "Serving … at URL" notification goes with the server, from the notification center too (a plain
    // message with buttons stayed there, and on screen while the window was not focused).
    const serving = `Serving penguin-species v1 at ${url}`;
    await page.locator('.notifications-toasts .notification-list-item-message', { hasText: serving }).first().waitFor({ state: 'detached', timeout: 20_000 });
    await runCommand(page, 'Notifications: Show Notifications');
    const center = page.locator('.notifications-center');
    await center.waitFor({ state: 'visible', timeout: 10_000 });
    await screenshot(page, 'serve-03-notifications-after-stop');
    assert.equal(await center.locator('.notification-list-item-message', { hasText: serving }).count(), 0, 'the notification center still lists the Serving notification');
    await page.keyboard.press('Escape');
    await screenshot(page, 'serve-02-stopped');
  });

  it('deleting the served version (here by the CLI, another process) stops its server, with a warning saying why', async () => {
    await fromVersionMenu('Serve Model', () => statusItem().first().waitFor({ timeout: 60_000 }).then(() => true, () => false));
    const found = /penguin-species v1 (127\.0\.0\.1:\d+)/.exec((await statusItem().first().innerText()).trim());
    assert.ok(found);
    const served = `http://${found[1]}`;
    assert.equal((await fetch(`${served}/health`)).status, 200);
    sextant(demo, 'models', 'delete', 'penguin-species@1', '--with-aliases');
    await page.locator('.notification-list-item-message', { hasText: `penguin-species v1 was deleted from the registry, so its server at ${served} was stopped` }).first().waitFor({ timeout: 30_000 });
    await statusItem().first().waitFor({ state: 'detached', timeout: 20_000 });
    await assert.rejects(fetch(`${served}/health`), 'nothing listens at the URL any more');
    await screenshot(page, 'serve-04-deleted-while-served');
  });
});
