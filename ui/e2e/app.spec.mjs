// The end-to-end tests, run in order by run.mjs. Each gets a fresh page and the server's env.

import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
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
  await allStepsShown(page);
}

/** Waits until every step of the open trajectory is rendered (it arrives in two parts). */
async function allStepsShown(page) {
  const view = page.getByTestId('trajectory-view');
  await until(async () => {
    const declared = Number(((await view.locator('.timeline h2').textContent()) ?? '').match(/\((\d+)\)/)?.[1] ?? -1);
    return declared >= 0 && (await page.getByTestId('step').count()) === declared;
  }, 'all steps rendered');
}

/** Calls the API from the test (Bearer token and the app's Origin), as the app does. */
async function api(env, method, params = {}) {
  const res = await fetch(`${env.url}/api`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${env.token}`, origin: env.url },
    body: JSON.stringify({ method, params }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${method}: ${body.message}`);
  return body;
}

/** This annotator's current trajectory-level value of a set, or undefined. */
async function myLabel(env, id, set) {
  const l = await api(env, 'labels_for', { id });
  return l.current.find((c) => c.annotator === l.annotator && c.set === set && c.step === null)?.value;
}

async function trajId(page) {
  return page.getByTestId('trajectory-view').getAttribute('data-id');
}

/** Waits for the label panel of the shown trajectory to have its sets and labels. */
async function panelReady(page) {
  const panel = page.getByTestId('label-panel');
  await panel.waitFor();
  await until(async () => !(await page.getByTestId('label-annotator').textContent()).includes('…'), 'labels loaded');
  await panel.locator('[data-testid="label-set"][data-active="true"]').waitFor();
  return panel;
}

async function settled(page) {
  await until(async () => (await page.getByTestId('label-panel').getAttribute('data-pending')) === '0', 'label writes landed');
}

function chosen(panel, set, value) {
  return panel.locator(`[data-testid="label-set"][data-set="${set}"] [data-testid="label-value"][data-value="${value}"]`);
}

async function queueCounts(page) {
  const q = page.getByTestId('queue-progress').first();
  return { done: Number(await q.getAttribute('data-done')), total: Number(await q.getAttribute('data-total')) };
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
  {
    name: 'label-keys',
    async run(page, env) {
      await open(page, env, '#/search');
      await until(() => count(page), 'a result count');
      await page.getByTestId('result-row').nth(3).click();
      let panel = await panelReady(page);
      const first = await trajId(page);
      // the active set is verdict; its values carry their number keys
      assert((await panel.locator('[data-testid="label-set"][data-active="true"]').getAttribute('data-set')) === 'verdict', 'verdict is active');
      assert((await chosen(panel, 'verdict', 'reject').getAttribute('data-key')) === '2', 'reject is key 2');
      await page.keyboard.press('2');
      await until(async () => (await chosen(panel, 'verdict', 'reject').getAttribute('data-chosen')) === 'true', 'reject chosen');
      await settled(page);
      await shot(page, env, 'label-panel');
      // Enter: saved, and the next trajectory is shown
      await page.keyboard.press('Enter');
      await until(async () => (await trajId(page)) !== first, 'the next trajectory after Enter');
      assert((await myLabel(env, first, 'verdict')) === 'reject', 'the label is stored (API)');
      panel = await panelReady(page);
      assert((await panel.locator('[data-testid="label-value"][data-chosen="true"]').count()) === 0, 'the next trajectory starts unlabelled');
      // u undoes the last write and goes back to its trajectory
      await page.keyboard.press('u');
      await until(async () => (await trajId(page)) === first, 'back on the first after u');
      panel = await panelReady(page);
      await until(async () => (await chosen(panel, 'verdict', 'reject').getAttribute('data-chosen')) === 'false', 'reject gone after undo');
      assert((await myLabel(env, first, 'verdict')) === undefined, 'undo reached the store (API)');
      // label again, then reload: the label persists
      await page.keyboard.press('1');
      await settled(page);
      await page.reload();
      panel = await panelReady(page);
      await until(async () => (await chosen(panel, 'verdict', 'keep').getAttribute('data-chosen')) === 'true', 'keep shown after reload');
      // l cycles the set: 3 in quality writes a rating
      await page.keyboard.press('l');
      await page.keyboard.press('l');
      await until(async () => (await panel.locator('[data-testid="label-set"][data-active="true"]').getAttribute('data-set')) === 'quality', 'quality active after l l');
      await page.keyboard.press('4');
      await settled(page);
      assert((await myLabel(env, first, 'quality')) === 4, 'quality 4 stored');
      // step annotation: focus step 2, w, then 4 = loop in failure_mode on that step
      await page.keyboard.press('j');
      await page.keyboard.press('j');
      await page.keyboard.press('w');
      await until(async () => (await panel.getAttribute('data-target')) === 'step', 'step target after w');
      assert((await panel.locator('[data-testid="label-set"][data-active="true"]').getAttribute('data-set')) === 'failure_mode', 'failure_mode active on a step');
      await page.keyboard.press('4');
      await settled(page);
      const l = await api(env, 'labels_for', { id: first });
      const stepLabel = l.current.find((c) => c.set === 'failure_mode' && c.step === 2);
      assert(stepLabel && JSON.stringify(stepLabel.value) === '["loop"]', `step 2 marked loop: ${JSON.stringify(l.current)}`);
      await page.getByTestId('marked-steps').waitFor();
      assert((await page.getByTestId('marked-steps').textContent()).includes('#2'), 'marked step listed');
      // the timeline marks step 2 with its failure mode, and only step 2
      const mark = page.locator('[data-testid="step"][data-index="2"] [data-testid="step-mark"]');
      await until(async () => ((await mark.count()) === 1 ? (await mark.textContent()).includes('loop') : false), 'step 2 marked loop in the timeline');
      assert((await page.getByTestId('step-mark').count()) === 1, 'one step mark');
      await page.locator('[data-testid="step"][data-index="2"]').scrollIntoViewIfNeeded();
      await shot(page, env, 'step-mark');
      // flags in review: confirm one
      const flag = panel.getByTestId('flag-review').first();
      if ((await flag.count()) > 0) {
        const name = await flag.getAttribute('data-flag');
        await flag.getByTestId('flag-confirm').click();
        await until(async () => (await panel.locator(`[data-testid="flag-review"][data-flag="${name}"]`).getAttribute('data-decision')) === 'confirm', 'flag confirmed');
        const fl = (await api(env, 'labels_for', { id: first })).flags.find((f) => f.flag === name);
        assert(fl.decisions['e2e-alice'] === 'confirm', `flag review stored: ${JSON.stringify(fl)}`);
      }
      await shot(page, env, 'label-step');
      // the help lists the new keys
      await page.keyboard.press('?');
      const help = await page.getByTestId('help-overlay').textContent();
      for (const k of ['label: pick value', 'label: undo', 'where it went wrong']) assert(help.includes(k), `help lists ${k}`);
      await shot(page, env, 'help-labels');
    },
  },
  {
    name: 'label-queue',
    async run(page, env) {
      const q = 'flag:loop';
      const expected = (await api(env, 'search', { query: q, limit: 1, offset: 0, sort: null, snippets: false })).total;
      assert(expected > 3, `enough loops to queue: ${expected}`);
      const before = await api(env, 'queue', { query: q, kind: 'all', set: 'verdict', n: null, seed: null, offset: 0, limit: 0 });
      await open(page, env, `#/search?q=${encodeURIComponent(q)}`);
      await until(async () => (await count(page)) === expected, 'the query results');
      // q opens the labelling popover from the list
      await page.locator('body').press('q');
      await page.getByTestId('queue-form').waitFor();
      await page.getByTestId('queue-kind').selectOption('unlabelled');
      await page.getByTestId('queue-start').click();
      await page.getByTestId('trajectory-view').waitFor();
      await panelReady(page);
      let c = await until(async () => {
        const x = await queueCounts(page);
        return x.total === expected ? x : null;
      }, 'queue progress shown');
      assert(c.done === before.done, `progress starts at the labelled count: ${c.done} vs ${before.done}`);
      const seen = [];
      for (const key of ['1', '2', '3']) {
        const id = await trajId(page);
        assert(!seen.includes(id), `a new trajectory each time (${id})`);
        seen.push(id);
        await page.keyboard.press(key);
        await until(async () => (await queueCounts(page)).done === c.done + 1, `progress counts up to ${c.done + 1}`);
        c = await queueCounts(page);
        await page.keyboard.press('Enter');
        await until(async () => (await trajId(page)) !== id, 'the next trajectory of the queue');
        await panelReady(page);
      }
      assert(c.done === before.done + 3, `three labelled: ${c.done}`);
      const unl = await api(env, 'queue', { query: q, kind: 'unlabelled', set: 'verdict', n: null, seed: null, offset: 0, limit: null });
      for (const id of seen) assert(!unl.ids.includes(id), `${id} left the unlabelled queue`);
      assert(unl.ids[0] === (await trajId(page)), 'the queue shows the first unlabelled one next');
      await shot(page, env, 'queue-labelling');
      // back to the explorer: bulk label all N behind a confirmation, then undo it as one step
      await page.keyboard.press('Escape');
      await until(async () => (await count(page)) === expected, 'the list again');
      assert((await page.getByTestId('queue-progress').count()) === 1, 'the queue progress in the explorer');
      await page.getByTestId('queue-open').click();
      await page.getByTestId('bulk-label-set').selectOption('verdict');
      await page.getByTestId('bulk-label-value').selectOption('unsure');
      await page.getByTestId('bulk-label-open').click();
      const dialog = page.getByTestId('bulk-label-confirm');
      await dialog.waitFor();
      const text = await dialog.textContent();
      assert(text.includes(`Label ${expected} trajectories?`) && text.includes(q), `the dialog states N and the query: ${text}`);
      await shot(page, env, 'bulk-confirm');
      await page.getByTestId('bulk-label-ok').click();
      await page.getByTestId('bulk-label-done').waitFor();
      const all = await api(env, 'queue', { query: q, kind: 'all', set: 'verdict', n: null, seed: null, offset: 0, limit: 0 });
      assert(all.done === expected, `every match labelled: ${all.done}/${expected}`);
      assert((await myLabel(env, seen[0], 'verdict')) === 'unsure', 'the bulk value wins');
      await page.getByTestId('bulk-undo').click();
      await until(async () => (await page.getByTestId('bulk-label-done').getAttribute('data-undone')) === 'true', 'bulk undone');
      const after = await api(env, 'queue', { query: q, kind: 'all', set: 'verdict', n: null, seed: null, offset: 0, limit: 0 });
      assert(after.done === before.done + 3, `undo took back the whole bulk batch: ${after.done}`);
      assert((await myLabel(env, seen[0], 'verdict')) === 'keep', 'the earlier label is back');
      await shot(page, env, 'bulk-undone');
      await page.getByTestId('queue-stop').click();
      await until(async () => (await page.getByTestId('queue-progress').count()) === 0, 'queue stopped');
      // a seeded sample of N: the same ids as the API's for that seed
      const sample = await api(env, 'queue', { query: q, kind: 'sample', set: 'verdict', n: 4, seed: 9, offset: 0, limit: null });
      await page.getByTestId('queue-kind').selectOption('sample');
      await page.getByTestId('queue-n').fill('4');
      await page.getByTestId('queue-seed').fill('9');
      await page.getByTestId('queue-start').click();
      await until(async () => (await page.getByTestId('trajectory-view').count()) === 1 && (await trajId(page)) === sample.ids[0], 'the sample starts at its first id');
      await panelReady(page);
      await until(async () => (await queueCounts(page)).total === 4, 'a queue of 4');
      await page.keyboard.press('Enter');
      await until(async () => (await trajId(page)) === sample.ids[1], 'Enter without a label goes to the second of the sample');
    },
  },
  {
    name: 'lineage',
    allowConsole: [/status of 400/],
    async run(page, env) {
      await open(page, env, '#/subsets');
      await page.getByTestId('subsets-view').waitFor();
      await page.getByTestId('subset-form').waitFor();
      await page.getByTestId('subset-name').fill('e2e-clean');
      // a bad rule: the error is shown at its column
      const bad = '-flag:empty_patch (';
      await page.getByTestId('subset-rule').fill(bad);
      await page.getByTestId('subset-save').click();
      const err = page.getByTestId('subset-rule-error');
      await err.waitFor();
      let col = null;
      try {
        await api(env, 'subset_create', { name: 'e2e-x', parent: null, rule: bad, includes: [], excludes: [], shaping: { dedup: null, cap: null, contamination: [] } });
      } catch (e) {
        col = Number(String(e.message).match(/column (\d+)/)?.[1]);
      }
      assert(col && (await err.getAttribute('data-column')) === String(col), `error column ${await err.getAttribute('data-column')} = API ${col}`);
      const caret = (await err.locator('pre').textContent()).split('\n')[1];
      assert(caret.indexOf('^') === col - 1, `caret under column ${col}: ${JSON.stringify(caret)}`);
      await shot(page, env, 'subset-rule-error');
      // stage 1: whole db → -flag:empty_patch
      await page.getByTestId('subset-rule').fill('-flag:empty_patch');
      await page.getByTestId('subset-save').click();
      await until(async () => (await page.locator('[data-testid="subset-version"][data-name="e2e-clean"]').count()) === 1, 'e2e-clean@1 shown');
      // stage 2: a new subset from e2e-clean@1, capped at 1 per instance
      await page.getByTestId('subset-new').click();
      await page.getByTestId('subset-name').fill('e2e-capped');
      await page.getByTestId('subset-parent').selectOption('e2e-clean@1');
      await page.getByTestId('subset-cap').check();
      await page.getByTestId('subset-cap-k').fill('1');
      await page.getByTestId('subset-save').click();
      await until(async () => (await page.locator('[data-testid="subset-version"][data-name="e2e-capped"]').count()) === 1, 'e2e-capped@1 shown');
      const view = page.getByTestId('lineage-view');
      await view.waitFor();
      const l = await api(env, 'subset_lineage', { name: 'e2e-capped', version: null });
      assert(l.nodes.length === 3, `three nodes: ${JSON.stringify(l.nodes)}`);
      const nodes = await view.getByTestId('lineage-node').evaluateAll((els) => els.map((e) => Number(e.dataset.count)));
      assert(JSON.stringify(nodes) === JSON.stringify(l.nodes.map((n) => n.count)), `node counts ${nodes} = API ${l.nodes.map((n) => n.count)}`);
      const stages = await view.getByTestId('lineage-stage').evaluateAll((els) =>
        els.map((e) => ({ label: e.dataset.label, removed: Number(e.dataset.removed), count: Number(e.dataset.count), text: e.textContent })),
      );
      assert(stages.length === l.stages.length && stages.length >= 2, `stages shown: ${stages.length} / ${l.stages.length}`);
      stages.forEach((s, i) => {
        const a = l.stages[i];
        assert(s.label === a.label && s.removed === a.removed && s.count === a.count, `stage ${i}: ${JSON.stringify(s)} vs ${JSON.stringify(a)}`);
        if (a.removed > 0) assert(s.text.includes(`−${a.removed.toLocaleString('en-US')} ${a.label}`), `stage ${i} says what it removed: ${s.text}`);
      });
      assert(l.stages[0].label === '-flag:empty_patch' && l.stages[0].removed > 0, `the rule removed empty patches: ${JSON.stringify(l.stages[0])}`);
      assert(/capped at 1 per instance/.test(l.stages[l.stages.length - 1].label), 'the cap is the last stage');
      // the members page matches the count
      const show = await api(env, 'subset_show', { name: 'e2e-capped', version: null, offset: 0, limit: 50 });
      assert((await page.getByTestId('subset-member').count()) === Math.min(50, show.total), 'a page of members');
      await view.scrollIntoViewIfNeeded();
      await shot(page, env, 'lineage');
      // the list has both subsets
      assert((await page.getByTestId('subset-version-link').count()) >= 2, 'both subsets listed');
      // export it with splits: the files hold every member
      const out = join(env.work, 'export-e2e');
      await page.getByTestId('export-format').selectOption('jsonl-original');
      await page.getByTestId('export-out').fill(out);
      await page.getByTestId('export-splits').check();
      await page.getByTestId('export-seed').fill('7');
      await page.getByTestId('export-run').click();
      const result = page.getByTestId('export-result');
      await result.waitFor({ timeout: 30000 });
      const rt = await result.textContent();
      assert(rt.includes(`${show.total.toLocaleString('en-US')} records`) && rt.includes('manifest.json'), `export summary: ${rt}`);
      assert(['train', 'validation', 'test'].every((s) => rt.includes(s)), `three splits: ${rt}`);
      await result.scrollIntoViewIfNeeded();
      await shot(page, env, 'export');
      // a parquet export offers a codec; zstd is written and recorded in the manifest
      const pqOut = join(env.work, 'export-e2e-zstd');
      await page.getByTestId('export-format').selectOption('parquet');
      await page.getByTestId('export-compression').selectOption('zstd');
      await page.getByTestId('export-out').fill(pqOut);
      await page.getByTestId('export-splits').uncheck();
      await page.getByTestId('export-run').click();
      await until(async () => ((await page.getByTestId('export-result').textContent().catch(() => '')) ?? '').includes('data.parquet'), 'the parquet export');
      const pm = JSON.parse(readFileSync(join(pqOut, 'manifest.json'), 'utf8'));
      assert(pm.compression === 'zstd' && pm.format === 'parquet', `manifest compression: ${pm.compression}`);
      // duplicates in the version, as the API counts them
      const dd = await api(env, 'dedup_report', { query: null, subset: { subset: 'e2e-capped', version: null }, mode: 'exact_patch', threshold: null, limit: 20 });
      await page.getByTestId('dedup-mode').selectOption('exact_patch');
      await page.getByTestId('dedup-run').click();
      const sum = page.getByTestId('dedup-summary');
      await sum.waitFor();
      assert((await sum.getAttribute('data-clusters')) === String(dd.clusters_total) && (await sum.getAttribute('data-removable')) === String(dd.removable), `dedup summary = API (${dd.clusters_total}, ${dd.removable})`);
      // a contamination list of one's own, pasted in the form, is offered and ticked
      await page.getByTestId('subset-new').click();
      await page.getByTestId('contamination-add').locator('summary').click();
      await page.getByTestId('contamination-name').fill('e2e-list.instances');
      await page.getByTestId('contamination-text').fill('# test list\nnumpy__numpy-13841\n');
      await page.getByTestId('contamination-save').click();
      const box = page.locator('[data-testid="subset-contamination"][data-name="e2e-list.instances"]');
      await box.waitFor();
      assert(await box.isChecked(), 'the new list is ticked');
      await shot(page, env, 'subset-form');
    },
  },
  {
    name: 'review',
    async run(page, env) {
      // a second annotator disagrees with e2e-alice on two trajectories
      const ids = (await api(env, 'search', { query: '', limit: 2, offset: 40, sort: null, snippets: false })).hits.map((h) => h.id);
      for (const id of ids) await api(env, 'label', { id, step: null, set: 'verdict', value: 'keep' });
      await api(env, 'set_annotator', { name: 'e2e-bob' });
      try {
        for (const id of ids) await api(env, 'label', { id, step: null, set: 'verdict', value: 'reject' });
      } finally {
        await api(env, 'set_annotator', { name: 'e2e-alice' });
      }
      const a = await api(env, 'agreement', { set: 'verdict', annotators: [] });
      await open(page, env, '#/review');
      await page.getByTestId('review-view').waitFor();
      const row = page.locator('[data-testid="agreement-row"][data-set="verdict"]');
      await until(async () => (await row.getByTestId('agreement-value').count()) === 1, 'verdict agreement shown');
      const shown = (await row.getByTestId('agreement-value').textContent()).trim();
      assert(shown.startsWith(a.value === null ? '–' : a.value.toFixed(3)), `coefficient ${shown} = API ${a.value}`);
      const rows = page.getByTestId('disagreement-row');
      await until(async () => (await rows.count()) === a.disagreements.length, `${a.disagreements.length} disagreements listed`);
      const target = page.locator(`[data-testid="disagreement-row"][data-id="${ids[0]}"]`);
      assert((await target.textContent()).includes('keep') && (await target.textContent()).includes('reject'), 'both values side by side');
      await shot(page, env, 'review');
      await target.locator('[data-testid="adjudicate"][data-value="reject"]').click();
      await until(async () => (await target.getByTestId('adjudicated').textContent()) === 'reject', 'adjudicated value shown');
      const after = await api(env, 'agreement', { set: 'verdict', annotators: [] });
      assert(JSON.stringify(after.disagreements.find((d) => d.id === ids[0]).adjudicated) === '"reject"', 'adjudication stored');
      // the labels file: export, then import the same file: every event is already there
      const file = join(env.work, 'labels-e2e.jsonl');
      await page.getByTestId('labels-path').fill(file);
      await page.getByTestId('labels-export').click();
      const res = page.getByTestId('labels-result');
      await until(async () => /wrote (\d+) events/.test((await res.textContent()) ?? ''), 'export written');
      const n = Number((await res.textContent()).match(/wrote (\d+) events/)[1]);
      assert(n === (await api(env, 'labels_export', { path: null, annotator: null })).count, `exported every event: ${n}`);
      await page.getByTestId('labels-import').click();
      await until(async () => (await res.getAttribute('data-duplicates')) === String(n), 'import: all duplicates');
      assert((await res.getAttribute('data-imported')) === '0', 'nothing new imported');
      await shot(page, env, 'labels-file');
      // the annotator name: shown and set in the Library
      await open(page, env, '#/library');
      await until(async () => (await page.getByTestId('annotator-name').textContent()) === 'e2e-alice', 'annotator shown');
      await page.getByTestId('annotator-input').fill('e2e-carol');
      await page.getByTestId('annotator-save').click();
      await until(async () => (await page.getByTestId('annotator-name').textContent()) === 'e2e-carol', 'annotator set');
      assert((await api(env, 'annotator')).name === 'e2e-carol', 'the server labels as e2e-carol');
      await shot(page, env, 'annotator');
      await api(env, 'set_annotator', { name: 'e2e-alice' });
      // label text is untrusted too: a note and an annotator name carrying markup stay text
      await api(env, 'label', { id: ids[1], step: null, set: 'note', value: IMG });
      await api(env, 'set_annotator', { name: SCRIPT.slice(0, 100).replace(/\n/g, ' ') });
      try {
        await api(env, 'label', { id: ids[1], step: null, set: 'verdict', value: 'unsure' });
      } finally {
        await api(env, 'set_annotator', { name: 'e2e-alice' });
      }
      await open(page, env, `#/t/${ids[1]}`);
      const panel = await panelReady(page);
      await until(async () => (await panel.getByTestId('label-note').inputValue()) === IMG, 'the note shown as text');
      assert((await panel.getByTestId('label-others').first().textContent()).includes('<'), 'the odd annotator name shown as text');
      const st = await page.evaluate(() => ({ xss: window.__xss, imgs: document.querySelectorAll('img').length }));
      assert(st.xss === undefined && st.imgs === 0, `no markup from labels: ${JSON.stringify(st)}`);
    },
  },
  {
    name: 'label-sets',
    // the bad definitions are answered with 400 (the message is the point of the test)
    allowConsole: [/status of 400/],
    async run(page, env) {
      await open(page, env, '#/review');
      const card = page.getByTestId('labelsets');
      await card.locator('[data-testid="labelset-row"][data-set="verdict"]').waitFor();
      const result = card.getByTestId('labelset-result');
      // a select set without values: the server's message, nothing defined
      await card.getByTestId('labelset-name').fill('tags');
      await card.getByTestId('labelset-kind').selectOption('multi');
      await card.getByTestId('labelset-define').click();
      await until(async () => (await result.getAttribute('data-error')) === 'true', 'an error for a multi-select without values');
      const msg = await result.textContent();
      assert(msg.includes("label set 'tags' (multi) needs at least one value"), `the server's message: ${msg}`);
      assert(!(await api(env, 'label_sets')).some((s) => s.name === 'tags'), 'nothing defined');
      await shot(page, env, 'labelset-error');
      // a multi-select for trajectories and steps
      await card.getByTestId('labelset-values').fill('needs_context, good_example, flaky');
      await card.getByTestId('labelset-level').selectOption('both');
      await card.getByTestId('labelset-define').click();
      await until(async () => (await result.getAttribute('data-error')) === 'false', 'tags defined');
      await card.locator('[data-testid="labelset-row"][data-set="tags"]').waitFor();
      // a 1–5 rating
      await card.getByTestId('labelset-name').fill('difficulty');
      await card.getByTestId('labelset-kind').selectOption('rating');
      await card.getByTestId('labelset-description').fill('how hard was the issue?');
      await card.getByTestId('labelset-define').click();
      await until(async () => (await result.textContent()).includes('defined difficulty: rating 1–5'), `difficulty defined: ${await result.textContent()}`);
      const sets = await api(env, 'label_sets');
      const diff = sets.find((s) => s.name === 'difficulty');
      const tags = sets.find((s) => s.name === 'tags');
      assert(diff && diff.kind === 'rating' && diff.min === 1 && diff.max === 5 && diff.level === 'trajectory', `difficulty stored: ${JSON.stringify(diff)}`);
      assert(tags && tags.kind === 'multi' && tags.level === 'both' && tags.values.join() === 'needs_context,good_example,flaky', `tags stored: ${JSON.stringify(tags)}`);
      // the agreement table knows the new sets too
      await page.locator('[data-testid="agreement-row"][data-set="difficulty"]').waitFor();
      await card.scrollIntoViewIfNeeded();
      await shot(page, env, 'labelsets');

      // a trajectory, without reloading the page: the panel has both sets; label by keyboard
      const id = (await api(env, 'search', { query: '', limit: 1, offset: 60, sort: null, snippets: false })).hits[0].id;
      await page.evaluate((h) => {
        location.hash = h;
      }, `#/t/${id}`);
      let panel = await panelReady(page);
      await panel.locator('[data-testid="label-set"][data-set="difficulty"]').waitFor();
      const activeSet = async () => panel.locator('[data-testid="label-set"][data-active="true"]').getAttribute('data-set');
      /** l, then waits for the active set to change; returns the new one. */
      const nextSet = async () => {
        const before = await activeSet();
        await page.keyboard.press('l');
        return until(async () => {
          const a = await activeSet();
          return a !== before && a;
        }, 'the next set after l');
      };
      const gotoSet = async (name) => {
        for (let i = 0; i < 12 && (await activeSet()) !== name; i++) await nextSet();
        assert((await activeSet()) === name, `l reaches ${name}`);
      };
      await gotoSet('difficulty');
      await page.keyboard.press('4');
      await settled(page);
      assert((await myLabel(env, id, 'difficulty')) === 4, 'difficulty 4 stored (API)');
      await gotoSet('tags');
      await page.keyboard.press('1');
      await page.keyboard.press('3');
      await settled(page);
      assert(JSON.stringify(await myLabel(env, id, 'tags')) === '["needs_context","flaky"]', `tags stored: ${JSON.stringify(await myLabel(env, id, 'tags'))}`);
      assert((await chosen(panel, 'tags', 'flaky').getAttribute('data-chosen')) === 'true', 'flaky shown chosen');
      // the query language sees the new set at once
      const n = (await api(env, 'search', { query: 'label:difficulty=4', limit: 10, offset: 0, sort: null, snippets: false })).total;
      assert(Number(n) >= 1, `label:difficulty=4 matches: ${n}`);
      await shot(page, env, 'labelset-panel');

      // a set with labels cannot change its kind: the server says so
      await page.evaluate(() => {
        location.hash = '#/review';
      });
      await card.locator('[data-testid="labelset-row"][data-set="difficulty"]').getByTestId('labelset-edit').click();
      assert((await card.getByTestId('labelset-name').inputValue()) === 'difficulty', 'edit fills the form');
      assert((await card.getByTestId('labelset-define').textContent()).includes('Update difficulty'), 'the button says update');
      await card.getByTestId('labelset-kind').selectOption('single');
      await card.getByTestId('labelset-values').fill('easy hard');
      await card.getByTestId('labelset-define').click();
      await until(async () => (await result.getAttribute('data-error')) === 'true', 'kind change refused');
      assert((await result.textContent()).includes('its kind cannot change from rating to single'), `kind change message: ${await result.textContent()}`);

      // from a file (the CLI's format): a file with one bad set defines none
      const bad = join(env.work, 'sets-bad.json');
      writeFileSync(bad, JSON.stringify({ sets: [{ name: 'clarity', kind: 'rating', min: 1, max: 3 }, { name: 'Bad Name', kind: 'text' }] }));
      await card.getByTestId('labelset-file').setInputFiles(bad);
      await until(async () => (await result.getAttribute('data-error')) === 'true' && (await result.textContent()).includes('sets-bad.json'), 'bad file refused');
      assert((await result.textContent()).includes("bad label set name 'Bad Name'"), `bad file message: ${await result.textContent()}`);
      assert(!(await api(env, 'label_sets')).some((s) => s.name === 'clarity'), 'nothing defined from the bad file');
      const good = join(env.work, 'sets.json');
      writeFileSync(
        good,
        JSON.stringify({
          sets: [
            { name: 'clarity', kind: 'rating', min: 1, max: 3, description: 'is the fix readable?' },
            { name: 'root_cause', kind: 'single', level: 'step', values: ['misread_issue', 'wrong_file'] },
          ],
        }),
      );
      await card.getByTestId('labelset-file').setInputFiles(good);
      await until(async () => (await result.textContent()).includes('defined 2 label sets: clarity, root_cause'), `file defined: ${await result.textContent()}`);
      const after = await api(env, 'label_sets');
      assert(after.find((s) => s.name === 'root_cause')?.level === 'step', 'root_cause is a step set');
      await card.locator('[data-testid="labelset-row"][data-set="root_cause"]').waitFor();
      // a step-level set from the file is offered on a step (w) in the panel
      await page.evaluate((h) => {
        location.hash = h;
      }, `#/t/${id}`);
      panel = await panelReady(page);
      assert((await panel.locator('[data-testid="label-set"][data-set="root_cause"]').count()) === 0, 'a step set is not offered for the trajectory');
      await page.keyboard.press('j');
      await page.keyboard.press('w');
      await panel.locator('[data-testid="label-set"][data-set="root_cause"]').waitFor();
      await panel.locator('[data-testid="label-set"][data-set="root_cause"] .lp-set-name').click();
      await until(async () => (await activeSet()) === 'root_cause', 'root_cause active');
      await page.keyboard.press('2');
      await settled(page);
      const l = await api(env, 'labels_for', { id });
      assert(l.current.some((c) => c.set === 'root_cause' && c.step === 1 && c.value === 'wrong_file'), `root_cause on step 1: ${JSON.stringify(l.current)}`);
      const mark = page.locator('[data-testid="step"][data-index="1"] [data-testid="step-mark"]');
      await until(async () => ((await mark.count()) === 1 ? (await mark.textContent()).includes('root_cause: wrong_file') : false), 'step 1 marked');
      await shot(page, env, 'labelset-step');
    },
  },
  // Issue 16: a page served from another port of 127.0.0.1 (the same site for SameSite cookies)
  // form-posts label_bulk as text/plain, and fetches it with credentials: nothing is labelled.
  {
    name: 'cross-port-form-post',
    // CORP blocks the no-cors fetch's answer; the 401 page has no favicon.
    allowConsole: [/status of 40[134]/, /Unauthorized|Forbidden/, /ERR_BLOCKED_BY_RESPONSE/],
    async run(page, env) {
      await open(page, env, '#/search');
      await until(() => count(page), 'a result count');
      // The token left the address bar for sessionStorage; no cookie carries it.
      assert(!page.url().includes('token='), `the address bar has no token: ${page.url()}`);
      assert((await page.evaluate(() => sessionStorage.getItem('trawl_token'))) === env.token, 'the token is in sessionStorage');
      const cookies = await page.context().cookies(env.url);
      assert(!cookies.some((c) => c.value.includes(env.token)), `no cookie holds the token: ${JSON.stringify(cookies)}`);
      const rejects = async () => (await api(env, 'search', { query: 'label:verdict=reject', limit: 1 })).total;
      const before = await rejects();
      const payload = JSON.stringify({ method: 'label_bulk', params: { query: '', set: 'verdict', value: 'reject' } });
      // text/plain forms send `name=value`: the name holds the JSON up to a string that `=` and the value close.
      const name = `${payload.slice(0, -1)},"x":"`;
      const html = `<!doctype html><title>elsewhere</title>
<form method="POST" action="${env.url}/api" enctype="text/plain"><input type="hidden" name='${name}' value='"}'></form>
<script>
fetch(${JSON.stringify(`${env.url}/api`)}, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(payload)} })
  .catch(() => {})
  .finally(() => document.forms[0].submit());
</script>`;
      const evil = await attackerPage(html);
      try {
        await page.goto(evil.url);
        await page.waitForURL(/\/api$/, { timeout: 15000 });
        const shown = (await page.locator('body').textContent()) ?? '';
        assert(!/"count"/.test(shown), `the form post was answered with a write: ${shown.slice(0, 200)}`);
        await new Promise((r) => setTimeout(r, 300));
        const after = await rejects();
        assert(after === before, `a page on another port labelled ${after - before} trajectories "reject"`);
      } finally {
        await evil.close();
      }
    },
  },
  // Issue 16: a page on another port navigates to the app with 3,000 nested parentheses in the
  // query. The app shows the query and does not run it; the server stays up; run, it is an error.
  {
    name: 'killing-link',
    allowConsole: [/status of (400|413|503)/],
    async run(page, env) {
      await open(page, env, '#/search');
      await until(() => count(page), 'a result count');
      const deep = `${'('.repeat(3000)}x${')'.repeat(3000)}`;
      const link = `${env.url}/#/search?q=${encodeURIComponent(deep)}`;
      const evil = await attackerPage(`<!doctype html><title>elsewhere</title><script>location.href = ${JSON.stringify(link)};</script>`);
      try {
        await page.goto(evil.url);
        await page.waitForURL((u) => u.toString().startsWith(`${env.url}/#/search`), { timeout: 15000 });
        const confirm = page.getByTestId('confirm-query');
        await confirm.waitFor({ timeout: 10000 });
        const text = (await page.getByTestId('confirm-query-text').textContent()) ?? '';
        assert(text.startsWith('((((((((((') , `the query is shown: ${text.slice(0, 40)}`);
        assert((await page.getByTestId('search-input').inputValue()) === deep, 'the query is in the search box');
        assert((await page.getByTestId('result-row').count()) === 0, 'no search ran');
        await shot(page, env, 'killing-link-confirm');
        assert((await api(env, 'stats')).trajectories > 0, 'the server is up');
        // The user runs it anyway: an error on screen, and the server stays up.
        await page.getByTestId('confirm-query-run').click();
        await page.getByTestId('query-error').waitFor({ timeout: 20000 });
        assert((await api(env, 'stats')).trajectories > 0, 'the server is up after the query ran');
        // The app's own URLs run directly (no confirmation on a query the app made).
        await typeQuery(page, 'resolved:true');
        await until(async () => (await count(page)) !== null && !(await confirm.isVisible()), 'the typed query runs');
        await page.reload();
        await page.locator('.app').waitFor();
        await until(() => count(page), 'the reloaded app-made URL runs without asking');
        assert(!(await confirm.isVisible()), 'no confirmation for a URL the app made');
      } finally {
        await evil.close();
      }
    },
  },
  {
    name: 'invalid-query-requests',
    // the invalid queries answer 400
    allowConsole: [/status of 400/],
    async run(page, env) {
      const sent = [];
      page.on('request', (r) => {
        if (new URL(r.url()).pathname === '/api') sent.push({ at: Date.now(), body: r.postData() ?? '' });
      });
      // opening an invalid query: it is asked once, its error shown, and not asked again
      const opened = Date.now();
      await open(page, env, '#/search?q=foo:bar');
      await until(async () => (await page.getByTestId('result-count').textContent()) === 'query error', 'the query error');
      await page.getByTestId('query-error').waitFor();
      await new Promise((r) => setTimeout(r, Math.max(0, opened + 5000 - Date.now())));
      const afterOpen = sent.filter((s) => s.at - opened <= 5000);
      console.log(`  opening #/search?q=foo:bar: ${afterOpen.length} requests to /api in 5 s`);
      assert(afterOpen.length <= 3, `${afterOpen.length} requests to /api in 5 s after opening #/search?q=foo:bar: ${afterOpen.slice(0, 5).map((s) => s.body).join(' | ')}`);
      // typing a query that ends invalid: debounced, and silent once its error is known
      const typed = Date.now();
      await typeQuery(page, 'flag:loop steps:>');
      await until(async () => /column 17/.test((await page.getByTestId('query-error').textContent()) ?? ''), 'the error of steps:>');
      await new Promise((r) => setTimeout(r, Math.max(0, typed + 5000 - Date.now())));
      const afterTyping = sent.filter((s) => s.at >= typed && s.at - typed <= 5000);
      console.log(`  typing flag:loop steps:>: ${afterTyping.length} requests to /api in 5 s`);
      assert(afterTyping.length <= 3, `${afterTyping.length} requests to /api in 5 s while typing flag:loop steps:>`);
      // a valid query again: answered
      await typeQuery(page, 'flag:loop steps:>1');
      await until(async () => (await count(page)) !== null, 'results again');
      await shot(page, env, 'invalid-query-requests');
    },
  },
  {
    name: 'failed-label-write',
    // the stopped server: failed requests are logged by the browser
    allowConsole: [/Failed to load resource|ERR_CONNECTION_REFUSED/],
    async run(page, env) {
      // Twice, each on a server of its own (same database) stopped mid-test: from the result list,
      // and in a labelling queue (where Enter would move to the queue's next trajectory).
      for (const mode of ['list', 'queue']) {
        const own = await env.spawnServer();
        const q = mode === 'queue' ? 'flag:loop' : '';
        await page.goto(`${own.url}/?token=${encodeURIComponent(env.token)}#/search?q=${encodeURIComponent(q)}`);
        await page.locator('.app').waitFor();
        await until(() => count(page), 'a result count');
        if (mode === 'queue') {
          await page.locator('body').press('q');
          await page.getByTestId('queue-form').waitFor();
          await page.getByTestId('queue-kind').selectOption('all');
          await page.getByTestId('queue-start').click();
          await page.getByTestId('trajectory-view').waitFor();
        } else {
          await page.getByTestId('result-row').nth(7).click();
        }
        const panel = await panelReady(page);
        if (mode === 'queue') await until(async () => (await queueCounts(page)).total > 0, 'queue progress shown');
        const progress = mode === 'queue' ? await queueCounts(page) : null;
        const first = await trajId(page);
        const before = await myLabel(env, first, 'verdict');
        const [key, value] = before === 'reject' ? ['3', 'unsure'] : ['2', 'reject'];
        own.proc.kill('SIGKILL');
        await new Promise((resolve) => (own.proc.exitCode !== null || own.proc.signalCode !== null ? resolve() : own.proc.once('exit', resolve)));
        // not saved, so not shown as saved
        await page.keyboard.press(key);
        await settled(page);
        const banner = page.getByTestId('write-failed');
        await until(async () => (await banner.count()) > 0 && (await banner.first().isVisible()), `${mode}: a banner naming the lost write`);
        const text = await banner.first().textContent();
        assert(/not saved/i.test(text) && text.includes(`verdict = ${value}`), `${mode}: the banner names what was lost: ${text}`);
        assert(/not reachable/.test(text) && /trawl serve/.test(text), `${mode}: the banner says why in a sentence: ${text}`);
        assert(!/Failed to fetch|TypeError/.test(text), `${mode}: no raw fetch error: ${text}`);
        const status = await page.getByTestId('label-status').textContent();
        assert(!/Failed to fetch|TypeError/.test(status), `${mode}: no raw fetch error in the panel: ${status}`);
        assert((await chosen(panel, 'verdict', value).getAttribute('data-chosen')) !== 'true', `${mode}: ${value} is not shown as chosen`);
        const mine = panel.locator('[data-testid="label-set"][data-set="verdict"] [data-testid="label-mine"]');
        assert(!((await mine.count()) > 0 && (await mine.textContent()).includes(value)), `${mode}: no "you: ${value}"`);
        // the next key does not move on silently
        await page.keyboard.press('Enter');
        await new Promise((r) => setTimeout(r, 1500));
        assert((await trajId(page)) === first, `${mode}: still on the same trajectory after Enter`);
        if (progress) {
          const now = await queueCounts(page);
          assert(now.done === progress.done, `${mode}: the queue did not count the lost label (${now.done} vs ${progress.done})`);
        }
        assert((await banner.count()) > 0, `${mode}: the banner stays`);
        assert((await myLabel(env, first, 'verdict')) === before, `${mode}: nothing was stored (API of the shared server)`);
        await shot(page, env, `failed-label-write-${mode}`);
        if (mode === 'list') {
          // the server back where it was: retry saves the label, and the banner goes
          const again = await env.spawnServer(Number(new URL(own.url).port));
          await page.getByTestId('write-retry').first().click();
          await until(async () => (await banner.count()) === 0, `${mode}: the banner gone after a retry`);
          assert((await myLabel(env, first, 'verdict')) === value, `${mode}: the retried label is stored (API)`);
          await until(async () => (await chosen(panel, 'verdict', value).getAttribute('data-chosen')) === 'true', `${mode}: ${value} shown once saved`);
          // put the database back as it was for the queue part and later tests
          await api(env, 'clear_label', { id: first, step: null, set: 'verdict' });
          if (before !== undefined) await api(env, 'label', { id: first, step: null, set: 'verdict', value: before });
          again.proc.kill('SIGTERM');
        } else {
          // dismissed, it is gone
          await page.getByTestId('write-dismiss').first().click();
          await until(async () => (await banner.count()) === 0, `${mode}: the banner dismissed`);
        }
      }
    },
  },
  {
    name: 'wrong-token',
    // the refused calls are logged by the browser
    allowConsole: [/status of 401/],
    async run(page, env) {
      // no cookie, and a token that is not the server's: every call is refused (401)
      await page.context().clearCookies();
      await page.goto(`${env.url}/?token=not-the-token#/search`);
      await page.locator('.app').waitFor();
      const err = page.getByTestId('query-error');
      await err.waitFor();
      const text = await err.textContent();
      assert(/access token is missing or wrong/.test(text) && /trawl serve/.test(text), `a 401 says the token is missing or wrong: ${text}`);
      await shot(page, env, 'wrong-token');
    },
  },
];

/** Serves one HTML page from another port of 127.0.0.1 (a notebook, a dev server): {url, close}. */
async function attackerPage(html) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  const close = () =>
    new Promise((r) => {
      server.close(() => r());
      server.closeAllConnections(); // the browser's idle keep-alive connections
    });
  return { url: `http://127.0.0.1:${port}/`, close };
}
