// End-to-end tests of the explorer: search, completion, facets, sort, the virtual list, query errors.
// Run in order by run.mjs (see the list there); each test gets a fresh page and the server's env.

import { WORD } from './xss-fixture.mjs';
import { assert, until, open, count, shot, typeQuery } from './helpers.mjs';

export const tests = [
  {
    name: 'search',
    async run(page, env) {
      await open(page, env, '#/search');
      const total = await until(() => count(page), 'a result count');
      assert(total >= 400, `all trajectories listed, got ${total}`);
      // typing is debounced: a burst of keys sends one search, not one per key
      const searches = [];
      page.on('request', (r) => {
        if (r.url().endsWith('/api') && (r.postData() ?? '').includes('"method":"search"')) searches.push(r.postData());
      });
      await typeQuery(page, WORD);
      await until(async () => (await count(page)) === 2, 'two hits for the xss word');
      assert(searches.length <= 3 && searches.length >= 1, `debounced: ${searches.length} search requests for ${WORD.length} keys`);
      assert((await page.getByTestId('result-row').count()) === 2, 'two rows');
      assert(decodeURIComponent(page.url()).includes(`q=${WORD}`), `query in the URL: ${page.url()}`);
      // the query survives a reload (bookmarkable)
      await page.reload();
      await until(async () => (await count(page)) === 2, 'two hits after reload');
      assert((await page.getByTestId('search-input').inputValue()) === WORD, 'search box restored');
      await shot(page, env, 'search');
    },
  },
  {
    name: 'completion',
    // `repo:` with no value is a bad query while it is being typed
    allowConsole: [/status of 400/],
    async run(page, env) {
      await open(page, env, '#/search');
      await until(() => count(page), 'a result count');
      await typeQuery(page, 'repo:');
      await page.getByTestId('completions').waitFor();
      const n = await page.getByTestId('completion-item').count();
      assert(n > 1, `repo values offered from the facets, got ${n}`);
      await shot(page, env, 'completion');
      await page.keyboard.press('Tab');
      const v = await page.getByTestId('search-input').inputValue();
      assert(/^repo:".+" $/.test(v), `completion applied: ${v}`);
    },
  },
  {
    name: 'facets',
    async run(page, env) {
      await open(page, env, '#/search');
      const total = await until(() => count(page), 'a result count');
      for (const f of ['repo', 'dataset', 'format', 'resolved', 'flag']) {
        await page.getByTestId(`facet-${f}`).waitFor();
      }
      const value = page.getByTestId('facet-repo').getByTestId('facet-value').first();
      const name = await value.getAttribute('data-value');
      const expected = Number((await value.locator('.facet-count').textContent()).replace(/,/g, ''));
      await value.click();
      await until(async () => (await count(page)) === expected, `count ${expected} after the facet click`);
      const q = await page.getByTestId('search-input').inputValue();
      assert(q === `repo:"${name}"`, `filter added to the query: ${q}`);
      assert(decodeURIComponent(page.url().replace(/\+/g, ' ')).includes(`repo:"${name}"`), 'filter in the URL');
      await shot(page, env, 'facet-on');
      await page.getByTestId('facet-repo').locator(`[data-testid="facet-value"][data-value="${name}"]`).click();
      await until(async () => (await count(page)) === total, 'all rows again after the second click');
      assert((await page.getByTestId('search-input').inputValue()) === '', 'filter removed');
    },
  },
  {
    name: 'sort',
    async run(page, env) {
      await open(page, env, '#/search');
      await until(() => count(page), 'a result count');
      await page.getByTestId('sort-steps').click();
      await until(() => page.url().includes('sort=steps_desc'), 'sort in the URL');
      const steps = async () =>
        (await page.locator('[data-testid="result-row"] .c-steps').allTextContents()).slice(0, 20).map(Number);
      const desc = await until(async () => {
        const s = await steps();
        return s.length >= 10 && s.every((v, i) => i === 0 || s[i - 1] >= v) ? s : null;
      }, 'rows sorted by steps, descending');
      await page.getByTestId('sort-steps').click();
      await until(async () => {
        const s = await steps();
        return s.length >= 10 && s.every((v, i) => i === 0 || s[i - 1] <= v) && s[0] <= desc[desc.length - 1];
      }, 'rows sorted by steps, ascending');
    },
  },
  {
    name: 'virtual-scroll',
    async run(page, env) {
      await open(page, env, '#/search');
      const total = await until(() => count(page), 'a result count');
      const inDom = await page.getByTestId('result-row').count();
      assert(inDom < 120, `rows are virtual: ${inDom} of ${total} in the DOM`);
      const scroller = page.getByTestId('result-scroller');
      // jump far, then to the end: every visible row must fill in (pages fetched by offset)
      for (const frac of [0.5, 1]) {
        await scroller.evaluate((el, f) => {
          el.scrollTop = (el.scrollHeight - el.clientHeight) * f;
        }, frac);
        await until(async () => (await page.locator('.row.loading').count()) === 0, `no blank rows at ${frac}`);
      }
      const lastIndex = await until(async () => {
        const idx = await page.getByTestId('result-row').evaluateAll((rs) => rs.map((r) => Number(r.dataset.index)));
        return Math.max(...idx) === total - 1 ? total - 1 : null;
      }, 'the last row rendered');
      assert(lastIndex === total - 1, 'reached the end');
      await shot(page, env, 'scrolled-end');
    },
  },
  {
    name: 'query-error',
    allowConsole: [/status of 400/],
    async run(page, env) {
      await open(page, env, '#/search');
      await until(() => count(page), 'a result count');
      await typeQuery(page, 'flag:loop (foo');
      const err = page.getByTestId('query-error');
      await err.waitFor();
      const text = await err.textContent();
      assert(/column 11/.test(text), `message names the column: ${text}`);
      const caretLine = (await err.locator('pre').textContent()).split('\n')[1];
      assert(caretLine.indexOf('^') === 10, `caret under column 11: ${JSON.stringify(caretLine)}`);
      await shot(page, env, 'query-error');
    },
  },
];
