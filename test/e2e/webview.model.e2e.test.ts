// The model card's page in headless Chromium, outside VS Code (test/support/webviewPage.ts: the extension's HTML
// with its CSP, the built bundle dist/webviews/model.js, a stand-in for acquireVsCodeApi), sent the card the
// host builds from a real store: the demo pipeline run twice by the CLI (lr 0.1, then 0.05), production set on
// v1. Screenshots in test-output/webviews/model-*.png: look at them.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { main } from '../../src/cli/main';
import { moveAlias } from '../../src/engine/registry/aliases';
import { modelCard } from '../../src/engine/registry/card';
import { openStore } from '../../src/engine/store/open';
import { workspaceLayout } from '../../src/engine/workspace/layout';
import { modelCardData } from '../../src/webviews/model/data';
import type { ModelCardData } from '../../src/webviews/model/protocol';
import { openPanelPage, postedByPage, sendToPage, waitForPosted, type Theme } from '../support/webviewPage';
import { distOfRun } from './distOfRun';
import { browserOfRun } from './workbench';

const ROOT = join(__dirname, '..', '..');
const OUTPUT = join(ROOT, 'test-output', 'webviews');

describe('model card in Chromium (the page alone, real data from the engine)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let v2: ModelCardData;
  let v1: ModelCardData;
  const scratch = mkdtempSync(join(tmpdir(), 'sextant-model-card-'));

  before(async () => {
    distOfRun();
    mkdirSync(OUTPUT, { recursive: true });
    const io = { out: () => undefined, err: () => undefined, json: () => undefined, isTty: false, cwd: scratch, env: {} };
    assert.equal(await main(['init', scratch], io), 0);
    assert.equal(await main(['run'], io), 0);
    const pipeline = join(scratch, 'sextant.yaml');
    writeFileSync(pipeline, readFileSync(pipeline, 'utf8').replace('lr: 0.1', 'lr: 0.05'));
    assert.equal(await main(['run'], io), 0);
    const layout = workspaceLayout(scratch);
    const db = openStore(layout.storePath);
    assert.ok(db.ok);
    assert.ok(moveAlias(db.value, layout.storePath, { name: 'penguin-species', alias: 'production', version: 1, who: { actor: 'ada', source: 'VS Code' } }).ok);
    const card = (v: number): ModelCardData => {
      const c = modelCard(db.value, layout.artifactsDir, 'penguin-species', v);
      assert.ok(c.ok);
      return modelCardData(c.value);
    };
    v2 = card(2);
    v1 = card(1);
    db.value.close();
    browser = await browserOfRun();
  });

  after(async () => {
    rmSync(scratch, { recursive: true, force: true });
  });

  const openPage = (theme: Theme = 'dark'): Promise<{ page: Page; problems: string[] }> => openPanelPage(browser, 'model', theme, { width: 1000, height: 1400 });
  const texts = (page: Page, selector: string): Promise<string[]> => page.locator(selector).allInnerTexts();

  it('shows the signature, metrics, lineage, aliases and their history, and a move posts the alias and where it points now', async () => {
    const { page, problems } = await openPage('dark');
    await waitForPosted(page, 'ready');
    await sendToPage(page, { type: 'data', data: v2 });
    await page.waitForSelector('table.signature');
    assert.equal(await page.title(), 'Model penguin-species v2');
    assert.deepEqual(await texts(page, 'h1 .badge'), ['@staging']);
    // Signature rows: one input, three outputs, with their types and shapes.
    assert.deepEqual(await page.locator('table.signature tr[data-name="input"] > *').allInnerTexts(), ['input', 'input', 'float32', '[N, 4]']);
    assert.deepEqual(await page.locator('table.signature tbody tr').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-kind')} ${r.getAttribute('data-name')}`)), ['input input', 'output probabilities', 'output label_index', 'output label']);
    assert.deepEqual(await page.locator('table.signature tr[data-name="label"] td').allInnerTexts(), ['output', 'string', '[N]']);
    assert.match(await page.locator('[data-section="signature"]').innerText(), /Input columns, in order: bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g\.\s+Predicts species: adelie, chinstrap, gentoo\./);
    assert.match((await texts(page, 'table.metrics tr[data-key="accuracy"] td'))[0]!, /^0\.9\d*/);
    // Lineage: the second pipeline run, its lr, the stage that registered it, the dataset version its stages read.
    assert.equal(await page.locator('table.params tr[data-key="lr"] td').innerText(), '0.05');
    assert.equal(await page.locator('dd[data-fact="registered by stage"]').innerText(), 'register');
    assert.equal(await page.locator('dd[data-fact="git commit"]').innerText(), 'not recorded');
    assert.deepEqual(await page.locator('table.datasets tr[data-name="penguins"] td').allInnerTexts(), ['v1', v2.datasets[0]!.hash.slice(0, 12), String(v2.datasets[0]!.rows), 'data/penguins.csv']);
    // Aliases: production on v1 (a button to point it here), staging here.
    assert.deepEqual(await page.locator('table.aliases tr[data-alias="production"] > *').evaluateAll((c) => c.slice(0, 2).map((x) => x.textContent)), ['@production', 'v1']);
    assert.equal(await page.locator('table.aliases tr[data-alias="staging"] td').last().innerText(), 'points here');
    // History, newest first: production set by ada, staging moved 1 → 2 and set on v1 by the pipeline runs.
    const history = await page.locator('table.history tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].slice(1).map((c) => c.textContent)));
    assert.deepEqual(history.map((r) => r.slice(0, 3)), [['@production', '– → v1', 'ada'], ['@staging', 'v1 → v2', history[1]![2]], ['@staging', '– → v1', history[2]![2]]]);
    assert.deepEqual(history.map((r) => r[3]!.replace(/ [0-9a-f]{8}$/, '')), ['VS Code', 'pipeline run', 'pipeline run']);
    await page.screenshot({ path: join(OUTPUT, 'model-card-dark.png'), fullPage: true });
    // The move: the page asks the host (which confirms in a modal), naming the alias and where the page saw it.
    await page.locator('vscode-button', { hasText: 'Point @production to v2' }).click();
    await waitForPosted(page, 'moveAlias');
    const typed = page.locator('vscode-text-field', { hasText: 'Another alias' }).locator('input');
    await typed.fill('champion');
    await page.locator('vscode-button', { hasText: 'Point it to v2' }).click();
    await page.locator('vscode-button', { hasText: 'Reveal Model File' }).click();
    await page.locator('vscode-button', { hasText: 'Open Source Run' }).click();
    await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length >= 5);
    assert.deepEqual((await postedByPage(page)).slice(1), [
      { type: 'moveAlias', alias: 'production', expectedFrom: 1 },
      { type: 'moveAlias', alias: 'champion', expectedFrom: null },
      { type: 'revealFile' },
      { type: 'openSourceRun' },
    ]);
    assert.deepEqual(problems, [], 'no CSP violation, no script error');
    await page.close();
  });

  it('draws in the light theme from the theme\'s variables, and keeps its card across a reload (setState)', async () => {
    const { page, problems } = await openPage('light');
    await sendToPage(page, { type: 'data', data: v1 });
    await page.waitForSelector('table.signature');
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(255, 255, 255)');
    assert.deepEqual(await texts(page, 'h1 .badge'), ['@production']);
    assert.equal(await page.locator('table.params tr[data-key="lr"] td').innerText(), '0.1');
    await page.screenshot({ path: join(OUTPUT, 'model-card-light.png'), fullPage: true });
    await page.reload();
    await page.waitForSelector('table.signature');
    assert.equal(await page.title(), 'Model penguin-species v1');
    const state = await page.evaluate(() => JSON.parse(sessionStorage.getItem('state')!) as { model: string; version: number });
    assert.deepEqual([state.model, state.version], ['penguin-species', 1]);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('says plainly: a deleted model file (Reveal disabled), no metrics, a source run that is gone, an error, a message outside the contract', async () => {
    const { page, problems } = await openPage('dark');
    const bare: ModelCardData = { ...v1, file: { path: v1.file.path, exists: false }, signature: { ok: false, message: `The model file is gone from the artifact store (${v1.file.path}), so its signature cannot be read.` }, features: null, label: null, classes: null, metrics: {}, source: { kind: 'none' }, datasetNames: [] };
    await sendToPage(page, { type: 'data', data: bare });
    await page.waitForSelector('[data-section="signature"]');
    assert.match(await page.locator('.note.warning').innerText(), /The model file was deleted: .* is no longer in the artifact store/);
    assert.match(await page.locator('[data-section="signature"]').innerText(), /model file is gone/);
    assert.equal(await page.locator('table.signature').count(), 0);
    assert.match(await page.locator('[data-section="metrics"]').innerText(), /No metrics were recorded for the run that registered this version/);
    assert.match(await page.locator('[data-section="lineage"]').innerText(), /No source run/);
    assert.equal(await page.locator('vscode-button', { hasText: 'Reveal Model File' }).getAttribute('disabled'), '');
    assert.equal(await page.locator('vscode-button', { hasText: 'Open Source Run' }).getAttribute('disabled'), '');
    await page.locator('vscode-button', { hasText: 'Reveal Model File' }).click({ force: true });
    await page.waitForTimeout(200);
    assert.deepEqual((await postedByPage(page)).map((m) => (m as { type: string }).type), ['ready'], 'a disabled action posts nothing');
    await page.screenshot({ path: join(OUTPUT, 'model-card-missing-file-dark.png'), fullPage: true });
    await sendToPage(page, { type: 'data', data: { ...bare, source: { kind: 'deleted', id: 'a'.repeat(32), name: 'pipeline 12:00' } } });
    assert.match(await page.locator('[data-section="lineage"]').innerText(), /The source run "pipeline 12:00" \(aaaaaaaa\) was deleted/);
    await sendToPage(page, { type: 'error', message: 'No model named "penguin-species" is registered in this store.' });
    assert.match(await page.locator('[role="alert"]').innerText(), /No model named/);
    await sendToPage(page, { type: 'data', data: { name: 'x' } });
    assert.match(await page.locator('[role="alert"]').innerText(), /cannot show/);
    assert.ok((await postedByPage(page)).some((m) => (m as { type: string }).type === 'invalid'), 'the page tells the host');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
