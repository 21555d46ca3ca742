// Helpers shared by the end-to-end spec files (*.spec.mjs): polling, opening the app, the API
// from the test, the label panel and queue, a page served from another port.

import { createServer } from 'node:http';
import { join } from 'node:path';
import { WORD } from './xss-fixture.mjs';

export function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

/** Polls fn until it returns a truthy value (returned) or the timeout passes. */
export async function until(fn, what, timeout = 10000) {
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

export async function open(page, env, hash) {
  await page.goto(`${env.url}/?token=${encodeURIComponent(env.token)}${hash}`);
  await page.locator('.app').waitFor();
}

export async function count(page) {
  const t = await page.getByTestId('result-count').textContent();
  const m = t.replace(/,/g, '').match(/^(\d+) traject/);
  return m ? Number(m[1]) : null;
}

export async function shot(page, env, name) {
  await page.screenshot({ path: join(env.artifacts, `${name}.png`) });
}

export async function typeQuery(page, q) {
  const input = page.getByTestId('search-input');
  await input.click();
  await input.fill('');
  await input.pressSequentially(q, { delay: 10 });
}

export async function openXss(page, env) {
  await open(page, env, `#/search?q=${WORD}`);
  await until(async () => (await count(page)) === 2, 'two xss rows');
  await page.getByTestId('result-row').first().click();
  await page.getByTestId('trajectory-view').waitFor();
  await allStepsShown(page);
}

/** Waits until every step of the open trajectory is rendered (it arrives in two parts). */
export async function allStepsShown(page) {
  const view = page.getByTestId('trajectory-view');
  await until(async () => {
    const declared = Number(((await view.locator('.timeline h2').textContent()) ?? '').match(/\((\d+)\)/)?.[1] ?? -1);
    return declared >= 0 && (await page.getByTestId('step').count()) === declared;
  }, 'all steps rendered');
}

/** Calls the API from the test (Bearer token and the app's Origin), as the app does. */
export async function api(env, method, params = {}) {
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
export async function myLabel(env, id, set) {
  const l = await api(env, 'labels_for', { id });
  return l.current.find((c) => c.annotator === l.annotator && c.set === set && c.step === null)?.value;
}

export async function trajId(page) {
  return page.getByTestId('trajectory-view').getAttribute('data-id');
}

/** Waits for the label panel of the shown trajectory to have its sets and labels. */
export async function panelReady(page) {
  const panel = page.getByTestId('label-panel');
  await panel.waitFor();
  await until(async () => !(await page.getByTestId('label-annotator').textContent()).includes('…'), 'labels loaded');
  await panel.locator('[data-testid="label-set"][data-active="true"]').waitFor();
  return panel;
}

export async function settled(page) {
  await until(async () => (await page.getByTestId('label-panel').getAttribute('data-pending')) === '0', 'label writes landed');
}

export function chosen(panel, set, value) {
  return panel.locator(`[data-testid="label-set"][data-set="${set}"] [data-testid="label-value"][data-value="${value}"]`);
}

export async function queueCounts(page) {
  const q = page.getByTestId('queue-progress').first();
  return { done: Number(await q.getAttribute('data-done')), total: Number(await q.getAttribute('data-total')) };
}

/** Serves one HTML page from another port of 127.0.0.1 (a notebook, a dev server): {url, close}. */
export async function attackerPage(html) {
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
