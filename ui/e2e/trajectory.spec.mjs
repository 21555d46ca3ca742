// End-to-end tests of the trajectory view (keys, diffs, hits, observations, predictions),
// compare, stats, and untrusted content (XSS).
// Run in order by run.mjs (see the list there); each test gets a fresh page and the server's env.

import { IMG, SCRIPT, WORD } from './xss-fixture.mjs';
import { assert, until, open, count, shot, openXss, api } from './helpers.mjs';

export const tests = [
  {
    name: 'trajectory-keys',
    async run(page, env) {
      await open(page, env, '#/search');
      await until(() => count(page), 'a result count');
      await page.locator('body').click({ position: { x: 5, y: 300 } });
      await page.keyboard.press('j');
      await page.keyboard.press('j');
      const sel = await page.locator('.row.selected').getAttribute('data-index');
      assert(sel === '2', `j moves the selection: ${sel}`);
      await page.keyboard.press('o');
      const view = page.getByTestId('trajectory-view');
      await view.waitFor();
      const first = await view.getAttribute('data-id');
      const steps = await page.getByTestId('step').count();
      assert(steps > 3, `steps rendered: ${steps}`);
      // The first screen comes first; the rest of the steps (a second request) and the patch follow.
      const declared = Number((await view.locator('.timeline h2').textContent()).match(/\((\d+)\)/)[1]);
      assert(declared > 10, `a trajectory of more than one screen: ${declared} steps`);
      await until(async () => (await page.getByTestId('step').count()) === declared, `all ${declared} steps rendered`);
      await view.locator('.patch [data-testid="diff-view"]').first().waitFor();
      assert((await page.getByTestId('tool-call').count()) > 0, 'tool calls rendered');
      assert((await page.getByTestId('observation').count()) > 0, 'observations rendered');
      await page.keyboard.press('j');
      await page.keyboard.press('j');
      await page.keyboard.press('j');
      await until(async () => (await page.locator('.step.focused').getAttribute('data-index')) === '3', 'step 3 focused');
      await page.keyboard.press('k');
      await until(async () => (await page.locator('.step.focused').getAttribute('data-index')) === '2', 'step 2 focused');
      assert(page.url().includes('step=2'), `focused step in the URL: ${page.url()}`);
      await shot(page, env, 'trajectory');
      // J opens the next trajectory of the list, K goes back
      await page.keyboard.press('J');
      await until(async () => (await page.getByTestId('trajectory-view').getAttribute('data-id')) !== first, 'next trajectory');
      await page.keyboard.press('K');
      await until(async () => (await page.getByTestId('trajectory-view').getAttribute('data-id')) === first, 'back to the first');
      // Esc returns to the list
      await page.keyboard.press('Escape');
      await page.getByTestId('result-row').first().waitFor();
      // The browser's back and forward walk the same history (the app pushes history entries).
      await page.goBack();
      await until(async () => (await page.getByTestId('trajectory-view').getAttribute('data-id').catch(() => null)) === first, 'back: the trajectory again');
      await page.goBack();
      await until(async () => {
        const id = await page.getByTestId('trajectory-view').getAttribute('data-id').catch(() => null);
        return id !== null && id !== first;
      }, 'back again: the next one (J)');
      await page.goForward();
      await until(async () => (await page.getByTestId('trajectory-view').getAttribute('data-id').catch(() => null)) === first, 'forward: the first again');
      await page.goForward();
      await page.getByTestId('result-row').first().waitFor();
      assert((await page.getByTestId('trajectory-view').count()) === 0, 'forward: the list again');
    },
  },
  {
    name: 'diff',
    async run(page, env) {
      await open(page, env, '#/search?q=patch_lines%3A%3E3');
      await until(() => count(page), 'a result count');
      await page.getByTestId('result-row').first().click();
      await page.getByTestId('trajectory-view').waitFor();
      const patch = page.locator('section.patch');
      const add = patch.getByTestId('diff-line-add').first();
      await add.waitFor();
      const toks = await add.locator('[class^="tok-"]').count();
      assert(toks > 0, 'added lines are highlighted (tok- spans)');
      assert((await patch.getByTestId('diff-line-del').count()) + (await patch.getByTestId('diff-line-add').count()) > 1, 'diff lines');
      await patch.scrollIntoViewIfNeeded();
      await shot(page, env, 'diff-unified');
      await page.locator('body').press('d');
      await patch.locator('.diff-split').first().waitFor();
      assert((await patch.getByTestId('diff-line-add').count()) > 0, 'side by side keeps the added lines');
      await patch.scrollIntoViewIfNeeded();
      await shot(page, env, 'diff-split');
      await page.locator('body').press('d');
      await patch.locator('.diff-unified').first().waitFor();
    },
  },
  {
    name: 'hits',
    async run(page, env) {
      await openXss(page, env);
      const counter = page.getByTestId('hit-counter');
      const total = await until(async () => {
        const m = (await counter.textContent()).match(/hit (\d+)\/(\d+)/);
        return m && Number(m[2]) > 3 ? Number(m[2]) : null;
      }, 'hits counted');
      await page.locator('body').press('n');
      await until(async () => (await counter.textContent()) === `hit 1/${total}`, 'hit 1');
      await page.locator('body').press('n');
      await until(async () => (await counter.textContent()) === `hit 2/${total}`, 'hit 2');
      const current = page.locator('mark.current');
      assert((await current.count()) === 1, 'one current hit');
      assert((await current.textContent()).toLowerCase() === WORD, 'the current hit is the term');
      const inView = await current.evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
      });
      assert(inView, 'the current hit is scrolled into view');
      await shot(page, env, 'hits');
      await page.locator('body').press('N');
      await until(async () => (await counter.textContent()) === `hit 1/${total}`, 'back to hit 1');
      await page.locator('body').press('N');
      await until(async () => (await counter.textContent()) === `hit ${total}/${total}`, 'wraps to the last hit');
    },
  },
  {
    name: 'observation',
    async run(page, env) {
      await openXss(page, env);
      const obs = page.getByTestId('observation').filter({ hasText: 'long output line 1' }).first();
      await obs.waitFor();
      assert(await obs.evaluate((e) => e.classList.contains('collapsed')), 'a long observation starts collapsed');
      const lines = () => obs.locator('.code-line').count();
      assert((await lines()) < 20, `collapsed preview: ${await lines()} lines`);
      // focus its step and expand with e
      const step = obs.locator('xpath=ancestor::*[@data-testid="step"]');
      await step.locator('.step-head').click();
      await page.locator('body').press('e');
      // the trajectory carried a preview; expanding fetches the first 400 lines, show all the rest
      const expanded = await until(async () => {
        const n = await lines();
        return n > 20 ? n : null;
      }, 'expanded: more lines fetched');
      assert(expanded === 400, `expanding fetches 400 lines: ${expanded}`);
      assert(!(await obs.textContent()).includes('long output line 401'), 'the rest is not there yet');
      await obs.getByTestId('show-all').click();
      await until(async () => (await lines()) >= 600, 'all lines after show all');
      assert((await obs.textContent()).includes('long output line 600'), 'the last line is there');
      assert((await obs.getByTestId('show-all').count()) === 0, 'no show-all once everything is there');
      await obs.scrollIntoViewIfNeeded();
      await shot(page, env, 'observation');
    },
  },
  {
    // The real ponyc runs: 3 trajectories, each with the prediction its run submitted
    // (patch.jsonl beside output.jsonl), which is neither a result nor a Compare partner.
    name: 'predictions',
    async run(page, env) {
      if (!env.fixtures) throw new Error('this test needs ../shared/fixtures/real');
      await open(page, env, `#/search?q=${encodeURIComponent('repo:ponylang/ponyc')}`);
      await until(async () => (await count(page)) === 3, 'three ponyc trajectories');
      await page.getByTestId('result-row').first().click();
      await page.getByTestId('trajectory-view').waitFor();
      const sub = page.getByTestId('submitted-prediction');
      await sub.waitFor();
      const text = await sub.textContent();
      assert(text.includes('the final patch') && text.includes('multi_swe_bench_c_ponyc.patch.jsonl'), `submitted prediction: ${text}`);
      await page.getByTestId('compare-with').click();
      const menu = page.getByTestId('compare-menu');
      await until(async () => /no other trajectory of ponylang__ponyc-\d+/.test((await menu.textContent()) ?? ''), 'no partner');
      assert((await page.getByTestId('compare-option').count()) === 0, 'a prediction is never a Compare partner');
      await shot(page, env, 'predictions');
      // Patch-only records are found only when the query asks for them.
      const preds = await api(env, 'search', { query: 'kind:prediction', limit: 1, offset: 0, sort: null, snippets: false });
      assert(preds.total === 0, `the fixtures' predictions are all joined: ${preds.total}`);
    },
  },
  {
    name: 'compare',
    async run(page, env) {
      await openXss(page, env);
      await page.getByTestId('compare-with').click();
      const opt = page.getByTestId('compare-option').first();
      await opt.waitFor();
      await opt.click();
      const view = page.getByTestId('compare-view');
      await view.waitFor();
      assert((await page.getByTestId('compare-row').count()) > 3, 'aligned step rows');
      assert((await view.getByTestId('diff-view').count()) > 0, 'patch differences shown as diffs');
      assert(/#\/compare\/[^/]+\/[^/]+/.test(page.url()), `compare URL: ${page.url()}`);
      await shot(page, env, 'compare');
    },
  },
  {
    name: 'stats',
    async run(page, env) {
      await open(page, env, '#/stats');
      await page.getByTestId('stats-view').waitFor();
      const canvas = page.getByTestId('chart-steps');
      const bars = await until(async () => {
        const b = await canvas.getAttribute('data-bars');
        const arr = b ? JSON.parse(b) : [];
        return arr.length > 0 ? arr : null;
      }, 'steps bars drawn');
      await shot(page, env, 'stats');
      const bar = bars[Math.floor(bars.length / 2)];
      await canvas.click({ position: { x: bar.x, y: bar.y } });
      await until(() => /#\/search\?q=steps%3A\d+/.test(page.url()), `explorer with a steps filter (${page.url()})`);
      const n = await until(() => count(page), 'a result count');
      assert(n > 0, `the bucket's trajectories: ${n}`);
      const q = await page.getByTestId('search-input').inputValue();
      assert(/^steps:\d+(\.\.\d+)?$/.test(q), `steps filter in the box: ${q}`);
    },
  },
  {
    name: 'xss',
    async run(page, env) {
      const dialogs = [];
      page.on('dialog', (d) => dialogs.push(d.message()));
      await openXss(page, env);
      await page.locator('body').press('e');
      const text = await page.getByTestId('trajectory-view').textContent();
      assert(text.includes(IMG), 'the img payload is shown as text');
      assert(text.includes(SCRIPT), 'the script payload is shown as text');
      await shot(page, env, 'xss-trajectory');
      // the list, the facets and compare show the fields too
      await page.keyboard.press('Escape');
      await page.getByTestId('result-row').first().waitFor();
      const list = await page.locator('.explorer').textContent();
      assert(list.includes(IMG), 'payload as text in the list / facets');
      await shot(page, env, 'xss-list');
      await openXss(page, env);
      await page.getByTestId('compare-with').click();
      await page.getByTestId('compare-option').first().click();
      await page.getByTestId('compare-view').waitFor();
      const state = await page.evaluate(() => ({
        xss: window.__xss,
        imgs: document.querySelectorAll('img').length,
        scripts: Array.from(document.querySelectorAll('script')).filter((s) => !s.src).length,
      }));
      assert(state.xss === undefined, 'window.__xss is undefined');
      assert(state.imgs === 0, `no <img> element: ${state.imgs}`);
      assert(state.scripts === 0, `no inline <script>: ${state.scripts}`);
      assert(dialogs.length === 0, `no dialog: ${dialogs.join(', ')}`);
    },
  },
];
