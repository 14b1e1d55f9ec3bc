// Loads a panel's page in headless Chromium as VS Code would, outside VS Code: the same HTML the extension
// builds (src/webviews/html.ts, its CSP enforced), the built bundle (dist/webviews/<bundle>.js/.css), a
// stand-in for acquireVsCodeApi that records what the page posts and keeps its state (sessionStorage, so it
// survives a reload like VS Code's), and a theme's --vscode-* variables. Every panel's browser test uses it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { pageHtml } from '../../src/webviews/html';

const ROOT = join(__dirname, '..', '..');
const ORIGIN = 'https://sextant-webview.test';

/** The --vscode-* variables the page uses, as VS Code's default themes set them (a subset). */
export const THEMES: Record<'light' | 'dark' | 'high-contrast', { bodyClass: string; vars: Record<string, string> }> = {
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-font-family': 'system-ui, sans-serif', '--vscode-font-size': '13px', '--vscode-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff',
      '--vscode-descriptionForeground': '#717171', '--vscode-errorForeground': '#f85149', '--vscode-focusBorder': '#005fb8', '--vscode-editorWidget-border': '#c8c8c8',
      '--vscode-panel-border': '#e5e5e5', '--vscode-diffEditor-insertedLineBackground': 'rgba(155, 185, 85, 0.2)', '--vscode-disabledForeground': 'rgba(97, 97, 97, 0.5)',
      '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#388a34', '--vscode-charts-purple': '#652d90', '--vscode-charts-red': '#e51400', '--vscode-charts-yellow': '#bf8803',
      // The controls (webview-ui-toolkit reads these; without them it falls back to its dark defaults) and lists.
      '--vscode-input-background': '#ffffff', '--vscode-input-foreground': '#3b3b3b', '--vscode-input-placeholderForeground': '#767676', '--vscode-input-border': '#cecece',
      '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#0258a8', '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b', '--vscode-button-secondaryHoverBackground': '#cccccc',
      '--vscode-checkbox-background': '#f8f8f8', '--vscode-checkbox-border': '#cecece', '--vscode-checkbox-foreground': '#3b3b3b', '--vscode-dropdown-background': '#ffffff', '--vscode-dropdown-border': '#cecece', '--vscode-dropdown-foreground': '#3b3b3b',
      '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-list-inactiveSelectionBackground': '#e4e6f1', '--vscode-textLink-foreground': '#005fb8',
    },
  },
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-font-family': 'system-ui, sans-serif', '--vscode-font-size': '13px', '--vscode-foreground': '#cccccc', '--vscode-editor-background': '#1f1f1f',
      '--vscode-descriptionForeground': '#9d9d9d', '--vscode-errorForeground': '#f85149', '--vscode-focusBorder': '#0078d4', '--vscode-editorWidget-border': '#454545',
      '--vscode-panel-border': '#2b2b2b', '--vscode-diffEditor-insertedLineBackground': 'rgba(155, 185, 85, 0.2)', '--vscode-disabledForeground': 'rgba(204, 204, 204, 0.5)',
      '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185', '--vscode-charts-purple': '#b180d7', '--vscode-charts-red': '#f14c4c', '--vscode-charts-yellow': '#cca700',
      '--vscode-input-background': '#313131', '--vscode-input-foreground': '#cccccc', '--vscode-input-placeholderForeground': '#989898', '--vscode-input-border': '#3c3c3c',
      '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#026ec1', '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc', '--vscode-button-secondaryHoverBackground': '#3c3c3c',
      '--vscode-checkbox-background': '#313131', '--vscode-checkbox-border': '#3c3c3c', '--vscode-checkbox-foreground': '#cccccc', '--vscode-dropdown-background': '#313131', '--vscode-dropdown-border': '#3c3c3c', '--vscode-dropdown-foreground': '#cccccc',
      '--vscode-list-hoverBackground': '#2a2d2e', '--vscode-list-inactiveSelectionBackground': '#37373d', '--vscode-textLink-foreground': '#4daafc',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    vars: {
      '--vscode-font-family': 'system-ui, sans-serif', '--vscode-font-size': '13px', '--vscode-foreground': '#ffffff', '--vscode-editor-background': '#000000',
      '--vscode-descriptionForeground': 'rgba(255, 255, 255, 0.7)', '--vscode-errorForeground': '#f48771', '--vscode-focusBorder': '#f38518', '--vscode-editorWidget-border': '#6fc3df',
      '--vscode-panel-border': '#6fc3df', '--vscode-diffEditor-insertedLineBackground': 'rgba(155, 185, 85, 0.4)', '--vscode-disabledForeground': '#a5a5a5',
      '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185', '--vscode-charts-purple': '#b180d7', '--vscode-charts-red': '#f14c4c', '--vscode-charts-yellow': '#cca700',
    },
  },
};

/** Stand-in for acquireVsCodeApi: posts recorded in window.__posted, state kept in sessionStorage (survives a reload, like VS Code's). */
const VSCODE_STUB = `
  window.__posted = [];
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__posted.push(m),
    getState: () => { const s = sessionStorage.getItem('state'); return s ? JSON.parse(s) : undefined; },
    setState: (s) => sessionStorage.setItem('state', JSON.stringify(s)),
  });
`;

export type Theme = keyof typeof THEMES;

/** A page loaded as VS Code would load the panel (same HTML, CSP enforced), with CSP violations and errors collected in `problems`. */
export async function openPanelPage(browser: Browser, bundle: string, theme: Theme = 'dark', viewport = { width: 1100, height: 900 }): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  const html = pageHtml({ cspSource: ORIGIN, scriptUri: `${ORIGIN}/dist/webviews/${bundle}.js`, styleUri: `${ORIGIN}/dist/webviews/${bundle}.css`, title: bundle });
  await page.route(`${ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
    if (path.startsWith('/dist/webviews/') && !path.includes('..')) {
      return route.fulfill({ contentType: path.endsWith('.css') ? 'text/css' : 'text/javascript', body: readFileSync(join(ROOT, path)) });
    }
    return route.fulfill({ status: 404, body: '' });
  });
  await page.addInitScript(VSCODE_STUB);
  await page.addInitScript(({ bodyClass, vars }) => {
    document.addEventListener('DOMContentLoaded', () => {
      document.body.classList.add(bodyClass);
      for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
    });
  }, THEMES[theme]);
  await page.goto(`${ORIGIN}/index.html`);
  return { page, problems };
}

/** Posts a message to the page as the extension host would. */
export function sendToPage(page: Page, message: unknown): Promise<void> {
  return page.evaluate((m) => window.postMessage(m, '*'), message);
}

/** What the page posted to the host so far. */
export function postedByPage(page: Page): Promise<unknown[]> {
  return page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
}

/** Waits until the page has posted a message of this type. */
export async function waitForPosted(page: Page, type: string): Promise<void> {
  await page.waitForFunction((t) => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === t), type);
}
