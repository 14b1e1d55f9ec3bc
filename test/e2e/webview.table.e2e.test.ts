// The experiments table's page in headless Chromium, outside VS Code: the same HTML the extension builds (CSP
// enforced), the built bundle (dist/webviews/table.js), a stand-in for acquireVsCodeApi, and the extension's
// messages built from a real store (src/webviews/table/data.ts). The test plays the host: it answers the
// page's filter requests with the engine's filter language (filterRows over runFilter), as the panel does.
// Screenshots in light and dark themes land in test-output/webviews/: look at them.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { pipelineStages } from '../../src/engine/runner/pipelineStages';
import * as runFilter from '../../src/engine/tracking/runFilter';
import { buildTableData, filterRows, type BuiltTable } from '../../src/webviews/table/data';
import { bigExperiment, openTracker, tableFixture, T0, type TableFixture } from '../support/tableFixture';
import { openPanelPage, postedByPage, sendToPage, waitForPosted, type Theme } from '../support/webviewPage';
import { distOfRun } from './distOfRun';
import { browserOfRun } from './workbench';

const ROOT = join(__dirname, '..', '..');
const OUTPUT = join(ROOT, 'test-output', 'webviews');

describe('experiments table in Chromium (the page alone, real data from the engine)', function () {
  this.timeout(180_000);
  let browser: Browser;
  let fx: TableFixture;
  let penguins: BuiltTable;
  let churn: BuiltTable;
  let empty: BuiltTable;
  let big: BuiltTable;
  const scratch = mkdtempSync(join(tmpdir(), 'sextant-table-'));

  const must = (b: ReturnType<typeof buildTableData>): BuiltTable => {
    if (!b.ok) throw new Error(b.message);
    return b.value;
  };

  before(async () => {
    distOfRun();
    mkdirSync(OUTPUT, { recursive: true });
    fx = tableFixture(join(scratch, 'small'));
    penguins = must(buildTableData(fx.tracker, { pipelineStages }, 'penguins', T0 + 3_600_000));
    churn = must(buildTableData(fx.tracker, { pipelineStages }, 'churn'));
    empty = must(buildTableData(fx.tracker, { pipelineStages }, 'no-such-experiment'));
    const large = openTracker(join(scratch, 'big'));
    const started = performance.now();
    bigExperiment(large.tracker, large.clock, 5000);
    const built = performance.now();
    big = must(buildTableData(large.tracker, { pipelineStages }, 'big'));
    console.log(`      5,000 runs: written in ${Math.round(built - started)} ms, table data built in ${Math.round(performance.now() - built)} ms (${(JSON.stringify(big.data).length / 1e6).toFixed(1)} MB as JSON)`);
    large.tracker.close();
    browser = await browserOfRun();
  });

  after(async () => {
    fx?.tracker.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Wide enough for every column of the penguins table (a panel in a full-width editor). */
  const openPage = (theme: Theme = 'dark', viewport = { width: 1440, height: 560 }): Promise<{ page: Page; problems: string[] }> => openPanelPage(browser, 'table', theme, viewport);
  const names = (page: Page): Promise<string[]> => page.locator('tbody tr.row td[data-column="name"] .name').allInnerTexts();
  const show = async (page: Page, table: BuiltTable): Promise<void> => {
    await waitForPosted(page, 'ready');
    await sendToPage(page, { type: 'data', data: table.data });
    await page.waitForSelector('tbody tr.row, main p.note');
  };
  /** Plays the host: waits for the page to ask for `text` and answers with the engine's evaluation. */
  const serveFilter = async (page: Page, table: BuiltTable, text: string): Promise<number> => {
    await page.waitForFunction((t) => (window as unknown as { __posted: { type: string; text?: string }[] }).__posted.some((m) => m.type === 'filter' && m.text === t), text);
    const started = performance.now();
    const answer = filterRows(table.runs, text, runFilter);
    const evaluated = performance.now() - started;
    await sendToPage(page, answer);
    return evaluated;
  };
  const typeFilter = (page: Page, text: string): Promise<void> => page.locator('vscode-text-field.filter input').fill(text);
  const sortBy = (page: Page, column: string): Promise<void> => page.locator(`thead button[data-column="${column}"]`).click();

  it('one row per run: name, status (a failed run says why), start, duration, params and latest metrics', async () => {
    const { page, problems } = await openPage('dark');
    await show(page, penguins);
    assert.deepEqual(await names(page), ['pipeline 12:00', 'pipeline 11:00', 'pipeline 10:00', 'no-metrics', 'diverged', 'large-trees', 'small-trees']);
    assert.deepEqual(await page.locator('thead th').evaluateAll((ths) => ths.slice(1).map((th) => th.getAttribute('data-column'))), [
      'name', 'status', 'started', 'duration', 'params.lr', 'params.max_depth', 'params.optimizer', 'params.test_size', 'metrics.accuracy', 'metrics.loss', 'metrics.rows',
    ]);
    const cell = (name: string, column: string) => page.locator(`tbody tr.row:has(.name:text-is("${name}")) td[data-column="${column}"]`);
    assert.equal(await cell('diverged', 'status').innerText(), 'failed · exit code 2');
    assert.equal(await cell('pipeline 11:00', 'status').innerText(), 'failed · stage train failed (exit code 1)');
    assert.match(await cell('pipeline 12:00', 'status').innerText(), /^failed · stage prepare failed: Missing input: data\/penguins\.csv/);
    assert.equal(await cell('large-trees', 'duration').innerText(), '1 min 35 s');
    assert.match(await cell('large-trees', 'started').innerText(), /^2026-11-30 \d\d:\d\d$/);
    assert.equal(await cell('diverged', 'metrics.accuracy').innerText(), 'NaN');
    assert.equal(await cell('diverged', 'metrics.loss').innerText(), 'Infinity');
    assert.equal(await cell('no-metrics', 'metrics.loss').innerText(), '–');
    assert.equal(await cell('pipeline 10:00', 'metrics.loss').innerText(), '0.08', "the train stage's metric on the pipeline run's row");
    assert.equal(await cell('pipeline 10:00', 'params.max_depth').innerText(), '8');
    assert.equal(await page.locator('.summary').innerText(), '7 runs');
    assert.equal(await page.title(), 'Runs: penguins');
    assert.deepEqual(problems, [], 'no CSP violation, no script error');
    await page.screenshot({ path: join(OUTPUT, 'table-dark.png') });
    await page.close();
  });

  it('draws in the light theme from the theme variables', async () => {
    const { page, problems } = await openPage('light');
    await show(page, penguins);
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(255, 255, 255)');
    await page.locator('tbody tr.row').nth(2).locator('input[type=checkbox]').check();
    await page.locator('tbody tr.row').nth(5).locator('input[type=checkbox]').check();
    assert.deepEqual(problems, []);
    await page.screenshot({ path: join(OUTPUT, 'table-light.png') });
    await page.close();
  });

  it('sorts by a clicked header: numbers as numbers, NaN and absent values last both ways; Enter on a header sorts too', async () => {
    const { page } = await openPage('dark');
    await show(page, penguins);
    await sortBy(page, 'params.max_depth');
    // 12 after 9: numbers, not text.
    assert.deepEqual(await names(page), ['small-trees', 'no-metrics', 'diverged', 'pipeline 10:00', 'pipeline 12:00', 'pipeline 11:00', 'large-trees']);
    assert.equal(await page.locator('th[data-column="params.max_depth"]').getAttribute('aria-sort'), 'ascending');
    await sortBy(page, 'metrics.loss');
    // Infinity is a number (the largest); runs with no loss keep the table's order, last.
    assert.deepEqual(await names(page), ['pipeline 10:00', 'large-trees', 'small-trees', 'diverged', 'pipeline 12:00', 'pipeline 11:00', 'no-metrics']);
    await sortBy(page, 'metrics.loss');
    assert.deepEqual(await names(page), ['diverged', 'small-trees', 'large-trees', 'pipeline 10:00', 'pipeline 12:00', 'pipeline 11:00', 'no-metrics']);
    assert.equal(await page.locator('th[data-column="metrics.loss"]').getAttribute('aria-sort'), 'descending');
    await sortBy(page, 'metrics.accuracy');
    // NaN sorts with the absent, last.
    assert.deepEqual(await names(page), ['small-trees', 'large-trees', 'pipeline 10:00', 'pipeline 12:00', 'pipeline 11:00', 'no-metrics', 'diverged']);
    await page.locator('thead button[data-column="duration"]').focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('th[data-column="duration"]').getAttribute('aria-sort'), 'ascending');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-column')), 'duration', 'the focus stays on the header');
    assert.deepEqual((await names(page)).slice(0, 3), ['pipeline 12:00', 'no-metrics', 'diverged']);
    await page.close();
  });

  it("filters with the engine's filter language; a text that is not a filter shows the parser's message and column under the box", async () => {
    const { page, problems } = await openPage('dark');
    await show(page, penguins);
    await typeFilter(page, 'loss<0.2');
    await serveFilter(page, penguins, 'loss<0.2');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr.row').length === 2);
    assert.deepEqual(await names(page), ['pipeline 10:00', 'large-trees']);
    assert.equal(await page.locator('.summary').innerText(), '7 runs · 2 match');
    await typeFilter(page, 'status=failed max_depth>');
    await serveFilter(page, penguins, 'status=failed max_depth>');
    await page.waitForSelector('.filter-error:not(:empty)');
    assert.match(await page.locator('.filter-error').innerText(), /^Column 15: "max_depth>" has no value after >/);
    assert.deepEqual(await names(page), ['pipeline 10:00', 'large-trees'], 'the last filter that could be read still applies');
    await page.screenshot({ path: join(OUTPUT, 'table-filter-error-dark.png') });
    await typeFilter(page, 'status=failed');
    await serveFilter(page, penguins, 'status=failed');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr.row').length === 3);
    assert.equal(await page.locator('.filter-error').innerText(), '');
    await typeFilter(page, 'name~nothing-like-this');
    await serveFilter(page, penguins, 'name~nothing-like-this');
    await page.waitForSelector('tbody tr.empty');
    assert.equal(await page.locator('tbody tr.empty').innerText(), 'No run matches this filter.');
    await typeFilter(page, '');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr.row').length === 7);
    const asked = (await postedByPage(page)).filter((m) => (m as { type: string }).type === 'filter').map((m) => (m as { text: string }).text);
    assert.ok(!asked.includes(''), 'an empty box needs no evaluation');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('the column picker hides and shows columns; the choice survives a reload (setState)', async () => {
    const { page } = await openPage('dark');
    await show(page, penguins);
    await page.getByRole('button', { name: 'Columns…' }).click();
    await page.waitForSelector('.picker:not([hidden])');
    await page.locator('.picker vscode-checkbox[data-column="params.optimizer"]').click();
    await page.locator('.picker vscode-checkbox[data-column="started"]').click();
    assert.equal(await page.locator('thead th[data-column="params.optimizer"]').count(), 0);
    assert.equal(await page.locator('thead th[data-column="started"]').count(), 0);
    assert.equal(await page.locator('tbody td[data-column="params.optimizer"]').count(), 0);
    await page.screenshot({ path: join(OUTPUT, 'table-columns-dark.png') });
    // Every metric column off, then back on.
    await page.locator('.picker [role=group][aria-label="Metrics"] vscode-button:text-is("None")').click();
    assert.equal(await page.locator('thead th[data-column^="metrics."]').count(), 0);
    await page.locator('.picker [role=group][aria-label="Metrics"] vscode-button:text-is("All")').click();
    assert.equal(await page.locator('thead th[data-column^="metrics."]').count(), 3);
    await page.reload();
    await page.waitForSelector('tbody tr.row');
    assert.equal(await page.locator('thead th[data-column="params.optimizer"]').count(), 0, 'still hidden after a reload');
    assert.equal(await page.locator('thead th[data-column="params.lr"]').count(), 1);
    await page.close();
  });

  it('selects rows (checkbox, shift-click range, Space on a focused row) and Compare posts their ids in table order; Open and Enter open a run', async () => {
    const { page } = await openPage('dark');
    await show(page, penguins);
    const ids = penguins.data.rows.map((r) => r.id);
    const rows = page.locator('tbody tr.row');
    await rows.nth(1).locator('input[type=checkbox]').click();
    await rows.nth(3).locator('input[type=checkbox]').click({ modifiers: ['Shift'] });
    assert.equal(await page.locator('tbody tr.row.selected').count(), 3);
    assert.equal(await page.locator('.summary').innerText(), '7 runs · 3 selected');
    // Keyboard: focus row 5, Space selects it; Down, Space selects row 6; Space again unselects it.
    await rows.nth(5).click({ position: { x: 200, y: 10 } });
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    await page.keyboard.press('Space');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-rowindex')), '8');
    assert.equal(await page.locator('tbody tr.row.selected').count(), 4);
    await page.locator('vscode-button.compare').click();
    await waitForPosted(page, 'compare');
    const compare = (await postedByPage(page)).find((m) => (m as { type: string }).type === 'compare') as { runIds: string[] };
    assert.deepEqual(compare.runIds, [ids[1], ids[2], ids[3], ids[5]]);
    // Sorted differently, the same runs go in the new order.
    await rows.nth(0).hover();
    await rows.nth(0).locator('button.open').click();
    await waitForPosted(page, 'open');
    const opened = (await postedByPage(page)).find((m) => (m as { type: string }).type === 'open') as { runId: string };
    assert.equal(opened.runId, ids[0]);
    await rows.nth(4).click({ position: { x: 200, y: 10 } });
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => (window as unknown as { __posted: { type: string; runId?: string }[] }).__posted.some((m) => m.type === 'open' && m.runId === id), ids[4]);
    await page.screenshot({ path: join(OUTPUT, 'table-selection-dark.png') });
    await page.close();
  });

  it('live: new data from the host keeps the selection, the sort and the filter (asked again over the new rows)', async () => {
    const { page } = await openPage('dark');
    await show(page, penguins);
    await sortBy(page, 'metrics.accuracy');
    await typeFilter(page, 'accuracy>0.9');
    await serveFilter(page, penguins, 'accuracy>0.9');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr.row').length === 3);
    await page.locator('tbody tr.row').nth(0).locator('input[type=checkbox]').check();
    // A run finishes in the store; the host sends the table again.
    const started = fx.tracker.startRun({ experiment: 'penguins', name: 'late-run', params: { max_depth: 4 }, startedAt: T0 + 7_200_000 });
    if (!started.ok) throw new Error(started.error.message);
    assert.ok(fx.tracker.logMetrics(started.value.id, [{ key: 'accuracy', value: 0.99, step: 0 }]).ok);
    assert.ok(fx.tracker.finishRun(started.value.id, 'finished', 0).ok);
    const later = must(buildTableData(fx.tracker, { pipelineStages }, 'penguins', T0 + 7_300_000));
    const asked = (await postedByPage(page)).filter((m) => (m as { type: string }).type === 'filter').length;
    await sendToPage(page, { type: 'data', data: later.data });
    await page.waitForFunction((n) => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'filter').length > n, asked);
    await serveFilter(page, later, 'accuracy>0.9');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr.row').length === 4);
    assert.deepEqual(await names(page), ['small-trees', 'large-trees', 'pipeline 10:00', 'late-run'], 'sorted by accuracy as before, the new run in its place');
    assert.equal(await page.locator('tbody tr.row.selected .name').innerText(), 'small-trees');
    assert.equal(await page.locator('.summary').innerText(), '8 runs · 4 match · 1 selected');
    await page.close();
  });

  it('says plainly what is wrong: an experiment with no runs, runs with no metrics, a host error, a message outside the contract', async () => {
    const { page, problems } = await openPage('dark');
    await show(page, empty);
    assert.match(await page.locator('main').innerText(), /Experiment "no-such-experiment" has no runs yet/);
    await sendToPage(page, { type: 'data', data: churn.data });
    await page.waitForSelector('tbody tr.row');
    assert.match(await page.locator('main').innerText(), /None of these runs logged a metric yet/);
    await page.screenshot({ path: join(OUTPUT, 'table-no-metrics-dark.png') });
    await sendToPage(page, { type: 'error', message: 'The store could not be read: disk I/O error' });
    assert.match(await page.locator('[role="alert"]').innerText(), /disk I\/O error/);
    await sendToPage(page, { type: 'data', data: { experiment: 'x', rows: 'nope' } });
    assert.match(await page.locator('[role="alert"]').innerText(), /cannot show/);
    assert.ok((await postedByPage(page)).some((m) => (m as { type: string }).type === 'invalid'), 'the page tells the host');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('5,000 runs: only the rows in view are drawn; sorting, scrolling and filtering stay quick (figures in the log)', async () => {
    const { page, problems } = await openPage('dark', { width: 1400, height: 900 });
    await waitForPosted(page, 'ready');
    // Posted by the page itself (as the host's postMessage arrives), timed from the message to the rows' next frame: the contract check, the sort, the rows.
    const firstRows = await page.evaluate(
      (data) =>
        new Promise<number>((resolve) => {
          const started = performance.now();
          window.postMessage({ type: 'data', data }, '*');
          const poll = setInterval(() => {
            if (!document.querySelector('tbody tr.row')) return;
            clearInterval(poll);
            requestAnimationFrame(() => resolve(performance.now() - started));
          }, 1);
        }),
      big.data,
    );
    console.log(`      5,000 runs: first rows drawn ${firstRows.toFixed(0)} ms after the data message (checked against the contract, then drawn)`);
    const drawn = await page.locator('tbody tr.row').count();
    assert.ok(drawn > 10 && drawn < 200, `${drawn} rows in the DOM`);
    assert.equal(await page.locator('table.runs').getAttribute('aria-rowcount'), '5001');
    /** Clicks a header and waits for the next frame: the sort, the new rows, layout and paint. */
    const timeSort = (column: string): Promise<number> =>
      page.evaluate(
        (c) =>
          new Promise<number>((resolve) => {
            const started = performance.now();
            document.querySelector<HTMLElement>(`thead button[data-column="${c}"]`)!.click();
            requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started), 0));
          }),
        column,
      );
    const figures: string[] = [];
    for (const column of ['metrics.loss', 'metrics.loss', 'params.lr', 'params.optimizer', 'name', 'duration']) figures.push(`${column} ${(await timeSort(column)).toFixed(0)} ms`);
    console.log(`      5,000 runs: sort (click → next frame): ${figures.join(', ')}`);
    // Sorted by name (asc then desc above: duration last): check the order of the name sort itself.
    await sortBy(page, 'name');
    assert.deepEqual((await names(page)).slice(0, 3), ['trial-0000', 'trial-0001', 'trial-0002']);
    await sortBy(page, 'metrics.loss');
    const losses = await page.locator('tbody tr.row td[data-column="metrics.loss"]').allInnerTexts();
    const numbers = losses.map(Number);
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'ascending, as numbers');
    // Scrolled to the end: NaN rows last, the last row drawn is row 5,000.
    await page.locator('.table-wrap').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForFunction(() => [...document.querySelectorAll('tbody tr.row')].pop()?.getAttribute('aria-rowindex') === '5001');
    assert.equal(await page.locator('tbody tr.row').last().locator('td[data-column="metrics.loss"]').innerText(), 'NaN');
    await typeFilter(page, 'loss<0.1 optimizer=adam');
    const evaluated = await serveFilter(page, big, 'loss<0.1 optimizer=adam');
    const expected = filterRows(big.runs, 'loss<0.1 optimizer=adam', runFilter).ids!.length;
    await page.waitForFunction((n) => document.querySelector('table.runs')?.getAttribute('aria-rowcount') === String(n + 1), expected);
    console.log(`      5,000 runs: filter "loss<0.1 optimizer=adam" evaluated by the engine in ${evaluated.toFixed(1)} ms: ${expected} match`);
    assert.equal(await page.locator('.summary').innerText(), `5,000 runs · ${expected} match`);
    // Filtered while scrolled to the end: the table shows the matches from the top.
    const shown = (await page.locator('tbody tr.row td[data-column="metrics.loss"]').allInnerTexts()).map(Number);
    assert.ok(shown.length > 10 && shown.every((v) => v < 0.1), `${shown.length} rows drawn: ${shown.slice(0, 5).join(', ')}…`);
    assert.equal(await page.locator('tbody tr.row').first().getAttribute('aria-rowindex'), '2');
    assert.deepEqual(problems, []);
    await page.screenshot({ path: join(OUTPUT, 'table-5000-dark.png') });
    await page.close();
  });
});
