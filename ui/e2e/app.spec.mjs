// The end-to-end tests, run in order by run.mjs. Each gets a fresh page and the server's env.

import { join } from 'node:path';
import { BAD_LINES, IMG, SCRIPT, WORD } from './xss-fixture.mjs';

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

/** Polls fn until it returns a truthy value (returned) or the timeout passes. */
async function until(fn, what, timeout = 10000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function open(page, env, hash) {
  await page.goto(`${env.url}/?token=${encodeURIComponent(env.token)}${hash}`);
  await page.locator('.app').waitFor();
}

async function count(page) {
  const t = await page.getByTestId('result-count').textContent();
  const m = t.replace(/,/g, '').match(/^(\d+) traject/);
  return m ? Number(m[1]) : null;
}

async function shot(page, env, name) {
  await page.screenshot({ path: join(env.artifacts, `${name}.png`) });
}

async function typeQuery(page, q) {
  const input = page.getByTestId('search-input');
  await input.click();
  await input.fill('');
  await input.pressSequentially(q, { delay: 10 });
}

async function openXss(page, env) {
  await open(page, env, `#/search?q=${WORD}`);
  await until(async () => (await count(page)) === 2, 'two xss rows');
  await page.getByTestId('result-row').first().click();
  await page.getByTestId('trajectory-view').waitFor();
}

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
  {
    name: 'library',
    async run(page, env) {
      await open(page, env, '#/library');
      await page.getByTestId('library-view').waitFor();
      await until(async () => ((await page.getByTestId('db-path').textContent()) ?? '').includes('e2e.trawl.db'), 'db path');
      await page.getByTestId('ingest-paths').fill(env.extra);
      await page.getByTestId('ingest-start').click();
      const job = page.getByTestId('job-row').first();
      await job.waitFor();
      await until(async () => (await job.getAttribute('data-state')) === 'done', 'ingest job done', 60000);
      assert(/20 stored/.test(await job.textContent()), `report shows 20 stored: ${await job.textContent()}`);
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
