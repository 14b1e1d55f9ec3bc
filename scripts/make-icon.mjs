// Renders media/icon.png (the Marketplace icon, 128×128) from the activity-bar SVG with Debian's Chromium.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const svg = readFileSync('media/sextant.svg', 'utf8').replace('stroke="currentColor"', 'stroke="#ffffff"');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
await page.setContent(`<body style="margin:0"><div style="width:128px;height:128px;border-radius:24px;background:linear-gradient(135deg,#1d4e89,#3fa7d6);display:flex;align-items:center;justify-content:center">${svg.replace('width="24" height="24"', 'width="96" height="96"')}</div></body>`);
await page.screenshot({ path: 'media/icon.png', omitBackground: true });
await browser.close();
console.log('media/icon.png written');
