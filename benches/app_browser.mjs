// The app's numbers once in the real browser: Debian's Chromium (playwright-core) against
// `trawl serve` on an existing database (use a 100k-trajectory one):
//   - app start to first screen: navigation until the result count and the first rows show;
//   - facet click to updated results: click a repo facet value until the count changes;
//   - open a 100-step trajectory: from navigation to its hash until every step is rendered;
//   - scrolling: jump the result table to positions across the list and count blank rows after
//     the scroll stops.
// Usage: node benches/app_browser.mjs DB [TRAWL_BIN]   (run from the repository root; needs ui/dist)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(resolve('ui/package.json'));
const { chromium } = require('playwright-core');
const db = process.argv[2];
const bin = process.argv[3] ?? 'target/release/trawl';
if (!db) {
  console.error('usage: node benches/app_browser.mjs DB [TRAWL_BIN]');
  process.exit(2);
}
const token = `bench-${Math.random().toString(36).slice(2)}`;
const proc = spawn(bin, ['--db', db, 'serve', '--port', '0', '--ui', 'ui/dist'], {
  env: { ...process.env, TRAWL_TOKEN: token },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((res, rej) => {
  let out = '';
  proc.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
    if (m) res(`http://127.0.0.1:${m[1]}`);
  });
  proc.on('exit', (c) => rej(new Error(`serve exited ${c}`)));
});
const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'trawl-bench-')), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const page = await ctx.newPage();
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const countText = () => page.getByTestId('result-count').textContent();

// Start: the first load sets the cookie; later loads are what a user sees on each start.
await page.goto(`${url}/?token=${token}#/search`);
await page.getByTestId('result-row').first().waitFor({ timeout: 60000 });
const starts = [];
for (let i = 0; i < 5; i++) {
  await page.goto('about:blank');
  const t0 = Date.now();
  await page.goto(`${url}/#/search?q=`);
  await page.getByTestId('result-row').first().waitFor({ timeout: 60000 });
  starts.push(Date.now() - t0);
}

// Facet clicks.
const clicks = [];
for (let i = 0; i < 6; i++) {
  await page.goto(`${url}/#/search?q=`);
  await page.getByTestId('result-row').first().waitFor();
  const before = await countText();
  const value = page.getByTestId('facet-repo').getByTestId('facet-value').nth(i);
  const t0 = Date.now();
  await value.click();
  await page.waitForFunction((b) => {
    const el = document.querySelector('[data-testid="result-count"]');
    return el && el.textContent !== b && /\d/.test(el.textContent);
  }, before, { timeout: 30000 });
  clicks.push(Date.now() - t0);
}

// Opening 100-step trajectories.
const api = async (method, params) => {
  const r = await page.request.post(`${url}/api`, { data: { method, params }, headers: { authorization: `Bearer ${token}` } });
  return r.json();
};
const pick = await api('search', { query: 'steps:95..105', limit: 8, offset: 0, snippets: false });
const opens = [];
for (const h of pick.hits) {
  const t0 = Date.now();
  await page.goto(`${url}/#/t/${h.id}`);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="step"]').length >= n, Math.min(h.steps, 20), { timeout: 30000 });
  opens.push(Date.now() - t0);
}

// Scrolling: jump through the list and count rows without an id after the table settles.
await page.goto(`${url}/#/search?q=`);
await page.getByTestId('result-row').first().waitFor();
let blank = 0;
const jumps = 10;
for (let i = 1; i <= jumps; i++) {
  await page.evaluate((f) => {
    const rows = document.querySelector('[data-testid="result-row"]');
    let el = rows?.parentElement;
    while (el && el.scrollHeight <= el.clientHeight) el = el.parentElement;
    if (el) el.scrollTop = (el.scrollHeight - el.clientHeight) * f;
  }, i / jumps);
  await page.waitForTimeout(400);
  blank += await page.evaluate(() => [...document.querySelectorAll('[data-testid="result-row"]')].filter((r) => !r.getAttribute('data-id')).length);
}

console.log(`app in Chromium on ${db}:`);
console.log(`  start to first screen       median ${median(starts)} ms  (${starts.join(', ')})`);
console.log(`  facet click to results      median ${median(clicks)} ms  (${clicks.join(', ')})`);
console.log(`  open ~100-step trajectory   median ${median(opens)} ms  (${opens.join(', ')})`);
console.log(`  blank rows after ${jumps} scroll jumps: ${blank}`);
await ctx.close();
proc.kill();
