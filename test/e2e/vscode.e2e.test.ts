// End to end, offline: the packaged extension (VSIX) installed into real VS Code (code-server),
// driven in headless Chromium. Screenshots land in test-output/e2e/: look at them.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { OUTPUT, ROOT, sharedCodeServer, type CodeServer } from './codeServer';
import { compareFixture } from '../support/compareFixture';
import { Tracker } from '../../src/engine/tracking/tracking';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { browserOfRun, expandUntil, openWorkspace, outputLines, pane, paneTitles, runCommand, screenshot, showSextant, waitForSquiggle } from './workbench';

describe('Sextant in VS Code (code-server + Chromium)', function () {
  this.timeout(240_000);
  let server: CodeServer;
  let browser: Browser;
  const scratch = mkdtempSync(join(tmpdir(), 'sextant-e2e-'));

  before(async () => {
    server = await sharedCodeServer();
    browser = await browserOfRun();
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

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
      // Seen once in seven runs: the filtered Output view showed no line in 20 s; keep a picture of it.
      const activationLine = (await outputLines(page, 'activated in').catch(async (err: unknown) => {
        await screenshot(page, 'failed-activation-output');
        throw err;
      })).replace(/\u00a0/g, ' ');
      const activation = /activated in ([\d.]+) ms \(native modules loaded: (\w+)\)/.exec(activationLine);
      assert.ok(activation, `activation line in output:\n${activationLine}`);
      assert.equal(activation[2], 'none', 'no native module loaded at activation');
      // "all required checks passed" above includes the sqlite check: better-sqlite3 loaded in the extension host.
      writeFileSync(join(OUTPUT, 'activation-ms.txt'), `${activation[1]}\n`);
      console.log(`      activation in real VS Code: ${activation[1]} ms`);
      await screenshot(page, '03-output');
    });

    it('exports the pipeline to GitHub Actions from the palette: the workflow is written and opened', async () => {
      await runCommand(page, 'Sextant: Export Pipeline…');
      const option = page.locator('.quick-input-list .monaco-list-row', { hasText: 'GitHub Actions' }).first();
      await option.waitFor({ timeout: 20_000 });
      await option.click();
      await page.locator('.tabs-container .tab', { hasText: 'sextant.yml' }).first().waitFor({ timeout: 30_000 });
      const workflow = readFileSync(join(demo, '.github', 'workflows', 'sextant.yml'), 'utf8');
      assert.match(workflow, /sextant lint/);
      assert.match(workflow, /sextant run/);
      await screenshot(page, '03b-export-github-actions');
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
      const at = text.indexOf('[evaluat]') + 1;
      const line = text.slice(0, at).split('\n').length;
      const column = at - text.lastIndexOf('\n', at - 1);
      writeFileSync(join(demo, 'typo.sextant.yaml'), text);
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      // open it at the typo's line, so the line is rendered
      await input.fill(`typo.sextant.yaml:${line}`);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'typo.sextant.yaml' }).first().waitFor({ timeout: 20_000 });
      await page.keyboard.press('Enter');
      // the squiggle lies under the misspelt name itself: an error decoration covering the text "evaluat" of that line
      await waitForSquiggle(page, 'evaluat', ']', 60_000);
      await screenshot(page, '07-squiggle');
      await runCommand(page, 'View: Focus Problems');
      // a Problems entry naming the mistake, at its line and column
      const entry = page.locator('.part.panel .markers-panel .monaco-list-row', { hasText: 'Stage "evaluat" is not defined' });
      await entry.first().waitFor({ timeout: 20_000 });
      const row = (await entry.first().innerText()).replace(/\s+/g, ' ');
      assert.match(row, /Did you mean "evaluate"\?/, 'the message suggests the stage name');
      assert.ok(row.includes(`Ln ${line}, Col ${column}`), `at line ${line}, column ${column}: ${row}`);
      await screenshot(page, '08-problems');
    });

    it('reads the store where sextant.storePath says, at once when the setting changes', async () => {
      const experiments = pane(page, 'Experiments');
      const runRow = experiments.locator('.monaco-list-row', { hasText: 'penguins' }).first();
      await runRow.waitFor({ timeout: 30_000 });
      mkdirSync(join(demo, '.vscode'), { recursive: true });
      const settings = join(demo, '.vscode', 'settings.json');
      // a store that does not exist yet: the views show their "nothing recorded" welcome
      writeFileSync(settings, JSON.stringify({ 'sextant.storePath': 'elsewhere/runs.db' }));
      await experiments.locator('.welcome-view-content', { hasText: 'No experiments recorded yet' }).first().waitFor({ timeout: 30_000 });
      await pane(page, 'Models').locator('.welcome-view-content', { hasText: 'No registered models yet' }).first().waitFor({ timeout: 30_000 });
      await screenshot(page, '09-store-setting-elsewhere');
      assert.ok(!existsSync(join(demo, 'elsewhere')), 'reading a store that is not there creates nothing');
      // back to the default store: its runs again
      writeFileSync(settings, JSON.stringify({}));
      await runRow.waitFor({ timeout: 30_000 });
      await pane(page, 'Models').locator('.monaco-list-row', { hasText: 'penguin-species' }).first().waitFor({ timeout: 30_000 });
    });
  });

  describe('the compare panel (a webview)', () => {
    it('opens from two runs selected in the Experiments view, and draws their table and curves inside VS Code', async () => {
      const folder = join(scratch, 'compare');
      mkdirSync(folder, { recursive: true });
      compareFixture(folder).tracker.close();
      const page = await openWorkspace(browser, server.url, folder);
      try {
        await showSextant(page);
        const experiments = pane(page, 'Experiments');
        const row = (name: string) => experiments.locator('.monaco-list-row', { hasText: name }).first();
        const t0 = Date.now();
        await row('churn').waitFor({ timeout: 30_000 });
        await expandUntil(page, row('churn'), row('baseline'), 'the churn experiment never showed its run baseline');
        console.log(`      runs shown ${Date.now() - t0} ms after the Sextant container`);
        // A webview is an iframe.webview whose content sits in a nested iframe#active-frame (TESTING.md).
        const panel = page.frameLocator('iframe.webview').frameLocator('#active-frame');
        const item = page.locator('.monaco-menu .action-item', { hasText: 'Compare Selected Runs' }).first();
        // The view refreshes once more after the workspace state is read, which closes an open context menu;
        // VS Code also ignores a click on a menu that has only just opened. So: select, open the selection's
        // context menu (the palette hides the command: it needs the view's selection), wait, click, and try
        // the whole gesture again when no panel came of it.
        for (let attempt = 1; ; attempt++) {
          await row('baseline').click();
          await row('wide-lr').click({ modifiers: ['Control'] });
          await row('wide-lr').click({ button: 'right' });
          await item.waitFor({ timeout: 10_000 });
          await page.waitForTimeout(400);
          await item.click().catch(() => undefined);
          const opened = await panel.locator('table.compare').waitFor({ timeout: 20_000 }).then(() => true, () => false);
          if (opened) {
            if (attempt > 1) console.log(`      Compare Selected Runs opened the panel on try ${attempt}`);
            break;
          }
          if (attempt === 3) throw new Error('Compare Selected Runs opened no panel in 3 tries');
          await page.keyboard.press('Escape');
        }
        assert.deepEqual((await panel.locator('tr[data-key="lr"] td').allInnerTexts()).sort(), ['0.01', '0.1']);
        await panel.locator('figure.chart canvas').first().waitFor({ timeout: 30_000 });
        assert.equal(await panel.locator('figure.chart canvas').count(), 2, 'loss and val_acc');
        // The tab names the runs, not their ids.
        await page.locator('.tabs-container .tab', { hasText: /Compare: (baseline ↔ wide-lr|wide-lr ↔ baseline)/ }).first().waitFor({ timeout: 20_000 });
        await screenshot(page, '10-compare-panel');
      } catch (err) {
        await screenshot(page, 'failed-compare-panel');
        await runCommand(page, 'Sextant: Show Output').catch(() => undefined);
        await page.waitForTimeout(1500);
        await screenshot(page, 'failed-compare-panel-output');
        throw err;
      } finally {
        await page.close();
      }
    });
  });

  describe('the Experiments view, live', () => {
    it('shows a run another process starts under an expanded experiment, without a refresh', async () => {
      const folder = join(scratch, 'live');
      mkdirSync(folder, { recursive: true });
      compareFixture(folder).tracker.close();
      const page = await openWorkspace(browser, server.url, folder);
      const tracker = Tracker.open(workspaceLayout(folder));
      assert.ok(tracker.ok, tracker.ok ? '' : tracker.error.message);
      try {
        await showSextant(page);
        const experiments = pane(page, 'Experiments');
        const row = (name: string) => experiments.locator('.monaco-list-row', { hasText: name }).first();
        await row('churn').waitFor({ timeout: 30_000 });
        await expandUntil(page, row('churn'), row('baseline'), 'the churn experiment never showed its run baseline');
        // A script in another process (this test) starts a run and logs into it; the run stays running.
        const started = Date.now();
        const run = tracker.value.startRun({ experiment: 'churn', name: 'live-script', params: { lr: 0.3 } });
        assert.ok(run.ok);
        const logged = tracker.value.logMetrics(run.value.id, [0, 1, 2].map((step) => ({ key: 'loss', step, value: 1 / (step + 1) })));
        assert.ok(logged.ok);
        await row('live-script').waitFor({ timeout: 20_000 });
        console.log(`      new run shown ${Date.now() - started} ms after its first write (experiment expanded)`);
        assert.equal(await row('churn').getAttribute('aria-expanded'), 'true', 'the experiment stayed expanded');
        await screenshot(page, '12-live-run');
        assert.ok(tracker.value.finishRun(run.value.id, 'finished', 0).ok);
      } finally {
        tracker.value.close();
        await page.close();
      }
    });

    it('shows the filter above the rows, where the toolbar cannot hide it; Clear Run Filter removes it', async () => {
      const folder = join(scratch, 'filtered');
      mkdirSync(folder, { recursive: true });
      compareFixture(folder).tracker.close();
      const page = await openWorkspace(browser, server.url, folder);
      try {
        await showSextant(page);
        const experiments = pane(page, 'Experiments');
        await experiments.locator('.monaco-list-row', { hasText: 'churn' }).first().waitFor({ timeout: 30_000 });
        // The palette can miss a command while the workbench is still busy starting (seen at load 20): once more.
        await runCommand(page, 'Sextant: Filter Runs…').catch(async () => {
          await page.keyboard.press('Escape');
          await runCommand(page, 'Sextant: Filter Runs…');
        });
        await page.locator('.quick-input-widget input').fill('experiment=churn lr>0');
        await page.keyboard.press('Enter');
        const message = experiments.locator('.message', { hasText: 'Filter: experiment=churn lr>0' });
        await message.waitFor({ state: 'visible', timeout: 20_000 });
        assert.match(await message.innerText(), /^Filter: experiment=churn lr>0 · 2 of \d+ runs · Clear Run Filter \(toolbar\) shows all$/);
        // All of it on screen: under the view's header (not beside the title, under its buttons) and not cut off.
        const box = (await message.boundingBox())!;
        const header = (await experiments.locator('.pane-header').boundingBox())!;
        assert.ok(box.y >= header.y + header.height - 1, `the message (y ${box.y}) is below the header (${header.y}+${header.height})`);
        const clipped = await message.evaluate((el) => (el as unknown as { scrollWidth: number; clientWidth: number }).scrollWidth > (el as unknown as { clientWidth: number }).clientWidth + 1);
        assert.equal(clipped, false, 'the message is not cut off');
        await screenshot(page, '13-filter-message');
        await runCommand(page, 'Sextant: Clear Run Filter');
        await message.waitFor({ state: 'hidden', timeout: 20_000 });
        await experiments.locator('.monaco-list-row', { hasText: 'penguins' }).first().waitFor({ timeout: 20_000 });
      } finally {
        await page.close();
      }
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
      // the view has no children, so its welcome content shows, with the button that moves the store aside
      const welcome = experiments.locator('.welcome-view-content', { hasText: 'not a SQLite database or is damaged' });
      await welcome.first().waitFor({ timeout: 30_000 });
      await welcome.locator('.monaco-button', { hasText: 'Move Store Aside' }).first().waitFor({ timeout: 10_000 });
      assert.equal(await experiments.locator('.monaco-list-row').count(), 0, 'no rows in the view');
      await pane(page, 'Models').locator('.welcome-view-content', { hasText: 'The store could not be opened' }).first().waitFor({ timeout: 30_000 });
      await screenshot(page, '05-corrupt-store');
      await page.close();
      assert.equal(readFileSync(join(broken, '.sextant', 'sextant.db'), 'utf8'), junk);
    });
  });

  describe('the Models view, live', () => {
    it('shows an alias another process sets (sextant models promote in a terminal), without a refresh', async () => {
      const folder = join(scratch, 'models-live');
      const sextant = (...args: string[]): Buffer => execFileSync(process.execPath, [join(ROOT, 'bin', 'sextant.js'), ...args], { cwd: folder, stdio: 'pipe' });
      execFileSync(process.execPath, [join(ROOT, 'bin', 'sextant.js'), 'init', folder], { stdio: 'pipe' });
      sextant('run');
      const page = await openWorkspace(browser, server.url, folder);
      try {
        await showSextant(page);
        const models = pane(page, 'Models');
        await models.locator('.monaco-list-row', { hasText: '@staging' }).first().waitFor({ timeout: 30_000 });
        const started = Date.now();
        sextant('models', 'promote', 'penguin-species@1', '--alias', 'production');
        await models.locator('.monaco-list-row', { hasText: '@production' }).first().waitFor({ timeout: 15_000 });
        console.log(`      alias shown ${Date.now() - started} ms after the command`);
        await screenshot(page, '13-models-live-alias');
      } catch (err) {
        await screenshot(page, 'failed-models-live');
        throw err;
      } finally {
        await page.close();
      }
    });
  });

  describe('the model card (a webview)', () => {
    it('opens a model card from the Models view', async () => {
      // The demo pipeline run once by the CLI: penguin-species v1, @staging.
      const folder = join(scratch, 'model-card');
      execFileSync(process.execPath, [join(ROOT, 'bin', 'sextant.js'), 'init', folder], { stdio: 'pipe' });
      execFileSync(process.execPath, [join(ROOT, 'bin', 'sextant.js'), 'run'], { cwd: folder, stdio: 'pipe' });
      const page = await openWorkspace(browser, server.url, folder);
      try {
        await showSextant(page);
        const version = pane(page, 'Models').locator('.monaco-list-row', { hasText: '@staging' }).first();
        await version.waitFor({ timeout: 30_000 });
        const panel = page.frameLocator('iframe.webview').frameLocator('#active-frame');
        // A click on the version runs its TreeItem.command; a refresh of the view can swallow the first click.
        for (let attempt = 1; ; attempt++) {
          await version.click();
          const opened = await panel.locator('table.signature').waitFor({ timeout: 20_000 }).then(() => true, () => false);
          if (opened) break;
          if (attempt === 3) throw new Error('a click on penguin-species v1 opened no model card in 3 tries');
        }
        await page.locator('.tabs-container .tab', { hasText: 'Model penguin-species v1' }).first().waitFor({ timeout: 20_000 });
        assert.deepEqual(await panel.locator('table.signature tr[data-name="input"] > *').allInnerTexts(), ['input', 'input', 'float32', '[N, 4]']);
        assert.deepEqual(await panel.locator('h1 .badge').allInnerTexts(), ['@staging']);
        await screenshot(page, '11-model-card');
      } catch (err) {
        await screenshot(page, 'failed-model-card');
        throw err;
      } finally {
        await page.close();
      }
    });
  });
});
