// The model card's feature-importance bars in headless Chromium (test/support/webviewPage.ts: the extension's
// HTML with its CSP, the built bundle), sent the card the host builds from a real store: the demo pipeline run by
// the CLI, then `sextant models explain penguin-species@1 data/penguins.csv`. Screenshots in
// test-output/webviews/model-importance-*.png: look at them.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { main } from '../../src/cli/main';
import { modelCard } from '../../src/engine/registry/card';
import { openStore } from '../../src/engine/store/open';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { modelCardData } from '../../src/webviews/model/data';
import type { ModelCardData } from '../../src/webviews/model/protocol';
import { openPanelPage, sendToPage, waitForPosted } from '../support/webviewPage';
import { distOfRun } from './distOfRun';
import { browserOfRun } from './workbench';

const ROOT = join(__dirname, '..', '..');
const OUTPUT = join(ROOT, 'test-output', 'webviews');

describe('model card importance bars in Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let card: ModelCardData;
  const scratch = mkdtempSync(join(tmpdir(), 'sextant-model-importance-'));

  before(async () => {
    distOfRun();
    mkdirSync(OUTPUT, { recursive: true });
    const io = { out: () => undefined, err: () => undefined, json: () => undefined, isTty: false, cwd: scratch, env: {} };
    assert.equal(await main(['init', scratch], io), 0);
    assert.equal(await main(['run'], io), 0);
    assert.equal(await main(['models', 'explain', 'penguin-species@1', 'data/penguins.csv', '--repeats', '5', '--seed', '1'], io), 0);
    const layout = workspaceLayout(scratch);
    const db = openStore(layout.storePath);
    assert.ok(db.ok);
    const c = modelCard(db.value, layout.artifactsDir, 'penguin-species', 1);
    db.value.close();
    assert.ok(c.ok);
    card = modelCardData(c.value);
    browser = await browserOfRun();
  });

  after(async () => {
    rmSync(scratch, { recursive: true, force: true });
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`draws one bar per feature, longest for the most important (${theme})`, async () => {
      const { page, problems } = await openPanelPage(browser, 'model', theme, { width: 1000, height: 1600 });
      await waitForPosted(page, 'ready');
      await sendToPage(page, { type: 'data', data: card });
      await page.waitForSelector('table.importance');
      const rows = await page.locator('table.importance tbody tr').evaluateAll((trs) => trs.map((tr) => ({ feature: tr.getAttribute('data-feature'), width: Number(tr.querySelector('svg.bar rect')?.getAttribute('width')) })));
      assert.deepEqual(rows.map((r) => r.feature), card.importance!.features.map((f) => f.feature));
      assert.equal(rows.length, 4);
      for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1]!.width >= rows[i]!.width, 'bars in order of importance');
      assert.ok(rows[0]!.width > 0);
      assert.equal(card.importance!.data.path, 'data/penguins.csv', 'a file in the workspace is named relative to it');
      assert.ok((await page.locator('[data-section="importance"] p.sub').innerText()).startsWith(`Drop of accuracy (${Number(card.importance!.baseline.toPrecision(6))} on ${card.importance!.rows} rows of data/penguins.csv) when each feature is shuffled; mean ± std over 5 repeats, seed 1, `));
      const fill = await page.locator('table.importance svg.bar rect').first().evaluate((r) => getComputedStyle(r).fill);
      assert.notEqual(fill, 'rgb(0, 0, 0)', 'the bar takes the theme\'s chart colour');
      await page.locator('[data-section="importance"]').screenshot({ path: join(OUTPUT, `model-importance-${theme}.png`) });
      assert.deepEqual(problems, [], 'no CSP violation, no script error');
      await page.close();
    });
  }
});
