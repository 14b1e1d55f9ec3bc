// The compare panel in Chromium (/usr/bin/chromium, playwright-core): 100 runs × 10,000 steps (1M points)
// logged through the Tracker, read as the extension reads them (buildCompareData: the engine downsamples
// each curve to ≤ 500 points in SQLite), posted to the real page (dist/webviews/compare.js, the
// extension's HTML and CSP). Figures, medians over fresh pages:
//   - the host's read (store → message), for scale;
//   - first chart: from posting the data message to the first chart painted (the frame after it is drawn);
//   - the anchor, measured the same way in the same run: posting a one-line message that the page shows
//     (an empty page), so the ratio says what the charts cost over the page's own round trip;
//   - interaction at 1M points: a mouse move over the chart → every run's value listed under it (the
//     handler, and until the next frame), and a drag-zoom → the zoomed chart's next frame;
//   - the same with every point sent (no downsampling: 1M points in the page), to show what the engine's
//     downsampling saves.
// SEXTANT_BENCH_QUICK=1: 10 runs, 3 pages each.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Tracker } from '../src/engine/tracking/tracking';
import { buildCompareData } from '../src/webviews/compare/data';
import type { CompareData } from '../src/webviews/compare/protocol';
import { pageHtml } from '../src/webviews/html';
import { THEMES } from '../test/support/webviewPage';
import { launchBrowser } from '../test/e2e/workbench';
import { fmt, median, timeMs, type Bench } from './util';

const QUICK = Boolean(process.env.SEXTANT_BENCH_QUICK);
const RUNS = QUICK ? 10 : 100;
const STEPS = 10_000;
const PAGES = QUICK ? 3 : 5;
const HOVERS = 40;
const T0 = 1_780_000_000_000;
const ORIGIN = 'https://sextant-webview.bench';
/** dist/ (this file runs bundled as dist/bench.js). */
const DIST = __dirname;

function buildStore(dir: string): { tracker: Tracker; runIds: string[] } {
  const opened = Tracker.open({ storePath: join(dir, 'sextant.db'), artifactsDir: join(dir, 'artifacts') }, { create: true, flushMs: -1 });
  if (!opened.ok) throw new Error(opened.error.message);
  const tracker = opened.value;
  const runIds: string[] = [];
  for (let r = 0; r < RUNS; r++) {
    const run = tracker.startRun({ experiment: 'bench', name: `run-${r}`, params: { lr: 0.001 * (r + 1), layers: 2 + (r % 3) } });
    if (!run.ok) throw new Error(run.error.message);
    const points = new Array(STEPS);
    for (let s = 0; s < STEPS; s++) points[s] = { key: 'loss', value: Math.exp(-s / (1500 + 20 * r)) + 0.05 * Math.sin(s * 0.37 + r) + 0.1, step: s, timestamp: T0 + r * 1000 + s * 50 };
    const logged = tracker.logMetrics(run.value.id, points);
    if (!logged.ok) throw new Error(logged.error.message);
    runIds.push(run.value.id);
  }
  const flushed = tracker.flush();
  if (!flushed.ok) throw new Error(flushed.error.message);
  return { tracker, runIds };
}

/** The page as VS Code loads it (the extension's HTML, CSP enforced), with a stand-in for acquireVsCodeApi. */
async function openPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const html = pageHtml({ cspSource: ORIGIN, scriptUri: `${ORIGIN}/webviews/compare.js`, styleUri: `${ORIGIN}/webviews/compare.css`, title: 'compare' });
  await page.route(`${ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
    if (/^\/webviews\/compare\.(js|css)$/.test(path)) return route.fulfill({ contentType: path.endsWith('.css') ? 'text/css' : 'text/javascript', body: readFileSync(join(DIST, path)) });
    return route.fulfill({ status: 404, body: '' });
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __posted: unknown[]; acquireVsCodeApi: () => unknown };
    w.__posted = [];
    let state: unknown;
    w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => w.__posted.push(m), getState: () => state, setState: (s: unknown) => ((window as unknown as { __state: unknown }).__state = state = s) });
  });
  await page.addInitScript(({ bodyClass, vars }) => {
    document.addEventListener('DOMContentLoaded', () => {
      document.body.classList.add(bodyClass);
      for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
    });
  }, THEMES.dark);
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  return page;
}

/** Posts a message inside the page and resolves with the ms until the frame after `selector` appears. */
function postAndPaint(page: Page, message: unknown, selector: string): Promise<number> {
  return page.evaluate(
    ({ message, selector }) =>
      new Promise<number>((resolve) => {
        const t0 = performance.now();
        const done = (): void => {
          requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
        };
        const observer = new MutationObserver(() => {
          if (document.querySelector(selector)) {
            observer.disconnect();
            done();
          }
        });
        observer.observe(document.body, { subtree: true, childList: true });
        window.postMessage(message, '*');
      }),
    { message, selector },
  );
}

/** Mouse moves over the chart (uPlot's own listeners): the handler's time until every run's value is listed, and until the next frame. */
function hoverLatency(page: Page, moves: number): Promise<{ handler: number[]; frame: number[]; listed: number }> {
  return page.evaluate(async (moves) => {
    const over = document.querySelector<HTMLElement>('figure.chart[data-key="loss"] .u-over')!;
    const box = over.getBoundingClientRect();
    const values = [...document.querySelectorAll('figure.chart[data-key="loss"] .hover-legend li[data-run] .value')];
    const handler: number[] = [];
    const frame: number[] = [];
    for (let i = 0; i < moves; i++) {
      const x = box.left + box.width * (0.05 + (0.9 * i) / moves);
      const t0 = performance.now();
      over.dispatchEvent(new MouseEvent('mousemove', { clientX: x, clientY: box.top + box.height / 2, bubbles: true }));
      handler.push(performance.now() - t0);
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      frame.push(performance.now() - t0);
    }
    return { handler, frame, listed: values.filter((v) => v.textContent !== '–').length };
  }, moves);
}

/** A drag across the middle of the chart, then the frame after the zoomed chart is drawn. */
function zoomLatency(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const over = document.querySelector<HTMLElement>('figure.chart[data-key="loss"] .u-over')!;
    const box = over.getBoundingClientRect();
    // movementX: uPlot ignores a move of 0 while dragging (a stray event in Chrome).
    const at = (f: number): MouseEventInit => ({ clientX: box.left + box.width * f, clientY: box.top + box.height / 2, movementX: 10, bubbles: true, button: 0, buttons: 1 });
    over.dispatchEvent(new MouseEvent('mousedown', at(0.3)));
    over.dispatchEvent(new MouseEvent('mousemove', at(0.45)));
    over.dispatchEvent(new MouseEvent('mousemove', at(0.6)));
    const t0 = performance.now();
    document.dispatchEvent(new MouseEvent('mouseup', at(0.6)));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const ms = performance.now() - t0;
    const zoom = (window as unknown as { __state?: { zoom?: Record<string, unknown> } }).__state?.zoom?.loss;
    if (!zoom) throw new Error('the drag did not zoom the chart');
    return ms;
  });
}

async function measure(browser: Browser, data: CompareData, print: (line: string) => void, label: string): Promise<void> {
  const message = { type: 'data', data };
  const bytes = JSON.stringify(message).length;
  const points = data.series.reduce((n, s) => n + s.steps.length, 0);
  const anchors: number[] = [];
  const firsts: number[] = [];
  const handlers: number[] = [];
  const frames: number[] = [];
  const zooms: number[] = [];
  let listed = 0;
  for (let i = 0; i < PAGES; i++) {
    const page = await openPage(browser);
    anchors.push(await postAndPaint(page, { type: 'error', message: 'anchor: a one-line message' }, '[role="alert"]'));
    firsts.push(await postAndPaint(page, message, 'figure.chart canvas'));
    const hover = await hoverLatency(page, HOVERS);
    handlers.push(...hover.handler.slice(5));
    frames.push(...hover.frame.slice(5));
    listed = hover.listed;
    zooms.push(await zoomLatency(page));
    await page.close();
  }
  const anchor = median(anchors);
  const first = median(firsts);
  print(`${label}: ${data.runs.length} runs, ${points.toLocaleString('en')} points in the message (${(bytes / 1e6).toFixed(1)} MB as JSON)`);
  print(`  anchor (post → an empty page's message painted): median ${fmt(anchor)}`);
  print(`  first chart (post → first chart painted): median ${fmt(first)} (${(first / anchor).toFixed(1)}× the anchor; target < 1000 ms)`);
  print(`  hover → ${listed} runs' values listed: handler median ${fmt(median(handlers))}, to the next frame median ${fmt(median(frames))}`);
  print(`  drag-zoom → zoomed chart's next frame: median ${fmt(median(zooms))}`);
}

export const webviewBench: Bench = {
  name: 'webview',
  async run(print) {
    const bundle = join(DIST, 'webviews', 'compare.js');
    print(`page bundle dist/webviews/compare.js: ${(statSync(bundle).size / 1024).toFixed(0)} KiB (this build; see docs for the minified figure)`);
    const dir = mkdtempSync(join(tmpdir(), 'sextant-bench-webview-'));
    let browser: Browser | undefined;
    try {
      let store!: { tracker: Tracker; runIds: string[] };
      const logMs = timeMs(() => (store = buildStore(dir)));
      print(`${RUNS} runs × ${STEPS.toLocaleString('en')} steps = ${(RUNS * STEPS).toLocaleString('en')} points logged through the Tracker in ${fmt(logMs)}${QUICK ? ' (QUICK)' : ''}`);
      let data!: CompareData;
      const reads: number[] = [];
      for (let i = 0; i < 3; i++) {
        reads.push(
          timeMs(() => {
            const built = buildCompareData(store.tracker, store.runIds);
            if (!built.ok) throw new Error(built.message);
            data = built.value;
          }),
        );
      }
      print(`host: buildCompareData (engine downsampling to ≤ 500 points a curve): median ${fmt(median(reads))}`);
      let raw!: CompareData;
      const rawMs = timeMs(() => {
        const built = buildCompareData(store.tracker, store.runIds, { maxPoints: STEPS });
        if (!built.ok) throw new Error(built.message);
        raw = built.value;
      });
      store.tracker.close();
      browser = await launchBrowser();
      await measure(browser, data, print, 'downsampled by the engine (what the panel sends)');
      print(`host: every point read (no downsampling): ${fmt(rawMs)}`);
      await measure(browser, raw, print, 'every point sent (no downsampling, for comparison)');
    } finally {
      await browser?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
