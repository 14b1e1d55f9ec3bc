// The compare panel's page in headless Chromium, outside VS Code: the same HTML the extension builds
// (src/webviews/html.ts, its CSP enforced), the built bundle (dist/webviews/compare.js), a stand-in for
// acquireVsCodeApi that records what the page posts and keeps its state, and the extension's message built
// from a real store (src/webviews/compare/data.ts). Screenshots in light, dark and high-contrast themes land
// in test-output/webviews/: look at them.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Tracker } from '../../src/engine/tracking/tracking';
import { buildCompareData } from '../../src/webviews/compare/data';
import { exportContent } from '../../src/webviews/compare/exportContent';
import { PageMessageSchema, type CompareData, type ExportRequest, type HostMessage, type PageState } from '../../src/webviews/compare/protocol';
import { awkwardFixture, compareFixture, type CompareFixture } from '../support/compareFixture';
import { openPanelPage, postedByPage, sendToPage, waitForPosted, type Theme } from '../support/webviewPage';
import { distOfRun } from './distOfRun';
import { browserOfRun } from './workbench';

const ROOT = join(__dirname, '..', '..');
const OUTPUT = join(ROOT, 'test-output', 'webviews');

describe('compare panel in Chromium (the page alone, real data from the engine)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let data: CompareData;
  /** Two training runs alone: layers and seed are the same, lr differs. */
  let pair: CompareData;
  let names: string[];
  let fx: CompareFixture;
  /** A run still logging: its curve read at 1,000 steps, then at 1,500 (real reads of the store, as a refresh sends them). */
  let live: { before: CompareData; after: CompareData };
  /** Runs with NaN/±Infinity points, no metric in common, and one without any point. */
  let awkward: CompareData;
  let odd: { tracker: Tracker };
  const scratch = mkdtempSync(join(tmpdir(), 'sextant-webview-'));

  before(async () => {
    distOfRun();
    mkdirSync(OUTPUT, { recursive: true });
    fx = compareFixture(scratch);
    const built = buildCompareData(fx.tracker, [fx.ids.baseline, fx.ids.wide, fx.ids.pipeline]);
    const two = buildCompareData(fx.tracker, [fx.ids.baseline, fx.ids.wide]);
    if (!built.ok) throw new Error(built.message);
    if (!two.ok) throw new Error(two.message);
    data = built.value;
    pair = two.value;
    const running = fx.tracker.startRun({ experiment: 'churn', name: 'live', params: { lr: 0.03, layers: 2, seed: 7 } });
    if (!running.ok) throw new Error(running.error.message);
    const log = (from: number, to: number): CompareData => {
      const points = Array.from({ length: to - from }, (_, i) => ({ key: 'loss', step: from + i, value: Math.exp(-0.003 * (from + i)) + 0.04 }));
      if (!fx.tracker.logMetrics(running.value.id, points).ok || !fx.tracker.flush().ok) throw new Error('could not log');
      const read = buildCompareData(fx.tracker, [fx.ids.baseline, running.value.id]);
      if (!read.ok) throw new Error(read.message);
      return read.value;
    };
    live = { before: log(0, 1000), after: log(1000, 1500) };
    const awk = awkwardFixture(mkdtempSync(join(scratch, 'odd-')));
    odd = awk;
    const a = buildCompareData(awk.tracker, [awk.ids.noisy, awk.ids.other, awk.ids.silent]);
    if (!a.ok) throw new Error(a.message);
    awkward = a.value;
    names = data.runs.map((r) => r.name);
    browser = await browserOfRun();
  });

  after(async () => {
    fx?.tracker.close();
    odd?.tracker.close();
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

  // Helpers for the controls: the toolkit's elements, as a user works them.
  const chooseOption = async (page: Page, label: string, option: string): Promise<void> => {
    await page.locator(`vscode-dropdown[aria-label="${label}"]`).click();
    await page.locator(`vscode-dropdown[aria-label="${label}"] vscode-option`, { hasText: option }).click();
  };
  const setSmoothing = (page: Page, value: number): Promise<void> =>
    page.getByLabel('Smoothing').evaluate((el, v) => {
      (el as HTMLInputElement).value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, value);
  const savedState = (page: Page): Promise<PageState> => page.evaluate(() => JSON.parse(sessionStorage.getItem('state')!) as PageState);
  const legendValues = (page: Page, key: string): Promise<string[]> => page.locator(`figure.chart[data-key="${key}"] .hover-legend li[data-run] .value`).allInnerTexts();
  /** Moves the mouse to a fraction of the width of a chart's plot area. */
  const hover = async (page: Page, key: string, fraction: number): Promise<void> => {
    const box = (await page.locator(`figure.chart[data-key="${key}"] .u-over`).boundingBox())!;
    await page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2);
  };
  const posts = async (page: Page, type: string): Promise<unknown[]> => (await posted(page)).filter((m) => (m as { type: string }).type === type);

  it('hovering shows every run’s value at that x, in every chart at once (a legend entry per run)', async () => {
    const { page, problems } = await openPage('dark');
    await send(page, { type: 'data', data });
    await page.waitForSelector('figure.chart[data-key="loss"] canvas');
    assert.deepEqual(await legendValues(page, 'loss'), ['–', '–', '–']);
    await hover(page, 'loss', 0.5);
    await page.waitForFunction(() => !document.querySelector('figure.chart[data-key="loss"] .at-row')?.textContent?.startsWith('Hover'));
    const at = await page.locator('figure.chart[data-key="loss"] .at-row').innerText();
    const step = Number(/^step ([\d.]+)/.exec(at)?.[1]);
    assert.ok(step > 800 && step < 1200, at);
    const loss = await legendValues(page, 'loss');
    // baseline and wide-lr at that step, from the curves they logged (bucket means near exp(-r·step) + 0.05); the pipeline's 4 steps end long before.
    assert.ok(Math.abs(Number(loss[0]) - (Math.exp(-0.002 * step) + 0.05)) < 0.01, `baseline ${loss[0]} at step ${step}`);
    assert.ok(Math.abs(Number(loss[1]) - (Math.exp(-0.006 * step) + 0.05)) < 0.01, `wide-lr ${loss[1]} at step ${step}`);
    assert.equal(loss[2], '–');
    // The cursor is synced: val_acc's legend shows the same step's values without the mouse over it.
    assert.match(await page.locator('figure.chart[data-key="val_acc"] .at-row').innerText(), /^step /);
    assert.ok((await legendValues(page, 'val_acc')).every((v) => Number.isFinite(Number(v))));
    await page.screenshot({ path: join(OUTPUT, 'compare-hover-dark.png'), fullPage: false });
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('smoothing, zoom and hover survive a second data message (the run still logging): same canvas, no flicker, new points drawn', async () => {
    const { page, problems } = await openPage('light');
    await send(page, { type: 'data', data: live.before });
    await page.waitForSelector('figure.chart[data-key="loss"] canvas');
    assert.match(await page.locator('figure.chart[data-key="loss"] figcaption').innerText(), /^loss/);
    await setSmoothing(page, 0.9);
    assert.equal((await savedState(page)).view?.smoothing, 0.9);
    // Drag across the middle of the chart to zoom in on x.
    const box = (await page.locator('figure.chart[data-key="loss"] .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    const zoom = (await savedState(page)).zoom?.loss;
    assert.ok(zoom && zoom[0] > 400 && zoom[1] < 1300 && zoom[0] < zoom[1], `zoomed to ${String(zoom)}`);
    await hover(page, 'loss', 0.5);
    const hovered = await legendValues(page, 'loss');
    assert.match(hovered[1]!, /\(raw /, 'smoothed value with the raw one beside it');
    await page.evaluate(() => ((document.querySelector('figure.chart[data-key="loss"] canvas') as HTMLCanvasElement & { mark?: number }).mark = 1));
    await send(page, { type: 'data', data: live.after });
    await page.waitForFunction(() => document.querySelector('.scalars-wrap tr[data-run] td[data-key="loss"][data-stat="last"]') !== null);
    const kept = await page.evaluate(() => (document.querySelector('figure.chart[data-key="loss"] canvas') as HTMLCanvasElement & { mark?: number }).mark);
    assert.equal(kept, 1, 'the chart was updated in place, not drawn anew');
    const state = await savedState(page);
    assert.deepEqual(state.zoom?.loss, zoom, 'the zoom is kept');
    assert.equal(state.view?.smoothing, 0.9);
    assert.equal(await page.getByLabel('Smoothing').inputValue(), '0.9');
    const after = await legendValues(page, 'loss');
    assert.ok(after.every((v) => v !== '–'), `the hover is kept: ${after.join(' | ')}`);
    // The live run's new last value is in the table.
    const liveRow = page.locator(`.scalars-wrap tr[data-run="${live.after.runs[1]!.id}"] td[data-key="loss"][data-stat="last"]`);
    assert.ok(Math.abs(Number((await liveRow.innerText()).replace(' ★', '')) - (Math.exp(-0.003 * 1499) + 0.04)) < 1e-4);
    // Hidden and shown again: the page reloads from its state, zoomed and smoothed as it was.
    await page.reload();
    await page.waitForSelector('figure.chart[data-key="loss"] canvas');
    assert.deepEqual((await savedState(page)).zoom?.loss, zoom);
    await hover(page, 'loss', 0.01);
    const left = Number(/^step ([\d.]+)/.exec(await page.locator('figure.chart[data-key="loss"] .at-row').innerText())?.[1]);
    assert.ok(left >= zoom[0] - 5 && left < zoom[0] + 50, `the chart starts at the zoom (${left} vs ${zoom[0]})`);
    assert.equal(await page.getByLabel('Smoothing').inputValue(), '0.9');
    // Double-click resets the zoom.
    await page.locator('figure.chart[data-key="loss"] .u-over').dblclick();
    assert.equal((await savedState(page)).zoom?.loss, undefined);
    await page.screenshot({ path: join(OUTPUT, 'compare-smoothed-light.png'), fullPage: false });
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('x by wall-clock time or time since the start, a log scale (values ≤ 0 said), and the choices kept across a reload', async () => {
    const { page, problems } = await openPage('dark');
    await send(page, { type: 'data', data: pair });
    await page.waitForSelector('figure.chart[data-key="loss"] canvas');
    await chooseOption(page, 'X axis of the curves', 'Time since start');
    await page.waitForSelector('figure.chart[data-key="loss"] canvas');
    await hover(page, 'loss', 0.5);
    assert.match(await page.locator('figure.chart[data-key="loss"] .at-row').innerText(), /s since the run started$/);
    await chooseOption(page, 'X axis of the curves', 'Wall-clock time');
    await hover(page, 'loss', 0.4);
    await hover(page, 'loss', 0.5);
    assert.match(await page.locator('figure.chart[data-key="loss"] .at-row').innerText(), /\d{1,2}:\d\d:\d\d/);
    await page.locator('vscode-checkbox', { hasText: 'Log scale' }).click();
    assert.deepEqual((await savedState(page)).view, { x: 'wall', smoothing: 0, log: true });
    // val_acc starts at 0 in both runs: left out on a log scale, and said.
    assert.match(await page.locator('figure.chart[data-key="val_acc"]').innerText(), /2 values ≤ 0 left out on the log scale/);
    await page.screenshot({ path: join(OUTPUT, 'compare-log-time-dark.png'), fullPage: true });
    await page.reload();
    await page.waitForSelector('figure.chart[data-key="loss"] canvas');
    assert.ok(await page.locator('vscode-checkbox', { hasText: 'Log scale' }).evaluate((el) => (el as HTMLElement & { checked: boolean }).checked));
    assert.equal(await page.locator('vscode-dropdown[aria-label="X axis of the curves"]').evaluate((el) => (el as HTMLElement & { value: string }).value), 'wall');
    assert.match(await page.locator('figure.chart[data-key="val_acc"]').innerText(), /left out on the log scale/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`the scalar table (${theme}): last/min/max per run, sorted by a header (click or keyboard), better direction and best run marked`, async () => {
      const { page, problems } = await openPage(theme);
      await send(page, { type: 'data', data });
      await page.waitForSelector('table.scalars');
      const order = (): Promise<string[]> => page.locator('table.scalars tbody th').allInnerTexts();
      assert.deepEqual(await order(), names, 'in the order asked until sorted');
      assert.equal(await page.locator('table.scalars th.metric[data-key="loss"] .direction').innerText(), '↓ lower is better');
      assert.equal(await page.locator('table.scalars th.metric[data-key="val_acc"] .direction').innerText(), '↑ higher is better');
      assert.equal(await page.locator('table.scalars th.metric[data-key="score"] .direction').count(), 0, 'no direction known for score');
      // Best: the lowest last loss (wide-lr, 0.050 against baseline's 0.068 and the pipeline's 0.25), the highest last val_acc (wide-lr).
      const best = await page.locator('table.scalars td.best').evaluateAll((tds) => tds.map((td) => [td.closest('tr')!.querySelector('th')!.textContent, td.getAttribute('data-key')]));
      assert.deepEqual(best, [['wide-lr', 'loss'], ['wide-lr', 'val_acc']]);
      const cell = (run: string, key: string, stat: string) => page.locator(`table.scalars tr[data-run="${run}"] td[data-key="${key}"][data-stat="${stat}"]`);
      assert.equal(await cell(fx.ids.baseline, 'loss', 'max').innerText(), '1.05');
      assert.equal(await cell(fx.ids.pipeline, 'loss', 'min').innerText(), '0.25');
      assert.equal(await cell(fx.ids.pipeline, 'score', 'last').innerText(), 'NaN');
      // Click "last" under loss: better (lower) first.
      await page.locator('table.scalars th[data-sort="loss:last"] button').click();
      assert.deepEqual(await order(), ['wide-lr', 'baseline', 'pipeline 12:00']);
      assert.equal(await page.locator('table.scalars th[data-sort="loss:last"]').getAttribute('aria-sort'), 'ascending');
      // Keyboard: focus stays on the header, Enter sorts the other way; Tab to val_acc's last, Space: higher first, runs without it last.
      await page.keyboard.press('Enter');
      assert.deepEqual(await order(), ['pipeline 12:00', 'baseline', 'wide-lr']);
      assert.equal(await page.locator('table.scalars th[data-sort="loss:last"]').getAttribute('aria-sort'), 'descending');
      for (let i = 0; i < 6; i++) await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.closest('th')?.getAttribute('data-sort')), 'val_acc:last');
      await page.keyboard.press('Space');
      assert.deepEqual(await order(), ['wide-lr', 'baseline', 'pipeline 12:00']);
      assert.deepEqual((await savedState(page)).sort, { key: 'val_acc', stat: 'last', descending: true });
      await page.locator('table.scalars').scrollIntoViewIfNeeded();
      await page.locator('.scalars-wrap').screenshot({ path: join(OUTPUT, `compare-scalars-${theme}.png`) });
      assert.deepEqual(problems, []);
      await page.close();
    });
  }

  it('params → a metric: a numeric param on a numeric axis, a categorical one as categories, a point per run', async () => {
    const { page, problems } = await openPage('dark');
    await send(page, { type: 'data', data });
    await page.waitForSelector('svg.scatter');
    // lr differs in every run (its stage gives the pipeline run one): chosen first, against loss (the first metric with a known direction).
    assert.equal(await page.locator('vscode-dropdown[aria-label="Param on the x axis"]').evaluate((el) => (el as HTMLElement & { value: string }).value), 'lr');
    assert.equal(await page.locator('svg.scatter').getAttribute('data-axis'), 'numeric');
    assert.equal(await page.locator('svg.scatter circle.point').count(), 3);
    const titles = await page.locator('svg.scatter circle.point title').allTextContents();
    assert.ok(titles.includes('wide-lr: lr = 0.1, loss = 0.0500062'), titles.join(' | '));
    // x grows with lr: the points' cx in order of lr 0.01, 0.05, 0.1.
    const cx = await page.locator('svg.scatter circle.point').evaluateAll((cs) => Object.fromEntries(cs.map((c) => [c.getAttribute('data-run'), Number(c.getAttribute('cx'))])));
    assert.ok(cx[fx.ids.baseline]! < cx[fx.ids.pipeline]! && cx[fx.ids.pipeline]! < cx[fx.ids.wide]!);
    await chooseOption(page, 'Metric on the y axis', 'val_acc');
    assert.equal(await page.locator('svg.scatter circle.point').count(), 2);
    assert.match(await page.locator('.scatter-view').innerText(), /Not drawn, no finite val_acc: pipeline 12:00/);
    assert.deepEqual((await savedState(page)).scatter, { param: 'lr', metric: 'val_acc' });
    // A categorical param (real runs, a param named as a user would: optimizer).
    const withOptimizer = { ...data, runs: data.runs.map((r, i) => ({ ...r, params: { ...r.params, optimizer: ['adam', 'sgd', 'adam'][i]! } })) };
    await send(page, { type: 'data', data: withOptimizer });
    await chooseOption(page, 'Metric on the y axis', 'loss');
    await chooseOption(page, 'Param on the x axis', 'optimizer');
    assert.equal(await page.locator('svg.scatter').getAttribute('data-axis'), 'categorical');
    assert.equal(await page.locator('svg.scatter circle.point').count(), 3);
    const columns = await page.locator('svg.scatter circle.point').evaluateAll((cs) => new Set(cs.map((c) => c.getAttribute('cx'))).size);
    assert.equal(columns, 2, 'adam and sgd: two columns');
    await page.locator('.scatter-view').screenshot({ path: join(OUTPUT, 'compare-scatter-dark.png') });
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('exports through the host: the CSV message, whose CSV the host builds from the store; the chart as PNG and SVG', async () => {
    const { page, problems } = await openPage('light');
    await send(page, { type: 'data', data: pair });
    await page.waitForSelector('figure.chart[data-key="loss"] canvas');
    await page.locator('vscode-button', { hasText: 'Runs as CSV' }).click();
    await waitForPosted(page, 'export');
    const [csvRequest] = await posts(page, 'export');
    assert.deepEqual(csvRequest, { type: 'export', format: 'csv', table: 'runs' });
    const checked = PageMessageSchema.parse(csvRequest) as ExportRequest;
    const runIds = pair.runs.map((r) => r.id);
    const csv = exportContent(fx.tracker, runIds, checked);
    assert.ok(csv.ok);
    const rows = Buffer.from(csv.value.bytes).toString('utf8').trimEnd().split('\r\n');
    assert.equal(rows[0], 'run,run_id,experiment,status,layers,lr,seed,loss_last,loss_min,loss_max,val_acc_last,val_acc_min,val_acc_max');
    const baseline = pair.runs[0]!;
    assert.equal(rows[1], ['baseline', baseline.id, 'churn', 'finished', '2', '0.01', '7', baseline.metrics.loss, baseline.scalars.loss!.min, baseline.scalars.loss!.max, baseline.metrics.val_acc, baseline.scalars.val_acc!.min, baseline.scalars.val_acc!.max].join(','));
    // The host answers; the page says where it went.
    await send(page, { type: 'exported', file: '/tmp/compare-runs.csv' });
    assert.equal(await page.locator('.status').innerText(), 'Saved /tmp/compare-runs.csv');
    await page.locator('figure.chart[data-key="loss"] vscode-button', { hasText: 'PNG' }).click();
    await page.waitForFunction(() => (window as unknown as { __posted: { format?: string }[] }).__posted.some((m) => m.format === 'png'));
    const png = (await posts(page, 'export')).find((m) => (m as { format: string }).format === 'png') as { key: string; base64: string };
    assert.equal(png.key, 'loss');
    assert.ok(PageMessageSchema.safeParse(png).success);
    const bytes = Buffer.from(png.base64, 'base64');
    assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG');
    assert.ok(bytes.readUInt32BE(16) >= 280 && bytes.readUInt32BE(20) > 240, 'the chart with its title and names');
    await page.locator('figure.chart[data-key="loss"] vscode-button', { hasText: 'SVG' }).click();
    await page.waitForFunction(() => (window as unknown as { __posted: { format?: string }[] }).__posted.some((m) => m.format === 'svg'));
    const svgRequest = PageMessageSchema.parse((await posts(page, 'export')).find((m) => (m as { format: string }).format === 'svg')) as ExportRequest;
    assert.equal(svgRequest.format === 'svg' && svgRequest.colors.background, '#ffffff', 'the theme’s background');
    const svg = exportContent(fx.tracker, runIds, svgRequest);
    assert.ok(svg.ok);
    // The SVG renders in Chromium: a line per run.
    const view = await browser.newPage({ viewport: { width: 760, height: 400 } });
    await view.setContent(Buffer.from(svg.value.bytes).toString('utf8'));
    assert.equal(await view.locator('svg polyline').count(), 2);
    await view.screenshot({ path: join(OUTPUT, 'compare-export-svg-light.png') });
    await view.close();
    writeFileSync(join(OUTPUT, 'compare-export-png-light.png'), bytes);
    assert.deepEqual(problems, []);
    await page.close();
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`says plainly (${theme}): no metric in common, NaN/±Infinity points, a run with no points`, async () => {
      const { page, problems } = await openPage(theme);
      await send(page, { type: 'data', data: awkward });
      await page.waitForSelector('table.scalars');
      assert.match(await page.locator('[data-note="no-common"]').innerText(), /These runs have no metric in common \(noisy: loss; other: acc\)/);
      assert.match(await page.locator('[data-note="no-points"]').innerText(), /No metric points logged by silent/);
      assert.match(await page.locator('figure.chart[data-key="loss"]').innerText(), /4 points are NaN or ±Infinity: left out \(the line joins across them\)/);
      assert.match(await page.locator('figure.chart[data-key="loss"] figcaption').innerText(), /not logged by other, silent/);
      assert.equal(await page.locator('figure.chart canvas').count(), 2);
      const noisy = awkward.runs[0]!.id;
      assert.deepEqual(await page.locator(`table.scalars tr[data-run="${noisy}"] td[data-key="loss"]`).allInnerTexts(), ['0.025', '-Infinity', 'Infinity']);
      assert.deepEqual(await page.locator(`table.scalars tr[data-run="${awkward.runs[2]!.id}"] td`).allInnerTexts(), ['–', '–', '–', '–', '–', '–']);
      await page.screenshot({ path: join(OUTPUT, `compare-awkward-${theme}.png`), fullPage: true });
      assert.deepEqual(problems, []);
      await page.close();
    });
  }
});
