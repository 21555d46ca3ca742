// End-to-end tests of the review view (agreement, adjudication, import / export) and label sets.
// Run in order by run.mjs (see the list there); each test gets a fresh page and the server's env.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMG, SCRIPT } from './xss-fixture.mjs';
import { assert, until, open, shot, api, myLabel, panelReady, settled, chosen } from './helpers.mjs';

export const tests = [
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
];
