// End-to-end tests of subsets: the form, the lineage funnel, members, duplicates, export.
// Run in order by run.mjs (see the list there); each test gets a fresh page and the server's env.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, until, open, shot, api } from './helpers.mjs';

export const tests = [
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
      // sft-chat lines carry the record's fields unless "messages and tools only" is ticked
      const sftOut = join(env.work, 'export-e2e-sft-bare');
      await page.getByTestId('export-format').selectOption('sft-chat');
      await page.getByTestId('export-bare').check();
      await page.getByTestId('export-out').fill(sftOut);
      await page.getByTestId('export-run').click();
      await until(async () => ((await page.getByTestId('export-result').textContent().catch(() => '')) ?? '').includes('data.jsonl'), 'the sft-chat export');
      const sm = JSON.parse(readFileSync(join(sftOut, 'manifest.json'), 'utf8'));
      const first = JSON.parse(readFileSync(join(sftOut, 'data.jsonl'), 'utf8').split('\n')[0]);
      assert(sm.sft_lines === 1 && Object.keys(first).join(',') === 'messages,tools', `bare sft-chat: ${sm.sft_lines} ${Object.keys(first)}`);
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
];
