// The request discipline of the Explorer: typing is debounced, an unchanged text is not asked
// again, and a result list whose query failed sends nothing more until the query changes.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debouncer } from '../src/lib/debounce';
import { pagesToFetch } from '../src/lib/paging';
import { ResultList } from '../src/state/results';

describe('debouncer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('commits a burst of keys once, after the pause', () => {
    const got: string[] = [];
    const d = debouncer(150, (q) => got.push(q), '');
    for (const prefix of ['f', 'fl', 'fla', 'flag', 'flag:', 'flag:l', 'flag:loop steps:>']) {
      d.schedule(prefix);
      vi.advanceTimersByTime(20);
    }
    expect(got).toEqual([]);
    vi.advanceTimersByTime(150);
    expect(got).toEqual(['flag:loop steps:>']);
  });

  it('never commits the same text twice in a row, and not the text that came from the URL', () => {
    const got: string[] = [];
    const d = debouncer(150, (q) => got.push(q), 'foo:bar');
    d.flush('foo:bar');
    d.schedule('foo:bar');
    vi.advanceTimersByTime(500);
    expect(got).toEqual([]);
    d.flush('a');
    d.flush('a');
    expect(got).toEqual(['a']);
    d.reset('b');
    d.flush('b');
    expect(got).toEqual(['a']);
    d.schedule('c');
    d.cancel();
    vi.advanceTimersByTime(500);
    expect(got).toEqual(['a']);
  });
});

describe('pagesToFetch', () => {
  it('asks for missing pages up to the in-flight bound', () => {
    expect(pagesToFetch([0, 1, 2, 3, 4], 0, new Set(), false, 3)).toEqual([0, 1, 2]);
    expect(pagesToFetch([3, 4], 2, new Set(), false, 3)).toEqual([3]);
    expect(pagesToFetch([3, 4], 3, new Set(), false, 3)).toEqual([]);
  });

  it('never repeats a failed page, and asks nothing once the first page failed', () => {
    expect(pagesToFetch([0], 0, new Set([0]), false, 3)).toEqual([]);
    expect(pagesToFetch([1, 2], 0, new Set([1]), false, 3)).toEqual([2]);
    expect(pagesToFetch([0, 1, 2], 0, new Set(), true, 3)).toEqual([]);
  });
});

describe('ResultList over a refusing server', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('asks an invalid query once and then waits for a new query', async () => {
    // The transport boundary only: every POST /api answers what trawl serve answers for foo:bar.
    let requests = 0;
    vi.stubGlobal('fetch', async () => {
      requests++;
      // a list that retried forever would starve the test: past 100, never answer
      if (requests > 100) await new Promise(() => {});
      await new Promise((r) => setTimeout(r, 0));
      return new Response(JSON.stringify({ code: 'bad_query', message: "query error at column 1: unknown field 'foo'", column: 1 }), {
        status: 400,
        headers: { 'content-type': 'application/json' },
      });
    });
    const list = new ResultList('foo:bar', 'relevance');
    // disposed whatever happens: a list that kept asking would go on after the test
    try {
      for (let i = 0; i < 50; i++) {
        await new Promise((r) => setTimeout(r, 1));
        list.ensure(0, 30);
      }
      expect(requests).toBe(1);
      expect(list.error?.code).toBe('bad_query');
      expect(list.error?.column).toBe(1);
      // a failed list answers at once (no wait for a page that will not come)
      expect(await Promise.race([list.rowAt(0), new Promise((r) => setTimeout(() => r('still waiting'), 500))])).toBeUndefined();
      expect(requests).toBe(1);
    } finally {
      list.dispose();
    }
  });

  it('reports an unreachable server as a sentence and does not hammer it', async () => {
    let requests = 0;
    vi.stubGlobal('fetch', async () => {
      requests++;
      if (requests > 100) await new Promise(() => {});
      await new Promise((r) => setTimeout(r, 0));
      throw new TypeError('Failed to fetch');
    });
    const list = new ResultList('', 'relevance');
    try {
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 1));
      expect(requests).toBe(1);
      expect(list.error?.message).toMatch(/^Trawl is not reachable/);
    } finally {
      list.dispose();
    }
  });
});
