// The drift report's page in headless Chromium with bad input, every message built by the drift engine from
// real files (as the host does: compareWithHistograms, driftPanelData, describeError for a file it cannot
// read): a comparison that tests some columns and says, for the others, why not (one side only, all
// missing, numbers on one side and text on the other, a stray text), and files it cannot compare at all
// (a ragged row, Latin-1, a header-only reference, a 1-row reference). Screenshots in
// test-output/webviews/drift-bad-*.png: look at them.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { compareWithHistograms } from '../../src/engine/drift/histograms';
import { describeError } from '../../src/engine/result';
import { driftPanelData } from '../../src/webviews/drift/data';
import type { DriftPanelData } from '../../src/webviews/drift/protocol';
import { openPanelPage, postedByPage, sendToPage, waitForPosted } from '../support/webviewPage';
import { distOfRun } from './distOfRun';
import { browserOfRun } from './workbench';

const ROOT = join(__dirname, '..', '..');
const OUTPUT = join(ROOT, 'test-output', 'webviews');

describe('drift report in Chromium: bad input (messages from the drift engine)', function () {
  this.timeout(120_000);
  let browser: Browser;
  const scratch = mkdtempSync(join(tmpdir(), 'sextant-drift-bad-page-'));
  const file = (name: string): string => join(scratch, name);

  /** What the host sends for two files: the data, or the engine's error as describeError words it. */
  function hostMessage(ref: string, cur: string): { type: 'data'; data: DriftPanelData } | { type: 'error'; message: string } {
    const compared = compareWithHistograms(file(ref), file(cur));
    if (!compared.ok) return { type: 'error', message: describeError(compared.error) };
    return { type: 'data', data: driftPanelData({ reference: { file: file(ref), label: ref }, current: { file: file(cur), label: cur } }, compared.value, 3) };
  }

  before(async () => {
    distOfRun();
    mkdirSync(OUTPUT, { recursive: true });
    const n = 60;
    const plans = ['basic', 'pro', 'team'];
    // reference: age (numbers), plan, score (numbers), notes (reference only), coupon
    writeFileSync(file('reference.csv'), `${['age,plan,score,notes,coupon', ...Array.from({ length: n }, (_, i) => `${20 + (i % 40)},${plans[i % 3]},${i % 9},note ${i % 4},C${i % 2}`)].join('\n')}\n`);
    // current: age with one stray text (a warning at its line), score as words (numbers on the other side),
    // coupon all missing, extra (current only)
    writeFileSync(file('current.csv'), `${['age,plan,score,coupon,extra', ...Array.from({ length: n }, (_, i) => `${i === 30 ? 'unknown' : 30 + (i % 40)},${plans[(i * 7) % 3]},${['low', 'mid', 'high', '4'][i % 4]},${i % 2 ? '' : 'NA'},x${i}`)].join('\n')}\n`);
    writeFileSync(file('ragged.csv'), 'age,plan\n30,basic\n31\n');
    writeFileSync(file('latin1.csv'), Buffer.concat([Buffer.from('age,plan\n30,basic\n31,caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    writeFileSync(file('header-only.csv'), 'age,plan,score,notes,coupon\n');
    writeFileSync(file('one-row.csv'), 'age,plan,score,notes,coupon\n41,basic,3,n,C1\n');
    browser = await browserOfRun();
  });

  after(async () => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('tests what it can and says, per column, what could not be tested and why, and each warning with file and line', async () => {
    const message = hostMessage('reference.csv', 'current.csv');
    assert.equal(message.type, 'data');
    const data = (message as { data: DriftPanelData }).data;
    const { page, problems } = await openPanelPage(browser, 'drift', 'dark', { width: 1100, height: 1300 });
    await waitForPosted(page, 'ready');
    await sendToPage(page, message);
    await page.waitForSelector('table.columns');
    assert.deepEqual(
      await page.locator('table.columns tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-column'))),
      data.columns.map((c) => c.column),
    );
    assert.deepEqual(data.columns.map((c) => [c.column, c.type]), [['age', 'categorical'], ['plan', 'categorical'], ['score', 'categorical']]);
    const notTested = await page.locator('.not-tested li').allInnerTexts();
    assert.deepEqual(notTested, [`notes: only in the reference file (${file('reference.csv')})`, 'coupon: every value is missing in the current file', `extra: only in the current file (${file('current.csv')})`]);
    const warnings = await page.locator('.warnings li').allInnerTexts();
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings.find((w) => w.includes('"age"'))!, new RegExp(`^${file('current.csv').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:32: Column "age" is 98\\.3% numbers but has "unknown" here, so it was compared as categories\\.$`));
    assert.match(warnings.find((w) => w.includes('"score"'))!, /current\.csv:2: Column "score" holds numbers in the reference file \(.*reference\.csv\) but "low" here \(25\.0% numbers\), so both sides were compared as categories\.$/);
    assert.deepEqual(problems, []);
    await page.screenshot({ path: join(OUTPUT, 'drift-bad-partial.png'), fullPage: true });
    await page.close();
  });

  it('files it cannot compare: the engine\'s message naming the file and line (and the fix); a header-only or 1-row reference: nothing testable, and why', async () => {
    const { page, problems } = await openPanelPage(browser, 'drift', 'light', { width: 1100, height: 700 });
    await waitForPosted(page, 'ready');
    for (const [ref, cur, expected] of [
      ['reference.csv', 'ragged.csv', new RegExp(`^${file('ragged.csv').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: Row has 1 field, but the header has 2 \\(age, plan\\)`)],
      ['latin1.csv', 'current.csv', /latin1\.csv:3: This line is not valid UTF-8[\s\S]*fix: /],
    ] as const) {
      const message = hostMessage(ref, cur);
      assert.equal(message.type, 'error', `${ref} vs ${cur}`);
      await sendToPage(page, message);
      await page.waitForSelector('.note.error');
      assert.match(await page.locator('.note.error').innerText(), expected);
      assert.equal(await page.locator('h1').innerText(), 'Drift: the files could not be compared');
    }
    // the fix on a line of its own, and Compare Again to retry once the file is fixed
    assert.match(await page.locator('.note.error').innerText(), /\(the file may be Latin-1 or Windows-1252\)\.\n\s*fix: Save the file as UTF-8/);
    await page.locator('vscode-button', { hasText: 'Compare Again' }).click();
    assert.ok((await postedByPage(page)).some((m) => (m as { type: string }).type === 'refresh'), 'Compare Again asks the host to compare again');
    await page.screenshot({ path: join(OUTPUT, 'drift-bad-error.png'), fullPage: true });

    for (const [ref, reason, columns] of [
      ['header-only.csv', `the reference file has no data rows, only its header (${file('header-only.csv')})`, ['age', 'plan', 'score', 'coupon']],
      // coupon: every value is missing in the current file (said first)
      ['one-row.csv', 'the reference has 1 value: too few to compare a distribution with', ['age', 'plan', 'score']],
    ] as const) {
      const message = hostMessage(ref, 'current.csv');
      assert.equal(message.type, 'data');
      await sendToPage(page, message);
      await page.waitForSelector('.verdict[data-verdict="untested"]');
      assert.equal(await page.locator('.verdict-title').innerText(), 'No column could be tested');
      assert.equal(await page.locator('.verdict .share').count(), 0, 'no share: 0% would read as "no drift"');
      assert.equal(await page.locator('#h-charts').count(), 0, 'no empty Distributions section');
      const items = await page.locator('.not-tested li').allInnerTexts();
      for (const column of columns) assert.ok(items.includes(`${column}: ${reason}`), `${ref}: ${column}\n${items.join('\n')}`);
      if (ref === 'header-only.csv') await page.screenshot({ path: join(OUTPUT, 'drift-bad-untested.png'), fullPage: true });
    }
    assert.deepEqual(problems, []);
    await page.close();
  });
});
