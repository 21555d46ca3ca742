// End-to-end tests of the library (databases, ingest, diagnostics), the help overlay and the theme.
// Run in order by run.mjs (see the list there); each test gets a fresh page and the server's env.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BAD_LINES } from './xss-fixture.mjs';
import { assert, until, open, count, shot, openXss } from './helpers.mjs';

export const tests = [
  {
    name: 'library',
    async run(page, env) {
      await open(page, env, '#/library');
      await page.getByTestId('library-view').waitFor();
      await until(async () => ((await page.getByTestId('db-path').textContent()) ?? '').includes('e2e.trawl.db'), 'db path');
      // 20 new trajectories, and a file of one record that cannot be read
      const broken = join(env.work, 'library-broken.jsonl');
      writeFileSync(broken, `${BAD_LINES[1]}\n`);
      await page.getByTestId('ingest-paths').fill(`${env.extra}\n${broken}`);
      await page.getByTestId('ingest-start').click();
      const job = page.getByTestId('job-row').first();
      await job.waitFor();
      await until(async () => (await job.getAttribute('data-state')) === 'done', 'ingest job done', 60000);
      const report = await job.textContent();
      assert(/20 stored/.test(report), `report shows 20 stored: ${report}`);
      assert(/21 records/.test(report) && /1 rejected/.test(report), `every record is accounted for: ${report}`);
      // diagnostics open at their file and line
      const diag = page.getByTestId('diagnostic').filter({ hasText: 'bad.jsonl:2' }).first();
      await diag.waitFor();
      await diag.locator('button').click();
      const excerpt = diag.getByTestId('source-excerpt');
      await excerpt.waitFor();
      const target = await excerpt.locator('.code-line.target').textContent();
      assert(target.includes(BAD_LINES[1]), `the diagnostic's line is marked: ${target}`);
      await shot(page, env, 'library');
    },
  },
  {
    name: 'help-theme',
    async run(page, env) {
      await open(page, env, '#/search');
      await until(() => count(page), 'a result count');
      await page.locator('body').press('?');
      const help = page.getByTestId('help-overlay');
      await help.waitFor();
      const t = await help.textContent();
      for (const k of ['j', 'k', 'J', 'K', 'n', 'N', 'o', 'e', 'd', '/', '?', 'Escape']) {
        assert(t.includes(k), `help lists ${k}`);
      }
      await shot(page, env, 'help');
      await page.keyboard.press('Escape');
      await help.waitFor({ state: 'detached' });
      const before = await page.evaluate(() => document.documentElement.dataset.theme);
      await page.getByTestId('theme-toggle').click();
      const after = await page.evaluate(() => document.documentElement.dataset.theme);
      assert(before !== after && (after === 'dark' || after === 'light'), `theme toggled ${before} → ${after}`);
      await openXss(page, env);
      await shot(page, env, `trajectory-${after}`);
      // typing in the search box does not trigger shortcuts
      await page.keyboard.press('/');
      // `/` focuses the search box (wait for it, as a user sees the caret before typing)
      await until(
        () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'search-input' || null),
        'the search box focused',
      );
      await page.keyboard.type('j?');
      assert((await page.getByTestId('help-overlay').count()) === 0, 'no help while typing');
    },
  },
];
