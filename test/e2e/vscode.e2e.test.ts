// End to end, offline: the packaged extension (VSIX) installed into real VS Code (code-server),
// driven in headless Chromium. Screenshots land in test-output/e2e/: look at them.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { installVsix, OUTPUT, ROOT, startCodeServer, type CodeServer } from './codeServer';
import { launchBrowser, openWorkspace, outputLines, pane, paneTitles, runCommand, screenshot, showSextant } from './workbench';

describe('Sextant in VS Code (code-server + Chromium)', function () {
  this.timeout(240_000);
  let server: CodeServer;
  let browser: Browser;
  const scratch = mkdtempSync(join(tmpdir(), 'sextant-e2e-'));

  before(async () => {
    rmSync(OUTPUT, { recursive: true, force: true });
    mkdirSync(OUTPUT, { recursive: true });
    const vsix = join(scratch, 'sextant.vsix');
    execFileSync(process.execPath, ['scripts/package.mjs', vsix], { cwd: ROOT, stdio: 'pipe' });
    const extensionsDir = join(scratch, 'extensions');
    installVsix(vsix, extensionsDir);
    assert.ok(readdirSync(extensionsDir).some((d) => d.startsWith('sextant.sextant-')), 'the VSIX installed');
    server = await startCodeServer(extensionsDir);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    server?.stop();
  });

  describe('the demo workspace', () => {
    let page: Page;
    const demo = join(scratch, 'demo');

    before(async () => {
      execFileSync(process.execPath, [join(ROOT, 'bin', 'sextant.js'), 'init', demo], { stdio: 'pipe' });
      page = await openWorkspace(browser, server.url, demo);
      await showSextant(page);
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed') await screenshot(page, `failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
    });

    after(() => page?.close());

    it('shows the Sextant container with its three views', async () => {
      const titles = (await paneTitles(page)).map((t) => t.toUpperCase());
      for (const view of ['DATASETS', 'EXPERIMENTS', 'MODELS']) assert.ok(titles.includes(view), `${view} in ${titles.join(', ')}`);
    });

    it('lists the pipeline datasets with their row counts', async () => {
      const datasets = pane(page, 'Datasets');
      await datasets.locator('.monaco-list-row', { hasText: 'penguins' }).first().waitFor({ timeout: 30_000 });
      const rows = await datasets.locator('.monaco-list-row').allInnerTexts();
      const penguins = rows.find((r) => r.startsWith('penguins'));
      assert.ok(penguins, `penguins row in ${JSON.stringify(rows)}`);
      assert.match(penguins, /243 rows/);
      assert.ok(rows.some((r) => r.startsWith('live') && /101 rows/.test(r)), `live row in ${JSON.stringify(rows)}`);
      await screenshot(page, '01-demo-sidebar');
    });

    it('runs a command from the palette (Run Doctor) and reports activation without native modules', async () => {
      await runCommand(page, 'Sextant: Run Doctor');
      const toast = page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'Sextant doctor' });
      await toast.first().waitFor({ timeout: 30_000 });
      assert.match(await toast.first().innerText(), /Sextant doctor: all required checks passed/);
      await screenshot(page, '02-doctor-notification');

      await runCommand(page, 'Sextant: Show Output');
      const activationLine = (await outputLines(page, 'activated in')).replace(/\u00a0/g, ' ');
      const activation = /activated in ([\d.]+) ms \(native modules loaded: (\w+)\)/.exec(activationLine);
      assert.ok(activation, `activation line in output:\n${activationLine}`);
      assert.equal(activation[2], 'none', 'no native module loaded at activation');
      // "all required checks passed" above includes the sqlite check: better-sqlite3 loaded in the extension host.
      writeFileSync(join(OUTPUT, 'activation-ms.txt'), `${activation[1]}\n`);
      console.log(`      activation in real VS Code: ${activation[1]} ms`);
      await screenshot(page, '03-output');
    });
  });

  describe('the demo pipeline, run from VS Code', () => {
    let page: Page;
    const demo = join(scratch, 'demo-run');

    before(async () => {
      execFileSync(process.execPath, [join(ROOT, 'bin', 'sextant.js'), 'init', demo], { stdio: 'pipe' });
      page = await openWorkspace(browser, server.url, demo);
      await showSextant(page);
      await pane(page, 'Datasets').locator('.monaco-list-row', { hasText: 'penguins' }).first().waitFor({ timeout: 30_000 });
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed') await screenshot(page, `failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
    });

    after(() => page?.close());

    it('runs the pipeline as a task; the run and the registered model appear in the views', async () => {
      await runCommand(page, 'Sextant: Run Pipeline');
      const models = pane(page, 'Models');
      await models.locator('.monaco-list-row', { hasText: 'penguin-species' }).first().waitFor({ timeout: 180_000 });
      await models.locator('.monaco-list-row', { hasText: '@staging' }).first().waitFor({ timeout: 30_000 });
      const versionRow = await models.locator('.monaco-list-row', { hasText: '@staging' }).first().innerText();
      assert.match(versionRow, /v1/);
      assert.match(versionRow, /accuracy 0\.\d{3}|rows \d/);
      const experiments = pane(page, 'Experiments');
      await experiments.locator('.monaco-list-row', { hasText: 'penguins' }).first().waitFor({ timeout: 30_000 });
      await screenshot(page, '06-pipeline-ran');
      assert.ok(existsSync(join(demo, 'models', 'penguins.onnx')), 'the trained model was written');
    });

    it('underlines a mistake in a pipeline file (language server)', async () => {
      const text = readFileSync(join(demo, 'sextant.yaml'), 'utf8').replace('needs: [evaluate]', 'needs: [evaluat]');
      writeFileSync(join(demo, 'typo.sextant.yaml'), text);
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('typo.sextant.yaml');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'typo.sextant.yaml' }).first().waitFor({ timeout: 20_000 });
      await page.keyboard.press('Enter');
      await page.locator('.monaco-editor .decorationsOverviewRuler, .monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
      await runCommand(page, 'View: Focus Problems');
      const problems = page.locator('.part.panel .markers-panel');
      await problems.filter({ hasText: 'evaluat' }).first().waitFor({ timeout: 20_000 });
      assert.match(await problems.first().innerText(), /evaluate/, 'the message suggests the stage name');
      await screenshot(page, '07-squiggle');
    });
  });

  describe('an empty folder', () => {
    it('shows welcome content with an action, and writes nothing', async () => {
      const empty = join(scratch, 'empty');
      mkdirSync(empty);
      const page = await openWorkspace(browser, server.url, empty);
      await showSextant(page);
      const welcome = pane(page, 'Datasets').locator('.welcome-view-content');
      await welcome.filter({ hasText: 'no pipeline yet' }).first().waitFor({ timeout: 30_000 });
      assert.ok(await pane(page, 'Datasets').locator('.monaco-button', { hasText: 'Create Demo Pipeline' }).count());
      await pane(page, 'Experiments').locator('.welcome-view-content', { hasText: 'No experiments recorded yet' }).first().waitFor({ timeout: 30_000 });
      await screenshot(page, '04-empty-folder-welcome');
      await page.close();
      assert.deepEqual(readdirSync(empty), [], 'nothing written to the workspace');
    });
  });

  describe('a corrupt store', () => {
    it('says the store cannot be opened, offers to move it aside, and leaves it untouched', async () => {
      const broken = join(scratch, 'broken');
      execFileSync(process.execPath, [join(ROOT, 'bin', 'sextant.js'), 'init', broken], { stdio: 'pipe' });
      mkdirSync(join(broken, '.sextant'));
      const junk = 'definitely not a database\n'.repeat(100);
      writeFileSync(join(broken, '.sextant', 'sextant.db'), junk);
      const page = await openWorkspace(browser, server.url, broken);
      await showSextant(page);
      const experiments = pane(page, 'Experiments');
      await experiments.getByText(/not a SQLite database|could not be opened|damaged|corrupt/i).first().waitFor({ timeout: 30_000 });
      await screenshot(page, '05-corrupt-store');
      await page.close();
      assert.equal(readFileSync(join(broken, '.sextant', 'sextant.db'), 'utf8'), junk);
    });
  });
});
