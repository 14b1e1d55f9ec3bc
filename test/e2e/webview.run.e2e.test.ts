// The run details panel's page in headless Chromium, outside VS Code: the same HTML the extension builds
// (CSP enforced), the built bundle (dist/webviews/run.js), a stand-in for acquireVsCodeApi, and the
// extension's message built from a store the real runner wrote (test/support/runFixture.ts: the demo
// pipeline, then evaluate forced with validate and train cached). Screenshots in light and dark land in
// test-output/webviews/run-*.png: look at them.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import * as engine from '../../src/engine/api';
import { buildRunData } from '../../src/webviews/run/data';
import type { RunData } from '../../src/webviews/run/protocol';
import { runFixture, type RunFixture } from '../support/runFixture';
import { openPanelPage, postedByPage, sendToPage, waitForPosted, type Theme } from '../support/webviewPage';
import { distOfRun } from './distOfRun';
import { browserOfRun } from './workbench';

const ROOT = join(__dirname, '..', '..');
const OUTPUT = join(ROOT, 'test-output', 'webviews');

describe('run details panel in Chromium (the page alone, real data from the runner)', function () {
  this.timeout(180_000);
  let browser: Browser;
  let fx: RunFixture;
  let pipeline: RunData;
  let script: RunData;
  let empty: RunData;
  const scratch = mkdtempSync(join(tmpdir(), 'sextant-run-webview-'));

  before(async () => {
    distOfRun();
    mkdirSync(OUTPUT, { recursive: true });
    fx = await runFixture(scratch);
    const build = (id: string): RunData => {
      const b = buildRunData(fx.tracker, engine, id, { root: scratch });
      if (!b.ok) throw new Error(b.message);
      return b.value;
    };
    pipeline = build(fx.ids.second);
    script = build(fx.ids.script);
    empty = build(fx.ids.empty);
    browser = await browserOfRun();
  });

  after(async () => {
    fx?.tracker.close(true);
    rmSync(scratch, { recursive: true, force: true });
  });

  const openPage = (theme: Theme = 'dark'): Promise<{ page: Page; problems: string[] }> => openPanelPage(browser, 'run', theme, { width: 1100, height: 1400 });

  for (const theme of ['dark', 'light'] as const) {
    it(`a pipeline run (${theme}): stages in the order they ran with cached ones marked, the confusion matrix with its counts, curves, artifacts, the log`, async () => {
      const { page, problems } = await openPage(theme);
      await waitForPosted(page, 'ready');
      await sendToPage(page, { type: 'data', data: pipeline });
      await page.waitForSelector('table.stages');
      assert.equal(await page.title(), pipeline.run.name);
      assert.equal(await page.locator('h1').innerText(), pipeline.run.name);
      // Stages: execution order, cached ones marked "cached".
      assert.deepEqual(await page.locator('table.stages tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-stage'))), ['validate', 'train', 'evaluate']);
      assert.deepEqual(await page.locator('table.stages tbody tr td:nth-child(3)').allInnerTexts(), ['cached', 'cached', 'ran']);
      assert.equal(await page.locator('table.stages tr.stage-cached').count(), 2);
      assert.match(await page.locator('tr[data-stage="train"]').innerText(), /reused train/);
      // The confusion matrix: one cell per (true, predicted), its count written in it, equal to what evaluate logged.
      const ev = pipeline.evaluations[0]!;
      const cells = await page.locator('table.heatmap tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td.cell')].map((td) => td.textContent)));
      assert.deepEqual(cells, ev.matrix.map((row) => row.map((v) => String(v))));
      assert.deepEqual(await page.locator('table.heatmap thead th').allInnerTexts(), ['true ↓ predicted →', ...ev.classes, 'rows']);
      const diagonal = page.locator('table.heatmap td.diagonal');
      assert.equal(await diagonal.count(), ev.classes.length);
      // Shaded from a theme colour: the fullest cell is not transparent, an empty one is.
      const shades = await page.locator('table.heatmap td.cell').evaluateAll((tds) => tds.map((td) => [td.textContent, getComputedStyle(td).backgroundColor]));
      const max = Math.max(...ev.matrix.flat().map((v) => v ?? 0));
      assert.ok(shades.filter(([text]) => Number(text) === max).every(([, bg]) => bg !== 'rgba(0, 0, 0, 0)'), JSON.stringify(shades));
      assert.ok(shades.filter(([text]) => text === '0').every(([, bg]) => bg === 'rgba(0, 0, 0, 0)'), JSON.stringify(shades));
      // ROC and PR: a uPlot chart each, a legend entry per class.
      await page.waitForSelector('figure[data-curve="roc"] canvas');
      assert.deepEqual((await page.locator('figure[data-curve="roc"] .u-legend .u-series .u-label').allInnerTexts()).slice(1), ['adelie', 'chinstrap', 'gentoo']);
      assert.equal(await page.locator('figure[data-curve="pr"] canvas').count(), 1);
      // Metrics: a sparkline each; the stage that logged it.
      assert.ok(await page.locator('tr[data-key="train_loss"] svg.spark polyline').count() >= 1);
      assert.match(await page.locator('tr[data-key="train_loss"]').innerText(), /train$/);
      // Artifacts: the stages' logs and the trained model, each with Open and Reveal.
      const paths = await page.locator('table.artifacts tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')));
      assert.ok(paths.includes('logs/evaluate.log'), paths.join(', '));
      // The log: the stages' logs in the order they ran.
      const log = await page.locator('pre.log').innerText();
      assert.ok(log.indexOf('── validate · cached ──') < log.indexOf('── evaluate · ran ──'));
      assert.match(log, /Evaluated models\/penguins\.onnx on \d+ rows/);
      assert.deepEqual(problems, [], 'no CSP violation, no script error');
      await page.screenshot({ path: join(OUTPUT, `run-pipeline-${theme}.png`), fullPage: true });
      await page.close();
    });
  }

  it('open a metric curve (kept across a reload), open and reveal an artifact, open the log and a stage: what the page posts', async () => {
    const { page, problems } = await openPage('dark');
    await sendToPage(page, { type: 'data', data: pipeline });
    await page.waitForSelector('table.metrics');
    await page.locator('tr[data-key="train_loss"] button.expand').click();
    await page.waitForSelector('tr[data-curve-of="train_loss"] canvas');
    assert.equal(await page.locator('tr[data-key="train_loss"] button.expand').getAttribute('aria-expanded'), 'true');
    const row = page.locator('table.artifacts tr[data-path="logs/evaluate.log"]');
    await row.getByText('Open', { exact: true }).click();
    await row.getByText('Reveal', { exact: true }).click();
    await page.getByText('Open full log').click();
    await page.locator('tr[data-stage="evaluate"] a').click();
    const posted = (await postedByPage(page)).filter((m) => (m as { type: string }).type !== 'ready');
    assert.deepEqual(posted, [
      { type: 'openArtifact', runId: fx.ids.evaluate, path: 'logs/evaluate.log' },
      { type: 'revealArtifact', runId: fx.ids.evaluate, path: 'logs/evaluate.log' },
      { type: 'openLog' },
      { type: 'openRun', runId: fx.ids.evaluate },
    ]);
    // Hidden and shown again (no retainContextWhenHidden): rendered from the saved state, the curve still open.
    await page.reload();
    await page.waitForSelector('tr[data-curve-of="train_loss"] canvas');
    assert.equal(await page.locator('h1').innerText(), pipeline.run.name);
    assert.deepEqual(problems, []);
    await page.locator('#metrics').screenshot({ path: join(OUTPUT, 'run-curve-dark.png') });
    await page.close();
  });

  it('a script run: NaN said by name, a deleted artifact marked missing with Open disabled, environment, no log', async () => {
    const { page, problems } = await openPage('dark');
    await sendToPage(page, { type: 'data', data: script });
    await page.waitForSelector('table.artifacts');
    assert.deepEqual(await page.locator('tr[data-key="score"] td').evaluateAll((tds) => tds.slice(0, 1).map((td) => td.textContent)), ['NaN']);
    assert.match(await page.locator('tr[data-key="score"]').innerText(), /no finite value/);
    const missing = page.locator('tr[data-path="model/weights.bin"]');
    assert.match(await missing.innerText(), /missing/);
    assert.equal(await missing.getByText('Open', { exact: true }).getAttribute('disabled'), '');
    assert.equal(await page.locator('tr[data-path="notes.txt"]').getByText('Open', { exact: true }).getAttribute('disabled'), null);
    assert.match(await page.locator('#artifacts').innerText(), /1 artifact file is missing from the artifact store/);
    assert.match(await page.locator('#environment').innerText(), /git commit\s+0123456789abcdef0123456789abcdef01234567 \(uncommitted changes\)/);
    assert.match(await page.locator('#environment').innerText(), /GPU given\s+0/);
    assert.match(await page.locator('#log').innerText(), /This run has no log/);
    assert.equal(await page.locator('#stages').count(), 0, 'not a pipeline run');
    // The loss curve has a gap where the value was NaN: two polylines in its sparkline.
    assert.equal(await page.locator('tr[data-key="loss"] svg.spark polyline').count(), 2);
    assert.deepEqual(problems, []);
    await page.screenshot({ path: join(OUTPUT, 'run-script-dark.png'), fullPage: true });
    await page.close();
  });

  it('says plainly what is wrong: a run with nothing logged, a run that is gone, a message outside the contract', async () => {
    const { page, problems } = await openPage('light');
    await sendToPage(page, { type: 'data', data: empty });
    await page.waitForSelector('#metrics');
    assert.match(await page.locator('#metrics').innerText(), /This run logged no metrics/);
    assert.match(await page.locator('#artifacts').innerText(), /no artifacts/);
    await page.screenshot({ path: join(OUTPUT, 'run-empty-light.png'), fullPage: true });
    const gone = buildRunData(fx.tracker, engine, 'f'.repeat(32));
    assert.ok(!gone.ok);
    await sendToPage(page, { type: 'error', message: gone.message });
    assert.match(await page.locator('[role="alert"]').innerText(), /Run ffffffff is not in the store any more/);
    await page.screenshot({ path: join(OUTPUT, 'run-gone-light.png'), fullPage: true });
    await sendToPage(page, { type: 'data', data: { run: 'nope' } });
    assert.match(await page.locator('[role="alert"]').innerText(), /cannot show/);
    assert.ok((await postedByPage(page)).some((m) => (m as { type: string }).type === 'invalid'));
    assert.deepEqual(problems, []);
    await page.close();
  });
});
