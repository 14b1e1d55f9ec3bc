// Drives the VS Code workbench in Debian's Chromium (playwright-core; never a downloaded browser).
import { chromium, type Browser, type Page } from 'playwright-core';
import { join } from 'node:path';
import { OUTPUT } from './codeServer';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
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

/** The lines of the visible Output channel that contain `text` (the panel's filter box narrows them). */
export async function outputLines(page: Page, text: string): Promise<string> {
  const filter = page.locator('.part.panel .viewpane-filter input').first();
  await filter.fill(text);
  const lines = page.locator('.part.panel .view-lines');
  await lines.filter({ hasText: text }).first().waitFor({ timeout: 20_000 });
  const content = await lines.first().innerText();
  await filter.fill('');
  return content;
}
