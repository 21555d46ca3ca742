// The app's numbers once in the real browser: Debian's Chromium (playwright-core) against
// `trawl serve` on an existing database (use a 100k-trajectory one):
//   - app start to first screen: navigation until the result count and the first rows show;
//   - facet click to updated results: a real mouse click on a repo facet value until the count
//     changes and the next frame is painted;
//   - open a 100-step trajectory: from navigation to its hash until its first screen is painted
//     (its steps reach past the bottom of the window), and, second number, until all of its steps
//     are in the page;
//   - labelling: `1` then Enter on a trajectory of the result list, from the Enter keydown until
//     the next trajectory is shown (painted);
//   - scrolling: jump the result table to positions across the list and count blank rows after
//     the scroll stops.
// Usage: node benches/app_browser.mjs DB [TRAWL_BIN]   (run from the repository root; needs ui/dist)
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
const token = randomBytes(32).toString('hex'); // trawl serve needs at least 43 characters
const proc = spawn(bin, ['--db', db, 'serve', '--port', '0', '--ui', 'ui/dist'], {
  // Labels written by the labelling measurement go under their own annotator and are undone.
  env: { ...process.env, TRAWL_TOKEN: token, TRAWL_ANNOTATOR: 'trawl-bench', TRAWL_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'trawl-bench-cfg-')) },
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

// Timing happens in the page (performance.now), from the input event to the frame that shows the
// result, so the driver's own overhead (actionability checks, polling) is not counted.

// Facet clicks: a real mouse click (CDP input) on a repo facet value; from the click event to the
// result count changing, and to the next frame painted.
const clicks = [];
const clicksPaint = [];
for (let i = 0; i < 8; i++) {
  await page.goto(`${url}/#/search?q=`);
  await page.waitForFunction(() => document.querySelector('[data-testid="result-count"]')?.textContent?.match(/\d/) && !document.querySelector('[data-testid="facet-repo"] .facet-value.on'));
  const value = page.getByTestId('facet-repo').getByTestId('facet-value').nth(i);
  await value.scrollIntoViewIfNeeded();
  const box = await value.boundingBox();
  const done = page.evaluate(async () => {
    const before = document.querySelector('[data-testid="result-count"]').textContent;
    const t0 = await new Promise((res) => window.addEventListener('pointerdown', (e) => res(performance.now()), { capture: true, once: true }));
    await new Promise((res) => {
      const f = () => {
        const c = document.querySelector('[data-testid="result-count"]');
        if (c && c.textContent !== before && /\d/.test(c.textContent)) res();
        else requestAnimationFrame(f);
      };
      f();
    });
    const t1 = performance.now();
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return [t1 - t0, performance.now() - t0];
  });
  await page.waitForTimeout(50);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const [dom, painted] = await done;
  clicks.push(Math.round(dom));
  clicksPaint.push(Math.round(painted));
}

// Opening 100-step trajectories: from the navigation (the URL changes, as a click on a row or J
// does) to the frame that shows the trajectory's first screen (header and its first steps,
// highlighted), and to the moment all of its steps are in the page.
const api = async (method, params) => {
  const r = await page.request.post(`${url}/api`, { data: { method, params }, headers: { authorization: `Bearer ${token}`, origin: url } });
  return r.json();
};
// Trajectories of 90–110 steps; a database without them (the generator's longest are about 60
// steps) gives its longest trajectories instead, and the line below names the step counts used.
let pick = await api('search', { query: 'steps:90..110', limit: 12, offset: 0, snippets: false });
if (pick.hits.length === 0) {
  pick = await api('search', { query: '', limit: 12, offset: 0, sort: 'steps_desc', snippets: false });
}
const opens = [];
const opensAll = [];
await page.goto(`${url}/#/search?q=`);
await page.getByTestId('result-row').first().waitFor();
for (const h of pick.hits) {
  const [first, all] = await page.evaluate(
    async ([id, steps]) => {
      const t0 = performance.now();
      location.hash = `#/t/${id}`;
      const count = () =>
        document.querySelector(`[data-testid="trajectory-view"][data-id="${id}"]`) ? document.querySelectorAll('[data-testid="step"]').length : 0;
      const until = (n) => new Promise((res) => { const f = () => (count() >= n ? res() : requestAnimationFrame(f)); f(); });
      // The first screen: steps down past the bottom of the window (or all of them).
      const screenFull = () => {
        if (count() === 0) return false;
        const all = document.querySelectorAll('[data-testid="step"]');
        return all.length >= steps || all[all.length - 1].getBoundingClientRect().bottom > window.innerHeight;
      };
      await new Promise((res) => { const f = () => (screenFull() ? res() : requestAnimationFrame(f)); f(); });
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const t1 = performance.now();
      await until(steps);
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      return [t1 - t0, performance.now() - t0];
    },
    [h.id, h.steps],
  );
  opens.push(Math.round(first));
  opensAll.push(Math.round(all));
  // a reader reads before opening the next one
  await page.waitForTimeout(300);
}

// Labelling: on a trajectory of the result list, `1` labels it (verdict keep) and Enter shows the
// next one. Measured from the Enter keydown to the frame that shows the next trajectory's first
// screen. The reader spends a moment on each trajectory (the app prefetches the next meanwhile).
await page.goto(`${url}/?token=${token}#/search?q=steps:10..60`); // a URL with the token: its query runs without confirmation
await page.getByTestId('result-row').first().waitFor();
await page.getByTestId('result-row').first().click();
const keystrokes = [];
let written = 0;
for (let i = 0; i < 12; i++) {
  const view = page.getByTestId('trajectory-view');
  await view.waitFor();
  await page.getByTestId('label-panel').waitFor();
  await page.waitForTimeout(600);
  await page.keyboard.press('1');
  written++;
  await page.waitForTimeout(100);
  const done = page.evaluate(async () => {
    const cur = document.querySelector('[data-testid="trajectory-view"]').getAttribute('data-id');
    const t0 = await new Promise((res) =>
      window.addEventListener('keydown', (e) => e.key === 'Enter' && res(performance.now()), { capture: true, once: true }),
    );
    await new Promise((res) => {
      const f = () => {
        const v = document.querySelector('[data-testid="trajectory-view"]');
        const id = v?.getAttribute('data-id');
        const steps = document.querySelectorAll('[data-testid="step"]').length;
        if (id && id !== cur && steps >= 1) res();
        else requestAnimationFrame(f);
      };
      f();
    });
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t0;
  });
  await page.waitForTimeout(30);
  await page.keyboard.press('Enter');
  keystrokes.push(Math.round(await done));
}
for (let i = 0; i < written; i++) await api('undo', { batch: null });

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
console.log(`  facet click to results      median ${median(clicks)} ms  (${clicks.join(', ')}); painted ${median(clicksPaint)} ms`);
const stepCounts = pick.hits.map((h) => h.steps);
console.log(`  open trajectories of ${Math.min(...stepCounts)}–${Math.max(...stepCounts)} steps (aim: ~100)`);
console.log(`                              median ${median(opens)} ms to its first screen painted  (${opens.join(', ')})`);
console.log(`                              median ${median(opensAll)} ms until all its steps are in the page  (${opensAll.join(', ')})`);
console.log(`  label keystroke (Enter) to next trajectory shown  median ${median(keystrokes)} ms  (${keystrokes.join(', ')})`);
console.log(`  blank rows after ${jumps} scroll jumps: ${blank}`);
await ctx.close();
proc.kill();
