// End-to-end tests of attacks from other pages, failed writes and a wrong token.
// Run in order by run.mjs (see the list there); each test gets a fresh page and the server's env.

import { assert, until, open, count, shot, typeQuery, api, myLabel, trajId, panelReady, settled, chosen, queueCounts, attackerPage } from './helpers.mjs';

export const tests = [
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
