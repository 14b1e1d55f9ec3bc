// The compare panel's page in headless Chromium, outside VS Code: the same HTML the extension builds
// (src/webviews/html.ts, its CSP enforced), the built bundle (dist/webviews/compare.js), a stand-in for
// acquireVsCodeApi that records what the page posts and keeps its state, and the extension's message built
// from a real store (src/webviews/compare/data.ts). Screenshots in light, dark and high-contrast themes land
// in test-output/webviews/: look at them.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildCompareData } from '../../src/webviews/compare/data';
import type { CompareData, HostMessage } from '../../src/webviews/compare/protocol';
import { compareFixture } from '../support/compareFixture';
import { openPanelPage, postedByPage, sendToPage, type Theme } from '../support/webviewPage';
import { launchBrowser } from './workbench';

const ROOT = join(__dirname, '..', '..');
const OUTPUT = join(ROOT, 'test-output', 'webviews');

describe('compare panel in Chromium (the page alone, real data from the engine)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let data: CompareData;
  /** Two training runs alone: layers and seed are the same, lr differs. */
  let pair: CompareData;
  let names: string[];
  const scratch = mkdtempSync(join(tmpdir(), 'sextant-webview-'));

  before(async () => {
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'pipe' });
    mkdirSync(OUTPUT, { recursive: true });
    const fx = compareFixture(scratch);
    const built = buildCompareData(fx.tracker, [fx.ids.baseline, fx.ids.wide, fx.ids.pipeline]);
    const two = buildCompareData(fx.tracker, [fx.ids.baseline, fx.ids.wide]);
    fx.tracker.close();
    if (!built.ok) throw new Error(built.message);
    if (!two.ok) throw new Error(two.message);
    data = built.value;
    pair = two.value;
    names = data.runs.map((r) => r.name);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const openPage = (theme: Theme = 'dark'): Promise<{ page: Page; problems: string[] }> => openPanelPage(browser, 'compare', theme);
  const send = (page: Page, message: HostMessage | unknown): Promise<void> => sendToPage(page, message);
  const posted = (page: Page): Promise<unknown[]> => postedByPage(page);

  it('says it is ready, then shows params and latest metrics side by side, differing rows marked, one uPlot chart per metric', async () => {
    const { page, problems } = await openPage('dark');
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    await send(page, { type: 'data', data });
    await page.waitForSelector('table.compare');
    assert.deepEqual(await page.locator('table.compare thead th').evaluateAll((ths) => ths.slice(1).map((th) => th.childNodes[1]?.textContent)), names);
    assert.equal(await page.title(), `Compare: ${names.join(' ↔ ')}`);
    const row = (key: string) => page.locator(`tbody[data-section="Params"] tr[data-key="${key}"]`);
    assert.deepEqual(await row('lr').locator('td').allInnerTexts(), ['0.01', '0.1', '0.05']);
    assert.equal(await row('lr').getAttribute('class'), 'differs');
    assert.deepEqual(await row('max_depth').locator('td').allInnerTexts(), ['–', '–', '4']);
    const metric = (key: string) => page.locator(`tbody[data-section="Metrics (latest value)"] tr[data-key="${key}"] td`);
    assert.deepEqual(await metric('score').allInnerTexts(), ['–', '–', 'NaN']);
    assert.equal((await metric('loss').allInnerTexts()).length, 3);
    // One chart per metric key, each a uPlot canvas, with a legend entry per run that logged it.
    await page.waitForSelector('figure.chart canvas');
    assert.deepEqual(await page.locator('figure.chart').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-key'))), ['loss', 'score', 'val_acc']);
    // score is NaN only: its figure says so instead of drawing an empty chart.
    assert.equal(await page.locator('figure.chart canvas').count(), 2);
    assert.equal(await page.locator('figure.chart[data-key="score"] canvas').count(), 0);
    assert.match(await page.locator('figure.chart[data-key="score"]').innerText(), /No finite value to draw for pipeline 12:00/);
    assert.match(await page.locator('figure.chart[data-key="loss"] figcaption').innerText(), /up to 2,000 points per run, drawn as 500 bucket means/);
    const legend = await page.locator('figure.chart[data-key="loss"] .hover-legend li[data-run] .name').allInnerTexts();
    assert.deepEqual(legend, names);
    assert.match(await page.locator('figure.chart[data-key="val_acc"] figcaption').innerText(), /not logged by pipeline 12:00/);
    assert.deepEqual(problems, [], 'no CSP violation, no script error');
    await page.screenshot({ path: join(OUTPUT, 'compare-dark.png'), fullPage: true });
    await page.close();
  });

  for (const theme of ['light', 'high-contrast'] as const) {
    it(`draws in the ${theme} theme from the theme's variables`, async () => {
      const { page, problems } = await openPage(theme);
      await send(page, { type: 'data', data });
      await page.waitForSelector('figure.chart canvas');
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(bg, theme === 'light' ? 'rgb(255, 255, 255)' : 'rgb(0, 0, 0)');
      assert.deepEqual(problems, []);
      await page.screenshot({ path: join(OUTPUT, `compare-${theme}.png`), fullPage: true });
      await page.close();
    });
  }

  it('shows only the rows that differ when asked, and keeps that and the data across a reload (setState)', async () => {
    const { page } = await openPage('dark');
    await send(page, { type: 'data', data: pair });
    await page.waitForSelector('table.compare');
    assert.ok(await page.locator('tr[data-key="seed"]').isVisible());
    await page.getByLabel('Show only rows that differ').check();
    assert.equal(await page.locator('tr[data-key="seed"]').isVisible(), false);
    assert.ok(await page.locator('tr[data-key="lr"]').isVisible());
    await page.screenshot({ path: join(OUTPUT, 'compare-only-differing.png'), fullPage: true });
    // Hidden and shown again (retainContextWhenHidden off): the page reloads and renders from its state before the host answers.
    await page.reload();
    await page.waitForSelector('table.compare');
    assert.ok(await page.getByLabel('Show only rows that differ').isChecked());
    assert.equal(await page.locator('tr[data-key="seed"]').isVisible(), false);
    const state = await page.evaluate(() => JSON.parse(sessionStorage.getItem('state')!) as { runIds: string[] });
    assert.deepEqual(state.runIds, pair.runs.map((r) => r.id));
    await page.close();
  });

  it('is keyboard navigable: one tab stop into the table, arrows move between cells', async () => {
    const { page } = await openPage('dark');
    await send(page, { type: 'data', data });
    await page.waitForSelector('table.compare');
    await page.getByLabel('Show only rows that differ').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'TH');
    await page.keyboard.press('ArrowRight');
    assert.match(await page.evaluate(() => document.activeElement?.textContent ?? ''), /^baseline/);
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Params', 'the section heading, across the table');
    await page.keyboard.press('ArrowDown');
    // Rows that differ first (alphabetical): layers differs because the pipeline run has none. Down keeps to the baseline column.
    assert.deepEqual(await page.evaluate(() => [document.activeElement?.closest('tr')?.getAttribute('data-key'), document.activeElement?.textContent]), ['layers', '2']);
    await page.keyboard.press('ArrowDown');
    assert.deepEqual(await page.evaluate(() => [document.activeElement?.closest('tr')?.getAttribute('data-key'), document.activeElement?.textContent]), ['lr', '0.01']);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-key')), 'loss', 'the charts are the next tab stops');
    await page.close();
  });

  it('says plainly what is wrong: an error from the host, a message outside the contract, runs with no metrics', async () => {
    const { page, problems } = await openPage('dark');
    await send(page, { type: 'error', message: 'The store could not be read: disk I/O error' });
    assert.match(await page.locator('[role="alert"]').innerText(), /disk I\/O error/);
    await send(page, { type: 'data', data: { runs: 'nope' } });
    assert.match(await page.locator('[role="alert"]').innerText(), /cannot show/);
    assert.ok((await posted(page)).some((m) => (m as { type: string }).type === 'invalid'), 'the page tells the host');
    const bare = { runs: data.runs.map((r) => ({ ...r, metrics: {}, scalars: {} })), missing: ['f'.repeat(32)], series: [], directions: {} };
    await send(page, { type: 'data', data: bare });
    await page.waitForSelector('table.compare');
    assert.match(await page.locator('section.charts').innerText(), /logged no metric points/);
    assert.match(await page.locator('main').innerText(), /Not in the store any more: ffffffff/);
    await page.screenshot({ path: join(OUTPUT, 'compare-no-metrics.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });
});
