// End-to-end tests of labelling from the keyboard and the labelling queue.
// Run in order by run.mjs (see the list there); each test gets a fresh page and the server's env.

import { assert, until, open, count, shot, api, myLabel, trajId, panelReady, settled, chosen, queueCounts } from './helpers.mjs';

export const tests = [
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
];
