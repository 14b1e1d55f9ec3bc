// The drift report's page in headless Chromium, outside VS Code (test/support/webviewPage.ts: the extension's
// HTML with its CSP, the built bundle dist/webviews/drift.js, a stand-in for acquireVsCodeApi), sent what the
// host builds with the drift engine from generated CSV files: the verdict, the columns table and its sort
// (by click and by keyboard), the drifted-only switch, a chart per tested column (bins or category bars),
// what could not be tested, and the choices kept across a reload. Screenshots in
// test-output/webviews/drift-*.png: look at them.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { compareWithHistograms } from '../../src/engine/drift/histograms';
import { driftPanelData } from '../../src/webviews/drift/data';
import type { DriftPanelData } from '../../src/webviews/drift/protocol';
import { writeDriftCsv } from '../unit/driftData';
import { openPanelPage, postedByPage, sendToPage, waitForPosted, type Theme } from '../support/webviewPage';
import { distOfRun } from './distOfRun';
import { browserOfRun } from './workbench';

const ROOT = join(__dirname, '..', '..');
const OUTPUT = join(ROOT, 'test-output', 'webviews');

describe('drift report in Chromium (the page alone, data from the drift engine)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let data: DriftPanelData;
  const scratch = mkdtempSync(join(tmpdir(), 'sextant-drift-page-'));

  before(async () => {
    distOfRun();
    mkdirSync(OUTPUT, { recursive: true });
    writeDriftCsv(join(scratch, 'reference.csv'), { rows: 400, shift: 0, seed: 1, side: 'reference', untestable: true });
    writeDriftCsv(join(scratch, 'live.csv'), { rows: 300, shift: 1, seed: 3, side: 'current', untestable: true });
    const compared = compareWithHistograms(join(scratch, 'reference.csv'), join(scratch, 'live.csv'));
    assert.ok(compared.ok);
    data = driftPanelData({ reference: { file: join(scratch, 'reference.csv'), label: 'reference' }, current: { file: join(scratch, 'live.csv'), label: 'live' } }, compared.value, 7);
    browser = await browserOfRun();
  });

  after(async () => {
    rmSync(scratch, { recursive: true, force: true });
  });

  const openPage = (theme: Theme = 'dark'): Promise<{ page: Page; problems: string[] }> => openPanelPage(browser, 'drift', theme, { width: 1100, height: 1300 });
  const rowNames = (page: Page): Promise<string[]> => page.locator('table.columns tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-column') ?? ''));

  it('shows the verdict and share, a row and a chart per tested column, and what could not be tested', async () => {
    const { page, problems } = await openPage('dark');
    await waitForPosted(page, 'ready');
    await sendToPage(page, { type: 'data', data });
    await page.waitForSelector('table.columns');
    assert.equal(await page.title(), 'Drift: live vs reference');
    assert.equal(await page.locator('.verdict').getAttribute('data-verdict'), 'drift');
    assert.equal(await page.locator('.verdict-title').innerText(), 'Dataset drift detected');
    assert.equal(await page.locator('.verdict .share').innerText(), '50.0%');
    assert.match(await page.locator('.verdict-detail').innerText(), /^2 of 4 tested columns drifted \(50\.0%\); the dataset drifts when 50\.0% or more do\.$/);
    assert.deepEqual(await rowNames(page), ['age', 'income', 'plan', 'churned']);
    const age = await page.locator('tr[data-column="age"] td').allInnerTexts();
    assert.equal(age[0], 'numeric');
    assert.equal(age[1], 'Kolmogorov–Smirnov (ks)');
    assert.match(age[3]!, /^p = \d/);
    assert.deepEqual([age[4], age[5]], ['< 0.05', 'drift']);
    assert.equal((await page.locator('tr[data-column="income"] td').allInnerTexts())[5], 'no drift');
    // A chart per tested column: bins for the numbers, bars for the categories, both sides drawn.
    for (const [column, kind] of [['age', 'bins'], ['income', 'bins'], ['plan', 'categories'], ['churned', 'categories']] as const) {
      const card = page.locator(`figure.card[data-column="${column}"]`);
      assert.equal(await card.getAttribute('data-kind'), kind, column);
      assert.ok((await card.locator('rect.bar.ref').count()) > 0 && (await card.locator('rect.bar.cur').count()) > 0, `${column}: both sides drawn`);
    }
    assert.equal(await page.locator('figure.card[data-column="age"] rect.bar.ref').count(), data.histograms.find((x) => x.column === 'age')!.reference.filter((v) => v > 0).length);
    const plan = data.histograms.find((x) => x.column === 'plan');
    assert.ok(plan?.kind === 'categories');
    assert.deepEqual(await page.locator('figure.card[data-column="plan"] text.label').evaluateAll((els) => els.map((e) => e.firstChild?.textContent)), plan.labels, 'the labels, most frequent first');
    const notTested = await page.locator('.not-tested li').allInnerTexts();
    assert.equal(notTested.length, 2);
    assert.match(notTested.find((t) => t.startsWith('notes'))!, /^notes: only in the reference file \(.*reference\.csv\)$/);
    assert.match(notTested.find((t) => t.startsWith('coupon'))!, /^coupon: every value is missing in the current file$/);
    assert.deepEqual(problems, [], 'no CSP violation, no script error');
    await page.screenshot({ path: join(OUTPUT, 'drift-dark.png'), fullPage: true });
    await page.close();
  });

  it('sorts by a header (click, then Enter on the focused header), filters to drifted columns, and keeps both across a reload', async () => {
    const { page, problems } = await openPage('light');
    await sendToPage(page, { type: 'data', data });
    await page.waitForSelector('table.columns');
    await page.locator('th[data-key="p_value"]').click();
    assert.equal(await page.locator('th[data-key="p_value"]').getAttribute('aria-sort'), 'ascending');
    const byP = [...data.columns].sort((a, b) => a.p_value! - b.p_value!).map((c) => c.column);
    assert.deepEqual(await rowNames(page), byP);
    // Keyboard: the header keeps focus after a sort; Enter sorts the other way.
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-key')), 'p_value');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('th[data-key="p_value"]').getAttribute('aria-sort'), 'descending');
    assert.deepEqual(await rowNames(page), [...byP].reverse());
    // Arrow keys move along the header row; Space sorts by the column reached.
    await page.keyboard.press('Home');
    await page.keyboard.press('Space');
    assert.equal(await page.locator('th[data-key="column"]').getAttribute('aria-sort'), 'ascending');
    assert.deepEqual(await rowNames(page), ['age', 'churned', 'income', 'plan']);

    await page.locator('vscode-checkbox.drifted-only').click();
    assert.deepEqual(await rowNames(page), ['age', 'plan']);
    assert.deepEqual(await page.locator('figure.card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-column'))), ['age', 'plan'], 'the charts follow the filter');
    await page.screenshot({ path: join(OUTPUT, 'drift-light.png'), fullPage: true });

    // Hidden and shown again: the page renders from its saved state before the host answers.
    await page.reload();
    await page.waitForSelector('table.columns');
    assert.deepEqual(await rowNames(page), ['age', 'plan']);
    assert.ok(await page.locator('vscode-checkbox.drifted-only').evaluate((el) => (el as HTMLElement & { checked: boolean }).checked));

    await page.locator('vscode-button', { hasText: 'Compare Again' }).click();
    assert.ok((await postedByPage(page)).some((m) => (m as { type: string }).type === 'refresh'));
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('nothing testable: says so, and lists why for each column; a message it cannot use is reported to the host', async () => {
    const { page, problems } = await openPage('dark');
    const untested: DriftPanelData = { ...data, columns: [], histograms: [], datasetDrift: false, driftShare: 0, notTested: [{ column: 'age', reason: 'the reference has 1 value: too few to compare a distribution with' }], warnings: [] };
    await sendToPage(page, { type: 'data', data: untested });
    await page.waitForSelector('.verdict');
    assert.equal(await page.locator('.verdict').getAttribute('data-verdict'), 'untested');
    assert.equal(await page.locator('.verdict-title').innerText(), 'No column could be tested');
    assert.deepEqual(await page.locator('.not-tested li').allInnerTexts(), ['age: the reference has 1 value: too few to compare a distribution with']);
    assert.equal(await page.locator('figure.card').count(), 0);
    await sendToPage(page, { type: 'data', data: { ...data, columns: 'nope' } });
    await waitForPosted(page, 'invalid');
    assert.match(await page.locator('.note.error').innerText(), /could not use what it was sent/);
    await sendToPage(page, { type: 'error', message: '/data/live.csv:3: row 3 has 1 field, the header has 2.' });
    assert.equal(await page.locator('.note.error').innerText(), '/data/live.csv:3: row 3 has 1 field, the header has 2.');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
