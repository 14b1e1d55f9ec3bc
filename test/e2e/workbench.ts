// Drives the VS Code workbench in Debian's Chromium (playwright-core; never a downloaded browser).
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { join } from 'node:path';
import { OUTPUT } from './codeServer';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

let sharedBrowser: Promise<Browser> | undefined;

/** The Chromium of this test run, launched when a suite first asks; each suite opens its own pages in it. Closed by the root hook. */
export function browserOfRun(): Promise<Browser> {
  sharedBrowser ??= launchBrowser();
  return sharedBrowser;
}

/** Closes the run's Chromium, if a suite launched it. */
export async function closeBrowserOfRun(): Promise<void> {
  const browser = sharedBrowser;
  sharedBrowser = undefined;
  await (await browser?.catch(() => undefined))?.close();
}

export async function openWorkspace(browser: Browser, url: string, folder: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForSelector('.activitybar [aria-label*="Sextant"]', { timeout: 60_000 });
  return page;
}

export async function showSextant(page: Page): Promise<void> {
  const item = page.locator('.activitybar [aria-label*="Sextant"]').first();
  const checked = await item.getAttribute('aria-checked').catch(() => null);
  if (checked !== 'true') await item.click();
  await page.waitForSelector('.pane-header:has-text("Datasets")', { timeout: 30_000 });
}

/** Header titles of the view panes in the side bar. */
export async function paneTitles(page: Page): Promise<string[]> {
  return page.locator('.sidebar .pane-header .title').allInnerTexts();
}

export function pane(page: Page, title: string) {
  return page.locator('.sidebar .pane').filter({ has: page.locator('.pane-header .title', { hasText: new RegExp(`^${title}$`, 'i') }) });
}

export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(OUTPUT, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * Right-clicks `row` and picks `action` from its context menu, until `done` holds (3 tries, else an error
 * saying `what`). A refresh of the view closes an open menu, and VS Code ignores a click on a menu that has
 * only just opened: so wait a little, click, and repeat the whole gesture when nothing came of it.
 */
export async function fromContextMenu(page: Page, row: Locator, action: string, done: () => Promise<boolean>, what: string): Promise<void> {
  const escaped = action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const item = page.locator('.monaco-menu .action-item', { hasText: new RegExp(`^${escaped}$`) }).first();
  for (let attempt = 1; ; attempt++) {
    await row.click({ button: 'right' });
    await item.waitFor({ timeout: 10_000 });
    await page.waitForTimeout(400);
    await item.click().catch(() => undefined);
    if (await done()) return;
    if (attempt === 3) {
      await screenshot(page, 'failed-context-menu');
      throw new Error(`${what} in 3 tries`);
    }
    await page.keyboard.press('Escape');
  }
}

/**
 * Expands the tree row `parent` until `child` shows (3 tries, else an error saying `what`). The view may
 * expand the row itself while it is drawn (the most recent experiment is expanded by default), so a click
 * read against a stale aria-expanded folds it again: look again after each click.
 */
export async function expandUntil(page: Page, parent: Locator, child: Locator, what: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if ((await parent.getAttribute('aria-expanded')) !== 'true') await parent.click();
    if (await child.waitFor({ timeout: 10_000 }).then(() => true, () => false)) return;
    if (attempt === 3) {
      await screenshot(page, 'failed-expand');
      throw new Error(`${what} (3 tries)`);
    }
  }
}

/** The lines of the visible Output channel that contain `text` (the panel's filter box narrows them). */
export async function outputLines(page: Page, text: string): Promise<string> {
  const filter = page.locator('.part.panel .viewpane-filter input').first();
  const lines = page.locator('.part.panel .view-lines');
  // The Output view can still be switching to the channel when the filter is typed, and then clears it (seen
  // in the screenshot of a failure: an empty filter, the line scrolled away): type it again until it holds.
  for (let attempt = 1; ; attempt++) {
    await filter.fill(text);
    const shown = await lines.filter({ hasText: text }).first().waitFor({ timeout: 7_000 }).then(() => true, () => false);
    if (shown) break;
    if (attempt === 3) throw new Error(`the Output view showed no line with "${text}" (filter now "${await filter.inputValue()}")`);
  }
  const content = await lines.first().innerText();
  await filter.fill('');
  return content;
}

/**
 * Waits until an editor shows an error squiggle under `word` itself (where a rendered line has it followed by `after`):
 * an error decoration on the same line that covers most of the word and is not much wider. Runs in the page
 * (a string, since the test's TypeScript has no DOM types).
 */
export async function waitForSquiggle(page: Page, word: string, after: string, timeout: number): Promise<void> {
  const script = `(() => {
    const word = ${JSON.stringify(word)}, needle = word + ${JSON.stringify(after)};
    for (const editor of document.querySelectorAll('.monaco-editor')) {
      for (const line of editor.querySelectorAll('.view-line')) {
        const at = line.textContent.indexOf(needle);
        if (at < 0) continue;
        // the word may span several token <span>s: find where it starts and ends among the line's text nodes
        const range = document.createRange();
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        let offset = 0, started = false;
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const length = node.textContent.length;
          if (!started && at < offset + length) { range.setStart(node, at - offset); started = true; }
          if (started && at + word.length <= offset + length) { range.setEnd(node, at + word.length - offset); break; }
          offset += length;
        }
        const box = range.getBoundingClientRect();
        if (box.width === 0) continue;
        for (const squiggle of editor.querySelectorAll('.squiggly-error')) {
          const r = squiggle.getBoundingClientRect();
          const overlap = Math.min(r.right, box.right) - Math.max(r.left, box.left);
          if (r.top < box.bottom && r.bottom > box.top && overlap >= 0.8 * box.width && r.width <= 2 * box.width) return true;
        }
      }
    }
    return false;
  })()`;
  await page.waitForFunction(script, undefined, { timeout, polling: 250 });
}
