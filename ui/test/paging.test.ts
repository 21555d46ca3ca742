import { describe, expect, it } from 'vitest';
import { PageCache, pageRange, pagesFor } from '../src/lib/paging';

describe('paging', () => {
  it('finds the pages covering a row range, clamped to the total', () => {
    expect(pagesFor(0, 29, 100000)).toEqual([0]);
    expect(pagesFor(190, 230, 100000)).toEqual([0, 1]);
    expect(pagesFor(99990, 100050, 100000)).toEqual([499]);
    expect(pagesFor(0, 10, 0)).toEqual([]);
    expect(pagesFor(500, 600, 300)).toEqual([]);
    expect(pagesFor(-5, 3, 10)).toEqual([0]);
  });

  it('computes offset and limit, the last page short', () => {
    expect(pageRange(0, 1000)).toEqual({ offset: 0, limit: 200 });
    expect(pageRange(4, 1000)).toEqual({ offset: 800, limit: 200 });
    expect(pageRange(2, 450)).toEqual({ offset: 400, limit: 50 });
    expect(pageRange(3, 450)).toEqual({ offset: 600, limit: 0 });
  });

  it('caches rows by absolute index and reports what is missing', () => {
    const c = new PageCache<number>(200, 3);
    c.put(0, Array.from({ length: 200 }, (_, i) => i));
    c.put(2, Array.from({ length: 200 }, (_, i) => 400 + i));
    expect(c.row(0)).toBe(0);
    expect(c.row(199)).toBe(199);
    expect(c.row(200)).toBeUndefined();
    expect(c.row(450)).toBe(450);
    expect(c.missing([0, 1, 2, 3], new Set([3]))).toEqual([1]);
    expect(c.indexOf((r) => r === 420)).toBe(420);
  });

  it('evicts the least recently used pages, never the wanted ones', () => {
    const c = new PageCache<number>(10, 2);
    c.put(0, [0]);
    c.put(1, [10]);
    c.row(0); // touch page 0
    c.put(2, [20]);
    expect(c.has(0)).toBe(true);
    expect(c.has(1)).toBe(false);
    expect(c.has(2)).toBe(true);
    c.put(3, [30], [0, 2]);
    expect(c.size).toBe(3);
    expect(c.has(0) && c.has(2) && c.has(3)).toBe(true);
  });
});
