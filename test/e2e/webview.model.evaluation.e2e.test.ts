// The model card's evaluation history, latest confusion matrix and ROC/PR curves, and Kernel SHAP bars in
// headless Chromium (test/support/webviewPage.ts: the extension's HTML with its CSP, the built bundle), sent the
// card the host builds from a real store: the demo pipeline run by the CLI, `sextant eval penguin-species@1`
// twice, then `sextant models explain penguin-species@1 data/penguins.csv --row 3,200`. Screenshots in
// test-output/webviews/model-evaluations-*.png and model-shap-*.png: look at them.
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

describe('model card evaluations and SHAP in Chromium', function () {
  this.timeout(240_000);
  let browser: Browser;
  let card: ModelCardData;
  const scratch = mkdtempSync(join(tmpdir(), 'sextant-model-evaluations-'));

  before(async () => {
    distOfRun();
    mkdirSync(OUTPUT, { recursive: true });
    const errors: string[] = [];
    const io = { out: () => undefined, err: (t: string) => errors.push(t), json: () => undefined, isTty: false, cwd: scratch, env: {} };
    assert.equal(await main(['init', scratch], io), 0, errors.join('\n'));
    assert.equal(await main(['run'], io), 0, errors.join('\n'));
    for (let i = 0; i < 2; i++) assert.equal(await main(['eval', 'penguin-species@1', 'data/penguins.csv'], io), 0, errors.join('\n'));
    assert.equal(await main(['models', 'explain', 'penguin-species@1', 'data/penguins.csv', '--repeats', '3'], io), 0, errors.join('\n'));
    assert.equal(await main(['models', 'explain', 'penguin-species@1', 'data/penguins.csv', '--row', '3,200'], io), 0, errors.join('\n'));
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
    it(`shows every evaluation with a trend per metric, the latest's confusion matrix and curves, and a row's SHAP bars (${theme})`, async () => {
      const { page, problems } = await openPanelPage(browser, 'model', theme, { width: 1000, height: 2400 });
      await waitForPosted(page, 'ready');
      await sendToPage(page, { type: 'data', data: card });
      await page.waitForSelector('table.evaluations');
      const evaluations = card.evaluations!;
      assert.ok(evaluations.length >= 2, `${evaluations.length} evaluations`);
      const ids = await page.locator('table.evaluations tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-evaluation'))));
      assert.deepEqual(ids, evaluations.map((e) => e.id).reverse(), 'newest first');
      const accuracy = await page.locator('table.evaluations tbody tr td[data-metric="accuracy"]').allInnerTexts();
      assert.equal(accuracy.length, evaluations.length);
      assert.equal(await page.locator('table.evaluations tbody tr').first().locator('th').innerText(), 'penguins v1', 'the dataset version with the data\'s content');
      assert.ok((await page.locator('table.trend tr[data-metric="accuracy"] svg.spark polyline').count()) === 1, 'a line per metric');

      const latest = card.latestEvaluation!;
      assert.deepEqual(latest.classes, ['adelie', 'chinstrap', 'gentoo']);
      const cells = await page.locator('[data-section="evaluations"] table.heatmap tbody td.cell').allInnerTexts();
      assert.deepEqual(cells.map(Number), latest.matrix.flat(), 'the counts written in the cells');
      assert.equal(await page.locator('[data-section="evaluations"] table.heatmap td.level-5').count() >= 1, true, 'the largest count in the darkest shade');
      await page.waitForFunction(() => document.querySelectorAll('[data-section="evaluations"] figure.chart .uplot canvas').length === 2);
      const legend = await page.locator('[data-section="evaluations"] figure[data-curve="roc"] .u-legend .u-series').allInnerTexts();
      assert.equal(legend.length, 4, `the x axis and one series per class: ${JSON.stringify(legend)}`);
      await page.locator('[data-section="evaluations"]').screenshot({ path: join(OUTPUT, `model-evaluations-${theme}.png`) });

      const shap = card.shap!;
      assert.deepEqual(shap.rows.map((r) => r.row), [3, 200]);
      const row = shap.rows[0]!;
      const bars = await page.locator('table.shap tbody tr[data-row="3"]').evaluateAll((trs) =>
        trs.map((tr) => ({ feature: tr.getAttribute('data-feature'), width: Number(tr.querySelector('svg.bar rect')?.getAttribute('width')), up: tr.querySelector('svg.bar rect')?.getAttribute('class') === 'up' })),
      );
      assert.equal(bars.length, 4);
      const byFeature = new Map(row.features.map((f) => [f.feature, f.attribution]));
      for (let i = 1; i < bars.length; i++) assert.ok(bars[i - 1]!.width >= bars[i]!.width, 'largest |attribution| first');
      for (const b of bars) assert.equal(b.up, byFeature.get(b.feature!)! >= 0, `${b.feature}: the bar's side is the attribution's sign`);
      const total = row.features.reduce((s, f) => s + f.attribution, 0);
      assert.ok(Math.abs(total - (row.prediction - row.base)) < 1e-9, 'what the card shows adds up');
      assert.match(await page.locator('[data-section="shap"] h3').first().innerText(), /^Row 3 \(line 4\): P\((adelie|chinstrap|gentoo)\) [\d.]+, from [\d.]+ \(exact\)$/);
      await page.locator('[data-section="shap"]').screenshot({ path: join(OUTPUT, `model-shap-${theme}.png`) });
      await page.locator('[data-section="importance"]').screenshot({ path: join(OUTPUT, `model-card-importance-${theme}.png`) });
      assert.deepEqual(problems, [], 'no CSP violation, no script error');
      await page.close();
    });
  }
});
