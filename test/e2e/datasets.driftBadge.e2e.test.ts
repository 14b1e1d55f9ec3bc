// The Datasets view's drift badge inside real VS Code (code-server + Chromium, the packaged VSIX): a
// workspace whose `live` dataset was compared with `reference` by `sextant drift reference live` (the
// verdict kept with live's version) shows, under live, the version row with `⚠ drift 50% vs reference@1`.
// Screenshot: test-output/e2e/datasets-drift-badge.png: look at it.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { writeDriftCsv } from '../unit/driftData';
import { sharedCodeServer, type CodeServer } from './codeServer';
import { browserOfRun, fromContextMenu, openWorkspace, pane, screenshot, showSextant } from './workbench';

async function cli(cwd: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const io: CliIo = { out: (t) => out.push(t), err: (t) => out.push(t), json: (v) => out.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
  return { code: await main(args, io), out: out.join('\n') };
}

describe('Datasets view: a version\'s drift badge (code-server + Chromium)', function () {
  this.timeout(240_000);
  let server: CodeServer;
  let browser: Browser;
  let page: Page;
  const scratch = mkdtempSync(join(tmpdir(), 'sextant-e2e-driftbadge-'));
  const work = join(scratch, 'work');

  before(async () => {
    mkdirSync(join(work, 'data'), { recursive: true });
    writeFileSync(
      join(work, 'sextant.yaml'),
      'version: 1\nname: drifting\ndatasets:\n  reference:\n    path: data/reference.csv\n  live:\n    path: data/live.csv\nstages:\n  check:\n    uses: sextant/drift\n    with:\n      reference: reference\n      current: live\n',
    );
    writeDriftCsv(join(work, 'data', 'reference.csv'), { rows: 400, shift: 0, seed: 1 });
    writeDriftCsv(join(work, 'data', 'live.csv'), { rows: 300, shift: 1, seed: 3 });
    assert.equal((await cli(work, 'data', 'add', 'data/reference.csv')).code, 0);
    assert.equal((await cli(work, 'data', 'add', 'data/live.csv')).code, 0);
    const drift = await cli(work, 'drift', 'reference', 'live');
    assert.equal(drift.code, 1, drift.out);
    assert.match(drift.out, /Kept with live v1 \(vs reference@1\): 2 of 4 columns drifted \(50\.0%\)\./);

    server = await sharedCodeServer();
    browser = await browserOfRun();
    page = await openWorkspace(browser, server.url, work);
    await showSextant(page);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await screenshot(page, 'failed-datasets-drift-badge');
  });

  after(async () => {
    await page?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('shows live → v1 with "⚠ drift 50% vs reference@1" and the tooltip\'s summary', async () => {
    const datasets = pane(page, 'Datasets');
    const live = datasets.locator('.monaco-list-row', { hasText: /^live/ }).first();
    await live.waitFor({ timeout: 60_000 });
    await live.locator('.monaco-tl-twistie').click();
    const version = datasets.locator('.monaco-list-row', { hasText: 'v1' }).filter({ hasText: 'drift' }).first();
    await version.waitFor({ timeout: 60_000 });
    const text = await version.innerText();
    assert.match(text, /v1/);
    assert.match(text, /300 rows · ⚠ drift 50% vs reference@1 · current/);
    await version.hover();
    const hover = page.locator('.monaco-hover-content, .custom-hover', { hasText: 'Drift vs' }).first();
    await hover.waitFor({ timeout: 30_000 });
    await screenshot(page, 'datasets-drift-badge');
    assert.match(await hover.innerText(), /Drift vs reference@1 \(\s*\S*\/data\/reference\.csv\s*\): dataset drift: 2 of 4 columns drifted \(50\.0%\)/);
  });

  it('Compare With Reference… on live keeps the panel\'s verdict with the new content\'s version: v2 "no drift 0% vs reference@1"', async () => {
    writeDriftCsv(join(work, 'data', 'live.csv'), { rows: 300, shift: 0, seed: 2 });
    await page.keyboard.press('Escape');
    const datasets = pane(page, 'Datasets');
    const live = datasets.locator('.monaco-list-row', { hasText: /^live/ }).first();
    const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'reference' }).first();
    const picking = (): Promise<boolean> => pick.waitFor({ timeout: 10_000 }).then(() => true, () => false);
    await fromContextMenu(page, live, 'Compare With Reference…', picking, 'Compare With Reference… showed no quick pick with the reference');
    await pick.click();
    // the panel opens (its tab), and the verdict lands on a new version of live
    await page.locator('.tab', { hasText: 'Drift: live vs reference' }).first().waitFor({ timeout: 60_000 });
    const v2 = datasets.locator('.monaco-list-row', { hasText: 'v2' }).first();
    await v2.waitFor({ timeout: 60_000 });
    assert.match(await v2.innerText(), /300 rows · no drift 0% vs reference@1 · current/);
    await screenshot(page, 'datasets-drift-badge-compare');
  });
});
