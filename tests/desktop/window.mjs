// The real desktop window: starts the built trawl-desktop through WebKitWebDriver, waits for the
// explorer to show the trajectory count the backend reports, and saves a screenshot.
// Run by run.sh (which starts Xvfb and WebKitWebDriver and prepares the database).
import { remote } from 'webdriverio';
import { mkdirSync, writeFileSync } from 'node:fs';

const app = process.env.TRAWL_DESKTOP_BIN;
const db = process.env.TRAWL_DB;
const expected = Number(process.env.EXPECTED_COUNT);
const port = Number(process.env.WEBDRIVER_PORT || 4445);
const out = new URL('./artifacts/', import.meta.url);

if (!app || !db || !Number.isFinite(expected) || expected <= 0) {
  console.error('window test: set TRAWL_DESKTOP_BIN, TRAWL_DB and EXPECTED_COUNT');
  process.exit(2);
}

const browser = await remote({
  hostname: '127.0.0.1',
  port,
  logLevel: 'warn',
  connectionRetryTimeout: 120000,
  capabilities: {
    'wdio:enforceWebDriverClassic': true,
    'webkitgtk:browserOptions': { binary: app, args: ['--db', db] },
  },
});

let failed = false;
try {
  const count = await browser.$('[data-testid="result-count"]');
  await count.waitForExist({ timeout: 60000 });
  await browser.waitUntil(async () => /\d/.test(await count.getText()), { timeout: 60000 });
  const text = await count.getText();
  const shown = Number(text.replace(/[^0-9]/g, ''));
  console.log(`window test: the window shows "${text}" (backend has ${expected})`);
  if (shown !== expected) {
    console.error(`window test: FAIL: expected ${expected} trajectories in the window, saw ${shown}`);
    failed = true;
  }
  const rows = await browser.$$('[data-testid="result-row"]');
  console.log(`window test: ${rows.length} result rows rendered`);
  if (rows.length === 0) {
    console.error('window test: FAIL: no result rows');
    failed = true;
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(new URL('window.png', out), Buffer.from(await browser.takeScreenshot(), 'base64'));
  console.log('window test: screenshot saved to tests/desktop/artifacts/window.png');
} catch (e) {
  console.error(`window test: FAIL: ${e.message}`);
  failed = true;
} finally {
  await browser.deleteSession().catch(() => {});
}
process.exit(failed ? 1 : 0);
